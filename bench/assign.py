"""Point-to-area assignment beside geopandas.sjoin, on irregular polygons near 120E 30N.

Prints one JSON object per case: points, polygons, gridhouse_s (assignment with the index
built, as the app keeps it per boundary version), gridhouse_build_s (building the index
once), sjoin_s (geopandas.sjoin(predicate="within"), which builds its own tree each call),
and whether every answer agreed.

    python bench/assign.py                  # 100k and 1M points, 500 polygons
    python bench/assign.py --points 2000 --polygons 20    # a smoke run
"""

from __future__ import annotations

import argparse
import json
import time

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity

from geo.areas import AreaIndex
from geo.crs import geometries_to_degrees
from geo.demo import irregular_tiling


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


def best_of(repeat: int, action):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return min(times), result


def run_case(polygons: gpd.GeoSeries, points: int, *, repeat: int, seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = polygons.total_bounds
    x = rng.uniform(minx - 0.01, maxx + 0.01, points)
    y = rng.uniform(miny - 0.01, maxy + 0.01, points)
    build_s, index = best_of(repeat, lambda: AreaIndex(polygons))
    gridhouse_s, ours = best_of(repeat, lambda: index.assign(x, y))
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    areas = gpd.GeoDataFrame(geometry=polygons)

    def sjoin():
        return gpd.sjoin(frame, areas, predicate="within", how="left")

    sjoin_s, joined = best_of(repeat, sjoin)
    theirs = joined["index_right"].groupby(level=0).first().reindex(range(points))
    agree = bool((theirs.fillna(-1).astype(int).to_numpy() == ours).all())
    return {
        "bench": "assign",
        "points": points,
        "polygons": len(polygons),
        "gridhouse_s": round(gridhouse_s, 4),
        "gridhouse_build_s": round(build_s, 4),
        "sjoin_s": round(sjoin_s, 4),
        "speedup": round(sjoin_s / gridhouse_s, 1),
        "mixed_cell_share": round(index.mixed_cell_share, 3),
        "agree": agree,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--polygons", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    polygons = polygons_near_hangzhou(args.polygons)
    for points in args.points:
        print(json.dumps(run_case(polygons, points, repeat=args.repeat)), flush=True)


if __name__ == "__main__":
    main()
