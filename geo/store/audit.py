"""The append-only audit log: every row carries the hash of the row before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from geo import clock
from geo.store.records import get_setting, put_setting
from geo.store.schema import audit

GENESIS = "0" * 64


def _row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    fields = {
        k: row[k]
        for k in ("at", "actor", "role", "action", "object_type", "object_id", "count", "detail")
    }
    fields["at"] = fields["at"].isoformat(timespec="microseconds")
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    role: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    count: int | None = None,
    detail: dict[str, Any] | None = None,
    changes_data: bool = True,
) -> int:
    """Write one audit row chained to the last one, and bump the data version unless the
    action only read or signed in (``changes_data=False``: caches stay warm).

    Runs inside the caller's write transaction, so the change and its audit row commit
    together or not at all.
    """
    last = conn.execute(select(audit.c.hash).order_by(audit.c.id.desc()).limit(1)).scalar()
    row: dict[str, Any] = {
        "at": clock.utc_now(),
        "actor": actor,
        "role": role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "count": count,
        "detail": None
        if detail is None
        else json.dumps(detail, ensure_ascii=False, sort_keys=True),
    }
    prev = last or GENESIS
    row["prev_hash"] = prev
    row["hash"] = _row_hash(prev, row)
    new_id = conn.execute(audit.insert().values(**row).returning(audit.c.id)).scalar_one()
    put_setting(conn, "audit_head", f"{new_id}:{row['hash']}")
    if changes_data:
        bump_data_version(conn)
    return int(new_id)


def verify(conn: Connection) -> int | None:
    """Return the id of the first row that breaks the chain (edited, or after a deletion),
    or of the last row written when rows at the end were removed; None when all holds."""
    prev = GENESIS
    last_id = 0
    for row in conn.execute(select(audit).order_by(audit.c.id)).mappings():
        if row["prev_hash"] != prev or _row_hash(prev, dict(row)) != row["hash"]:
            return int(row["id"])
        prev = row["hash"]
        last_id = int(row["id"])
    head = get_setting(conn, "audit_head")
    if head is not None:
        head_id, head_hash = head.split(":", 1)
        if int(head_id) != last_id or head_hash != prev:
            return int(head_id)
    return None


def data_version(conn: Connection) -> int:
    """A counter that grows with every change; caches key on it."""
    return int(get_setting(conn, "data_version") or 0)


def bump_data_version(conn: Connection) -> None:
    put_setting(conn, "data_version", str(data_version(conn) + 1))


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit)).scalar_one())


def entries(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest rows first, filtered by actor name, action prefix and time."""
    statement = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor:
        statement = statement.where(audit.c.actor == actor)
    if action:
        statement = statement.where(audit.c.action.startswith(action, autoescape=True))
    if since is not None:
        statement = statement.where(audit.c.at >= since)
    if until is not None:
        statement = statement.where(audit.c.at < until)
    return [dict(r) for r in conn.execute(statement).mappings()]
