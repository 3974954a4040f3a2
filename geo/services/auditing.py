"""The audit log for admins: check the chain, read and filter the entries; and the one way
services record that someone looked at records (searches and views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.store import audit


def record_view(
    opened: Opened,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str | None = None,
    count: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write that ``actor`` searched or viewed records (``units.search``, ``view.property``,
    ``view.list``, ``view.worksite``): who, what, how many rows, never the rows themselves.
    Caches stay warm (a view changes no data)."""
    with opened.db.write() as conn:
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else object_id[:64],
            count=count,
            detail=detail,
            changes_data=False,
        )


def verify_audit(opened: Opened, actor: Actor) -> dict[str, Any]:
    """What the chain proves (admins only): {"ok", "rows", "anchored"} and, when it does not
    hold, "first_bad_row". ``ok`` means every row's keyed hash (HMAC-SHA256 under the key
    file's audit key, over the row and the previous hash) checks, no row is missing between
    the first and the newest, and the newest is the head anchored beside the key file (when
    that file is there: ``anchored``)."""
    require(actor, "setup")
    with opened.db.read() as conn:
        return audit.check(conn)


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
