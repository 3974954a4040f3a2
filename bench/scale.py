"""Batch jobs at city and province scale.

Prints one JSON object per case:

``{"bench": "scale", "points", "polygons", "workers", "partitions", "dask_s", "single_s",
"equal"}``: every point re-assigned to irregular polygons (as after a boundary change), on
a local Dask cluster (dask-geopandas partitions, ``--workers`` processes) beside one process
with the same area index; ``equal`` says whether every answer agreed. Both times include
building the index; the Dask time includes sending the points to the workers.

``{"bench": "stats", "scale", "units", "sqlite_s", "postgis_s"}``: the per-community area
statistics (counts, coverage, density) as the overview computes them, cold (nothing
cached), median of ``--repeat`` runs, on an SQLite file and a PostGIS database holding the
same demo district (``gridhouse demo --scale N`` into each).

    python bench/scale.py                                # 10M points, 5,000 polygons
    python bench/scale.py --points 20000 --polygons 50   # a smoke run
    python bench/scale.py --points 0 --sqlite d80.sqlite --postgis postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import json
import statistics as stats
import time
from datetime import date

import numpy as np
from assign import polygons_near_hangzhou

from geo import batch
from geo.areas import AreaIndex

AS_OF = date(2026, 11, 29)


def scale_case(points: int, polygons: int, *, workers: int, partitions: int) -> dict:
    # Communities of a city's size at any count: 500 fill 30 km square, 5,000 about 95 km.
    shapes = polygons_near_hangzhou(polygons, side=30_000.0 * max(1.0, (polygons / 500) ** 0.5))
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = shapes.total_bounds
    x = rng.uniform(minx - 0.005, maxx + 0.005, points)
    y = rng.uniform(miny - 0.005, maxy + 0.005, points)

    started = time.perf_counter()
    single = AreaIndex(shapes).assign(x, y)
    single_s = time.perf_counter() - started

    with batch.cluster(workers=workers) as client:
        started = time.perf_counter()
        spread = batch.assign_points(x, y, AreaIndex(shapes), client=client, partitions=partitions)
        dask_s = time.perf_counter() - started
    return {
        "bench": "scale",
        "points": points,
        "polygons": polygons,
        "workers": workers,
        "partitions": partitions,
        "dask_s": round(dask_s, 3),
        "single_s": round(single_s, 3),
        "equal": bool(np.array_equal(spread, single)),
    }


def statistics_seconds(url: str, repeat: int) -> tuple[float, int]:
    """Median seconds of a cold per-community statistics table, and the units counted."""
    from geo.services import statistics
    from geo.services.access import Actor
    from geo.services.setup import open_database

    admin = Actor(name="bench", role="admin")
    opened = open_database(url, create=False)
    times, units = [], 0
    for _ in range(repeat):
        statistics._COUNTS.clear()  # cold: as after an import, nothing cached
        started = time.perf_counter()
        table = statistics.area_statistics(opened, admin, as_of=AS_OF)
        times.append(time.perf_counter() - started)
        units = int(table["rental_units"].sum())
    opened.db.dispose()
    return stats.median(times), units


def stats_case(sqlite: str, postgis: str, *, scale: int, repeat: int) -> dict:
    sqlite_s, units = statistics_seconds(sqlite, repeat)
    postgis_s, units_pg = statistics_seconds(postgis, repeat)
    if units != units_pg:
        msg = f"the two databases differ: {units} units on SQLite, {units_pg} on PostGIS"
        raise SystemExit(msg)
    return {
        "bench": "stats",
        "scale": scale,
        "units": units,
        "sqlite_s": round(sqlite_s, 3),
        "postgis_s": round(postgis_s, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000, help="0 skips the case")
    parser.add_argument("--polygons", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--sqlite", help="an SQLite demo database (stats case)")
    parser.add_argument("--postgis", help="a PostGIS demo database URL (stats case)")
    parser.add_argument("--scale", type=int, default=80, help="their demo scale, as printed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.points:
        case = scale_case(
            args.points, args.polygons, workers=args.workers, partitions=args.partitions
        )
        print(json.dumps(case), flush=True)
    if args.sqlite and args.postgis:
        case = stats_case(args.sqlite, args.postgis, scale=args.scale, repeat=args.repeat)
        print(json.dumps(case), flush=True)


if __name__ == "__main__":
    main()
