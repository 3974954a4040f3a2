"""What every map carries: a metric-only scale bar, a plain-text attribution prefix (no
flag, no link), and a first click that is not lost to the page scrolling."""

from __future__ import annotations

import re

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


HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _hostile_maps() -> dict[str, object]:
    """Each kind of map layer, its stored text (area, worksite, team names, addresses) and
    its labels all hostile HTML."""
    areas = SQUARE.assign(name=[HOSTILE + "社区"], code=[HOSTILE])
    points = gpd.GeoDataFrame(
        {
            "external_ref": [HOSTILE + "R1"],
            "address": [HOSTILE + "号"],
            "kind": [HOSTILE],
            "residents": [3],
        },
        geometry=gpd.points_from_xy([120.005], [30.005]),
        crs="EPSG:4326",
    )
    teams = SQUARE.assign(team=[HOSTILE + "一组"], units=[12])
    made: dict[str, object] = {}
    made["choropleth"] = maps.choropleth(
        areas,
        value_column="units",
        legend_title=HOSTILE,
        tooltip_columns={"name": HOSTILE, "units": "出租房屋"},
        id_column="code",
    )
    made["classes"] = maps.choropleth(
        areas,
        value_column="units",
        legend_title=HOSTILE,
        tooltip_columns={"name": "名称"},
        classes=[(0.0, "#d7301f", HOSTILE), (5.0, "#1a9850", HOSTILE)],
    )
    outlined = maps.base_map(areas.total_bounds)
    maps.add_outlines(outlined, areas)
    made["outlines"] = outlined
    for name, id_column in (("circles", None), ("discs", "external_ref")):
        fmap = maps.base_map(points.total_bounds, margin_m=300)
        maps.add_points(
            fmap,
            points,
            colour_column="kind",
            colours={HOSTILE: "red;background:url(http://example.com/x.png)"},
            size_column="residents",
            tooltip_columns={"external_ref": "编号", "address": HOSTILE, "residents": "人数"},
            legend_title=HOSTILE,
            legend_labels={HOSTILE: HOSTILE},
            id_column=id_column,
        )
        made[name] = fmap
    shared = maps.base_map(teams.total_bounds)
    maps.add_shares(
        shared,
        teams,
        name_column="team",
        tooltip_columns={"team": HOSTILE, "units": "户数"},
        legend_title=HOSTILE,
    )
    maps.add_lines(shared, (120.0, 30.0), teams, weight_column="units")
    made["shares"] = shared
    return made


@pytest.mark.parametrize(
    "kind", ["choropleth", "classes", "outlines", "circles", "discs", "shares"]
)
def test_stored_text_on_a_map_is_escaped_in_every_tooltip_and_legend(kind):
    page = _hostile_maps()[kind].get_root().render()
    # What the browser's parsers see once the JSON strings of the page are read.
    decoded = (
        page.replace("\\u003c", "<")
        .replace("\\u003e", ">")
        .replace("\\u0026", "&")
        .replace("\\u0027", "'")
        .replace('\\"', '"')
    )
    # A feature's id is what a click returns (the stored code or reference as it is): data
    # in JSON, never drawn.
    drawn = re.sub(r'"id": "[^"]*"', '"id": ""', decoded)
    assert "<img" not in drawn.lower()
    assert ESCAPED in decoded  # the text is there, to be read, not run
    assert "url(" not in decoded  # a colour is a colour, never a style that fetches


def test_an_empty_layer_draws_nothing_instead_of_failing_the_page():
    """A worksite map in hexagon mode with no worksite chosen, or a filter that leaves no
    area, hands an empty frame to a layer: the map still renders, with no layer or legend
    for it (folium refuses a tooltip over an empty GeoJSON)."""
    empty_points = gpd.GeoDataFrame(
        {"name": [], "declared_workers": [], "kind": []},
        geometry=gpd.points_from_xy([], []),
        crs=4326,
    )
    empty_areas = gpd.GeoDataFrame({"name": [], "count": []}, geometry=[], crs=4326)
    fmap = maps.base_map((120.0, 30.0, 120.1, 30.1), basemap="none", height_px=300)
    drawn_before = len(fmap._children)
    maps.add_points(
        fmap,
        empty_points,
        colour_column="kind",
        colours={"factory": "#e41a1c"},
        size_column="declared_workers",
        tooltip_columns={"name": "名称", "declared_workers": "申报人数"},
        legend_title="工作场所",
        legend_labels={"factory": "工厂"},
    )
    maps.add_choropleth(
        fmap,
        empty_areas,
        value_column="count",
        legend_title="人数",
        tooltip_columns={"count": "人数"},
    )
    maps.add_outlines(fmap, empty_areas)
    maps.add_shares(
        fmap, empty_areas, name_column="name", tooltip_columns={"name": "组"}, legend_title="组"
    )
    html = fmap.get_root().render()
    assert len(fmap._children) == drawn_before
    assert "工作场所" not in html and "申报人数" not in html
