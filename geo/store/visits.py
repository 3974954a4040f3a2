"""Visits as the figures read them: each unit's latest completed visit and attempt, and
the days work was done."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from geo import coverage
from geo.coverage import COMPLETED_OUTCOMES
from geo.store.conditions import units_within
from geo.store.frames import (
    read_frame,
)
from geo.store.schema import property_, visit


def latest_visit_times(end: datetime) -> Any:
    """Per unit, its latest completed visit and its latest visit of any outcome before
    ``end``: the SELECT (property_id, last_completed, last_attempt) that
    :func:`geo.coverage.flags` reads."""
    completed = visit.c.outcome.in_(COMPLETED_OUTCOMES)
    return (
        select(
            visit.c.property_id,
            func.max(case((completed, visit.c.visited_at))).label("last_completed"),
            func.max(visit.c.visited_at).label("last_attempt"),
        )
        .where(visit.c.property_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.property_id)
    )


def last_visits(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Per unit (in these communities, when given): the latest completed visit and the latest
    visit of any outcome up to the end of ``as_of`` (columns property_id, last_completed,
    last_attempt)."""
    statement = latest_visit_times(coverage.day_end(as_of))
    if communities is not None:
        statement = statement.join(property_, property_.c.id == visit.c.property_id).where(
            *units_within(communities)
        )
    return read_frame(conn, statement)


def completed_visit_days(
    conn: Connection,
    *,
    since: date,
    as_of: date,
    units: Any = None,
    chunk: int = 500_000,
) -> pd.DataFrame:
    """Completed visits to units from ``since`` to the end of ``as_of`` (to the units
    meeting ``units``, a condition on ``property`` columns, when given): property_id
    (int64) and visited_at, the visit's day (datetime64, midnight: coverage windows are
    whole days). Read ``chunk`` rows at a time into arrays, so millions of visits cost
    about 16 bytes each, not a Python object per value."""
    statement = select(visit.c.property_id, func.date(visit.c.visited_at)).where(
        visit.c.property_id.is_not(None),
        visit.c.outcome.in_(COMPLETED_OUTCOMES),
        visit.c.visited_at >= datetime.combine(since, time()),
        visit.c.visited_at < coverage.day_end(as_of),
    )
    if units is not None:
        statement = statement.join(property_, property_.c.id == visit.c.property_id).where(units)
    # The driver's own rows (an int, and a day as ISO text or a date: nothing to convert),
    # without a row object each; no stream_results, which would read rows ahead of us.
    result = conn.execute(statement)
    cursor = result.cursor
    ids: list[npt.NDArray[np.int64]] = [np.empty(0, dtype=np.int64)]
    days: list[npt.NDArray[np.datetime64]] = [np.empty(0, dtype="datetime64[D]")]
    while part := cursor.fetchmany(chunk):
        ids.append(np.fromiter((row[0] for row in part), dtype=np.int64, count=len(part)))
        days.append(np.array([str(row[1]) for row in part], dtype="datetime64[D]"))
    result.close()
    return pd.DataFrame(
        {
            "property_id": np.concatenate(ids),
            "visited_at": np.concatenate(days).astype("datetime64[s]"),
        }
    )


def people_not_found(*conditions: Any) -> Any:
    """People whose latest visit (among the visits meeting ``conditions``) has the outcome
    not_found: the subquery (person_id, visited_at: that visit's time), one row a person. A
    person visited twice at that same latest time counts when either visit was not_found."""
    latest = (
        select(visit.c.person_id, func.max(visit.c.visited_at).label("at"))
        .where(visit.c.person_id.is_not(None), *conditions)
        .group_by(visit.c.person_id)
        .subquery()
    )
    return (
        select(visit.c.person_id, latest.c.at.label("visited_at"))
        .distinct()
        .select_from(
            visit.join(
                latest,
                and_(latest.c.person_id == visit.c.person_id, latest.c.at == visit.c.visited_at),
            )
        )
        .where(visit.c.outcome == "not_found")
        .subquery()
    )
