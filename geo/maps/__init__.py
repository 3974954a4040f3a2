"""Turn aggregated frames into folium maps; the only package that knows folium.

Every text drawn on a map (tooltips, popups, legends, layer names) goes through
:func:`geo.markup.html_text`: Leaflet inserts it as HTML, and stored names and addresses
are data, never markup. Colours must be CSS colours (:func:`css_colour`).

Maps load Leaflet from the app's own static files (see geo.io.assets), never from a CDN,
and carry no plugin that would fetch anything. Basemap tiles are optional: with
``basemap="none"`` a map needs no network at all. Geometries arrive in WGS-84; for the
GCJ-02 basemap (AMap) every layer is shifted to GCJ-02 so it sits on the right street.

One module per part: :mod:`.base` (the base map, its assets and controls), :mod:`.areas`
(choropleths, outlines, shares), :mod:`.points` (points and lines), :mod:`.legends`
(colours and legends).
"""

from geo.maps.areas import TEAM_COLOURS, add_choropleth, add_outlines, add_shares, choropleth
from geo.maps.base import BASEMAPS, STATIC_URL, MapControls, OfflineMap, base_map
from geo.maps.legends import (
    NO_DATA_COLOUR,
    PALETTE,
    KindLegend,
    Legend,
    class_breaks,
    colour_for,
    css_colour,
    fixed_class_colour,
)
from geo.maps.points import add_lines, add_points

__all__ = [
    "BASEMAPS",
    "NO_DATA_COLOUR",
    "PALETTE",
    "STATIC_URL",
    "TEAM_COLOURS",
    "KindLegend",
    "Legend",
    "MapControls",
    "OfflineMap",
    "add_choropleth",
    "add_lines",
    "add_outlines",
    "add_points",
    "add_shares",
    "base_map",
    "choropleth",
    "class_breaks",
    "colour_for",
    "css_colour",
    "fixed_class_colour",
]
