"""Residents as the maps count them: who lives where on a day, and the floating
residents' homes, origins and jobs (the rule's SQL form from geo.indicators.is_floating)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from geo.indicators import is_floating
from geo.store.conditions import employed_on, living_on, units_within
from geo.store.frames import (
    read_frame,
)
from geo.store.schema import employment, person, property_, residence, worksite


def current_residents(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """People living in an active unit on ``as_of``: person_id, community_id, grid_id,
    origin."""
    statement = (
        select(
            person.c.id.label("person_id"),
            property_.c.community_id,
            property_.c.grid_id,
            person.c.origin,
        )
        .select_from(residence.join(property_).join(person))
        .where(living_on(as_of))
    )
    return read_frame(conn, statement)


def floating(local_region: str) -> Any:
    """The condition "this person is floating": :func:`geo.indicators.is_floating` itself,
    given the person's origin column and SQL's ``IS NOT NULL`` and ``substr``."""
    return is_floating(
        person.c.origin,
        local_region=local_region,
        known=lambda c: c.is_not(None),
        head=lambda c, n: func.substr(c, 1, n),
    )


def floating_homes(
    conn: Connection,
    *,
    as_of: date,
    local_region: str,
    communities: Collection[int] | None = None,
) -> pd.DataFrame:
    """Per unit with floating residents on ``as_of``: property_id, lon, lat, community_id,
    grid_id, floating (their number), aggregated in the database."""
    p = property_.c
    statement = (
        select(
            p.id.label("property_id"),
            p.lon,
            p.lat,
            p.community_id,
            p.grid_id,
            func.count().label("floating"),
        )
        .select_from(residence.join(property_).join(person))
        .where(living_on(as_of), floating(local_region), p.lon.is_not(None), p.lat.is_not(None))
        .where(*units_within(communities))
        .group_by(p.id)
    )
    return read_frame(conn, statement)


def floating_origins(
    conn: Connection,
    *,
    as_of: date,
    local_region: str,
    communities: Collection[int] | None = None,
) -> pd.DataFrame:
    """Floating residents per unit and province of origin: property_id, province, n."""
    province = func.substr(person.c.origin, 1, 2).label("province")
    statement = (
        select(residence.c.property_id, province, func.count().label("n"))
        .select_from(residence.join(property_).join(person))
        .where(living_on(as_of), floating(local_region), *units_within(communities))
        .group_by(residence.c.property_id, province)
    )
    return read_frame(conn, statement)


def floating_jobs(
    conn: Connection,
    *,
    as_of: date,
    local_region: str,
    communities: Collection[int] | None = None,
) -> pd.DataFrame:
    """Floating residents per unit and current worksite: property_id, worksite, n."""
    statement = (
        select(
            residence.c.property_id,
            worksite.c.name.label("worksite"),
            func.count().label("n"),
        )
        .select_from(
            residence.join(property_)
            .join(person)
            .join(employment, employment.c.person_id == person.c.id)
            .join(worksite, worksite.c.id == employment.c.worksite_id)
        )
        .where(
            living_on(as_of),
            floating(local_region),
            employed_on(as_of),
            *units_within(communities),
        )
        .group_by(residence.c.property_id, worksite.c.name)
    )
    return read_frame(conn, statement)
