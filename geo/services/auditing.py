"""Check the audit log: every row chained to the one before, none removed."""

from __future__ import annotations

from typing import Any

from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.store import audit


def verify_audit(opened: Opened, actor: Actor) -> dict[str, Any]:
    """{"ok": True, "rows": n} or {"ok": False, "first_bad_row": id} (admins only)."""
    require(actor, "setup")
    with opened.db.read() as conn:
        bad = audit.verify(conn)
        rows = audit.count(conn)
    return {"ok": True, "rows": rows} if bad is None else {"ok": False, "first_bad_row": bad}
