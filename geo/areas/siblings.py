"""Where sibling areas overlap, or leave gaps and slivers between them, in square metres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.areas.shapes import areas_m2, polygonal
from geo.crs import WGS84, geometries_to_degrees, geometries_to_metres, metric_crs_for_bounds

SLIVER_WIDTH_M = 10.0
"""A gap narrower than this on average (twice its area over its perimeter) is a sliver; gaps
that open to the outside are found up to twice this wide (a closing of the siblings' union)."""

ISSUE_COLUMNS = ["kind", "codes", "area_m2", "width_m", "lon", "lat", "geometry"]


def sibling_issues(
    areas: gpd.GeoDataFrame,
    *,
    outline: BaseGeometry | None = None,
    min_area_m2: float = 1.0,
    sliver_width_m: float = SLIVER_WIDTH_M,
) -> pd.DataFrame:
    """List overlaps between sibling areas and gaps (and slivers) between them, in m2.

    ``areas`` holds the siblings (columns code and geometry; WGS-84). A gap is land inside
    ``outline`` (the parent's boundary) that no sibling covers or, without an outline, land
    the siblings' union leaves out: holes it encloses, and notches up to twice
    ``sliver_width_m`` wide that open to the outside (slivers between two siblings drawn
    apart). Returns columns kind ('overlap', 'gap' or 'sliver': a gap narrower on average
    than ``sliver_width_m``), codes (the areas involved or bordering it), area_m2, width_m,
    lon/lat (a point inside it) and geometry, largest first; pieces under ``min_area_m2``
    are left out.
    """
    rows: list[dict[str, object]] = []
    geoms = np.asarray(areas.geometry.values, dtype=object)
    if len(geoms) == 0:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    codes = areas["code"].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    for i, j in zip(left[pairs], right[pairs], strict=True):
        shared = polygonal(shapely.intersection(geoms[i], geoms[j]))
        if shared is not None:
            rows.append({"kind": "overlap", "codes": f"{codes[i]},{codes[j]}", "geometry": shared})
    union = shapely.union_all(geoms)
    if outline is not None:
        gaps = list(shapely.get_parts(polygonal(shapely.difference(outline, union))))
    else:
        gaps = _gaps_in_union(union, width_m=2 * sliver_width_m)
    rows.extend({"kind": "gap", "codes": "", "geometry": gap} for gap in gaps)
    if not rows:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    issues = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    issues = issues.set_geometry(_without_spikes(issues.geometry))
    issues = issues.loc[issues.geometry.notna()].copy()
    issues["area_m2"] = areas_m2(issues.geometry)
    issues = issues.loc[issues["area_m2"] >= min_area_m2].copy()
    issues["width_m"] = _mean_widths_m(issues.geometry)
    is_gap = (issues["kind"] == "gap").to_numpy()
    issues.loc[is_gap, "codes"] = [
        ",".join(codes[np.unique(tree.query(gap, predicate="dwithin", distance=1e-6))])
        for gap in issues.geometry[is_gap]
    ]
    sliver = (issues["kind"] == "gap") & (issues["width_m"] < sliver_width_m)
    issues.loc[sliver, "kind"] = "sliver"
    inside = shapely.point_on_surface(np.asarray(issues.geometry.values, dtype=object))
    issues["lon"] = shapely.get_x(inside)
    issues["lat"] = shapely.get_y(inside)
    ordered = issues.sort_values("area_m2", ascending=False).reset_index(drop=True)
    return pd.DataFrame(ordered[ISSUE_COLUMNS])


def _gaps_in_union(union: BaseGeometry, *, width_m: float) -> list[BaseGeometry]:
    """Holes of the union, and notches narrower than ``width_m`` that open to the outside."""
    rings = [r for p in shapely.get_parts(union) for r in getattr(p, "interiors", [])]
    holes = [shapely.Polygon(r) for r in rings]
    metric = metric_crs_for_bounds(tuple(shapely.bounds(union)))
    in_metres = geometries_to_metres(np.array([union], dtype=object), crs=metric)[0]
    half = width_m / 2
    closed = shapely.buffer(
        shapely.buffer(in_metres, half, join_style="mitre", mitre_limit=10.0),
        -half,
        join_style="mitre",
        mitre_limit=10.0,
    )
    notches_m = polygonal(shapely.difference(closed, in_metres))
    if notches_m is None:
        return holes
    notches = geometries_to_degrees(np.array([notches_m], dtype=object), crs=metric)[0]
    found = polygonal(shapely.union_all([*holes, notches]))
    return [] if found is None else list(shapely.get_parts(found))


def _without_spikes(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Issues snapped to a centimetre grid in metres, so that the zero-width spikes left by
    subtracting nearly equal edges vanish instead of inflating perimeters and neighbours."""
    if len(geoms) == 0:
        return geoms
    metric = metric_crs_for_bounds(tuple(geoms.total_bounds))
    shapes = geometries_to_metres(np.asarray(geoms.values, dtype=object), crs=metric)
    snapped = shapely.set_precision(shapes, 0.01)
    kept = np.array([polygonal(g) for g in snapped], dtype=object)
    present = np.array([g is not None for g in kept], dtype=bool)
    out = np.full(len(kept), None, dtype=object)
    if present.any():
        out[present] = geometries_to_degrees(kept[present], crs=metric)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def _mean_widths_m(geoms: gpd.GeoSeries) -> npt.NDArray[np.float64]:
    """Twice area over perimeter, in metres: the width of a long thin strip."""
    if len(geoms) == 0:
        return np.zeros(0)
    metric = metric_crs_for_bounds(tuple(geoms.total_bounds))
    shapes = geometries_to_metres(np.asarray(geoms.values, dtype=object), crs=metric)
    perimeter = shapely.length(shapes)
    area = shapely.area(shapes)
    return np.where(perimeter > 0, 2 * area / np.where(perimeter > 0, perimeter, 1), 0.0)
