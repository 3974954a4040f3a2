"""Write an import batch: find rows by natural key, insert or update them with history, undo.

An updated row's previous values go to ``change_log`` (its history, and what undo restores);
an inserted row carries the batch id. Changes made outside imports (a correction on the
property file, a move, retention) go to ``change_log`` too, without a batch but with their
action, user and time (:func:`record_changes`), so that undo finds every later change to
the rows of a batch and refuses to override it unknowingly. Everything here runs inside the
caller's one write transaction, so a batch lands whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError

from geo import clock
from geo.errors import ConflictError, NotFoundError
from geo.i18n import Term
from geo.store.records import frame_records, insert_frame, read_frame
from geo.store.schema import (
    change_log,
    employment,
    import_batch,
    landlord,
    metadata,
    person,
    property_,
    residence,
    team,
    visit,
    worksite,
)

TABLES: dict[str, Table] = {
    t.name: t for t in (property_, landlord, worksite, person, residence, employment, visit)
}
# Children first: the order in which an undo deletes what a batch inserted.
_DELETE_ORDER = ("visit", "employment", "residence", "person", "property", "landlord", "worksite")
_CHUNK = 900  # below SQLite's limit on bound parameters


def find_batch(conn: Connection, *, kind: str, sha256: str) -> dict[str, Any] | None:
    """The newest committed batch of the same kind and fingerprint, if any: id, user_name,
    rejected (rows it did not import), created_at. ``sha256`` is the upload's fingerprint
    (the file's bytes and every choice that changes what is stored; see
    geo.services.uploads.upload_fingerprint), so the same file with another coordinate
    system, mapping, words, values or sheet is never found here."""
    b = import_batch.c
    found = (
        conn.execute(
            select(b.id, b.user_name, b.rejected, b.created_at)
            .where(b.kind == kind, b.sha256 == sha256, b.status == "committed")
            .order_by(b.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if found is None else dict(found)


def open_batch(
    conn: Connection, *, kind: str, filename: str, sha256: str, user: str, source_crs: str
) -> int:
    statement = (
        import_batch.insert()
        .values(
            kind=kind,
            filename=filename[:500],
            sha256=sha256,
            user_name=user,
            source_crs=source_crs,
            status="committed",
            created_at=clock.utc_now(),
        )
        .returning(import_batch.c.id)
    )
    return int(conn.execute(statement).scalar_one())


def close_batch(conn: Connection, batch_id: int, **values: Any) -> None:
    conn.execute(import_batch.update().where(import_batch.c.id == batch_id).values(**values))


def rows_by_keys(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    keys: Iterable[Any],
    *,
    fields: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of ``table`` whose column ``columns[0]`` holds any of ``keys``: every column, or
    only ``fields`` (e.g. the id and the key, to learn the ids of rows just inserted).

    Many keys on SQLite go in as one JSON array joined through ``json_each`` (a temporary
    table of keys took ten times as long); otherwise ``IN`` lists in chunks below the
    bound-parameter limit.
    """
    (column,) = columns
    chosen = [table.c[f] for f in fields] if fields is not None else list(table.c)
    wanted = _distinct(keys)
    if conn.dialect.name == "sqlite" and len(wanted) > _CHUNK:
        listed = _json_keys(wanted)
        return read_frame(conn, select(*chosen).join(listed, table.c[column] == listed.c.value))
    frames = [
        read_frame(conn, select(*chosen).where(table.c[column].in_(wanted[start : start + _CHUNK])))
        for start in range(0, len(wanted), _CHUNK)
    ]
    if not frames:
        return read_frame(conn, select(*chosen).where(table.c.id < 0))
    return pd.concat(frames, ignore_index=True)


def _distinct(keys: Iterable[Any]) -> list[Any]:
    return [
        k.item() if hasattr(k, "item") else k
        for k in dict.fromkeys(keys)
        if k is not None and k is not pd.NA and k == k  # k != k: NaN
    ]


def _json_keys(wanted: list[Any]) -> Any:
    """Keys as one JSON array read back as rows by SQLite's ``json_each``."""
    return func.json_each(json.dumps(wanted, ensure_ascii=False)).table_valued("value")


def count_by_keys(conn: Connection, table: Table, column: str, keys: Iterable[Any]) -> int:
    """How many rows of ``table`` hold any of ``keys`` in ``column`` (a unique column: how
    many of the keys exist)."""
    wanted = _distinct(keys)
    counted = select(func.count()).select_from(table)
    if conn.dialect.name == "sqlite" and len(wanted) > _CHUNK:
        listed = _json_keys(wanted)
        return int(
            conn.execute(counted.join(listed, table.c[column] == listed.c.value)).scalar_one()
        )
    return sum(
        int(conn.execute(counted.where(table.c[column].in_(wanted[i : i + _CHUNK]))).scalar_one())
        for i in range(0, len(wanted), _CHUNK)
    )


def insert_new(conn: Connection, table: Table, frame: pd.DataFrame, *, batch_id: int) -> int:
    """Insert rows (columns named like the table's) stamped with the batch id."""
    if frame.empty:
        return 0
    stamped = frame.assign(batch_id=batch_id)
    check_references(conn, table, stamped)
    return insert_frame(conn, table, stamped)


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, given before inserting them so that rows pointing at them
    need no second lookup. SQLite's write transaction holds the lock, so nobody takes them;
    on PostgreSQL they come from the table's sequence, which concurrent writers share."""
    if count and conn.dialect.name == "postgresql":
        taken = conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            f"FROM generate_series(1, {int(count)})"
        )
        return sorted(int(i) for (i,) in taken)
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(int(top) + 1, int(top) + 1 + count))


def check_references(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Refuse rows whose foreign keys point at nothing: each key column's distinct values
    looked up at once (imports write with SQLite's row-by-row checks off)."""
    for key in table.foreign_keys:
        column = key.parent.name
        if column not in frame:
            continue
        values = pd.unique(frame[column].dropna())
        if not len(values):
            continue
        parent = key.column.table
        if count_by_keys(conn, parent, key.column.name, values) < len(values):
            raise ConflictError("reference_missing", table=table.name, parent=parent.name)


def update_changed(
    conn: Connection, table: Table, incoming: pd.DataFrame, existing: pd.DataFrame, *, batch_id: int
) -> tuple[int, int]:
    """Update existing rows where an incoming non-empty value differs; keep the old values.

    ``incoming`` and ``existing`` are aligned row for row and share the table's column names;
    ``existing`` has ``id``. Returns (updated, unchanged).
    """
    if incoming.empty:
        return 0, 0
    columns = [c for c in incoming.columns if c in table.c and c not in ("id", "batch_id")]
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    check_references(conn, table, incoming[columns])
    new_rows = frame_records(incoming[columns])
    old_rows = frame_records(existing[["id", *columns]])
    for new, old in zip(new_rows, old_rows, strict=True):
        changed = {c: v for c, v in new.items() if v is not None and not _same(v, old[c])}
        if not changed:
            continue
        updates.append({"row_id": old["id"], **changed})
        before = {c: _jsonable(old[c]) for c in changed}
        history.append(
            {
                "batch_id": batch_id,
                "table_name": table.name,
                "row_id": old["id"],
                "before": json.dumps(before, ensure_ascii=False),
            }
        )
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in updates:
        by_columns.setdefault(tuple(sorted(k for k in row if k != "row_id")), []).append(row)
    for changed_columns, rows in by_columns.items():
        statement = (
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values({c: bindparam(c) for c in changed_columns})
        )
        conn.execute(statement, rows)
    if history:
        conn.execute(change_log.insert(), history)
    return len(updates), len(new_rows) - len(updates)


def _same(new: Any, old: Any) -> bool:
    if isinstance(new, float) and isinstance(old, (int, float)):
        return abs(new - old) <= 1e-9 * max(1.0, abs(old))
    if isinstance(new, datetime) and isinstance(old, datetime):
        return new.replace(tzinfo=None) == old.replace(tzinfo=None)
    if isinstance(new, bytes) and isinstance(old, bytes):
        return True  # ciphertexts differ each time; the plain value is compared by its HMAC
    return bool(new == old)


def _jsonable(value: Any) -> Any:
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


def team_ids(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """Ids of teams by name (teams outside any sweep), creating the ones not known yet."""
    wanted = sorted({n for n in names if n})
    known = {
        r.name: int(r.id)
        for r in conn.execute(
            select(team.c.id, team.c.name).where(team.c.name.in_(wanted), team.c.sweep_id.is_(None))
        )
    }
    missing = [n for n in wanted if n not in known]
    if missing:
        conn.execute(team.insert(), [{"name": n} for n in missing])
        return team_ids(conn, wanted)
    return known


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
            "before": json.dumps({c: _jsonable(v) for c, v in before.items()}, ensure_ascii=False),
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


def batch_row(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    """A batch without its stored rejects: id, kind, filename, user_name, status,
    communities, created_at, ..."""
    columns = [c for c in import_batch.c if c.name != "rejects_csv"]
    row = conn.execute(select(*columns).where(import_batch.c.id == batch_id)).mappings().first()
    return None if row is None else dict(row)


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


def batch_communities(conn: Connection, batch_id: int) -> list[int | None]:
    """The communities a batch wrote in: of the units, worksites, stays, jobs and visits it
    added, and of the rows it changed (a person's or landlord's through their units);
    None stands for rows outside every community."""
    p, w, r, v, e = property_.c, worksite.c, residence.c, visit.c, employment.c
    log = change_log.c

    def changed(name: str) -> Any:
        return select(log.row_id).where(log.batch_id == batch_id, log.table_name == name)

    def added(table: Table) -> Any:
        return select(table.c.id).where(table.c.batch_id == batch_id)

    people = added(person).union(changed("person"))
    stays = added(residence).union(changed("residence"))
    visits = added(visit).union(changed("visit"))
    jobs = added(employment).union(changed("employment"))
    parts = [
        select(p.community_id).where(p.id.in_(added(property_).union(changed("property")))),
        select(w.community_id).where(w.id.in_(added(worksite).union(changed("worksite")))),
        select(p.community_id).where(p.id.in_(select(r.property_id).where(r.id.in_(stays)))),
        select(p.community_id).where(
            p.id.in_(select(r.property_id).where(r.person_id.in_(people)))
        ),
        select(p.community_id).where(p.landlord_id.in_(added(landlord).union(changed("landlord")))),
        select(p.community_id).where(p.id.in_(select(v.property_id).where(v.id.in_(visits)))),
        select(w.community_id).where(w.id.in_(select(v.worksite_id).where(v.id.in_(visits)))),
        select(w.community_id).where(w.id.in_(select(e.worksite_id).where(e.id.in_(jobs)))),
    ]
    found: set[int | None] = set()
    for part in parts:
        found.update(None if x is None else int(x) for x in conn.execute(part.distinct()).scalars())
    return sorted(found, key=lambda x: -1 if x is None else x)


def list_batches(conn: Connection, *, limit: int = 200) -> pd.DataFrame:
    columns = [c for c in import_batch.c if c.name != "rejects_csv"]
    return read_frame(conn, select(*columns).order_by(import_batch.c.id.desc()).limit(limit))


def batch_rejects(conn: Connection, batch_id: int) -> bytes | None:
    value = conn.execute(
        select(import_batch.c.rejects_csv).where(import_batch.c.id == batch_id)
    ).scalar()
    return None if value is None else bytes(value)
