"""The figures planners see of each month end, kept as they were the first time one looked
(table ``published_figure``, see :mod:`geo.store.schema.figures`).

Each part is a frame of counts (no person, no unit) kept as JSON in pandas' ``table``
orient, which keeps its columns' types. A part once kept is never replaced: the first
writer wins, and every later look reads what it wrote.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from geo.store.schema import published_figure


def published_stamps(
    conn: Connection, keys: Iterable[tuple[date, str]]
) -> dict[tuple[date, str], datetime]:
    """When each part of ``keys`` (month end, name) that is kept was published (UTC)."""
    wanted = set(keys)
    if not wanted:
        return {}
    p = published_figure.c
    rows = conn.execute(select(p.month_end, p.name, p.published_at).where(*_among(wanted)))
    found = {(_day(end), str(name)): at for end, name, at in rows}
    return {k: v for k, v in found.items() if k in wanted}


def published_parts(
    conn: Connection, keys: Iterable[tuple[date, str]]
) -> dict[tuple[date, str], pd.DataFrame]:
    """The parts of ``keys`` (month end, name) that are kept, by (month end, name)."""
    wanted = set(keys)
    if not wanted:
        return {}
    p = published_figure.c
    rows = conn.execute(select(p.month_end, p.name, p.body).where(*_among(wanted)))
    return {
        (_day(end), str(name)): pd.read_json(io.StringIO(body), orient="table")
        for end, name, body in rows
        if (_day(end), str(name)) in wanted
    }


def _among(keys: set[tuple[date, str]]) -> list[Any]:
    """Conditions that find ``keys`` by the primary key's index (month end, then name; a
    few more rows may match, which the caller drops): a row-value IN scans the table on
    SQLite. Many names (a month end's every worksite) are not listed: a statement holds
    at most 32,766 parameters on SQLite and 65,535 on PostgreSQL."""
    p = published_figure.c
    ends = p.month_end.in_(sorted({end for end, _ in keys}))
    names = sorted({name for _, name in keys})
    return [ends] if len(names) > _MOST_NAMES else [ends, p.name.in_(names)]


_MOST_NAMES = 1_000


def publish_parts(
    conn: Connection, parts: Mapping[tuple[date, str], pd.DataFrame], *, at: datetime
) -> int:
    """Keep each part of ``parts`` (by month end and name) that is not kept yet, published
    ``at`` (UTC); the ones already kept stay as they are. Returns how many were kept.
    Run in a write transaction: writers take turns, so two first looks keep one."""
    if not parts:
        return 0
    keys = list(parts)
    kept = set(published_stamps(conn, keys))
    rows = [
        {
            "month_end": end,
            "name": name,
            "body": frame.to_json(orient="table", index=False),
            "published_at": at,
        }
        for (end, name), frame in parts.items()
        if (end, name) not in kept
    ]
    if rows:
        conn.execute(published_figure.insert(), rows)
    return len(rows)


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def published_list(conn: Connection) -> list[dict[str, Any]]:
    """Every kept part: month_end, name, published_at (UTC), newest month end first."""
    p = published_figure.c
    rows = conn.execute(
        select(p.month_end, p.name, p.published_at).order_by(p.month_end.desc(), p.name)
    )
    return [
        {"month_end": _day(end), "name": str(name), "published_at": at} for end, name, at in rows
    ]


def withdraw_parts(conn: Connection, month_end: date | None = None) -> int:
    """Forget the parts kept of ``month_end`` (None: of every month end), so that the next
    look publishes them again from the records. Returns how many were forgotten."""
    statement = published_figure.delete()
    if month_end is not None:
        statement = statement.where(published_figure.c.month_end == month_end)
    return int(conn.execute(statement).rowcount or 0)
