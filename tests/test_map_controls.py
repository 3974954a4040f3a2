"""What every map carries: a metric-only scale bar, a plain-text attribution prefix (no
flag, no link), and a first click that is not lost to the page scrolling."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo import maps

SQUARE = gpd.GeoDataFrame(
    {"code": ["1"], "name": ["东湖社区"], "units": [3]},
    geometry=[shapely.box(120.0, 30.0, 120.01, 30.01)],
    crs="EPSG:4326",
)


def _maps() -> dict[str, object]:
    """A map from each way the pages make one (every page map starts from base_map)."""
    choropleth = maps.choropleth(
        SQUARE,
        value_column="units",
        legend_title="出租房屋",
        tooltip_columns={"name": "名称"},
        id_column="code",
    )
    near = maps.base_map(SQUARE.total_bounds, margin_m=300)
    amap = maps.base_map(SQUARE.total_bounds, basemap="amap")
    osm = maps.base_map(SQUARE.total_bounds, basemap="osm")
    return {"choropleth": choropleth, "margin": near, "amap": amap, "osm": osm}


@pytest.mark.parametrize("kind", ["choropleth", "margin", "amap", "osm"])
def test_every_map_has_a_metric_scale_and_a_plain_attribution(kind):
    page = _maps()[kind].get_root().render()
    assert "L.control.scale({metric: true, imperial: false})" in page
    assert "L.control.scale()" not in page  # folium's own, with miles
    assert 'attributionControl.setPrefix("Leaflet")' in page
    assert "focus({preventScroll: true})" in page
    assert page.count("L.control.scale(") == 1
