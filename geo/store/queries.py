"""The reads and writes the services need, phrased once in SQL."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, and_, bindparam, case, func, select

from geo.coverage import COMPLETED_OUTCOMES
from geo.store.conditions import employed_on, living_on, units_within
from geo.store.records import read_frame
from geo.store.schema import area, employment, person, property_, residence, visit, worksite

_POINT_TABLES = {"property": property_, "worksite": worksite}


def unit_places(conn: Connection) -> pd.DataFrame:
    """Every rental unit's id, status, community_id and grid_id."""
    c = property_.c
    return read_frame(conn, select(c.id, c.status, c.community_id, c.grid_id))


def last_visits(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Per unit (in these communities, when given): the latest completed visit and the latest
    visit of any outcome up to the end of ``as_of`` (columns property_id, last_completed,
    last_attempt)."""
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
    if communities is not None:
        statement = statement.join(property_, property_.c.id == visit.c.property_id).where(
            *units_within(communities)
        )
    return read_frame(conn, statement)


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


def point_places(conn: Connection, table: str) -> pd.DataFrame:
    """id, external_ref, lon, lat, community_id, grid_id of every row of 'property' or
    'worksite'."""
    c = _POINT_TABLES[table].c
    return read_frame(conn, select(c.id, c.external_ref, c.lon, c.lat, c.community_id, c.grid_id))


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


def place_in_database(conn: Connection, table: str) -> int:
    """PostGIS: set every row's community_id and grid_id from the areas' geometry in one
    UPDATE (GiST index on both sides); return the rows that moved.

    The tie rule is :class:`geo.areas.AreaIndex`'s: an area holding the point inside wins
    over one it only touches on the boundary, then the lowest area code."""
    if table not in _POINT_TABLES:
        msg = f"not a table of points: {table}"
        raise ValueError(msg)

    def best(level: str) -> str:
        return (
            "(SELECT a.id FROM area a WHERE a.level = '" + level + "' AND a.geom && p.geom"
            " AND ST_Intersects(a.geom, p.geom)"
            " ORDER BY ST_Contains(a.geom, p.geom) DESC, a.code LIMIT 1)"
        )

    moved = conn.exec_driver_sql(
        f"UPDATE {table} t SET community_id = s.community, grid_id = s.grid"
        f" FROM (SELECT p.id, {best('community')} AS community, {best('grid')} AS grid"
        f" FROM {table} p) s"
        " WHERE t.id = s.id AND (t.community_id IS DISTINCT FROM s.community"
        " OR t.grid_id IS DISTINCT FROM s.grid)"
    )
    return int(moved.rowcount)


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


def _floating(local_region: str) -> Any:
    """The SQL form of :func:`geo.indicators.is_floating` (a test keeps the two equal)."""
    origin = person.c.origin
    return origin.is_not(None) & (func.substr(origin, 1, len(local_region)) != local_region)


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
        .where(living_on(as_of), _floating(local_region), p.lon.is_not(None), p.lat.is_not(None))
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
        .where(living_on(as_of), _floating(local_region), *units_within(communities))
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
            _floating(local_region),
            employed_on(as_of),
            *units_within(communities),
        )
        .group_by(residence.c.property_id, worksite.c.name)
    )
    return read_frame(conn, statement)


def worksites_with_workers(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """Active worksites with a position: id, name, kind, lon, lat, community_id, grid_id,
    declared_workers, workers (employed on ``as_of``)."""
    working = (
        select(employment.c.worksite_id, func.count().label("workers"))
        .where(
            employed_on(as_of),
        )
        .group_by(employment.c.worksite_id)
        .subquery()
    )
    w = worksite.c
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
            func.coalesce(working.c.workers, 0).label("workers"),
        )
        .select_from(worksite.outerjoin(working, working.c.worksite_id == w.id))
        .where(w.status == "active", w.lon.is_not(None), w.lat.is_not(None))
        .order_by(w.id)
    )
    return read_frame(conn, statement)


def worker_homes(conn: Connection, worksite_id: int, *, as_of: date) -> pd.DataFrame:
    """Where a worksite's current workers live: per unit property_id, lon, lat,
    community_id, rooms, floor_area_m2, workers (of this worksite), residents (everyone
    living there, for crowding)."""
    living = living_on(as_of)
    everyone = (
        select(residence.c.property_id, func.count().label("residents"))
        .select_from(residence.join(property_))
        .where(living)
        .group_by(residence.c.property_id)
        .subquery()
    )
    p = property_.c
    statement = (
        select(
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
        .where(
            employment.c.worksite_id == worksite_id,
            employed_on(as_of),
            living,
        )
        .group_by(p.id)
    )
    return read_frame(conn, statement)


def completed_visit_days(conn: Connection, *, since: date, as_of: date) -> pd.DataFrame:
    """Completed visits to units from ``since`` to the end of ``as_of``: property_id,
    visited_at."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    statement = select(visit.c.property_id, visit.c.visited_at).where(
        visit.c.property_id.is_not(None),
        visit.c.outcome.in_(COMPLETED_OUTCOMES),
        visit.c.visited_at >= datetime.combine(since, time()),
        visit.c.visited_at < end,
    )
    return read_frame(conn, statement)


def unplaced_points(conn: Connection, table: str) -> pd.DataFrame:
    """Rows of 'property' or 'worksite' that are not in any area: id, external_ref, address,
    lon, lat, batch_id (no coordinates, or outside every area)."""
    t = _POINT_TABLES[table]
    c = t.c
    statement = select(c.id, c.external_ref, c.address, c.lon, c.lat, c.batch_id).where(
        c.community_id.is_(None)
    )
    return read_frame(conn, statement)


def unit_counts_by_area(
    conn: Connection, *, start: datetime, end: datetime, overdue_from: datetime
) -> pd.DataFrame:
    """Active units per (community_id, grid_id) with the coverage flags of
    :func:`geo.coverage.unit_coverage` counted in the database: rental_units, covered
    (completed visit in [start, end)), attempted (any visit in it), overdue_units (no
    completed visit since overdue_from). A test keeps the two definitions equal."""
    completed = visit.c.outcome.in_(COMPLETED_OUTCOMES)
    last = (
        select(
            visit.c.property_id,
            func.max(case((completed, visit.c.visited_at))).label("last_completed"),
            func.max(visit.c.visited_at).label("last_attempt"),
        )
        .where(visit.c.property_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.property_id)
        .subquery()
    )
    p = property_.c

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    statement = (
        select(
            p.community_id,
            p.grid_id,
            func.count().label("rental_units"),
            flag(last.c.last_completed >= start).label("covered"),
            flag(last.c.last_attempt >= start).label("attempted"),
            flag(last.c.last_completed.is_(None) | (last.c.last_completed < overdue_from)).label(
                "overdue_units"
            ),
        )
        .select_from(property_.outerjoin(last, last.c.property_id == p.id))
        .where(p.status == "active")
        .group_by(p.community_id, p.grid_id)
    )
    return read_frame(conn, statement)


def resident_counts_by_area(conn: Connection, *, as_of: date, local_region: str) -> pd.DataFrame:
    """Current residents per (community_id, grid_id): residents, floating_residents (see
    :func:`geo.indicators.is_floating`) and not_found_residents (latest visit not_found)."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    latest = (
        select(visit.c.person_id, func.max(visit.c.visited_at).label("at"))
        .where(visit.c.person_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.person_id)
        .subquery()
    )
    missing = (
        select(visit.c.person_id)
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
    p = property_.c
    statement = (
        select(
            p.community_id,
            p.grid_id,
            func.count().label("residents"),
            func.sum(case((_floating(local_region), 1), else_=0)).label("floating_residents"),
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
