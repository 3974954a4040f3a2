"""Insert or update an upload's rows by natural key, keeping history: the generic upsert
every upload kind calls with a table's name.

Rows are found by key (:func:`rows_by_keys`), matched to the stored ones by reference or
fallback columns (:func:`match`) or by a compound key (:func:`align`), then written
(:func:`upsert`): new rows inserted stamped with the batch id, matched rows updated where a
non-empty value differs, their old values kept in the change log (what undo restores).
Foreign keys are checked set-wise (imports write with SQLite's row-by-row checks off).
Everything runs inside the caller's one write transaction, so a batch lands whole or not
at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, MetaData, Table, bindparam, func, select

from geo.errors import ConflictError
from geo.intake import natural_key
from geo.store.changes import TABLES, jsonable
from geo.store.frames import frame_records, insert_frame, read_frame
from geo.store.schema import change_log, team

_CHUNK = 900  # below SQLite's limit on bound parameters

STAGED_FROM_ROWS = 1_000
"""On SQLite, at least this many new rows go in through a temporary table and one
``INSERT .. SELECT`` (:func:`insert_new`): an ``executemany`` is one statement per row, each
running the table's triggers (the kept figures note every new unit) in a statement journal of
its own, which doubled the cost of 100,000 new units."""


@dataclass(frozen=True)
class Upserted:
    """What :func:`upsert` did: rows inserted, updated (some value changed), unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _table(table: Table | str) -> Table:
    """A table an import writes, given itself or its name (``"property"``, ``"visit"``)."""
    return TABLES[table] if isinstance(table, str) else table


def rows_by_keys(
    conn: Connection,
    table: Table | str,
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
    table = _table(table)
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
    unique = list(dict.fromkeys(keys))
    if all(type(k) is str for k in unique):  # references, digests, names: nothing to drop
        return unique
    return [
        k.item() if hasattr(k, "item") else k
        for k in unique
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


def insert_new(conn: Connection, table: Table | str, frame: pd.DataFrame, *, batch_id: int) -> int:
    """Insert rows (columns named like the table's) stamped with the batch id."""
    if frame.empty:
        return 0
    table = _table(table)
    stamped = frame.assign(batch_id=batch_id)
    check_references(conn, table, stamped)
    if conn.dialect.name == "sqlite" and len(stamped) >= STAGED_FROM_ROWS:
        return _insert_staged(conn, table, stamped)
    return insert_frame(conn, table, stamped)


def _insert_staged(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """SQLite: the rows written (:func:`~geo.store.frames.insert_frame`, its conversions and
    length checks by ``table``'s column types) into a temporary table without declared types,
    which keeps the values as bound, then copied into ``table`` in their order by one
    statement (the same values, affinities, ids and triggers as inserting them directly); the
    temporary table is dropped, or goes with the transaction when it rolls back."""
    names = [str(c) for c in frame.columns]
    staged = Table(f"staged_{table.name}", MetaData(), *(Column(n, table.c[n].type) for n in names))
    listed = ", ".join(names)
    conn.exec_driver_sql(f"CREATE TEMP TABLE {staged.name} ({listed})")
    insert_frame(conn, staged, frame)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM temp.{staged.name} "
        "ORDER BY rowid"
    )
    conn.exec_driver_sql(f"DROP TABLE temp.{staged.name}")
    return len(frame)


def next_ids(conn: Connection, table: Table | str, count: int) -> list[int]:
    """Ids for ``count`` new rows, given before inserting them so that rows pointing at them
    need no second lookup. SQLite's write transaction holds the lock, so nobody takes them;
    on PostgreSQL they come from the table's sequence, which concurrent writers share."""
    table = _table(table)
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
    conn: Connection,
    table: Table | str,
    incoming: pd.DataFrame,
    existing: pd.DataFrame,
    *,
    batch_id: int,
) -> tuple[int, int]:
    """Update existing rows where an incoming non-empty value differs; keep the old values.

    ``incoming`` and ``existing`` are aligned row for row and share the table's column names;
    ``existing`` has ``id``. Returns (updated, unchanged).
    """
    if incoming.empty:
        return 0, 0
    table = _table(table)
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
        before = {c: jsonable(old[c]) for c in changed}
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


def match(
    conn: Connection,
    table: Table | str,
    frame: pd.DataFrame,
    *,
    ref: str,
    fallback: tuple[str, ...],
    table_ref: str = "external_ref",
) -> pd.DataFrame:
    """For each row, the existing row with the same reference, or (for rows without one)
    the same fallback columns; aligned with ``frame``, with a NaN id where there is none."""
    table = _table(table)
    has_ref = frame[ref].notna() if ref in frame else pd.Series(False, index=frame.index)
    found = []
    if has_ref.any():
        found.append(rows_by_keys(conn, table, [table_ref], frame[ref].dropna().tolist()))
    by_fallback = ~has_ref  # the rows natural_key gives a "key:" of their fallback columns
    if by_fallback.any() and fallback[0] in frame:
        wanted = frame.loc[by_fallback, fallback[0]].dropna().tolist()
        found.append(rows_by_keys(conn, table, [fallback[0]], wanted))
    known = pd.concat(found, ignore_index=True).drop_duplicates("id") if found else pd.DataFrame()
    if known.empty:
        return pd.DataFrame({"id": np.nan}, index=frame.index)
    keys = natural_key(frame, ref=ref, fallback=fallback)
    known = known.reset_index(drop=True)
    lookup = dict(
        zip(natural_key(known, ref="__no_ref__", fallback=fallback), known.index, strict=True)
    )
    with_ref = known[table_ref].notna()
    lookup.update(
        zip("ref:" + known.loc[with_ref, table_ref].astype(str), known.index[with_ref], strict=True)
    )
    position = keys.map(lookup)
    aligned = known.reindex(position.to_numpy())
    aligned.index = frame.index
    return aligned


def align(frame: pd.DataFrame, known: pd.DataFrame, *, on: list[str]) -> pd.DataFrame:
    """Existing rows matching ``frame`` on ``on``, aligned row for row (NaN id when none)."""
    if known.empty:
        return pd.DataFrame({"id": np.nan}, index=frame.index)
    left = frame[on].astype(str).assign(_position=np.arange(len(frame)))
    right = known.drop_duplicates(on).assign(**{c: known[c].astype(str) for c in on})
    merged = left.merge(right, on=on, how="left").sort_values("_position")
    return merged.drop(columns="_position").set_axis(frame.index)


def upsert(
    conn: Connection,
    table: Table | str,
    frame: pd.DataFrame,
    existing: pd.DataFrame,
    *,
    batch_id: int,
    defaults: Mapping[str, Any] | None = None,
) -> Upserted:
    """Insert the rows of ``frame`` with no existing match (``existing``, aligned row for row,
    has a NaN ``id``), ``defaults`` filling their empty columns; update the matched ones where
    values changed (:func:`update_changed`). Columns not in the table are left out."""
    table = _table(table)
    columns = [c for c in frame.columns if c in table.c and c not in ("id", "batch_id")]
    new = existing["id"].isna()
    inserting = frame.loc[new, columns]
    for column, value in (defaults or {}).items():
        inserting[column] = inserting[column].fillna(value) if column in inserting else value
    inserted = insert_new(conn, table, inserting, batch_id=batch_id)
    if not (~new).any():
        return Upserted(inserted=inserted)
    updated, unchanged = update_changed(
        conn, table, frame.loc[~new, columns], existing.loc[~new], batch_id=batch_id
    )
    return Upserted(inserted, updated, unchanged)


def changed_ids(before: pd.DataFrame, after: pd.DataFrame, *, columns: list[str]) -> set[int]:
    """Ids of rows whose stored values differ between two reads of the same rows (``before``
    and ``after`` a write), compared on ``columns``; ciphertexts, which differ at every
    sealing, are compared through their HMACs and masks."""
    if before.empty or after.empty:
        return set()
    compared = [
        c
        for c in columns
        if c in before and c in after and not c.endswith("_cipher") and c not in ("id", "batch_id")
    ]
    old = before.set_index("id")[compared]
    new = after.set_index("id").reindex(old.index)[compared]
    same = (old.astype(object) == new.astype(object)) | (old.isna() & new.isna())
    differs = ~same.all(axis=1)
    return {int(i) for i in old.index[differs.to_numpy()]}
