"""Place points in areas with an index cached per boundary version, and re-place them all
when boundaries change."""

from __future__ import annotations

from threading import Lock

import numpy as np
import numpy.typing as npt

from geo.areas import AreaIndex
from geo.store import queries
from geo.store.database import Connection
from geo.store.records import get_setting, load_areas, put_setting

_cache: dict[tuple[str, str, str], AreaIndex | None] = {}
_lock = Lock()


def boundary_version(conn: Connection) -> str:
    return get_setting(conn, "boundary_version") or "0"


def bump_boundary_version(conn: Connection) -> None:
    put_setting(conn, "boundary_version", str(int(boundary_version(conn)) + 1))


def area_index(conn: Connection, *, url: str, level: str) -> AreaIndex | None:
    """The index of one level's areas (labels are area ids); None when the level is empty."""
    key = (url, boundary_version(conn), level)
    with _lock:
        if key not in _cache:
            areas = load_areas(conn, level=level)
            _cache[key] = (
                AreaIndex(areas.geometry, labels=areas["id"].to_numpy()) if len(areas) else None
            )
        return _cache[key]


def place(
    conn: Connection, lon: npt.ArrayLike, lat: npt.ArrayLike, *, url: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each point's community id and grid id (NaN where it lies in none)."""
    out = []
    for level in ("community", "grid"):
        index = area_index(conn, url=url, level=level)
        ids = np.full(np.size(lon), np.nan)
        if index is not None:
            positions = index.assign(lon, lat)
            hit = positions >= 0
            ids[hit] = index.labels[positions[hit]]
        out.append(ids)
    return out[0], out[1]


def replace_all(conn: Connection, *, url: str) -> int:
    """Re-place every property and worksite after a boundary change; return rows moved."""
    changed = 0
    for table in ("property", "worksite"):
        rows = queries.point_places(conn, table)
        if rows.empty:
            continue
        lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
        community, grid = place(conn, lon, lat, url=url)
        old_c = rows["community_id"].astype(float).fillna(-1).to_numpy()
        old_g = rows["grid_id"].astype(float).fillna(-1).to_numpy()
        new_c, new_g = np.nan_to_num(community, nan=-1), np.nan_to_num(grid, nan=-1)
        moved = np.flatnonzero((new_c != old_c) | (new_g != old_g))
        row_ids = rows["id"].to_numpy(dtype=np.int64)
        records = [
            {
                "row_id": int(row_ids[i]),
                "community_id": None if new_c[i] < 0 else int(new_c[i]),
                "grid_id": None if new_g[i] < 0 else int(new_g[i]),
            }
            for i in moved
        ]
        queries.update_places(conn, table, records)
        changed += len(records)
    return changed
