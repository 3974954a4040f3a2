"""Batch jobs on a Dask cluster (a local one here) give exactly the single-process answers,
and re-placing points after a boundary change (in SQL on PostGIS) restores every point."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

from geo import batch
from geo.areas import AreaIndex
from geo.coverage import bounds
from geo.errors import PermissionDeniedError
from geo.services import batchjobs
from geo.services.access import Actor
from geo.services.placement import replace_all
from geo.services.setup import open_database
from geo.store.area_counts import unit_counts_by_area
from geo.store.places import unit_places
from geo.store.visits import last_visits
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER, ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from assign import polygons_near_hangzhou


@pytest.fixture(scope="module")
def client():
    with batch.cluster(workers=2) as running:
        yield running


def test_points_placed_partition_by_partition_equal_the_single_process_answer(client):
    polygons = polygons_near_hangzhou(60)
    index = AreaIndex(polygons)
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = polygons.total_bounds
    x = rng.uniform(minx - 0.01, maxx + 0.01, 30_000)
    y = rng.uniform(miny - 0.01, maxy + 0.01, 30_000)
    # Points exactly on shared edges and corners, where the tie rule decides.
    corners = shapely.get_coordinates(polygons.boundary.to_numpy())[::7]
    x, y = np.concatenate([x, corners[:, 0], [np.nan]]), np.concatenate([y, corners[:, 1], [1.0]])
    single = index.assign(x, y)
    spread = batch.assign_points(x, y, index, client=client, partitions=7)
    assert (spread == single).all()
    assert (single[len(x) - len(corners) - 1 : -1] >= 0).all()  # every corner lies in an area
    assert single[-1] == -1


def test_coverage_counted_in_partitions_equals_one_process_and_the_database(demo, client):
    with demo.db.read() as conn:
        units = unit_places(conn).merge(
            last_visits(conn, as_of=AS_OF), left_on="id", right_on="property_id", how="left"
        )
        counted = unit_counts_by_area(conn, bounds(AS_OF, 90))
    single = batch.coverage_counts(units, as_of=AS_OF, window_days=90)
    spread = batch.coverage_counts_partitioned(
        units, as_of=AS_OF, window_days=90, client=client, partitions=5
    )
    pd.testing.assert_frame_equal(spread, single)
    by_database = batch._sum_by_area(counted.astype({c: "int64" for c in batch.COVERAGE_COLUMNS}))
    pd.testing.assert_frame_equal(
        single.astype({"community_id": float, "grid_id": float}),
        by_database.astype({"community_id": float, "grid_id": float}),
    )
    assert single["rental_units"].sum() == (units["status"] == "active").sum()


def scramble(url: str) -> tuple[dict[int, tuple], int]:
    """Put 300 units in the wrong community and grid, as a boundary change leaves them."""
    placed = {
        r[0]: (r[1], r[2])
        for r in databases.rows(url, "SELECT id, community_id, grid_id FROM property")
    }
    wrong = databases.rows(url, "SELECT id FROM area WHERE level = 'community' LIMIT 1")[0][0]
    moved = databases.execute(
        url,
        "UPDATE property SET community_id = ?, grid_id = NULL WHERE id IN (SELECT id FROM property"
        " WHERE community_id IS NOT NULL AND community_id <> ? ORDER BY id LIMIT 300)",
        (wrong, wrong),
    )
    return placed, moved


def places(url: str) -> dict[int, tuple]:
    return {
        r[0]: (r[1], r[2])
        for r in databases.rows(url, "SELECT id, community_id, grid_id FROM property")
    }


def test_re_placing_every_point_in_the_database_restores_each_one(demo_copy):
    """On PostGIS this is one UPDATE with the same tie rule as the area index (which
    placed the demo's units when it was loaded); elsewhere the area index itself."""
    placed, moved = scramble(demo_copy)
    opened = open_database(demo_copy)
    with opened.db.write() as conn:
        assert replace_all(conn, url=opened.db.url) == moved == 300
    opened.db.dispose()
    assert places(demo_copy) == placed


def test_the_batch_command_re_places_points_on_a_local_cluster(demo_copy):
    placed, moved = scramble(demo_copy)
    result = run_cli("--db", demo_copy, "batch", "reassign", "--partitions", "3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"moved": moved, "partitions": 3, "scheduler": "local"}
    assert places(demo_copy) == placed
    audit = databases.rows(demo_copy, "SELECT action, count FROM audit ORDER BY id DESC LIMIT 1")
    assert audit == [("batch.reassign", moved)]


def test_the_coverage_job_matches_the_overview_and_is_for_administrators(demo, client):
    from geo.services import statistics

    job = batchjobs.coverage_job(demo, ADMIN, as_of=AS_OF, workers=1, partitions=4)
    shown = statistics.area_statistics(demo, ADMIN, as_of=AS_OF)
    merged = job.merge(shown, on="code", suffixes=("", "_shown"))
    assert len(merged) == len(shown) > 0
    assert (merged["rental_units"] == merged["rental_units_shown"]).all()
    pd.testing.assert_series_equal(
        merged["coverage"], merged["coverage_shown"], check_names=False, check_dtype=False
    )
    with pytest.raises(PermissionDeniedError):
        batchjobs.coverage_job(demo, PLANNER, as_of=AS_OF)
    with pytest.raises(PermissionDeniedError):
        batchjobs.reassign_points(demo, Actor(name="r", role="registrar"))


def test_an_unreachable_scheduler_is_one_clear_line(demo_url):
    result = run_cli("--db", demo_url, "batch", "coverage", "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    assert "tcp://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
