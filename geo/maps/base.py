"""The base map and what every layer shares: Leaflet from the app's own static files, the
optional basemap tiles, the map's controls, shapes simplified and shifted for the basemap,
and tooltips whose text is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo import markup
from geo.crs import (
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
_SIMPLIFY_DEG: Final = 0.00003  # about 3 m: invisible at street zoom, a smaller payload
_SIMPLIFY_SHARE: Final = 1 / 3000
"""A map fitted to a wide extent is simplified more: to 1/3000 of its diagonal, finer than
a pixel of the screen it is drawn on."""


class OfflineMap(folium.Map):
    """A folium map whose only browser dependency is Leaflet, served by the app itself."""

    default_js = [("leaflet", f"/{STATIC_URL}/leaflet/leaflet.js")]  # noqa: RUF012
    default_css = [("leaflet_css", f"/{STATIC_URL}/leaflet/leaflet.css")]  # noqa: RUF012


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
    if check_basemap(basemap):
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


def check_basemap(basemap: str) -> bool:
    """Whether layers must be shifted to GCJ-02 for ``basemap`` (ValueError if unknown)."""
    if basemap not in BASEMAPS:
        msg = f"basemap must be one of {sorted(BASEMAPS)}, got {basemap!r}"
        raise ValueError(msg)
    return basemap == "amap"


def drawable(areas: gpd.GeoDataFrame, *, gcj02: bool) -> gpd.GeoDataFrame:
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


def shown(frame: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """The ``fields`` of ``frame`` as the text a tooltip shows: HTML-escaped (GeoJsonTooltip
    inserts property values as HTML), "—" where missing, numbers as written."""
    values = frame[fields].astype(object)
    values = values.where(values.notna(), "—")
    return pd.DataFrame(
        {f: [markup.html_text(v) for v in values[f]] for f in fields}, index=frame.index
    )


def hover_tooltip(columns: dict[str, str], *, labels: bool = True) -> folium.GeoJsonTooltip:
    """A tooltip of the properties named by ``columns`` (already escaped by :func:`shown`),
    labelled by its values, escaped here (the labels are inserted as HTML too)."""
    return folium.GeoJsonTooltip(
        fields=list(columns),
        aliases=[markup.html_text(label) for label in columns.values()],
        labels=labels,
    )
