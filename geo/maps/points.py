"""Point layers: circles or discs on the ground coloured by a category and sized by a
count, and lines from one place to many (where a worksite's workers come home to)."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import markup
from geo.crs import (
    WGS84,
    geometries_to_degrees,
    metric_crs_for_bounds,
    to_metres,
    wgs84_to_gcj02,
)
from geo.maps.base import check_basemap, drawable, hover_tooltip, shown
from geo.maps.legends import KindLegend, css_colour


def add_points(
    fmap: folium.Map,
    points: gpd.GeoDataFrame,
    *,
    colour_column: str,
    colours: dict[str, str],
    size_column: str,
    tooltip_columns: dict[str, str],
    legend_title: str,
    legend_labels: dict[str, str],
    basemap: str = "none",
    id_column: str | None = None,
) -> None:
    """Circles at ``points`` coloured by a category and sized by a count (area ~ count),
    with a legend of the categories. One GeoJSON layer, however many points.

    With ``id_column`` the points are drawn as small discs on the ground instead (a click on
    one returns its feature, with ``id`` in its properties, as a click on an area does).
    No points: nothing is drawn (no layer, no legend).
    """
    if points.empty:
        return
    fields = list(tooltip_columns)
    sizes = pd.to_numeric(points[size_column], errors="coerce").fillna(0).to_numpy(float)
    props = shown(points, fields)
    props["__fill"] = [css_colour(colours.get(str(k))) for k in points[colour_column]]
    tooltip = hover_tooltip(tooltip_columns)
    fmap.add_child(KindLegend(legend_title, {legend_labels[k]: c for k, c in colours.items()}))
    if id_column is not None:
        props["id"] = points[id_column].astype(str).to_numpy()
        _add_discs(fmap, points, props, sizes, basemap=basemap, name=legend_title, tooltip=tooltip)
        return
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    if check_basemap(basemap):
        x, y = wgs84_to_gcj02(x, y)
    props["__radius"] = np.round(3 + np.sqrt(np.clip(sizes, 0, None)) * 0.8, 1).astype(str)
    data = gpd.GeoDataFrame(
        props, geometry=gpd.points_from_xy(np.round(x, 6), np.round(y, 6)), crs=points.crs
    )
    folium.GeoJson(
        data.to_json(drop_id=True),
        name=markup.html_text(legend_title),
        marker=folium.CircleMarker(
            radius=5, weight=1, color="#333333", fill=True, fill_opacity=0.85
        ),
        style_function=_point_style,
        tooltip=tooltip,
    ).add_to(fmap)


def _add_discs(
    fmap: folium.Map,
    points: gpd.GeoDataFrame,
    props: pd.DataFrame,
    sizes: np.ndarray,
    *,
    basemap: str,
    name: str,
    tooltip: folium.GeoJsonTooltip,
) -> None:
    """``points`` as discs on the ground carrying ``props`` (tooltip fields, fill, id)."""
    minx, miny, maxx, maxy = points.total_bounds
    metric = metric_crs_for_bounds((minx, miny, maxx, maxy))
    x, y = to_metres(np.r_[points.geometry.x.to_numpy(), minx, maxx],
                     np.r_[points.geometry.y.to_numpy(), miny, maxy], crs=metric)  # fmt: skip
    extent_m = max(float(np.hypot(x[-1] - x[-2], y[-1] - y[-2])), 200.0)
    # About 6 to 15 pixels across when the whole list fills the map, bigger for more people.
    radius_m = extent_m / 250 * (1 + np.sqrt(np.clip(sizes, 0, None)) / 2)
    discs = shapely.buffer(shapely.points(x[:-2], y[:-2]), radius_m, quad_segs=4)
    shapes = gpd.GeoDataFrame(props, geometry=geometries_to_degrees(discs, crs=metric), crs=WGS84)
    shapes = drawable(shapes, gcj02=check_basemap(basemap))
    folium.GeoJson(
        shapes.to_json(drop_id=True),
        name=markup.html_text(name),
        style_function=lambda f: {
            "fillColor": f["properties"]["__fill"],
            "color": "#333333",
            "weight": 1,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#08306b"},
        tooltip=tooltip,
    ).add_to(fmap)


def _point_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["__fill"],
        "radius": float(feature["properties"]["__radius"]),
    }


def add_lines(
    fmap: folium.Map,
    origin: tuple[float, float],
    targets: gpd.GeoDataFrame,
    *,
    weight_column: str,
    basemap: str = "none",
    colour: str = "#08519c",
) -> None:
    """Lines from ``origin`` (lon, lat) to each target's centre, thicker for bigger
    weights: where a worksite's workers come home to."""
    gcj02 = check_basemap(basemap)
    centres = targets.geometry.representative_point()
    x, y = centres.x.to_numpy(), centres.y.to_numpy()
    ox, oy = np.array([origin[0]]), np.array([origin[1]])
    if gcj02:
        x, y = wgs84_to_gcj02(x, y)
        ox, oy = wgs84_to_gcj02(ox, oy)
    weights = pd.to_numeric(targets[weight_column], errors="coerce").fillna(0).to_numpy(float)
    top = weights.max() if len(weights) else 1.0
    lines = [
        shapely.LineString([(float(ox[0]), float(oy[0])), (float(a), float(b))])
        for a, b in zip(np.round(x, 6), np.round(y, 6), strict=True)
    ]
    data = gpd.GeoDataFrame(
        {"__weight": (1 + 5 * weights / max(top, 1.0)).round(1).astype(str)},
        geometry=lines,
        crs=targets.crs,
    )
    folium.GeoJson(
        data.to_json(drop_id=True),
        style_function=lambda f: {
            "color": colour,
            "weight": float(f["properties"]["__weight"]),
            "opacity": 0.6,
        },
    ).add_to(fmap)
