"""The audit log for admins: check the chain, read and filter the entries."""

from __future__ import annotations

from datetime import datetime
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


def audit_entries(
    opened: Opened,
    actor: Actor,
    *,
    user: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest audit rows first: who, when, what, on which object, how many (admins only).

    ``action`` matches a prefix (``import`` finds ``import.rentals`` and ``import.undo``).
    """
    require(actor, "setup")
    with opened.db.read() as conn:
        rows = audit.entries(
            conn, actor=user, action=action, since=since, until=until, limit=min(limit, 5000)
        )
    keep = ("id", "at", "actor", "role", "action", "object_type", "object_id", "count", "detail")
    return [{k: r[k] for k in keep} for r in rows]
