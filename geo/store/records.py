"""Read and write rows as frames: areas level by level, bulk inserts, settings."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Integer, Select, Table, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeDecorator

from geo.crs import WGS84
from geo.errors import InputError
from geo.store.schema import area, setting
from geo.vocabulary import AREA_LEVELS


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
        text = frame[name].dropna()
        text = text[text.map(lambda v: isinstance(v, str))]
        too_long = text[text.str.len() > length]
        if len(too_long):
            raise InputError(
                "value_too_long",
                table=table.name,
                column=str(name),
                length=length,
                value=str(too_long.iloc[0])[:20],
            )


def insert_areas(conn: Connection, frame: gpd.GeoDataFrame, *, boundary_version: int = 1) -> int:
    """Insert areas top level first, resolving ``parent_code`` to ids; return the count."""
    known = id_map(conn, area, "code")
    levels = sorted(frame["level"].unique(), key=AREA_LEVELS.codes.index)
    for level in levels:
        rows = frame.loc[frame["level"] == level]
        bounds = rows.geometry.bounds
        parent_id = rows["parent_code"].map(known) if "parent_code" in rows else None
        out = pd.DataFrame(
            {
                "code": rows["code"].to_numpy(),
                "name": rows["name"].to_numpy(),
                "level": level,
                "kind": rows["kind"].to_numpy() if "kind" in rows else level,
                "parent_id": parent_id,
                "geometry": rows.geometry.to_numpy(),
                "area_m2": rows["area_m2"].to_numpy(),
                "population": rows["population"].to_numpy() if "population" in rows else None,
                "minx": bounds["minx"].to_numpy(),
                "miny": bounds["miny"].to_numpy(),
                "maxx": bounds["maxx"].to_numpy(),
                "maxy": bounds["maxy"].to_numpy(),
                "boundary_version": boundary_version,
            }
        )
        insert_frame(conn, area, out)
        known = id_map(conn, area, "code")
    return len(frame)


def load_areas(
    conn: Connection, *, level: str | None = None, geometry: bool = True
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Areas with their parent's code; a GeoDataFrame (WGS-84) when ``geometry`` is True."""
    parent = aliased(area)
    columns = [
        area.c.id,
        area.c.code,
        area.c.name,
        area.c.level,
        area.c.kind,
        area.c.parent_id,
        parent.c.code.label("parent_code"),
        area.c.area_m2,
        area.c.population,
    ]
    if geometry:
        columns.append(area.c.geometry)
    statement = select(*columns).outerjoin(parent, area.c.parent_id == parent.c.id)
    if level is not None:
        statement = statement.where(area.c.level == level)
    frame = read_frame(conn, statement.order_by(area.c.code))
    if not geometry:
        return frame
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def get_setting(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(setting.c.value).where(setting.c.key == key)).scalar()
    return None if value is None else str(value)


def put_setting(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(setting.update().where(setting.c.key == key).values(value=value))
    if updated.rowcount == 0:
        conn.execute(setting.insert().values(key=key, value=value))
