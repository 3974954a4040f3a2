"""Area layers: choropleths coloured by a value, outlines for orientation, and shares (a
team's route or area) in one colour each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import folium
import geopandas as gpd
import shapely

from geo import markup
from geo.maps.base import base_map, check_basemap, drawable, hover_tooltip, shown
from geo.maps.legends import KindLegend, Legend, class_breaks, colour_for, fixed_class_colour


def choropleth(
    areas: gpd.GeoDataFrame,
    *,
    value_column: str,
    legend_title: str,
    tooltip_columns: dict[str, str],
    basemap: str = "none",
    value_format: str = "{:,.0f}",
    height_px: int = 600,
    id_column: str | None = None,
    classes: Sequence[tuple[float, str, str]] | None = None,
) -> folium.Map:
    """A map of ``areas`` coloured by ``value_column`` with a legend and tooltips.

    ``tooltip_columns`` maps column names to the labels shown; values that are not numbers
    (such as a suppressed "<5") are shown as they are and drawn grey. ``id_column`` is
    carried in each feature's properties as ``id`` (what a click on the map returns).
    ``classes``: fixed classes instead of quantiles (see :func:`add_choropleth`).
    """
    fmap = base_map(areas.total_bounds, basemap=basemap, height_px=height_px)
    add_choropleth(
        fmap,
        areas,
        value_column=value_column,
        legend_title=legend_title,
        tooltip_columns=tooltip_columns,
        basemap=basemap,
        value_format=value_format,
        id_column=id_column,
        classes=classes,
    )
    return fmap


def add_choropleth(
    fmap: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    value_column: str,
    legend_title: str,
    tooltip_columns: dict[str, str],
    basemap: str = "none",
    value_format: str = "{:,.0f}",
    id_column: str | None = None,
    opacity: float = 0.75,
    classes: Sequence[tuple[float, str, str]] | None = None,
) -> None:
    """Draw ``areas`` coloured by ``value_column`` on ``fmap``, with its legend.

    Classes are quantiles of the values, or fixed ``classes`` (lowest value, colour, label),
    ascending, such as a target's threshold colours. No areas: nothing is drawn (no layer,
    no legend).
    """
    if areas.empty:
        return
    shapes = drawable(areas, gcj02=check_basemap(basemap))
    breaks = class_breaks(areas[value_column])
    fields = list(tooltip_columns)
    props = shown(shapes, fields)
    if classes is None:
        props["__fill"] = [colour_for(v, breaks) for v in areas[value_column]]
    else:
        props["__fill"] = [fixed_class_colour(v, classes) for v in areas[value_column]]
    props["__opacity"] = opacity
    if id_column is not None:
        props["id"] = shapes[id_column].astype(str)
    data = gpd.GeoDataFrame(props.astype(str), geometry=shapes.geometry.to_numpy(), crs=shapes.crs)
    folium.GeoJson(
        data.to_json(drop_id=True),
        name=markup.html_text(legend_title),
        style_function=_style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#08306b"},
        tooltip=hover_tooltip(tooltip_columns),
    ).add_to(fmap)
    if classes is None:
        fmap.add_child(Legend(legend_title, breaks, value_format=value_format))
    else:
        fmap.add_child(KindLegend(legend_title, {label: c for _, c, label in reversed(classes)}))


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["__fill"],
        "color": "#555555",
        "weight": 1,
        "fillOpacity": float(feature["properties"]["__opacity"]),
    }


def add_outlines(fmap: folium.Map, areas: gpd.GeoDataFrame, *, basemap: str = "none") -> None:
    """Area boundaries as thin grey lines with their names on hover, for orientation under
    other layers (not counted as data: no fill, no legend)."""
    if areas.empty:
        return
    shapes = drawable(areas, gcj02=check_basemap(basemap))
    data = gpd.GeoDataFrame(
        shown(shapes, ["name"]),
        geometry=shapely.boundary(shapes.geometry.to_numpy()),
        crs=shapes.crs,
    )
    folium.GeoJson(
        data.to_json(drop_id=True),
        style_function=lambda _f: {"color": "#737373", "weight": 1, "dashArray": "4 3"},
        tooltip=hover_tooltip({"name": ""}, labels=False),
    ).add_to(fmap)


TEAM_COLOURS: Final = (
    "#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a",
    "#b15928", "#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f",
)  # fmt: skip
"""ColorBrewer Paired, reordered so that neighbouring teams differ most."""


def add_shares(
    fmap: folium.Map,
    shares: gpd.GeoDataFrame,
    *,
    name_column: str,
    tooltip_columns: dict[str, str],
    legend_title: str,
    basemap: str = "none",
) -> None:
    """One colour per share (a team's route or area), with a legend of the names; none:
    nothing is drawn."""
    if shares.empty:
        return
    shapes = drawable(shares, gcj02=check_basemap(basemap))
    names = shapes[name_column].astype(str).tolist()
    colours = {n: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, n in enumerate(dict.fromkeys(names))}
    fields = list(tooltip_columns)
    data = gpd.GeoDataFrame(
        shown(shapes, fields).assign(__colour=[colours[n] for n in names]),
        geometry=shapes.geometry,
        crs=shapes.crs,
    )
    folium.GeoJson(
        data.to_json(drop_id=True),
        name=markup.html_text(legend_title),
        style_function=lambda f: {
            "color": f["properties"]["__colour"],
            "fillColor": f["properties"]["__colour"],
            "weight": 2,
            "fillOpacity": 0.25,
        },
        tooltip=hover_tooltip(tooltip_columns),
    ).add_to(fmap)
    fmap.add_child(KindLegend(legend_title, colours))
