"""Point-to-area assignment beside geopandas.sjoin and DuckDB spatial, on irregular polygons
near 120E 30N.

Prints one JSON object per line:

- ``{"bench": "assign", ...}`` per point count: ``gridhouse_s`` (assignment with the index
  built, as the app keeps it per boundary version; best of ``--repeat``, with ``runs_s``
  every run and ``cpu_s`` the best process time, for a shared machine; ``two_threads_s`` the
  same on two threads), ``sjoin_s``
  (``geopandas.sjoin(predicate="within")``, which builds its own tree each call),
  ``duckdb`` (``{"s": ...}``, or ``{"skipped": reason}`` when DuckDB or its spatial extension
  is not at hand), ``agreement`` (the share of points off the edges where our area is the
  one sjoin gives; 1.0 expected), ``on_edges`` (points within ``EDGE_TOLERANCE_DEG`` of an
  edge, where the tie rule answers instead of sjoin) and ``agree`` (agreement == 1.0).
- ``{"bench": "assign_build", ...}`` per ``--build-polygons`` count: ``build_s``, the index
  build (best of ``--repeat``, on fresh geometries).
- ``{"bench": "assign_chunked", ...}``: ``--chunked`` points (10 million) assigned in one
  call, which works through them in fixed chunks: ``seconds`` and ``peak_mb`` (the most
  memory numpy held during the call beyond the points and the answers, by tracemalloc),
  ``rss_mb`` (the process's peak resident memory so far).

    python bench/assign.py                  # 1M points, 500 polygons, builds of 500 and 5,000
    python bench/assign.py --points 2000 --polygons 20 --build-polygons 20 --chunked 20000
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from geo.areas import AreaIndex
from geo.crs import geometries_to_degrees
from geo.demo import irregular_tiling

EDGE_TOLERANCE_DEG = 1e-9
"""About 0.1 mm: a point this close to an edge is "on the edge" for the agreement figure."""


def polygons_near_hangzhou(count: int, *, seed: int = 1, side: float = 30_000.0) -> gpd.GeoSeries:
    """``count`` warped Voronoi polygons tiling a square of ``side`` metres (30 km: as a
    city's communities)."""
    rng = np.random.default_rng(seed)
    seeds = rng.uniform(0, side, (count, 2))
    tiles = irregular_tiling(
        shapely.box(0, 0, side, side), seeds, amplitude_m=60, wavelength_m=450, segment_m=60
    )
    placed = [shapely.affinity.translate(t, 480_000, 3_310_000) for t in tiles]
    return gpd.GeoSeries(geometries_to_degrees(placed, crs=4549), crs=4326)


def city_polygons(count: int) -> gpd.GeoSeries:
    """Communities of a city's size at any count: 500 fill a 30 km square, 5,000 about 95 km."""
    return polygons_near_hangzhou(count, side=30_000.0 * max(1.0, (count / 500) ** 0.5))


def best_of(repeat: int, action: Callable[[], Any]) -> tuple[float, float, list[float], Any]:
    """(best wall seconds, best process seconds, every run's wall seconds, last result)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus), walls, result


def random_points(polygons: gpd.GeoSeries, count: int, *, seed: int = 2) -> tuple[Any, Any]:
    """Uniform points over the polygons' extent and a margin around it (some in no area)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = polygons.total_bounds
    x = rng.uniform(minx - 0.01, maxx + 0.01, count)
    return x, rng.uniform(miny - 0.01, maxy + 0.01, count)


def sjoin_positions(polygons: gpd.GeoSeries, x: Any, y: Any) -> Any:
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    joined = gpd.sjoin(frame, gpd.GeoDataFrame(geometry=polygons), predicate="within", how="left")
    first = joined["index_right"].groupby(level=0).first().reindex(range(len(x)))
    return first.fillna(-1).astype(int).to_numpy()


def near_edges(polygons: gpd.GeoSeries, x: Any, y: Any) -> Any:
    """Which points lie within EDGE_TOLERANCE_DEG of some polygon's edge."""
    edges = shapely.boundary(np.asarray(polygons.values, dtype=object))
    hit, _ = shapely.STRtree(edges).query(
        shapely.points(x, y), predicate="dwithin", distance=EDGE_TOLERANCE_DEG
    )
    out = np.zeros(len(x), dtype=bool)
    out[hit] = True
    return out


def _packaged_spatial_extension(version: str) -> str | None:
    """The spatial extension's file from the ``duckdb-extension-spatial`` package on PyPI,
    for this DuckDB version, when installed: no download from DuckDB's own servers."""
    try:
        import duckdb_extension_spatial  # type: ignore[import-not-found]
    except ImportError:
        return None
    found = sorted(
        Path(duckdb_extension_spatial.__file__).parent.glob(
            f"extensions/v{version}/spatial.duckdb_extension"
        )
    )
    return str(found[0]) if found else None


@functools.cache
def duckdb_spatial() -> tuple[Any, str]:
    """A DuckDB connection with the spatial extension loaded, or None and why not."""
    try:
        import duckdb
    except ImportError:
        return None, "duckdb is not installed (pip install -e '.[bench]')"
    con = duckdb.connect()
    packaged = _packaged_spatial_extension(duckdb.__version__)
    try:
        con.execute(f"LOAD '{packaged}'" if packaged else "LOAD spatial")
    except duckdb.Error:
        try:
            con.execute("INSTALL spatial")
            con.execute("LOAD spatial")
        except duckdb.Error as error:
            name = type(error).__name__
            return None, f"the spatial extension is not installed and cannot be downloaded ({name})"
    return con, ""


def duckdb_case(polygons: gpd.GeoSeries, x: Any, y: Any, repeat: int) -> dict[str, Any]:
    """DuckDB spatial's point-in-polygon join of the same points, or why it was skipped."""
    con, reason = duckdb_spatial()
    if con is None:
        return {"skipped": reason}
    con.execute("CREATE OR REPLACE TABLE area (pos INTEGER, geom GEOMETRY)")
    wkb = shapely.to_wkb(np.asarray(polygons.values, dtype=object))
    con.executemany(
        "INSERT INTO area VALUES (?, ST_GeomFromWKB(?))",
        [(i, bytes(w)) for i, w in enumerate(wkb)],
    )
    con.register("points_in", pd.DataFrame({"id": np.arange(len(x)), "x": x, "y": y}))
    query = (
        "SELECT p.id, min(a.pos) FROM points_in p LEFT JOIN area a"
        " ON ST_Within(ST_Point(p.x, p.y), a.geom) GROUP BY p.id"
    )
    wall, _, _, _ = best_of(repeat, lambda: con.execute(query).fetchall())
    return {"s": round(wall, 4)}


def assign_case(polygons: gpd.GeoSeries, points: int, *, repeat: int, peers: bool) -> dict:
    x, y = random_points(polygons, points)
    index = AreaIndex(polygons)
    index.assign(x[:1000], y[:1000])  # warm: first-touch of the index's tables
    wall, cpu, runs, ours = best_of(repeat, lambda: index.assign(x, y))
    two, _, _, _ = best_of(repeat, lambda: index.assign(x, y, threads=2))
    case: dict[str, Any] = {
        "bench": "assign",
        "points": points,
        "polygons": len(polygons),
        "gridhouse_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "runs_s": [round(r, 4) for r in runs],
        "two_threads_s": round(two, 4),
        "mixed_cell_share": round(index.mixed_cell_share, 3),
    }
    if not peers:
        return case
    sjoin_s, _, _, theirs = best_of(max(1, min(repeat, 2)), lambda: sjoin_positions(polygons, x, y))
    differ = ours != theirs
    on_edges = np.zeros(points, dtype=bool)
    if differ.any():
        on_edges[differ] = near_edges(polygons, x[differ], y[differ])
    off = ~on_edges
    agreement = float(np.mean(~differ[off])) if off.any() else 1.0
    case.update(
        {
            "sjoin_s": round(sjoin_s, 4),
            "speedup": round(sjoin_s / wall, 1),
            "duckdb": duckdb_case(polygons, x, y, max(1, min(repeat, 2))),
            "agreement": agreement,
            "on_edges": int(on_edges.sum()),
            "agree": agreement == 1.0,
        }
    )
    return case


def build_case(count: int, *, repeat: int) -> dict:
    polygons = city_polygons(count)
    # Fresh geometries each run: the index prepares them, which a reused array would skip.
    fresh = [shapely.from_wkb(shapely.to_wkb(polygons.values)) for _ in range(repeat)]
    runs = iter(fresh)
    wall, cpu, walls, _ = best_of(repeat, lambda: AreaIndex(next(runs)))
    return {
        "bench": "assign_build",
        "polygons": count,
        "vertices": int(shapely.get_num_coordinates(polygons.values).sum()),
        "build_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "runs_s": [round(r, 4) for r in walls],
    }


def chunked_case(polygons: gpd.GeoSeries, points: int, *, repeat: int) -> dict:
    x, y = random_points(polygons, points, seed=5)
    index = AreaIndex(polygons)
    wall, cpu, walls, _ = best_of(repeat, lambda: index.assign(x, y))
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    index.assign(x, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    answers_mb = points * 8 / 2**20
    return {
        "bench": "assign_chunked",
        "points": points,
        "polygons": len(polygons),
        "seconds": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "runs_s": [round(r, 4) for r in walls],
        "peak_mb": round((peak - before) / 2**20 - answers_mb, 1),
        "points_mb": round(2 * answers_mb, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--polygons", type=int, default=500)
    parser.add_argument("--build-polygons", type=int, nargs="*", default=[500, 5_000])
    parser.add_argument("--chunked", type=int, default=10_000_000, help="0: leave it out")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true", help="leave sjoin and DuckDB out")
    args = parser.parse_args(argv)
    polygons = city_polygons(args.polygons)
    for points in args.points:
        case = assign_case(polygons, points, repeat=args.repeat, peers=not args.no_peers)
        print(json.dumps(case), flush=True)
    for count in args.build_polygons:
        print(json.dumps(build_case(count, repeat=args.repeat)), flush=True)
    if args.chunked:
        print(json.dumps(chunked_case(polygons, args.chunked, repeat=args.repeat)), flush=True)


if __name__ == "__main__":
    main()
