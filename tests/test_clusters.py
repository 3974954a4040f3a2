"""Where floating residents cluster (geo/clusters.py): hand-drawn dwellings in metres whose
clusters can be counted by eye, and H3 cells of known points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.clusters import (
    NOISE,
    cluster_hulls,
    density_clusters,
    hexagon_cells,
    hexagon_density,
    project,
    top_shares,
)

# West: three dwellings 100 m apart, 20 residents each (60). East, 5 km away: four dwellings
# 50 m apart, 30 each (120). North, 3 km away: one dwelling of 10 residents, alone.
X = np.array([0.0, 100.0, 200.0, 5000.0, 5050.0, 5100.0, 5150.0, 0.0])
Y = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3000.0])
WEIGHT = np.array([20, 20, 20, 30, 30, 30, 30, 10])


def test_dwellings_cluster_by_residents_within_reach_the_largest_numbered_first():
    labels = density_clusters(X, Y, WEIGHT, eps_m=150.0, min_residents=50)
    assert labels.tolist() == [1, 1, 1, 0, 0, 0, 0, NOISE]


def test_one_building_with_enough_tenants_is_a_cluster_of_its_own():
    labels = density_clusters([0.0, 1000.0], [0.0, 0.0], [60, 5], eps_m=150.0, min_residents=50)
    assert labels.tolist() == [0, NOISE]


def test_a_smaller_reach_splits_what_a_larger_one_joins():
    # 100 m apart: within reach at 150 m, not at 80 m (each dwelling alone is 20 < 50)
    labels = density_clusters(X[:3], Y[:3], WEIGHT[:3], eps_m=80.0, min_residents=50)
    assert labels.tolist() == [NOISE, NOISE, NOISE]


def test_without_enough_residents_anywhere_every_dwelling_is_noise():
    labels = density_clusters(X, Y, WEIGHT, eps_m=150.0, min_residents=1000)
    assert (labels == NOISE).all()


def test_no_dwellings_give_no_labels():
    assert density_clusters([], [], []).tolist() == []


def test_points_are_projected_to_metres_near_their_true_distance():
    # 0.01 degree of latitude is about 1.11 km anywhere
    projected = project([120.0, 120.0], [30.0, 30.01])
    distance = float(np.hypot(*np.diff(np.column_stack([projected.x, projected.y]), axis=0)[0]))
    assert distance == pytest.approx(1109.0, abs=5.0)


def test_a_hull_holds_its_dwellings_and_a_single_building_still_shows():
    lon = np.array([120.000, 120.001, 120.0005, 120.050])
    lat = np.array([30.000, 30.000, 30.001, 30.050])
    projected = project(lon, lat)
    labels = np.array([0, 0, 0, 1])
    hulls = cluster_hulls(projected, labels, pad_m=20.0)
    assert len(hulls) == 2
    for label, hull in enumerate(hulls):
        members = shapely.points(lon[labels == label], lat[labels == label])
        assert shapely.contains(hull, members).all()
    assert hulls[1].area > 0  # one building, padded
    assert cluster_hulls(projected, np.array([NOISE] * 4), pad_m=20.0) == []
    # a planner's hulls: around the 100 m squares holding the dwellings, never at a door
    coarse = cluster_hulls(projected, labels, pad_m=20.0, coarse=True)
    for label, hull in enumerate(coarse):
        members = shapely.points(lon[labels == label], lat[labels == label])
        assert shapely.contains(hull, members).all()
        corners = shapely.get_coordinates(hull)
        assert not np.isin(np.round(corners, 6), np.round(np.c_[lon, lat], 6)).all(axis=1).any()
    assert coarse[1].area > 0


def test_top_shares_name_the_most_frequent_keys_of_each_group_with_their_share():
    keys = pd.Series(["安徽", "安徽", "河南", "安徽", "四川", "四川"])
    groups = pd.Series(["一村", "一村", "一村", "二村", "二村", "二村"])
    shares = top_shares(keys, groups, top=2)
    assert shares.to_dict() == {"一村": "安徽 67%, 河南 33%", "二村": "四川 67%, 安徽 33%"}


def test_top_shares_leave_out_keys_too_rare_to_name():
    keys = pd.Series(["安徽", "安徽", "河南"])
    groups = pd.Series(["一村"] * 3)
    assert top_shares(keys, groups, min_count=2).to_dict() == {"一村": "安徽 67%"}
    assert top_shares(keys, groups, min_count=3).empty


def test_residents_in_one_hexagon_are_summed_and_empty_cells_left_out():
    lon, lat = [120.0, 120.00001, 121.0], [30.0, 30.00001, 31.0]
    cells = hexagon_cells(lon, lat)
    assert cells[0] == cells[1] != cells[2]
    density = hexagon_density(cells, [3, 4, 0])
    assert density["count"].tolist() == [7]
    row = density.iloc[0]
    assert row["per_km2"] == pytest.approx(7 / row["km2"])
    assert row["geometry"].contains(shapely.Point(120.0, 30.0))


def test_a_finer_resolution_gives_smaller_hexagons():
    coarse = hexagon_density(hexagon_cells([120.0], [30.0], resolution=7), [1])
    fine = hexagon_density(hexagon_cells([120.0], [30.0], resolution=9), [1])
    assert fine["km2"].iloc[0] < coarse["km2"].iloc[0]


def test_top_shares_weigh_a_row_as_that_many_rows():
    """One row per home and region with its residents counts as one row per resident."""
    keys = pd.Series(["安徽", "河南", "安徽", "四川"])
    groups = pd.Series([0, 0, 1, 1])
    n = pd.Series([3, 1, 1, 4])
    repeated = keys.index.repeat(n)
    for least in (1, 2, 4):
        weighed = top_shares(keys, groups, weights=n, min_count=least)
        plain = top_shares(keys[repeated], groups[repeated], min_count=least)
        assert weighed.to_dict() == plain.to_dict()
    assert top_shares(keys, groups, weights=n).to_dict() == {
        0: "安徽 75%, 河南 25%",
        1: "四川 80%, 安徽 20%",
    }
