"""Where sibling areas overlap, or leave gaps and slivers between them, in square metres.

All of the geometry is done once in metres, in the extent's Gauss-Kruger/UTM zone
(:func:`geo.crs.metric_crs_for_bounds`): the siblings are made valid and snapped to a
centimetre grid there, and every union, difference and intersection is a fixed-precision
(snap-rounded) overlay on that grid, so shapes that nearly touch (a strip a few metres wide
between two areas drawn apart) cannot raise a topology error. Only the issues found go back
to degrees, made valid again.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from geo.areas.shapes import polygonal
from geo.crs import (
    WGS84,
    MetricCRS,
    geometries_to_degrees,
    geometries_to_metres,
    metric_crs_for_bounds,
)

SLIVER_WIDTH_M = 10.0
"""A gap narrower than this on average (twice its area over its perimeter) is a sliver; gaps
that open to the outside are found up to twice this wide (a closing of the siblings' union)."""

GRIDS_M = (0.01, 0.1, 1.0)
MIN_WIDTH_M = 0.05
"""Pieces narrower on average than this (metres) are the rounding of coordinates written by
different programs, not land: below any survey's accuracy, they are left out."""
"""Precision grids in metres, finest first: the check runs on the first one on which the
geometry library completes it (a coarser grid merges nearly coincident edges)."""

ISSUE_KINDS = ("overlap", "gap", "sliver", "unchecked")
ISSUE_COLUMNS = ["kind", "codes", "area_m2", "width_m", "lon", "lat", "geometry"]

_log = logging.getLogger("gridhouse.areas")


def sibling_issues(
    areas: gpd.GeoDataFrame,
    *,
    outline: BaseGeometry | None = None,
    min_area_m2: float = 1.0,
    sliver_width_m: float = SLIVER_WIDTH_M,
) -> pd.DataFrame:
    """List overlaps between sibling areas and gaps (and slivers) between them, in m2.

    ``areas`` holds the siblings (columns code and geometry; WGS-84). A gap is land inside
    ``outline`` (the parent's boundary, WGS-84) that no sibling covers or, without an
    outline, land the siblings' union leaves out: holes it encloses, and notches up to twice
    ``sliver_width_m`` wide that open to the outside (slivers between two siblings drawn
    apart). Returns columns kind ('overlap', 'gap' or 'sliver': a gap narrower on average
    than ``sliver_width_m``), codes (the areas involved or bordering it), area_m2, width_m
    (twice area over perimeter), lon/lat (a point inside it) and geometry (WGS-84), largest
    first; pieces under ``min_area_m2`` or narrower than :data:`MIN_WIDTH_M` are left out.

    Never raises a geometry error: when the check cannot be computed on any grid of
    :data:`GRIDS_M`, one row of kind 'unchecked' names all the siblings (area_m2 and
    width_m 0, lon/lat the centre of their extent, geometry that extent).
    """
    values = np.asarray(areas.geometry.values, dtype=object)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    geoms = values[present]
    codes = areas["code"].astype(str).to_numpy()[present]
    if len(geoms) == 0:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    extent = shapely.total_bounds(geoms if outline is None else [*geoms, outline])
    minx, miny, maxx, maxy = (float(v) for v in extent)
    metric = metric_crs_for_bounds((minx, miny, maxx, maxy))
    for grid in GRIDS_M:
        try:
            return _checked(
                geoms,
                codes,
                outline,
                metric=metric,
                grid=grid,
                min_area_m2=min_area_m2,
                sliver_width_m=sliver_width_m,
            )
        except GEOSException:
            _log.warning("sibling check failed on a %s m grid", grid, exc_info=True)
    return _unchecked(codes, (minx, miny, maxx, maxy))


def _checked(
    geoms: npt.NDArray[np.object_],
    codes: npt.NDArray[np.str_],
    outline: BaseGeometry | None,
    *,
    metric: MetricCRS,
    grid: float,
    min_area_m2: float,
    sliver_width_m: float,
) -> pd.DataFrame:
    """The issues of WGS-84 siblings worked out in metres of ``metric`` on a ``grid``-metre
    grid (columns as :func:`sibling_issues`); may raise GEOSException."""
    shapes = _on_grid(geometries_to_metres(geoms, crs=metric), grid)
    edge = None
    if outline is not None:
        edge = _on_grid(geometries_to_metres([outline], crs=metric), grid)[0]
    found = _issues_in_metres(shapes, codes, edge, grid=grid, sliver_width_m=sliver_width_m)
    found = found.loc[(found["area_m2"] >= min_area_m2) & (found["width_m"] >= MIN_WIDTH_M)]
    if found.empty:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    in_metres = np.asarray(found["geometry"].to_numpy(), dtype=object)
    inside = geometries_to_degrees(shapely.point_on_surface(in_metres), crs=metric)
    found = found.assign(
        lon=shapely.get_x(inside),
        lat=shapely.get_y(inside),
        geometry=_valid(geometries_to_degrees(in_metres, crs=metric)),
    )
    ordered = found.sort_values("area_m2", ascending=False, kind="stable")
    issues = gpd.GeoDataFrame(ordered.reset_index(drop=True), geometry="geometry", crs=WGS84)
    return pd.DataFrame(issues[ISSUE_COLUMNS])


def _issues_in_metres(
    shapes: npt.NDArray[np.object_],
    codes: npt.NDArray[np.str_],
    outline: BaseGeometry | None,
    *,
    grid: float,
    sliver_width_m: float,
) -> pd.DataFrame:
    """Overlaps and gaps of valid, gridded shapes in metres (kind, codes, area_m2, width_m,
    geometry in metres); may raise GEOSException."""
    kept = np.array([g is not None for g in shapes], dtype=bool)
    shapes, codes = shapes[kept], codes[kept]
    rows: list[dict[str, object]] = []
    if len(shapes) == 0:
        return pd.DataFrame(columns=["kind", "codes", "area_m2", "width_m", "geometry"])
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    pairs = left < right
    for i, j in zip(left[pairs], right[pairs], strict=True):
        shared = polygonal(shapely.intersection(shapes[i], shapes[j], grid_size=grid))
        if shared is not None:
            rows.append({"kind": "overlap", "codes": f"{codes[i]},{codes[j]}", "geometry": shared})
    union = shapely.union_all(shapes, grid_size=grid)
    if outline is not None:
        gaps = polygonal(shapely.difference(outline, union, grid_size=grid))
    else:
        gaps = _gaps_in_union(union, width_m=2 * sliver_width_m, grid=grid)
    near = max(0.1, 2 * grid)
    for gap in [] if gaps is None else shapely.get_parts(gaps):
        beside = np.unique(tree.query(gap, predicate="dwithin", distance=near))
        rows.append({"kind": "gap", "codes": ",".join(codes[beside]), "geometry": gap})
    found = pd.DataFrame(rows, columns=["kind", "codes", "geometry"])
    in_metres = np.asarray(found["geometry"].to_numpy(), dtype=object)
    area = shapely.area(in_metres).astype(float)
    perimeter = shapely.length(in_metres).astype(float)
    found["area_m2"] = area
    found["width_m"] = np.where(perimeter > 0, 2 * area / np.where(perimeter > 0, perimeter, 1), 0)
    sliver = (found["kind"] == "gap") & (found["width_m"] < sliver_width_m)
    found.loc[sliver, "kind"] = "sliver"
    return found


def _gaps_in_union(union: BaseGeometry, *, width_m: float, grid: float) -> BaseGeometry | None:
    """Holes of the union (metres), and notches narrower than ``width_m`` that open to the
    outside (a closing: the union grown and shrunk by half that width, less the union)."""
    if union.is_empty:
        return None
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    half = width_m / 2
    grown = shapely.buffer(union, half, join_style="mitre", mitre_limit=10.0)
    closed = shapely.buffer(grown, -half, join_style="mitre", mitre_limit=10.0)
    closed = shapely.set_precision(shapely.make_valid(closed), grid)
    notches = polygonal(shapely.difference(closed, union, grid_size=grid))
    pieces = holes if notches is None else [*holes, notches]
    return polygonal(shapely.union_all(pieces, grid_size=grid)) if pieces else None


def _on_grid(shapes: npt.ArrayLike, grid: float) -> npt.NDArray[np.object_]:
    """Shapes made valid and snapped to a ``grid``-metre grid: MultiPolygons, or None where
    nothing with an area is left (a spike or sliver thinner than the grid collapses)."""
    values = np.asarray(shapes, dtype=object)
    snapped = shapely.set_precision(shapely.make_valid(values), grid)
    return np.array([polygonal(g) for g in snapped], dtype=object)


def _valid(geoms: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Issues back in degrees, repaired where the reprojection left a ring invalid."""
    values = np.asarray(geoms, dtype=object)
    broken = ~shapely.is_valid(values)
    if broken.any():
        values = values.copy()
        values[broken] = [polygonal(g) for g in shapely.make_valid(values[broken])]
    return values


def _unchecked(
    codes: npt.NDArray[np.str_], extent: tuple[float, float, float, float]
) -> pd.DataFrame:
    """One 'unchecked' row naming the siblings whose check could not be computed."""
    minx, miny, maxx, maxy = extent
    row = {
        "kind": "unchecked",
        "codes": ",".join(codes),
        "area_m2": 0.0,
        "width_m": 0.0,
        "lon": (minx + maxx) / 2,
        "lat": (miny + maxy) / 2,
        "geometry": shapely.box(minx, miny, maxx, maxy),
    }
    return pd.DataFrame([row], columns=ISSUE_COLUMNS)
