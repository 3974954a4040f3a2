"""Place points in areas with an index cached per boundary version, and re-place them all
when boundaries change.

Which area a point lies in, and the tie rule for points on edges, is decided in one place,
:mod:`geo.areas.index` (:class:`~geo.areas.AreaIndex`); PostGIS's one-statement re-placement
(``geo.store.places.place_in_database``) follows the same rule. This module only chooses the
index (built once per boundary version and level, or from the caller's areas for a dry run)
and maps positions to area ids (:func:`place_with`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from threading import Lock
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.areas import AreaIndex
from geo.store.areas import load_areas
from geo.store.database import Connection
from geo.store.places import place_in_database, point_places, update_places
from geo.store.stored_settings import get_setting, put_setting

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
            _cache[key] = index_of(load_areas(conn, level=level))
        return _cache[key]


def index_of(areas: pd.DataFrame) -> AreaIndex | None:
    """The index of some areas (GeoDataFrame with ``id`` and geometry; labels are area ids);
    None when there are none."""
    return AreaIndex(areas.geometry, labels=areas["id"].to_numpy()) if len(areas) else None


Assign = Callable[[AreaIndex, npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[Any]]
"""How a batch of points gets its area positions: ``AreaIndex.assign`` here, or the same
index partition by partition on a cluster (:func:`geo.batch.assign_points`)."""


def _in_process(
    index: AreaIndex, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[Any]:
    return index.assign(lon, lat)


PLACED_LEVELS = ("community", "grid")
"""The levels a point is placed in, in the order :func:`place` returns them."""


def place(
    conn: Connection,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    url: str,
    assign: Assign = _in_process,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each point's community id and grid id (NaN where it lies in none), with the indexes
    cached per boundary version (:func:`area_index`)."""
    indexes = {level: area_index(conn, url=url, level=level) for level in PLACED_LEVELS}
    return place_with(indexes, lon, lat, assign=assign)


def place_with(
    indexes: Mapping[str, AreaIndex | None],
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    assign: Assign = _in_process,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each point's community id and grid id (NaN where it lies in none) from the given
    index per level (None: the level has no areas): the one step that turns index positions
    into area ids, whichever source the indexes come from."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    out = []
    for level in PLACED_LEVELS:
        index = indexes.get(level)
        ids = np.full(np.size(x), np.nan)
        if index is not None and np.size(x):
            positions = assign(index, x, y)
            hit = positions >= 0
            ids[hit] = index.labels[positions[hit]]
        out.append(ids)
    return out[0], out[1]


def replace_all(conn: Connection, *, url: str, assign: Assign | None = None) -> int:
    """Re-place every property and worksite after a boundary change; return rows moved.

    PostGIS does it in one UPDATE per table; elsewhere, or when ``assign`` is given (a
    cluster), the points are read, placed with the area index and the moved ones written.
    """
    if assign is None and conn.dialect.name == "postgresql":
        return sum(place_in_database(conn, table) for table in ("property", "worksite"))
    changed = 0
    for table in ("property", "worksite"):
        rows = point_places(conn, table)
        if rows.empty:
            continue
        lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
        community, grid = place(conn, lon, lat, url=url, assign=assign or _in_process)
        records = moved_places(rows, community, grid)
        update_places(conn, table, records)
        changed += len(records)
    return changed


def moved_places(
    rows: pd.DataFrame, community: npt.NDArray[np.float64], grid: npt.NDArray[np.float64]
) -> list[dict[str, Any]]:
    """The rows (columns id, community_id, grid_id) whose new ids differ, as update records."""
    old_c = rows["community_id"].astype(float).fillna(-1).to_numpy()
    old_g = rows["grid_id"].astype(float).fillna(-1).to_numpy()
    new_c, new_g = np.nan_to_num(community, nan=-1), np.nan_to_num(grid, nan=-1)
    moved = np.flatnonzero((new_c != old_c) | (new_g != old_g))
    row_ids = rows["id"].to_numpy(dtype=np.int64)
    return [
        {
            "row_id": int(row_ids[i]),
            "community_id": None if new_c[i] < 0 else int(new_c[i]),
            "grid_id": None if new_g[i] < 0 else int(new_g[i]),
        }
        for i in moved
    ]
