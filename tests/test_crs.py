"""Coordinate conversions against published reference values and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from geo.crs import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    metric_crs_for_bounds,
    parse_source_crs,
    to_wgs84,
    wgs84_to_gcj02,
)
from geo.errors import InputError

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
