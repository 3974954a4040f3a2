"""How far each point lies from the edge of its own area (geo/quality.py), on two hand-drawn
squares side by side."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.quality import near_boundary

# Two squares of 0.01 degree at 30 degrees north, side by side: area 1 west, area 2 east.
WEST = shapely.box(120.00, 30.00, 120.01, 30.01)
EAST = shapely.box(120.01, 30.00, 120.02, 30.01)
GEOMETRIES = pd.Series([WEST, EAST], index=[1, 2])
METRES_PER_DEGREE_LON = 111_320 * math.cos(math.radians(30.005))


def distances(lon: list[float], lat: list[float], areas: list[int]) -> list[float]:
    return near_boundary(
        np.array(lon), np.array(lat), np.array(areas, dtype=np.int64), GEOMETRIES
    ).tolist()


def test_a_point_just_inside_the_edge_is_that_many_metres_from_it():
    # 0.0001 degree east of the west square's west edge, halfway up
    (found,) = distances([120.0001], [30.005], [1])
    assert found == pytest.approx(0.0001 * METRES_PER_DEGREE_LON, rel=0.01)


def test_each_point_is_measured_to_its_own_area_not_the_nearest_edge_of_any():
    # Both points lie 0.001 degree from the shared edge, one on each side; the east one is
    # measured to the east square's boundary (the shared edge) as well.
    found = distances([120.009, 120.011], [30.005, 30.005], [1, 2])
    expected = 0.001 * METRES_PER_DEGREE_LON
    assert found == pytest.approx([expected, expected], rel=0.01)


def test_a_point_at_the_centre_is_half_the_narrower_side_away():
    (found,) = distances([120.005], [30.005], [1])
    assert found == pytest.approx(0.005 * METRES_PER_DEGREE_LON, rel=0.01)


def test_a_point_on_the_edge_is_zero_metres_from_it():
    assert distances([120.01], [30.005], [2]) == pytest.approx([0.0], abs=0.001)  # 1 mm


def test_no_points_give_no_distances():
    assert distances([], [], []) == []
