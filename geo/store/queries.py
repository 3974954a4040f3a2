"""The reads and writes the services need, phrased once in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, bindparam, case, func, select

from geo.coverage import COMPLETED_OUTCOMES
from geo.store.records import read_frame
from geo.store.schema import area, person, property_, residence, visit, worksite

_POINT_TABLES = {"property": property_, "worksite": worksite}


def unit_places(conn: Connection) -> pd.DataFrame:
    """Every rental unit's id, status, community_id and grid_id."""
    c = property_.c
    return read_frame(conn, select(c.id, c.status, c.community_id, c.grid_id))


def last_visits(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """Per unit: the latest completed visit and the latest visit of any outcome up to the end
    of ``as_of`` (columns property_id, last_completed, last_attempt)."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    completed = visit.c.outcome.in_(COMPLETED_OUTCOMES)
    statement = (
        select(
            visit.c.property_id,
            func.max(case((completed, visit.c.visited_at))).label("last_completed"),
            func.max(visit.c.visited_at).label("last_attempt"),
        )
        .where(visit.c.property_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.property_id)
    )
    return read_frame(conn, statement)


def current_residents(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """People living in an active unit on ``as_of``: community_id, grid_id, origin."""
    statement = (
        select(property_.c.community_id, property_.c.grid_id, person.c.origin)
        .select_from(residence.join(property_).join(person))
        .where(
            residence.c.moved_in <= as_of,
            residence.c.moved_out.is_(None) | (residence.c.moved_out > as_of),
            property_.c.status == "active",
        )
    )
    return read_frame(conn, statement)


def active_worksites(conn: Connection) -> pd.DataFrame:
    """Active worksites' community_id and grid_id."""
    c = worksite.c
    return read_frame(conn, select(c.community_id, c.grid_id).where(c.status == "active"))


def point_places(conn: Connection, table: str) -> pd.DataFrame:
    """id, lon, lat, community_id, grid_id of every row of 'property' or 'worksite'."""
    c = _POINT_TABLES[table].c
    return read_frame(conn, select(c.id, c.lon, c.lat, c.community_id, c.grid_id))


def update_places(conn: Connection, table: str, records: list[dict[str, Any]]) -> None:
    """Set community_id/grid_id from records {"row_id", "community_id", "grid_id"}."""
    if not records:
        return
    t = _POINT_TABLES[table]
    statement = (
        t.update()
        .where(t.c.id == bindparam("row_id"))
        .values(community_id=bindparam("new_community"), grid_id=bindparam("new_grid"))
    )
    conn.execute(
        statement,
        [
            {"row_id": r["row_id"], "new_community": r["community_id"], "new_grid": r["grid_id"]}
            for r in records
        ],
    )


def existing_area_codes(conn: Connection, codes: Iterable[str]) -> set[str]:
    wanted = list(codes)
    return set(conn.execute(select(area.c.code).where(area.c.code.in_(wanted))).scalars())


def replace_area_geometry(
    conn: Connection, *, code: str, name: str, geometry: BaseGeometry, area_m2: float
) -> None:
    """Give a known area a new name and boundary, counting its boundary version up."""
    minx, miny, maxx, maxy = geometry.bounds
    conn.execute(
        area.update()
        .where(area.c.code == code)
        .values(
            name=name,
            geometry=geometry,
            area_m2=area_m2,
            minx=minx,
            miny=miny,
            maxx=maxx,
            maxy=maxy,
            boundary_version=area.c.boundary_version + 1,
        )
    )


def area_bounds(conn: Connection) -> tuple[float, float, float, float] | None:
    """The WGS-84 extent of every loaded area, None when there are none."""
    row = conn.execute(
        select(
            func.min(area.c.minx),
            func.min(area.c.miny),
            func.max(area.c.maxx),
            func.max(area.c.maxy),
        )
    ).one()
    return None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
