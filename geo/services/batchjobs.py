"""Batch jobs for administrators, on a Dask cluster: every point re-placed in its areas, and
coverage counted per area over every unit. Each gives exactly what one process gives
(:mod:`geo.batch`); the cluster only spreads the work."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo import batch
from geo.areas import AreaIndex
from geo.coverage import WINDOW_DAYS
from geo.errors import InputError, NotFoundError
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.placement import replace_all
from geo.services.setup import Opened
from geo.store.areas import load_areas
from geo.store.places import unit_places
from geo.store.visits import last_visits


def _check(partitions: int, workers: int) -> None:
    if partitions < 1:
        raise InputError("value_invalid", name="partitions", value=partitions)
    if workers < 1:
        raise InputError("value_invalid", name="workers", value=workers)


def reassign_points(
    opened: Opened,
    actor: Actor,
    *,
    scheduler: str | None = None,
    partitions: int = 8,
    workers: int = 2,
) -> dict[str, Any]:
    """Re-place every unit and worksite in its community and grid, partition by partition
    on the cluster at ``scheduler`` (a local one of ``workers`` processes when None), and
    write the moved ones. It all runs in one write transaction: the points cannot change
    under the job, and other writers wait until it ends. Returns the rows moved."""
    require(actor, "setup")
    _check(partitions, workers)
    with batch.cluster(scheduler, workers=workers) as client:

        def on_cluster(
            index: AreaIndex, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
        ) -> npt.NDArray[np.int64]:
            return batch.assign_points(lon, lat, index, client=client, partitions=partitions)

        with opened.db.write() as conn:
            moved = replace_all(conn, url=opened.db.url, assign=on_cluster)
            record(
                conn,
                actor,
                "batch.reassign",
                count=moved,
                detail={"partitions": partitions, "scheduler": scheduler or "local"},
            )
    return {"moved": moved, "partitions": partitions, "scheduler": scheduler or "local"}


def coverage_job(
    opened: Opened,
    actor: Actor,
    *,
    as_of: date,
    window_days: int = WINDOW_DAYS,
    scheduler: str | None = None,
    partitions: int = 8,
    workers: int = 2,
) -> pd.DataFrame:
    """Coverage per community over every unit, counted partition by partition on the
    cluster: code, name, rental_units, covered, attempted, overdue_units, coverage."""
    require(actor, "setup")
    _check(partitions, workers)
    if window_days < 1:
        raise InputError("value_invalid", name="window", value=window_days)
    with opened.db.read() as conn:
        areas = load_areas(conn, level="community", geometry=False)
        if areas.empty:
            raise NotFoundError("database_empty")
        units = unit_places(conn).merge(
            last_visits(conn, as_of=as_of), left_on="id", right_on="property_id", how="left"
        )
    with batch.cluster(scheduler, workers=workers) as client:
        counts = batch.coverage_counts_partitioned(
            units, as_of=as_of, window_days=window_days, client=client, partitions=partitions
        )
    return per_community(areas, counts)


def per_community(areas: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Counts per (community, grid) added up per community, with its code, name and
    coverage (covered / units); communities without units show zeros."""
    summed = counts.groupby("community_id")[batch.COVERAGE_COLUMNS].sum()
    table = areas[["id", "code", "name"]].merge(summed, left_on="id", right_index=True, how="left")
    table[batch.COVERAGE_COLUMNS] = table[batch.COVERAGE_COLUMNS].fillna(0).astype("int64")
    units = table["rental_units"].replace(0, np.nan)
    table["coverage"] = table["covered"] / units
    return table.drop(columns="id").sort_values("code").reset_index(drop=True)
