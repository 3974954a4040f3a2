"""The change log: every update's values before it (by an import batch or by a correction,
move or retention), and undoing a batch from it.

An updated row's previous values go to ``change_log`` (its history, and what undo restores);
an inserted row carries the batch id. Changes made outside imports (a correction on the
property file, a move, retention) go to ``change_log`` too, without a batch but with their
action, user and time (:func:`record_changes`), so that undo finds every later change to
the rows of a batch and refuses to override it unknowingly. Everything here runs inside the
caller's one write transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from geo import clock
from geo.errors import ConflictError, NotFoundError
from geo.i18n import Term
from geo.store.batches import batch_row, close_batch
from geo.store.schema import (
    change_log,
    employment,
    import_batch,
    landlord,
    metadata,
    person,
    property_,
    residence,
    visit,
    worksite,
)

TABLES: dict[str, Table] = {
    t.name: t for t in (property_, landlord, worksite, person, residence, employment, visit)
}
"""The tables an import writes and an undo restores, by name."""
# Children first: the order in which an undo deletes what a batch inserted.
_DELETE_ORDER = ("visit", "employment", "residence", "person", "property", "landlord", "worksite")


def jsonable(value: Any) -> Any:
    """A stored value as the change log keeps it in JSON: dates as ISO text, bytes as hex."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    return value


def _restore(table: Table, before: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in before.items():
        python_type = table.c[column].type.python_type
        if isinstance(value, dict) and "__bytes__" in value:
            out[column] = bytes.fromhex(value["__bytes__"])
        elif value is not None and python_type is datetime:
            out[column] = datetime.fromisoformat(value)
        elif value is not None and python_type is date:
            out[column] = date.fromisoformat(value)
        else:
            out[column] = value
    return out


def record_changes(
    conn: Connection,
    table_name: str,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    action: str,
    user: str,
) -> None:
    """Note changes made outside an import: for each (row id, values before), the action
    (``property.edit``, ``move.in``, ``retention``, ...), who and when. ``before`` may be
    empty: the row was built upon (a move into a unit) or must not keep its old values
    (retention)."""
    at = clock.utc_now()
    entries = [
        {
            "batch_id": None,
            "table_name": table_name,
            "row_id": int(row_id),
            "before": json.dumps({c: jsonable(v) for c, v in before.items()}, ensure_ascii=False),
            "action": action,
            "user_name": user,
            "changed_at": at,
        }
        for row_id, before in rows
    ]
    if entries:
        conn.execute(change_log.insert(), entries)


@dataclass(frozen=True)
class LaterWork:
    """What came after a batch and builds on its rows: a later batch (``batch`` set), a
    change outside imports (``action`` set), or rows of ``table`` that point at its rows."""

    table: str
    batch: int | None = None
    action: str | None = None
    user: str | None = None
    at: datetime | None = None
    filename: str | None = None
    communities: str | None = None
    """the later batch's communities (JSON), to tell whether the actor may see it"""


class UndoRefusedError(ConflictError):
    """Undo would override or destroy later work; ``later`` says what came later."""

    def __init__(self, batch_id: int, later: LaterWork) -> None:
        self.later = later
        when = later.at.isoformat(sep=" ", timespec="minutes") if later.at else "?"
        if later.batch is not None:
            super().__init__(
                "undo_conflict",
                batch=batch_id,
                later=later.batch,
                file=later.filename or "",
                user=later.user or "",
                at=when,
            )
        elif later.action is not None:
            super().__init__(
                "undo_later_change",
                batch=batch_id,
                action=Term(f"change_{later.action}"),
                user=later.user or "",
                at=when,
            )
        else:
            super().__init__(
                "undo_used_later", batch=batch_id, table=Term(f"rows_of_{later.table}")
            )


def undo_batch(conn: Connection, batch_id: int, *, force: bool = False) -> dict[str, int]:
    """Restore the state before a batch: put back what it changed, remove what it added.

    Refused (:class:`UndoRefusedError`, naming what came later) when a later batch changed
    the same rows or builds on rows this one added (undo that one first), when rows entered
    since point at its rows, and, unless ``force``, when a change outside imports (a
    correction, a move, retention) touched its rows since: undo would override it. Values
    that retention removed are never put back, forced or not.
    """
    batch = batch_row(conn, batch_id)
    if batch is None:
        raise NotFoundError("batch_not_found", batch=batch_id)
    if batch["status"] != "committed":
        raise ConflictError("batch_already_undone", batch=batch_id)
    later = later_work(conn, batch_id)
    blocking = [w for w in later if w.action is None or not force]
    if blocking:
        raise UndoRefusedError(batch_id, blocking[0])
    forgotten = _rows_changed_by(conn, "retention")
    anonymised = select(person.c.id).where(person.c.anonymised_at.is_not(None))
    forgotten |= {("person", int(i)) for i in conn.execute(anonymised).scalars()}  # before 0009
    history = (
        conn.execute(
            select(change_log)
            .where(change_log.c.batch_id == batch_id)
            .order_by(change_log.c.id.desc())
        )
        .mappings()
        .all()
    )
    restored = 0
    for entry in history:
        if (entry["table_name"], entry["row_id"]) in forgotten:
            continue  # retention removed what this would put back
        table = TABLES[entry["table_name"]]
        values = _restore(table, json.loads(entry["before"]))
        if not values:
            continue  # nothing kept to put back (retention emptied it)
        conn.execute(table.update().where(table.c.id == entry["row_id"]).values(**values))
        restored += 1
    removed = {}
    try:
        for name in _DELETE_ORDER:
            table = TABLES[name]
            removed[name] = conn.execute(delete(table).where(table.c.batch_id == batch_id)).rowcount
    except IntegrityError as exc:
        raise ConflictError("undo_blocked", batch=batch_id) from exc
    conn.execute(delete(change_log).where(change_log.c.batch_id == batch_id))
    close_batch(conn, batch_id, status="undone", undone_at=clock.utc_now())
    overridden = len(later)
    return {
        "restored": restored,
        **({"overridden": overridden} if overridden else {}),
        **{f"removed_{k}": v for k, v in removed.items() if v},
    }


def _rows_changed_by(conn: Connection, action: str) -> set[tuple[str, int]]:
    """(table, row id) of every row a change outside imports of ``action`` touched."""
    c = change_log.c
    statement = select(c.table_name, c.row_id).where(c.batch_id.is_(None), c.action == action)
    return {(str(t), int(r)) for t, r in conn.execute(statement)}


def later_work(conn: Connection, batch_id: int) -> list[LaterWork]:
    """Everything after batch ``batch_id`` that touched or builds on its rows, in this
    order: the first later committed batch that changed them, changes outside imports
    (newest first, one per action), and rows that point at rows it added."""
    touched = select(change_log.c.table_name, change_log.c.row_id).where(
        change_log.c.batch_id == batch_id
    )
    inserted = [
        select(literal(name), TABLES[name].c.id).where(TABLES[name].c.batch_id == batch_id)
        for name in _DELETE_ORDER
    ]
    its_rows = or_(
        tuple_(change_log.c.table_name, change_log.c.row_id).in_(touched),
        *(tuple_(change_log.c.table_name, change_log.c.row_id).in_(q) for q in inserted),
    )
    own_last = (
        select(func.coalesce(func.max(change_log.c.id), 0))
        .where(change_log.c.batch_id == batch_id)
        .scalar_subquery()
    )
    b, c = import_batch.c, change_log.c
    found: list[LaterWork] = [
        LaterWork(
            table=row.table_name,
            batch=int(row.id),
            user=row.user_name,
            at=row.created_at,
            filename=row.filename,
            communities=row.communities,
        )
        for row in conn.execute(
            select(c.table_name, b.id, b.user_name, b.created_at, b.filename, b.communities)
            .join(import_batch, b.id == c.batch_id)
            .where(c.batch_id > batch_id, b.status == "committed", its_rows)
            .order_by(b.id)
            .limit(1)
        )
    ]
    seen: set[str] = set()
    for row in conn.execute(
        select(c.table_name, c.action, c.user_name, c.changed_at)
        .where(c.batch_id.is_(None), c.id > own_last, its_rows)
        .order_by(c.id.desc())
    ):
        if row.action not in seen:
            seen.add(row.action)
            found.append(
                LaterWork(
                    table=row.table_name, action=row.action, user=row.user_name, at=row.changed_at
                )
            )
    found.extend(_dependents(conn, batch_id))
    return found


def _dependents(conn: Connection, batch_id: int) -> list[LaterWork]:
    """Rows of any table, not of this batch, that point at rows this batch added (a stay
    entered by hand in an imported unit, a later batch's visit, a sweep's assignment)."""
    found: list[LaterWork] = []
    for child in metadata.sorted_tables:
        for key in child.foreign_keys:
            parent = key.column.table
            if parent.name not in TABLES or child.name == "change_log":
                continue
            own = "batch_id" in child.c
            statement = (
                select(child.c.batch_id if own else literal(None))
                .select_from(child.join(parent, child.c[key.parent.name] == parent.c.id))
                .where(parent.c.batch_id == batch_id)
                .limit(1)
            )
            if own:  # rows this batch changed get their old references back first
                restored = select(change_log.c.row_id).where(
                    change_log.c.batch_id == batch_id, change_log.c.table_name == child.name
                )
                statement = statement.where(
                    or_(child.c.batch_id.is_(None), child.c.batch_id != batch_id),
                    child.c.id.not_in(restored),
                )
            hit = conn.execute(statement).first()
            if hit is None:
                continue
            later = batch_row(conn, int(hit[0])) if hit[0] is not None else None
            if later is not None and later["status"] == "committed":
                found.append(
                    LaterWork(
                        table=child.name,
                        batch=int(later["id"]),
                        user=later["user_name"],
                        at=later["created_at"],
                        filename=later["filename"],
                        communities=later["communities"],
                    )
                )
            elif later is None:
                found.append(LaterWork(table=child.name))
    return found
