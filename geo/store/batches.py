"""Write an import batch: find rows by natural key, insert or update them with history, undo.

An updated row's previous values go to ``change_log`` (its history, and what undo restores);
an inserted row carries the batch id. Everything here runs inside the caller's one write
transaction, so a batch lands whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
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
from geo.store.records import frame_records, insert_frame, read_frame
from geo.store.schema import (
    change_log,
    employment,
    import_batch,
    landlord,
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


def find_batch(conn: Connection, *, kind: str, sha256: str) -> int | None:
    """A committed batch of the same kind and file content, if any."""
    found = conn.execute(
        select(import_batch.c.id).where(
            import_batch.c.kind == kind,
            import_batch.c.sha256 == sha256,
            import_batch.c.status == "committed",
        )
    ).scalar()
    return None if found is None else int(found)


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


def undo_batch(conn: Connection, batch_id: int) -> dict[str, int]:
    """Restore the state before a batch: put back what it changed, remove what it added.

    Refused (ConflictError) when a later batch changed the same rows or builds on rows this
    one added; undo that later batch first.
    """
    batch = (
        conn.execute(select(import_batch).where(import_batch.c.id == batch_id)).mappings().first()
    )
    if batch is None:
        raise NotFoundError("batch_not_found", batch=batch_id)
    if batch["status"] != "committed":
        raise ConflictError("batch_already_undone", batch=batch_id)
    _refuse_if_built_upon(conn, batch_id)
    history = (
        conn.execute(
            select(change_log)
            .where(change_log.c.batch_id == batch_id)
            .order_by(change_log.c.id.desc())
        )
        .mappings()
        .all()
    )
    for entry in history:
        table = TABLES[entry["table_name"]]
        values = _restore(table, json.loads(entry["before"]))
        conn.execute(table.update().where(table.c.id == entry["row_id"]).values(**values))
    removed = {}
    try:
        for name in _DELETE_ORDER:
            table = TABLES[name]
            removed[name] = conn.execute(delete(table).where(table.c.batch_id == batch_id)).rowcount
    except IntegrityError as exc:
        raise ConflictError("undo_blocked", batch=batch_id) from exc
    conn.execute(delete(change_log).where(change_log.c.batch_id == batch_id))
    close_batch(conn, batch_id, status="undone", undone_at=clock.utc_now())
    return {"restored": len(history), **{f"removed_{k}": v for k, v in removed.items() if v}}


def _refuse_if_built_upon(conn: Connection, batch_id: int) -> None:
    """A later committed batch that changed rows this batch touched blocks the undo."""
    touched = select(change_log.c.table_name, change_log.c.row_id).where(
        change_log.c.batch_id == batch_id
    )
    inserted = [
        select(literal(name), TABLES[name].c.id).where(TABLES[name].c.batch_id == batch_id)
        for name in _DELETE_ORDER
    ]
    later = conn.execute(
        select(func.min(change_log.c.batch_id))
        .join(import_batch, import_batch.c.id == change_log.c.batch_id)
        .where(
            change_log.c.batch_id > batch_id,
            import_batch.c.status == "committed",
            or_(
                tuple_(change_log.c.table_name, change_log.c.row_id).in_(touched),
                *(tuple_(change_log.c.table_name, change_log.c.row_id).in_(q) for q in inserted),
            ),
        )
    ).scalar()
    if later is not None:
        raise ConflictError("undo_conflict", batch=batch_id, later=int(later))


def list_batches(conn: Connection, *, limit: int = 200) -> pd.DataFrame:
    columns = [c for c in import_batch.c if c.name != "rejects_csv"]
    return read_frame(conn, select(*columns).order_by(import_batch.c.id.desc()).limit(limit))


def batch_rejects(conn: Connection, batch_id: int) -> bytes | None:
    value = conn.execute(
        select(import_batch.c.rejects_csv).where(import_batch.c.id == batch_id)
    ).scalar()
    return None if value is None else bytes(value)
