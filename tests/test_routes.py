"""Walking routes and team splits on hand-drawn points whose answers can be counted."""

from __future__ import annotations

import numpy as np
import pytest

from geo.routes import (
    Pace,
    hilbert_keys,
    nearest_neighbour_path,
    path_length_m,
    project_points,
    split_among_teams,
    two_opt,
    walking_route,
)


def test_nearest_neighbour_walks_a_street_end_to_end():
    x = np.array([0.0, 30.0, 10.0, 20.0, 40.0])
    order = nearest_neighbour_path(x, np.zeros(5), start=0)
    assert order.tolist() == [0, 2, 3, 1, 4]
    assert path_length_m(x, np.zeros(5), order) == 40.0


def test_two_opt_undoes_a_crossing_and_never_lengthens():
    # A square walked corner to corner crosses itself: 2-opt turns it into three sides.
    x = np.array([0.0, 100.0, 0.0, 100.0])
    y = np.array([0.0, 100.0, 100.0, 0.0])
    crossing = np.array([0, 1, 2, 3])
    fixed = two_opt(x, y, crossing)
    assert path_length_m(x, y, fixed) == pytest.approx(300.0)
    assert path_length_m(x, y, crossing) > 300.0
    rng = np.random.default_rng(4)
    for _ in range(5):
        px, py = rng.uniform(0, 1000, 300), rng.uniform(0, 1000, 300)
        start = nearest_neighbour_path(px, py)
        better = two_opt(px, py, start)
        assert sorted(better.tolist()) == list(range(300))
        assert path_length_m(px, py, better) <= path_length_m(px, py, start) + 1e-6


def test_hilbert_order_keeps_neighbours_together():
    xs, ys = np.meshgrid(np.arange(8.0), np.arange(8.0))
    x, y = xs.ravel(), ys.ravel()
    order = np.argsort(hilbert_keys(x, y, bits=3))
    steps = np.hypot(np.diff(x[order]), np.diff(y[order]))
    assert np.allclose(steps, 1.0)  # each next cell on the curve touches the last one


def test_distances_are_metres_in_a_gauss_kruger_zone():
    # 0.01 degree of latitude is about 1,109 m near 30N; of longitude about 963 m.
    x, y = project_points([120.0, 120.0, 120.01], [30.0, 30.01, 30.0])
    assert np.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(1109, abs=3)
    assert np.hypot(x[2] - x[0], y[2] - y[0]) == pytest.approx(963, abs=3)


@pytest.mark.parametrize("teams", [3, 8, 20])
def test_split_balances_workload_and_keeps_each_team_compact(teams):
    rng = np.random.default_rng(teams)
    # Two dense villages and a sparse strip between them.
    x = np.r_[rng.normal(0, 300, 1500), rng.normal(5000, 300, 1500), rng.uniform(0, 5000, 300)]
    y = np.r_[rng.normal(0, 300, 1500), rng.normal(0, 300, 1500), rng.uniform(-50, 50, 300)]
    pace = Pace()
    plan = split_among_teams(x, y, teams=teams, pace=pace)
    assert plan.units.sum() == len(x) and (plan.units > 0).all()
    workload = []
    for t in range(teams):
        members = np.flatnonzero(plan.team == t)
        route = members[np.argsort(plan.position[members])]
        walked = path_length_m(x, y, route)
        assert walked == pytest.approx(plan.walk_m[t])
        workload.append(len(members) * pace.visit_minutes + pace.walk_minutes(walked))
        # Positions are a walking order 0..n-1 within the team.
        assert sorted(plan.position[members].tolist()) == list(range(len(members)))
    workload = np.array(workload)
    assert np.abs(workload - workload.mean()).max() / workload.mean() <= 0.10
    # Compact: a team's spread is far below the whole area's (no team spans both villages
    # unless it has to, and none is scattered across the map).
    spread = [np.ptp(x[plan.team == t]) for t in range(teams)]
    assert np.median(spread) < np.ptp(x) / 2


def test_walking_route_is_never_longer_than_nearest_neighbour_from_the_same_start():
    rng = np.random.default_rng(9)
    x, y = rng.uniform(0, 2000, 800), rng.uniform(0, 2000, 800)
    route = walking_route(x, y)
    plain = nearest_neighbour_path(x, y, start=int(route[0]))
    assert path_length_m(x, y, route) <= path_length_m(x, y, plain)
