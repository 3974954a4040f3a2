"""Turn what surveyors draw into valid polygons, and measure them in square metres."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84, CRSLike, metric_crs_for_bounds, to_metres


def polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Keep only the polygonal part of a geometry, as a MultiPolygon (None when empty).

    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)])
    >>> polygonal(mixed).geom_type
    'MultiPolygon'
    """
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(geom)
    polys: list[BaseGeometry] = []
    for part in parts:
        if part.geom_type == "Polygon":
            polys.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            kept = polygonal(part)
            if kept is not None:
                polys.extend(shapely.get_parts(kept))
    if not polys:
        return None
    return shapely.MultiPolygon(polys)


CLOSE_WITHIN_M = 20.0
"""A line whose ends lie this close (a GPS walk back to where it began) is a closed ring."""

SHAPE_KINDS = ("polygon", "closed_line", "open_line", "point", "empty")


@dataclass(frozen=True)
class Shapes:
    """Each feature as a polygon (or None), what it was drawn as, and its open ends' gap."""

    geometry: gpd.GeoSeries
    kind: npt.NDArray[np.str_]
    gap_m: npt.NDArray[np.float64]


def shapes_to_polygons(geoms: gpd.GeoSeries, *, close_within_m: float = CLOSE_WITHIN_M) -> Shapes:
    """Turn what people draw boundaries as into polygons, saying what each one was.

    Polygons (also inside a GeometryCollection or KML MultiGeometry) stay polygons; lines
    and GPS tracks whose ends meet within ``close_within_m`` metres become polygons
    ('closed_line'); other lines ('open_line', with the gap between their ends in metres),
    points and empty shapes become None. Heights (z) are dropped.

    >>> import shapely
    >>> ring = shapely.LineString([(120, 30), (120.01, 30), (120.01, 30.01), (120, 30)])
    >>> walk = shapely.LineString([(120, 30), (120.01, 30), (120.01, 30.01)])
    >>> found = shapes_to_polygons(gpd.GeoSeries([ring, walk, shapely.Point(120, 30)], crs=4326))
    >>> found.kind.tolist(), [g is None for g in found.geometry]
    (['closed_line', 'open_line', 'point'], [False, True, True])
    """
    values = shapely.force_2d(np.asarray(geoms.values, dtype=object))
    out: list[BaseGeometry | None] = []
    kinds: list[str] = []
    gaps = np.zeros(len(values))
    metric = None
    for i, geom in enumerate(values):
        if geom is None or geom.is_empty:
            out.append(None)
            kinds.append("empty")
            continue
        polygons = polygonal(geom)
        if polygons is not None:
            out.append(polygons)
            kinds.append("polygon")
            continue
        lines = [p for p in _flat_parts(geom) if p.geom_type in ("LineString", "LinearRing")]
        if not lines:
            out.append(None)
            kinds.append("point")
            continue
        if metric is None:
            metric = metric_crs_for_bounds(tuple(shapely.total_bounds(values)))
        gap = max(_end_gap_m(line, metric) for line in lines)
        gaps[i] = gap
        if gap <= close_within_m and all(len(line.coords) >= 3 for line in lines):
            rings = [shapely.Polygon(list(line.coords)) for line in lines]
            out.append(shapely.MultiPolygon(rings))
            kinds.append("closed_line")
        else:
            out.append(None)
            kinds.append("open_line")
    return Shapes(
        geometry=gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs),
        kind=np.asarray(kinds, dtype=str),
        gap_m=gaps,
    )


def _flat_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    parts: list[BaseGeometry] = []
    for part in shapely.get_parts(geom):
        if part.geom_type.startswith("Multi") or part.geom_type == "GeometryCollection":
            parts.extend(_flat_parts(part))
        else:
            parts.append(part)
    return parts


def _end_gap_m(line: BaseGeometry, metric: CRSLike) -> float:
    coords = np.asarray(line.coords)
    x, y = to_metres(coords[[0, -1], 0], coords[[0, -1], 1], crs=metric)
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, npt.NDArray[np.bool_]]:
    """Make every geometry a valid MultiPolygon; return them and a mask of those repaired.

    Self-intersecting rings ("bow ties") are split by ``make_valid``; lines and points that
    repair leaves behind are dropped; a geometry with no area left becomes None.
    """
    values = np.asarray(geoms.values, dtype=object)
    invalid = ~shapely.is_valid(values) & ~shapely.is_missing(values)
    fixed = values.copy()
    fixed[invalid] = shapely.make_valid(values[invalid])
    out = [polygonal(g) for g in fixed]
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs), invalid


def areas_m2(geoms: gpd.GeoSeries) -> npt.NDArray[np.float64]:
    """Measure WGS-84 polygons in square metres in the extent's Gauss-Kruger/UTM zone."""
    if geoms.crs is None:
        msg = "geometries have no CRS; set it first, e.g. geoms.set_crs('EPSG:4326')"
        raise ValueError(msg)
    if len(geoms) == 0:
        return np.zeros(0)
    wgs = geoms.to_crs(WGS84)
    metric = metric_crs_for_bounds(tuple(wgs.total_bounds))
    return np.asarray(wgs.to_crs(metric).area.to_numpy(), dtype=np.float64)
