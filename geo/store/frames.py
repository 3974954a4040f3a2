"""Rows as frames: bulk inserts (COPY on PostgreSQL), reads into pandas, id maps and
length checks against the schema."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Integer, Select, Table, func, select
from sqlalchemy.types import TypeDecorator

from geo.errors import InputError


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN/NaT turned into None and numpy scalars into Python ones."""
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in _native_rows(frame)]


def _native_column(values: pd.Series, *, sqlite_type: Any = None) -> list[Any]:
    """One column as Python values (None for missing), vectorised; dates and datetimes as the
    text SQLAlchemy's SQLite types store when ``sqlite_type`` says so."""
    missing = values.isna().to_numpy()
    kind = values.dtype.kind if not isinstance(values.dtype, pd.CategoricalDtype) else "O"
    if sqlite_type is not None and isinstance(sqlite_type, (DateTime, Date)):
        stamps = pd.to_datetime(values, errors="coerce")
        fmt = "%Y-%m-%d %H:%M:%S.%f" if isinstance(sqlite_type, DateTime) else "%Y-%m-%d"
        codes, uniques = pd.factorize(stamps)  # uploads repeat a few dates many times
        text = np.empty(len(uniques) + 1, dtype=object)  # the last one: None for missing
        text[:-1] = pd.DatetimeIndex(uniques).strftime(fmt).to_numpy(dtype=object)
        return list(text[np.where(missing | (codes < 0), len(uniques), codes)])
    if kind in "iu" or isinstance(values.dtype, pd.Int64Dtype):
        return _with_none(values.to_numpy(dtype="int64", na_value=0).tolist(), missing)
    if kind == "f":
        return _with_none(values.to_numpy(dtype=float, na_value=np.nan).tolist(), missing)
    if kind == "b":
        return [bool(v) for v in values.to_numpy()]
    if kind == "M":
        return [
            None if m else pd.Timestamp(v).to_pydatetime()
            for v, m in zip(values.to_numpy(), missing, strict=True)
        ]
    plain = pd.api.types.infer_dtype(values, skipna=True) in ("string", "bytes", "empty")
    out = values.to_numpy(dtype=object).copy()
    out[missing] = None
    if plain:  # text: nothing to convert value by value
        return list(out.tolist())
    return [
        v.item()
        if isinstance(v, np.generic)
        else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
        for v in out
    ]


def _with_none(values: list[Any], missing: np.ndarray) -> list[Any]:
    for i in np.flatnonzero(missing).tolist():
        values[i] = None
    return values


def _native_rows(
    frame: pd.DataFrame, table: Table | None = None, dialect: Any = None
) -> list[tuple[Any, ...]]:
    types = {c.name: c.type for c in table.c} if table is not None else {}
    columns = []
    for name in frame.columns:
        column_type = types.get(str(name))
        if isinstance(column_type, TypeDecorator):  # e.g. geometry -> WKB
            columns.append(
                [column_type.process_bind_param(v, dialect) for v in _native_column(frame[name])]
            )
        elif isinstance(column_type, Integer) and frame[name].dtype.kind == "f":
            # Whole numbers held as floats beside NaN: integers, as PostgreSQL's COPY wants
            columns.append(_native_column(frame[name].astype("Int64")))
        else:
            columns.append(_native_column(frame[name], sqlite_type=column_type))
    return list(zip(*columns, strict=True)) if columns else []


def insert_frame(
    conn: Connection, table: Table, frame: pd.DataFrame, *, chunk: int = 100_000
) -> int:
    """Insert every row of ``frame`` (columns named like the table's); return the count.

    The values are converted column by column to what the table's types store (SQLAlchemy's
    per-row processing costs seconds per hundred thousand rows), then written with one
    ``executemany`` on SQLite and one ``COPY`` on PostgreSQL. Other databases go through
    SQLAlchemy.
    """
    if frame.empty:
        return 0
    check_lengths(table, frame)
    if conn.dialect.name == "postgresql":
        return _copy_frame(conn, table, frame)
    sqlite = conn.dialect.name == "sqlite"
    names = [str(c) for c in frame.columns]
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    )
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        if sqlite:
            conn.exec_driver_sql(statement, _native_rows(part, table, conn.dialect))
        else:
            conn.execute(table.insert(), frame_records(part))
    return len(frame)


ANALYZE_AFTER_ROWS = 5_000
"""PostgreSQL plans by table statistics that autovacuum refreshes later: a bulk insert this
big refreshes them at once (a planned sweep's units met a plan made for an empty table)."""


def _copy_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """``COPY table (columns) FROM STDIN`` on the transaction's own psycopg connection;
    dates and times go as ISO text, which PostgreSQL reads into its date and time types."""
    names = ", ".join(str(c) for c in frame.columns)
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in _native_rows(frame, table, conn.dialect):
            copy.write_row(row)
    if len(frame) >= ANALYZE_AFTER_ROWS:  # plans for the next queries know the new rows
        conn.exec_driver_sql(f"ANALYZE {table.name}")
    return len(frame)


def read_frame(conn: Connection, statement: Select[Any]) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame with the selected column names."""
    result = conn.execute(statement)
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pd.DataFrame(columns=names)
    # Column by column: pandas turns a list of rows into a frame several times slower.
    return pd.DataFrame(dict(zip(names, (list(c) for c in zip(*rows, strict=False)), strict=True)))


def id_map(conn: Connection, table: Table, key: str) -> dict[Any, int]:
    """Map a unique column's values to row ids (e.g. external_ref -> id)."""
    column = table.c[key]
    return {
        k: int(i) for k, i in conn.execute(select(column, table.c.id).where(column.is_not(None)))
    }


def check_lengths(table: Table, frame: pd.DataFrame) -> None:
    """Refuse, naming the column, a text longer than its column holds, before writing:
    PostgreSQL would stop at it with a bare error, SQLite would keep it whole."""
    for name in frame.columns:
        column = table.c.get(str(name))
        length = getattr(column.type, "length", None) if column is not None else None
        if not length or frame[name].dtype.kind not in "OSU":
            continue
        values = frame[name].to_numpy(dtype=object)
        if max((len(v) for v in values if type(v) is str), default=0) <= length:
            continue  # one pass over plain strings: the usual case, and a city's upload
        first = next(v for v in values if type(v) is str and len(v) > length)
        raise InputError(
            "value_too_long",
            table=table.name,
            column=str(name),
            length=length,
            value=first[:20],
        )


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
