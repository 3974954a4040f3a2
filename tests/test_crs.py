"""Coordinate conversions against published reference values and round trips."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from geo.crs import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometries_to_degrees,
    geometries_to_metres,
    metric_crs_for_bounds,
    metric_crs_for_points,
    parse_source_crs,
    to_degrees,
    to_metres,
    to_wgs84,
    wgs84_to_gcj02,
    widen_bounds,
)
from geo.errors import InputError
from geo.validation import Jurisdiction

GEOD = Geod(ellps="WGS84")

# (lon, lat) in -> out, as published by wandergis/coordtransform (test/app.js) and
# larryli/eviltransform (tests), two independent implementations of the same algorithms.
WGS_TO_GCJ = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # Beijing
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
]
GCJ_TO_BD = [((116.404, 39.915), (116.41036949371029, 39.92133699351021))]
BD_TO_GCJ = [((116.404, 39.915), (116.39762729119315, 39.90865673957631))]


def metres_apart(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, distance = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.atleast_1d(distance)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    x, y = wgs84_to_gcj02(*wgs)
    assert metres_apart(x, y, *gcj) < 0.01


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_gcj02_inverse_recovers_the_published_wgs84_point(wgs, gcj):
    x, y = gcj02_to_wgs84(*gcj)
    assert metres_apart(x, y, *wgs) < 0.01


@pytest.mark.parametrize(("gcj", "bd"), GCJ_TO_BD)
def test_gcj02_to_bd09_matches_published_values(gcj, bd):
    assert metres_apart(*gcj02_to_bd09(*gcj), *bd) < 0.01


@pytest.mark.parametrize(("bd", "gcj"), BD_TO_GCJ)
def test_bd09_to_gcj02_matches_published_values(bd, gcj):
    assert metres_apart(*bd09_to_gcj02(*bd), *gcj) < 0.01


def test_gcj02_offset_is_hundreds_of_metres_in_china():
    x, y = wgs84_to_gcj02(119.95, 30.05)
    assert 300 < metres_apart(x, y, 119.95, 30.05) < 700


def test_gcj02_round_trip_under_half_a_metre_everywhere_in_china():
    lon, lat = np.meshgrid(np.arange(73.7, 135.0, 0.5), np.arange(18.2, 53.5, 0.5))
    gx, gy = wgs84_to_gcj02(lon, lat)
    back_x, back_y = gcj02_to_wgs84(gx, gy)
    error = metres_apart(back_x.ravel(), back_y.ravel(), lon.ravel(), lat.ravel())
    assert lon.size > 8000
    assert error.max() < 0.5


def test_bd09_round_trip_to_wgs84_under_half_a_metre():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(98, 123, 500), rng.uniform(21, 45, 500)
    bx, by = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    x, y = to_wgs84(bx, by, source="bd09")
    assert metres_apart(x, y, lon, lat).max() < 0.5


def test_points_outside_china_pass_through_unchanged():
    lon = np.array([2.35, -74.0, 151.2, 139.7])
    lat = np.array([48.85, 40.7, -33.9, 35.7])
    for convert in (wgs84_to_gcj02, gcj02_to_wgs84):
        x, y = convert(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)


def test_cgcs2000_and_projected_epsg_inputs_become_wgs84():
    # CGCS2000 geographic coordinates equal WGS-84 to well under a metre.
    x, y = to_wgs84([119.95], [30.05], source="EPSG:4490")
    assert metres_apart(x, y, 119.95, 30.05)[0] < 1
    # A CGCS2000 Gauss-Kruger easting/northing (x, y order) comes back to degrees.
    easting, northing = Transformer.from_crs(4326, 4549, always_xy=True).transform(119.95, 30.05)
    x, y = to_wgs84([easting], [northing], source="epsg:4549")
    assert metres_apart(x, y, 119.95, 30.05)[0] < 0.01


@pytest.mark.parametrize(
    ("bounds", "epsg"),
    [
        ((119.9, 30.0, 120.0, 30.1), 4549),  # CGCS2000 3-degree GK, CM 120E
        ((113.2, 23.0, 113.4, 23.2), 4547),  # Guangzhou: CM 114E
        ((87.5, 43.7, 87.7, 43.9), 4538),  # Urumqi: CM 87E
        ((2.2, 48.8, 2.5, 48.9), 32631),  # Paris: UTM 31N
        ((151.1, -33.9, 151.3, -33.8), 32756),  # Sydney: UTM 56S
    ],
)
def test_metric_crs_picks_the_gauss_kruger_zone_or_utm(bounds, epsg):
    crs = metric_crs_for_bounds(bounds)
    assert crs.to_epsg() == epsg
    assert crs.is_projected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WGS84", "wgs84"),
        ("gps", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("amap", "gcj02"),
        ("BD09", "bd09"),
        ("EPSG:4490", "EPSG:4490"),
        ("4549", "EPSG:4549"),
    ],
)
def test_source_crs_names_are_normalised(name, expected):
    assert parse_source_crs(name) == expected


@pytest.mark.parametrize("name", ["mercator", "EPSG:999999", ""])
def test_unknown_source_crs_is_refused_with_a_catalogue_key(name):
    with pytest.raises(InputError) as caught:
        parse_source_crs(name)
    assert caught.value.key == "crs_unknown"


def test_to_metres_measures_in_the_gauss_kruger_zone_of_the_points():
    # Two points 1 km apart east-west on the central meridian's parallel, by the ellipsoid.
    lon2, lat2, _ = GEOD.fwd(120.0, 30.0, 90.0, 1000.0)
    x, y = to_metres([120.0, lon2], [30.0, lat2])
    assert metric_crs_for_points([120.0, lon2], [30.0, lat2]).to_epsg() == 4549
    assert float(np.hypot(x[1] - x[0], y[1] - y[0])) == pytest.approx(1000.0, abs=0.5)
    expected = Transformer.from_crs(4326, 4549, always_xy=True).transform(120.0, 30.0)
    np.testing.assert_allclose([x[0], y[0]], expected)


def test_to_degrees_undoes_to_metres_and_keeps_missing_points_missing():
    lon = np.array([119.9, 120.1, np.nan])
    lat = np.array([30.0, 30.2, np.nan])
    crs = metric_crs_for_points(lon, lat)
    back_lon, back_lat = to_degrees(*to_metres(lon, lat, crs=crs), crs=crs)
    np.testing.assert_allclose(back_lon[:2], lon[:2], atol=1e-9)
    np.testing.assert_allclose(back_lat[:2], lat[:2], atol=1e-9)
    assert np.isnan(back_lon[2]) and np.isnan(back_lat[2])
    assert metric_crs_for_points([], []).to_epsg() == 4549  # no points: the product's home


def test_a_square_of_100_m_comes_back_as_100_m():
    crs = metric_crs_for_bounds((120.0, 30.0, 120.0, 30.0))
    x, y = to_metres([120.0], [30.0], crs=crs)
    square = shapely.box(x[0], y[0], x[0] + 100, y[0] + 100)
    there_and_back = geometries_to_metres(geometries_to_degrees([square], crs=crs), crs=crs)
    assert shapely.area(there_and_back[0]) == pytest.approx(10_000.0, rel=1e-9)


@pytest.mark.parametrize("margin_m", [100.0, 5_000.0])
@pytest.mark.parametrize("lat", [22.5, 30.0, 45.0])
def test_a_margin_around_a_point_is_that_many_metres_in_the_projected_crs(margin_m, lat):
    minx, miny, maxx, maxy = widen_bounds((120.0, lat, 120.0, lat), margin_m=margin_m)
    crs = metric_crs_for_bounds((120.0, lat, 120.0, lat))
    (px,), (py,) = to_metres([120.0], [lat], crs=crs)
    xs, ys = to_metres([minx, maxx, 120.0, 120.0], [lat, lat, miny, maxy], crs=crs)
    # Each side of the widened box is margin_m from the point, to a tenth of a percent.
    gaps = [px - xs[0], xs[1] - px, py - ys[2], ys[3] - py]
    assert gaps == pytest.approx([margin_m] * 4, rel=1e-3)
    assert widen_bounds((120.0, lat, 120.1, lat), margin_m=0) == (120.0, lat, 120.1, lat)


def test_an_upload_may_place_a_point_4_9_km_outside_the_areas_not_5_1_km():
    jurisdiction = Jurisdiction.around((120.0, 30.0, 120.1, 30.1), margin_m=5_000.0)
    points = [GEOD.fwd(120.0, 30.05, 270.0, d)[:2] for d in (4_900.0, 5_100.0)]
    points += [GEOD.fwd(120.05, 30.1, 0.0, d)[:2] for d in (4_900.0, 5_100.0)]
    lon, lat = (np.array(v) for v in zip(*points, strict=True))
    assert jurisdiction.contains(lon, lat).tolist() == [True, False, True, False]


def test_no_module_but_crs_knows_how_long_a_degree_is():
    """Metres per degree (111 320, 110 574, ...) and the earth's radius live in geo/crs.py
    (through pyproj) only: everything else calls to_metres, to_degrees or widen_bounds."""
    root = Path(__file__).resolve().parents[1]
    # 111_320.0, 110574, 111 000, 6_371_000, 6378137 (the import contract keeps pyproj out)
    constant = re.compile(r"(?<![\d*])(11[01][_ ]?\d{3}(\.\d*)?|6[_ ]?37[18][_ ]?\d{3})(?![\d*])")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("geo", "bench", "pages")
        for path in sorted((root / folder).rglob("*.py"))
        if path.name != "crs.py" or path.parent.name != "geo"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if constant.search(line.split("#")[0])
    ]
    assert not found
