"""Where units and worksites lie: their points, the areas they were placed in, and
placing them (again) in the database."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, func, select

from geo.store.frames import (
    read_frame,
)
from geo.store.schema import property_, worksite

_POINT_TABLES = {"property": property_, "worksite": worksite}


def unit_places(conn: Connection) -> pd.DataFrame:
    """Every rental unit's id, status, community_id and grid_id."""
    c = property_.c
    return read_frame(conn, select(c.id, c.status, c.community_id, c.grid_id))


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


def placed_by_community(conn: Connection) -> pd.DataFrame:
    """Per community with rental units: community_id, units, in_grid (those inside one of
    its grids), counted in the database (units in no community are left out)."""
    c = _POINT_TABLES["property"].c
    statement = (
        select(c.community_id, func.count().label("units"), func.count(c.grid_id).label("in_grid"))
        .where(c.community_id.is_not(None))
        .group_by(c.community_id)
    )
    return read_frame(conn, statement)


def gridded_places(conn: Connection, communities: Collection[int] | None) -> pd.DataFrame:
    """id, external_ref, lon, lat, grid_id of every rental unit inside a grid (of
    ``communities``; None: of all)."""
    c = _POINT_TABLES["property"].c
    statement = select(c.id, c.external_ref, c.lon, c.lat, c.grid_id).where(c.grid_id.is_not(None))
    if communities is not None:
        statement = statement.where(c.community_id.in_(sorted(communities)))
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
