"""Worksites with their workers on a day, and where one worksite's workers live."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, literal, select

from geo.store.conditions import employed_on, living_on
from geo.store.frames import (
    read_frame,
)
from geo.store.schema import employment, property_, residence, worksite


def worksites_with_workers(conn: Connection, *, as_of: date, workers: bool = True) -> pd.DataFrame:
    """Active worksites with a position: id, name, kind, lon, lat, community_id, grid_id,
    declared_workers, workers (employed on ``as_of``; 0 without ``workers``: the places
    only, without counting the employment records)."""
    w = worksite.c
    employed: Any
    joined: Any
    if workers:
        working = (
            select(employment.c.worksite_id, func.count().label("workers"))
            .where(employed_on(as_of))
            .group_by(employment.c.worksite_id)
            .subquery()
        )
        employed = func.coalesce(working.c.workers, 0)
        joined = worksite.outerjoin(working, working.c.worksite_id == w.id)
    else:
        employed, joined = literal(0), worksite
    statement = (
        select(
            w.id,
            w.name,
            w.kind,
            w.lon,
            w.lat,
            w.community_id,
            w.grid_id,
            w.declared_workers,
            employed.label("workers"),
        )
        .select_from(joined)
        .where(w.status == "active", w.lon.is_not(None), w.lat.is_not(None))
        .order_by(w.id)
    )
    return read_frame(conn, statement)


def worker_homes(conn: Connection, worksite_id: int | None, *, as_of: date) -> pd.DataFrame:
    """Where a worksite's current workers live: per unit property_id, lon, lat,
    community_id, rooms, floor_area_m2, workers (of this worksite), residents (everyone
    living there, for crowding). ``worksite_id`` None: of every worksite, per worksite and
    unit, with a worksite_id column first."""
    living = living_on(as_of)
    everyone = (
        select(residence.c.property_id, func.count().label("residents"))
        .select_from(residence.join(property_))
        .where(living)
        .group_by(residence.c.property_id)
        .subquery()
    )
    p = property_.c
    each = worksite_id is None
    statement = (
        select(
            *([employment.c.worksite_id] if each else []),
            p.id.label("property_id"),
            p.lon,
            p.lat,
            p.community_id,
            p.rooms,
            p.floor_area_m2,
            func.count().label("workers"),
            func.max(everyone.c.residents).label("residents"),
        )
        .select_from(
            employment.join(residence, residence.c.person_id == employment.c.person_id)
            .join(property_)
            .join(everyone, everyone.c.property_id == p.id)
        )
        .where(employed_on(as_of), living)
        .group_by(*([employment.c.worksite_id] if each else []), p.id)
    )
    if not each:
        statement = statement.where(employment.c.worksite_id == worksite_id)
    return read_frame(conn, statement)
