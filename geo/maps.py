"""Turn aggregated frames into folium maps; the only module that knows folium.

Every text drawn on a map (tooltips, popups, legends, layer names) goes through
:func:`geo.markup.html_text`: Leaflet inserts it as HTML, and stored names and addresses
are data, never markup. Colours must be CSS colours (:func:`css_colour`).

Maps load Leaflet from the app's own static files (see geo.io.assets), never from a CDN,
and carry no plugin that would fetch anything. Basemap tiles are optional: with
``basemap="none"`` a map needs no network at all. Geometries arrive in WGS-84; for the
GCJ-02 basemap (AMap) every layer is shifted to GCJ-02 so it sits on the right street.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo import markup
from geo.crs import (
    WGS84,
    geometries_to_degrees,
    metric_crs_for_bounds,
    to_metres,
    wgs84_to_gcj02,
    widen_bounds,
)

STATIC_URL: Final = "app/static"
"""Where Streamlit serves the app's ``static/`` folder (relative to the app's root)."""

BASEMAPS: Final = {
    "none": None,
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors"),
    "amap": (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "© 高德地图 AutoNavi",
    ),
}
"""Basemaps: none (offline), OpenStreetMap (WGS-84) and AMap (GCJ-02)."""

# A sequential palette (ColorBrewer YlOrRd, 6 classes), light = low.
PALETTE: Final = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOUR: Final = "#d9d9d9"
_SIMPLIFY_DEG: Final = 0.00003  # about 3 m: invisible at street zoom, a smaller payload
_SIMPLIFY_SHARE: Final = 1 / 3000
"""A map fitted to a wide extent is simplified more: to 1/3000 of its diagonal, finer than
a pixel of the screen it is drawn on."""


class OfflineMap(folium.Map):
    """A folium map whose only browser dependency is Leaflet, served by the app itself."""

    default_js = [("leaflet", f"/{STATIC_URL}/leaflet/leaflet.js")]  # noqa: RUF012
    default_css = [("leaflet_css", f"/{STATIC_URL}/leaflet/leaflet.css")]  # noqa: RUF012


def class_breaks(
    values: Sequence[float] | pd.Series, *, classes: int = len(PALETTE)
) -> list[float]:
    """Quantile class breaks (unique, ascending) for a choropleth of ``values``.

    >>> [round(b, 3) for b in class_breaks([1, 2, 3, 4, 5, 6], classes=3)]
    [1.0, 2.667, 4.333, 6.0]
    """
    finite = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    if finite.size == 0:
        return []
    breaks = np.unique(np.quantile(finite, np.linspace(0, 1, classes + 1)))
    return [float(b) for b in breaks]


def colour_for(value: Any, breaks: list[float]) -> str:
    """The palette colour of a value's class (grey when missing or suppressed)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NO_DATA_COLOUR
    if math.isnan(number) or not breaks:
        return NO_DATA_COLOUR
    position = int(np.searchsorted(breaks[1:-1], number, side="right"))
    scale = (len(PALETTE) - 1) / max(1, len(breaks) - 2)
    return PALETTE[round(position * scale)]


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
    ascending, such as a target's threshold colours.
    """
    shapes = _drawable(areas, gcj02=_check_basemap(basemap))
    breaks = class_breaks(areas[value_column])
    fields = list(tooltip_columns)
    props = _shown(shapes, fields)
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
        tooltip=_tooltip(tooltip_columns),
    ).add_to(fmap)
    if classes is None:
        fmap.add_child(Legend(legend_title, breaks, value_format=value_format))
    else:
        fmap.add_child(KindLegend(legend_title, {label: c for _, c, label in reversed(classes)}))


def fixed_class_colour(value: Any, classes: Sequence[tuple[float, str, str]]) -> str:
    """The colour of the highest class whose lowest value ``value`` reaches.

    >>> fixed_class_colour(0.75, [(0.0, "red", ""), (0.7, "amber", ""), (0.8, "green", "")])
    'amber'
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NO_DATA_COLOUR
    if math.isnan(number):
        return NO_DATA_COLOUR
    reached = [colour for low, colour, _ in classes if number >= low]
    return reached[-1] if reached else NO_DATA_COLOUR


def add_outlines(fmap: folium.Map, areas: gpd.GeoDataFrame, *, basemap: str = "none") -> None:
    """Area boundaries as thin grey lines with their names on hover, for orientation under
    other layers (not counted as data: no fill, no legend)."""
    shapes = _drawable(areas, gcj02=_check_basemap(basemap))
    data = gpd.GeoDataFrame(
        _shown(shapes, ["name"]),
        geometry=shapely.boundary(shapes.geometry.to_numpy()),
        crs=shapes.crs,
    )
    folium.GeoJson(
        data.to_json(drop_id=True),
        style_function=lambda _f: {"color": "#737373", "weight": 1, "dashArray": "4 3"},
        tooltip=_tooltip({"name": ""}, labels=False),
    ).add_to(fmap)


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
    """
    fields = list(tooltip_columns)
    sizes = pd.to_numeric(points[size_column], errors="coerce").fillna(0).to_numpy(float)
    props = _shown(points, fields)
    props["__fill"] = [css_colour(colours.get(str(k))) for k in points[colour_column]]
    tooltip = _tooltip(tooltip_columns)
    fmap.add_child(KindLegend(legend_title, {legend_labels[k]: c for k, c in colours.items()}))
    if id_column is not None:
        props["id"] = points[id_column].astype(str).to_numpy()
        _add_discs(fmap, points, props, sizes, basemap=basemap, name=legend_title, tooltip=tooltip)
        return
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    if _check_basemap(basemap):
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
    shapes = _drawable(shapes, gcj02=_check_basemap(basemap))
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
    """One colour per share (a team's route or area), with a legend of the names."""
    shapes = _drawable(shares, gcj02=_check_basemap(basemap))
    names = shapes[name_column].astype(str).tolist()
    colours = {n: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, n in enumerate(dict.fromkeys(names))}
    fields = list(tooltip_columns)
    data = gpd.GeoDataFrame(
        _shown(shapes, fields).assign(__colour=[colours[n] for n in names]),
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
        tooltip=_tooltip(tooltip_columns),
    ).add_to(fmap)
    fmap.add_child(KindLegend(legend_title, colours))


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
    gcj02 = _check_basemap(basemap)
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


def _shown(frame: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """The ``fields`` of ``frame`` as the text a tooltip shows: HTML-escaped (GeoJsonTooltip
    inserts property values as HTML), "—" where missing, numbers as written."""
    values = frame[fields].astype(object)
    values = values.where(values.notna(), "—")
    return pd.DataFrame(
        {f: [markup.html_text(v) for v in values[f]] for f in fields}, index=frame.index
    )


def _tooltip(columns: dict[str, str], *, labels: bool = True) -> folium.GeoJsonTooltip:
    """A tooltip of the properties named by ``columns`` (already escaped by :func:`_shown`),
    labelled by its values, escaped here (the labels are inserted as HTML too)."""
    return folium.GeoJsonTooltip(
        fields=list(columns),
        aliases=[markup.html_text(label) for label in columns.values()],
        labels=labels,
    )


_CSS_COLOUR: Final = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}")


def css_colour(value: object) -> str:
    """``value`` if it is a CSS colour (``#rgb`` to ``#rrggbbaa`` or a name), else the grey
    of missing data: a colour is written into a style, where anything else could load an
    image or break out of the attribute.

    >>> css_colour("#e31a1c"), css_colour("red"), css_colour("red;background:url(x)")
    ('#e31a1c', 'red', '#d9d9d9')
    """
    text = str(value) if value is not None else ""
    return text if _CSS_COLOUR.fullmatch(text) else NO_DATA_COLOUR


def _check_basemap(basemap: str) -> bool:
    """Whether layers must be shifted to GCJ-02 for ``basemap`` (ValueError if unknown)."""
    if basemap not in BASEMAPS:
        msg = f"basemap must be one of {sorted(BASEMAPS)}, got {basemap!r}"
        raise ValueError(msg)
    return basemap == "amap"


def _point_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["__fill"],
        "radius": float(feature["properties"]["__radius"]),
    }


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["__fill"],
        "color": "#555555",
        "weight": 1,
        "fillOpacity": float(feature["properties"]["__opacity"]),
    }


def _drawable(areas: gpd.GeoDataFrame, *, gcj02: bool) -> gpd.GeoDataFrame:
    """WGS-84 shapes simplified to what the map's extent can show (about 3 m for a street
    office, more for a city), shifted to GCJ-02 for a Chinese basemap."""
    minx, miny, maxx, maxy = areas.total_bounds if len(areas) else (0.0, 0.0, 0.0, 0.0)
    tolerance = max(_SIMPLIFY_DEG, math.hypot(maxx - minx, maxy - miny) * _SIMPLIFY_SHARE)
    geoms = shapely.simplify(np.asarray(areas.geometry.values, dtype=object), tolerance)
    if gcj02:

        def shift(xy: np.ndarray) -> np.ndarray:
            x, y = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        geoms = shapely.transform(geoms, shift)
    geoms = shapely.set_precision(geoms, 1e-6 if tolerance <= _SIMPLIFY_DEG else 1e-5)
    return gpd.GeoDataFrame(areas.drop(columns="geometry"), geometry=list(geoms), crs=areas.crs)


def base_map(
    bounds: Sequence[float],
    *,
    basemap: str = "none",
    height_px: int = 600,
    margin_m: float = 0.0,
) -> folium.Map:
    """An empty offline map fitted to WGS-84 ``bounds`` widened by ``margin_m`` metres on
    every side (so that a single point shows its street), shifted for a GCJ-02 basemap."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if margin_m:
        minx, miny, maxx, maxy = widen_bounds((minx, miny, maxx, maxy), margin_m=margin_m)
    if _check_basemap(basemap):
        (minx, maxx), (miny, maxy) = wgs84_to_gcj02([minx, maxx], [miny, maxy])
    tiles = BASEMAPS[basemap]
    fmap = OfflineMap(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=12,
        height=height_px,
    )
    fmap.add_child(MapControls())
    if tiles is not None:
        url, attribution = tiles
        folium.TileLayer(
            url, attr=markup.html_text(attribution), subdomains="1234", max_zoom=18
        ).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


class MapControls(MacroElement):
    """What every map shares: a metric scale bar (no miles), a plain-text attribution
    prefix (Leaflet 1.9 puts a flag and a link there), and a click that counts the first time.

    Leaflet's keyboard handler focuses the map container on mousedown and then restores
    only the scroll of its own window. Inside Streamlit's iframe the focus scrolls the
    *app's* page instead, so a map partly below the fold jumps up between mousedown and
    mouseup, the mouseup lands on another element and the click never reaches the shape
    under the pointer: only a second click worked. Focusing with ``preventScroll`` keeps
    the page still (keyboard panning and zooming still work once the map has focus).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            L.control.scale({metric: true, imperial: false}).addTo(map);
            map.attributionControl.setPrefix({{ this.prefix|tojson }});
            var keyboard = map.keyboard;
            if (keyboard) {
                keyboard.disable();
                keyboard._onMouseDown = function () {
                    if (!this._focused) {
                        this._map.getContainer().focus({preventScroll: true});
                    }
                };
                keyboard.enable();
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, prefix: str = "Leaflet") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MapControls"
        self.prefix = prefix


class Legend(MacroElement):
    """A plain-HTML legend control (no d3 or other script to fetch)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var legend = L.control({position: "bottomright"});
        legend.onAdd = function (map) {
            var div = L.DomUtil.create("div", "gridhouse-legend");
            div.innerHTML = {{ this.html|tojson }};
            div.style.background = "white";
            div.style.padding = "6px 8px";
            div.style.font = "12px sans-serif";
            div.style.boxShadow = "0 0 4px rgba(0,0,0,0.3)";
            return div;
        };
        legend.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, breaks: list[float], *, value_format: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        rows = [f"<b>{markup.html_text(title)}</b>"]
        for low, high in itertools.pairwise(breaks):
            swatch = colour_for((low + high) / 2, breaks)
            label = f"{value_format.format(low)} - {value_format.format(high)}"
            rows.append(
                f'<div><i style="display:inline-block;width:14px;height:10px;'
                f'background:{css_colour(swatch)};margin-right:4px"></i>{markup.html_text(label)}</div>'
            )
        rows.append(
            f'<div><i style="display:inline-block;width:14px;height:10px;'
            f'background:{NO_DATA_COLOUR};margin-right:4px"></i>—</div>'
        )
        self.html = "".join(rows)


class KindLegend(MacroElement):
    """A legend of categories (label -> colour), plain HTML like :class:`Legend`."""

    _template = Legend._template

    def __init__(self, title: str, colours: dict[str, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        rows = [f"<b>{markup.html_text(title)}</b>"]
        rows += [
            f'<div><i style="display:inline-block;width:10px;height:10px;border-radius:5px;'
            f'background:{css_colour(colour)};margin-right:4px"></i>{markup.html_text(label)}</div>'
            for label, colour in colours.items()
        ]
        self.html = "".join(rows)
