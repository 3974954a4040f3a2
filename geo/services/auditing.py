"""The audit log: the one way services write it (``record`` inside a write transaction,
``audited`` around one, ``record_view`` for a look at records), and, for admins, checking
the chain and reading the entries.

Every audit row names the actor and role from the ``Actor``; a row about a change bumps the
data version in the same transaction (caches keyed on it go cold), a row about a read, an
export or a sign-in does not (``changes_data=False``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from geo.services.access import Actor, require
from geo.store import audit

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    count: int | None = None,
    detail: dict[str, Any] | None = None,
    changes_data: bool = True,
) -> int:
    """Append one audit row for ``actor`` inside the caller's write transaction (the change
    and its row commit together or not at all); returns the row's id. ``object_id`` is
    stored as text, at most 64 characters."""
    return audit.append(
        conn,
        actor=actor.name,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        count=count,
        detail=detail,
        changes_data=changes_data,
    )


@dataclass
class Audited:
    """The open write transaction of ``audited`` and the row it will append: set ``count``
    and ``detail`` (or ``object_id``) as the work finds them; ``skip()`` when nothing was
    done and no row is due."""

    conn: Connection
    object_id: object = None
    count: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def skip(self) -> None:
        self.skipped = True


@contextmanager
def audited(
    opened: Opened,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    changes_data: bool = True,
) -> Iterator[Audited]:
    """A write transaction whose work ends with its audit row: ``with audited(opened,
    actor, "move.out", object_type="residence") as done: ...; done.detail = {...}``. An
    exception inside rolls back the work and writes no row."""
    with opened.db.write() as conn:
        done = Audited(conn, object_id=object_id)
        yield done
        if not done.skipped:
            record(
                conn,
                actor,
                action,
                object_type=object_type,
                object_id=done.object_id,
                count=done.count,
                detail=done.detail or None,
                changes_data=changes_data,
            )


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
        record(
            conn,
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            count=count,
            detail=detail,
            changes_data=False,
        )


def verify_audit(opened: Opened, actor: Actor) -> dict[str, Any]:
    """What the chain proves (admins only): {"ok", "rows", "anchored"} and, when it does not
    hold, "first_bad_row". ``ok`` means every row's keyed hash (HMAC-SHA256 under the key
    file's audit key, over the row and the previous hash) checks, no row is missing between
    the first and the newest, and the head anchored beside the key file (when that file is
    there: ``anchored``) is a row of the chain: the newest, or one another writer committed
    after this check's snapshot opened (read afresh: a newest row deleted is still found),
    or one just before the newest when its writer has committed but not yet anchored."""
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
