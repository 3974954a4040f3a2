"""Counts per (community, grid) that every level's figures add up from: units with their
coverage flags (geo.coverage.flags in SQL), residents, worksites."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, case, func, select

from geo import coverage
from geo.store.conditions import living_on
from geo.store.frames import (
    read_frame,
)
from geo.store.residents import (
    floating,
)
from geo.store.schema import person, property_, residence, visit, worksite
from geo.store.visits import latest_visit_times, people_not_found


def unit_counts_by_area(conn: Connection, within: coverage.Bounds) -> pd.DataFrame:
    """Active units per (community_id, grid_id) and how many of them each flag of
    :func:`geo.coverage.flags` holds for, counted in the database: rental_units, covered,
    attempted, overdue_units. The flags are that function's own, given SQL columns."""
    last = latest_visit_times(within.end).subquery()
    p = property_.c
    flags = coverage.flags(
        last.c.last_completed, last.c.last_attempt, within, missing=lambda c: c.is_(None)
    )

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    statement = (
        select(
            p.community_id,
            p.grid_id,
            func.count().label("rental_units"),
            count(flags["covered"]).label("covered"),
            count(flags["attempted"]).label("attempted"),
            count(flags["overdue"]).label("overdue_units"),
        )
        .select_from(property_.outerjoin(last, last.c.property_id == p.id))
        .where(p.status == "active")
        .group_by(p.community_id, p.grid_id)
    )
    return read_frame(conn, statement)


def resident_counts_by_area(conn: Connection, *, as_of: date, local_region: str) -> pd.DataFrame:
    """Current residents per (community_id, grid_id): residents, floating_residents (see
    :func:`geo.indicators.is_floating`) and not_found_residents (latest visit not_found)."""
    missing = people_not_found(visit.c.visited_at < coverage.day_end(as_of))
    p = property_.c
    statement = (
        select(
            p.community_id,
            p.grid_id,
            func.count().label("residents"),
            func.sum(case((floating(local_region), 1), else_=0)).label("floating_residents"),
            func.count(missing.c.person_id).label("not_found_residents"),
        )
        .select_from(
            residence.join(property_)
            .join(person)
            .outerjoin(missing, missing.c.person_id == person.c.id)
        )
        .where(living_on(as_of))
        .group_by(p.community_id, p.grid_id)
    )
    return read_frame(conn, statement)


def worksite_counts_by_area(conn: Connection) -> pd.DataFrame:
    """Active worksites per (community_id, grid_id): worksites."""
    c = worksite.c
    statement = (
        select(c.community_id, c.grid_id, func.count().label("worksites"))
        .where(c.status == "active")
        .group_by(c.community_id, c.grid_id)
    )
    return read_frame(conn, statement)
