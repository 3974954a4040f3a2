"""Partitioned batch jobs on a Dask cluster, with the single-machine answers.

Two jobs outgrow one machine at province scale: re-assigning every point to its areas after
a boundary change, and coverage counted per area over every unit. Both split into
partitions of points on a ``dask.distributed`` cluster (dask-geopandas builds each
partition's points on its worker) and combine to exactly what one process computes: the
area index is the same :class:`~geo.areas.AreaIndex` (one copy broadcast to every worker),
and coverage counts are whole numbers summed per area.

``scheduler``: a scheduler's address (``tcp://host:8786``) for a real cluster; ``None`` for
a local cluster of worker processes on this machine (tests, small jobs).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.areas import AreaIndex
from geo.coverage import OVERDUE_AFTER_DAYS, unit_coverage
from geo.errors import ConflictError

__all__ = ["assign_points", "cluster", "coverage_counts", "coverage_counts_partitioned"]

COUNT_KEYS = ["community_id", "grid_id"]
CONNECT_TIMEOUT = "5s"  # to a scheduler that does not answer
COVERAGE_COLUMNS = ["rental_units", "covered", "attempted", "overdue_units"]


@contextmanager
def cluster(scheduler: str | None = None, *, workers: int = 2) -> Iterator[Any]:
    """A Dask client: on the scheduler at ``scheduler``, else on a local cluster of
    ``workers`` single-threaded processes that lives as long as the block."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ConflictError("scheduler_unreachable", address=scheduler) from exc
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never in the way of another cluster
            silence_logs=40,
        ) as local,
        Client(local) as client,
    ):
        yield client


def _scattered(client: Any, frame: pd.DataFrame, partitions: int) -> Any:
    """``frame`` cut into row ranges held by the workers, as one Dask DataFrame (the data
    goes to the workers once, not inside the task graph)."""
    import dask.dataframe as dd

    count = max(1, min(partitions, len(frame)))
    bounds = np.linspace(0, len(frame), count + 1).astype(int)
    parts = [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    return dd.from_delayed(client.scatter(parts), meta=frame.iloc[:0], verify_meta=False)


def _assign_partition(part: Any, index: AreaIndex) -> pd.Series:
    return pd.Series(index.assign(part.geometry.x, part.geometry.y), index=part.index)


def assign_points(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    index: AreaIndex,
    *,
    client: Any,
    partitions: int,
) -> npt.NDArray[np.int64]:
    """Each point's area position in ``index`` (-1 outside all), computed partition by
    partition on the cluster: the same answer as ``index.assign(lon, lat)``."""
    import dask_geopandas

    frame = pd.DataFrame(
        {"lon": np.asarray(lon, dtype=np.float64), "lat": np.asarray(lat, dtype=np.float64)}
    )
    if frame.empty:
        return np.empty(0, dtype=np.int64)
    table = _scattered(client, frame, partitions)
    points = dask_geopandas.from_dask_dataframe(
        table, geometry=dask_geopandas.points_from_xy(table, "lon", "lat", crs=4326)
    )
    shared = client.scatter(index, broadcast=True)
    positions = points.map_partitions(_assign_partition, shared, meta=pd.Series(dtype="int64"))
    return np.asarray(client.compute(positions).result(), dtype=np.int64)


def coverage_counts(
    units: pd.DataFrame,
    *,
    as_of: date,
    window_days: int,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> pd.DataFrame:
    """Active units per (community_id, grid_id) with the coverage flags of
    :func:`geo.coverage.unit_coverage` counted (the database's own count,
    ``geo.store.area_counts.unit_counts_by_area``, follows the same definitions).

    ``units``: one row per unit with ``id``, ``community_id``, ``grid_id``, ``status``,
    ``last_completed`` and ``last_attempt`` (latest completed visit and latest visit of any
    outcome up to the end of ``as_of``).

    >>> day = pd.Timestamp
    >>> units = pd.DataFrame({"id": [1, 2, 3], "community_id": [1, 1, 2],
    ...     "grid_id": [10, 10, 20], "status": ["active"] * 3,
    ...     "last_completed": [day("2026-11-01"), None, None],
    ...     "last_attempt": [day("2026-11-01"), day("2026-11-02"), None]})
    >>> coverage_counts(units, as_of=date(2026, 11, 29), window_days=60).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'community_id': 1, 'grid_id': 10, 'rental_units': 2, 'covered': 1, 'attempted': 2,
      'overdue_units': 1},
     {'community_id': 2, 'grid_id': 20, 'rental_units': 1, 'covered': 0, 'attempted': 0,
      'overdue_units': 1}]
    """
    flags = unit_coverage(
        units[["id", "status"]],
        units[["id", "last_completed", "last_attempt"]].rename(columns={"id": "property_id"}),
        as_of=as_of,
        window_days=window_days,
        overdue_after_days=overdue_after_days,
    )
    active = units.loc[flags.index]
    counted = pd.DataFrame(
        {
            "community_id": active["community_id"],
            "grid_id": active["grid_id"],
            "rental_units": 1,
            "covered": flags["covered"].astype("int64"),
            "attempted": flags["attempted"].astype("int64"),
            "overdue_units": flags["overdue"].astype("int64"),
        }
    )
    return _sum_by_area(counted)


def _sum_by_area(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.groupby(COUNT_KEYS, dropna=False)[COVERAGE_COLUMNS].sum().reset_index()
    return out.sort_values(COUNT_KEYS, na_position="last", kind="stable").reset_index(drop=True)


def coverage_counts_partitioned(
    units: pd.DataFrame,
    *,
    as_of: date,
    window_days: int,
    client: Any,
    partitions: int,
) -> pd.DataFrame:
    """:func:`coverage_counts` partition by partition on the cluster, the partial counts
    summed per area: equal to the single-process result."""
    if units.empty:
        return coverage_counts(units, as_of=as_of, window_days=window_days)
    table = _scattered(client, units, partitions)
    meta = coverage_counts(units.iloc[:0], as_of=as_of, window_days=window_days)
    parts = table.map_partitions(coverage_counts, as_of=as_of, window_days=window_days, meta=meta)
    return _sum_by_area(client.compute(parts).result())
