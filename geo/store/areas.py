"""Areas as rows: stored level by level, read back as frames, their codes, outlines and
extent."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Connection,
    func,
    select,
)
from sqlalchemy.orm import aliased

from geo.crs import WGS84
from geo.store.frames import (
    id_map,
    insert_frame,
    read_frame,
)
from geo.store.schema import (
    area,
)
from geo.vocabulary import AREA_LEVELS


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
