"""Walking routes and balanced team areas for a sweep, in metres in a projected CRS.

Units are points in metres (project WGS-84 with :func:`project_points` first). A team's route
is an open path: nearest neighbour from its first unit, then improved by 2-opt moves over
each unit's nearest neighbours, so it is never longer than the nearest-neighbour path.
Teams get contiguous stretches of a Hilbert-curve order of grids, then units, cut so that
each team's workload (visiting time plus walking time along its own route) is within a
tolerance of the mean; compact where the grid boundaries allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geo.crs import to_metres

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

VISIT_MINUTES: Final = 8.0
"""Default time at each unit: knock, check the residents, note the outcome."""
WALK_M_PER_MINUTE: Final = 70.0
"""Default walking speed (4.2 km/h)."""
DETOUR: Final = 1.3
"""Default ratio of street distance to straight-line distance between two doors."""


@dataclass(frozen=True)
class Pace:
    """How long visiting and walking take: workload minutes = units x visit + walk."""

    visit_minutes: float = VISIT_MINUTES
    walk_m_per_minute: float = WALK_M_PER_MINUTE
    detour: float = DETOUR

    def walk_minutes(self, straight_m: float | FloatArray) -> float | FloatArray:
        return straight_m * self.detour / self.walk_m_per_minute


def project_points(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 points to metres in the Gauss-Kruger zone (or UTM) of their extent."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if lon_a.size == 0:
        return lon_a.copy(), lat_a.copy()
    return to_metres(lon_a, lat_a)


def path_length_m(x: FloatArray, y: FloatArray, order: npt.ArrayLike) -> float:
    """Straight-line length in metres of the open path through the points in ``order``.

    >>> path_length_m(np.array([0.0, 3.0, 3.0]), np.array([0.0, 0.0, 4.0]), [0, 1, 2])
    7.0
    """
    idx = np.asarray(order, dtype=np.int64)
    if idx.size < 2:
        return 0.0
    return float(np.hypot(np.diff(x[idx]), np.diff(y[idx])).sum())


def nearest_neighbour_path(x: FloatArray, y: FloatArray, *, start: int = 0) -> IntArray:
    """Visit order by always walking to the nearest unit not yet visited.

    >>> nearest_neighbour_path(np.array([0.0, 10.0, 1.0, 2.0]), np.zeros(4)).tolist()
    [0, 2, 3, 1]
    """
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    left = np.ones(n, dtype=bool)
    current = start
    for step in range(n):
        order[step] = current
        left[current] = False
        if step == n - 1:
            break
        candidates = np.flatnonzero(left)
        d = (x[candidates] - x[current]) ** 2 + (y[candidates] - y[current]) ** 2
        current = int(candidates[int(np.argmin(d))])
    return order


def two_opt(
    x: FloatArray, y: FloatArray, order: IntArray, *, neighbours: int = 8, max_passes: int = 10
) -> IntArray:
    """Shorten an open path by reversing stretches (2-opt) while that helps.

    Only moves that join a unit to one of its ``neighbours`` nearest units are tried (the
    usual neighbour-list 2-opt), so a pass costs about n x neighbours checks; every accepted
    move shortens the path, so the result is never longer than ``order``.
    """
    n = len(order)
    if n < 4:
        return order.copy()
    k = min(neighbours + 1, n)
    _, near_array = cKDTree(np.column_stack([x, y])).query(np.column_stack([x, y]), k=k)
    near = near_array[:, 1:].tolist()
    xs, ys = x.tolist(), y.tolist()
    route = order.tolist()
    position = [0] * n
    for i, unit in enumerate(route):
        position[unit] = i
    hypot = math.hypot
    for _ in range(max_passes):
        improved = False
        for i in range(n - 1):
            a = route[i]
            for c in near[a]:
                j = position[c]
                if j <= i + 1:
                    continue
                # Reverse route[i+1 .. j]: edges (a,b) and (c,d) become (a,c) and (b,d).
                b = route[i + 1]
                before = hypot(xs[a] - xs[b], ys[a] - ys[b])
                after = hypot(xs[a] - xs[c], ys[a] - ys[c])
                if j + 1 < n:
                    d = route[j + 1]
                    before += hypot(xs[c] - xs[d], ys[c] - ys[d])
                    after += hypot(xs[b] - xs[d], ys[b] - ys[d])
                if after < before - 1e-9:
                    route[i + 1 : j + 1] = route[i + 1 : j + 1][::-1]
                    for p in range(i + 1, j + 1):
                        position[route[p]] = p
                    improved = True
        if not improved:
            break
    return np.asarray(route, dtype=np.int64)


def walking_route(x: FloatArray, y: FloatArray) -> IntArray:
    """A short open walking path through all points: nearest neighbour from the point first
    on the Hilbert curve (a corner of the area, not its middle), then 2-opt."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    start = int(np.argmin(hilbert_keys(x, y)))
    return two_opt(x, y, nearest_neighbour_path(x, y, start=start))


def hilbert_keys(x: FloatArray, y: FloatArray, *, bits: int = 16) -> IntArray:
    """Position of each point along a Hilbert curve over the points' bounding square: points
    close on the curve are close on the ground, and stretches of it are compact.

    >>> hilbert_keys(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]), bits=1)
    array([0, 1, 2, 3])
    """
    side = (1 << bits) - 1
    span = max(float(np.ptp(x)) if len(x) else 0.0, float(np.ptp(y)) if len(y) else 0.0) or 1.0
    xi = np.rint((x - (x.min() if len(x) else 0.0)) / span * side).astype(np.int64)
    yi = np.rint((y - (y.min() if len(y) else 0.0)) / span * side).astype(np.int64)
    key = np.zeros(len(x), dtype=np.int64)
    s = 1 << (bits - 1)
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        key += s * s * ((3 * rx) ^ ry)
        # Rotate the quadrant so that the curve stays continuous.
        flip = ry == 0
        swap_x = np.where(flip & (rx == 1), s - 1 - xi, xi)
        swap_y = np.where(flip & (rx == 1), s - 1 - yi, yi)
        xi, yi = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        s >>= 1
    return key


@dataclass(frozen=True)
class TeamPlan:
    """Which team visits each unit (``team``, 0-based), in what order (``position``), and
    each team's totals: units, walking metres, workload minutes."""

    team: IntArray
    position: IntArray
    units: IntArray
    walk_m: FloatArray
    workload_min: FloatArray

    @property
    def imbalance(self) -> float:
        """Largest relative distance of a team's workload from the mean (0.05 = 5 %)."""
        mean = float(self.workload_min.mean()) if len(self.workload_min) else 0.0
        if mean == 0:
            return 0.0
        return float(np.abs(self.workload_min - mean).max() / mean)


def split_among_teams(
    x: FloatArray,
    y: FloatArray,
    *,
    teams: int,
    groups: npt.ArrayLike | None = None,
    pace: Pace | None = None,
    tolerance: float = 0.1,
    rounds: int = 6,
) -> TeamPlan:
    """Give each of ``teams`` a contiguous, compact share of the units with workloads within
    ``tolerance`` of the mean where the units allow, and order each share into a route.

    Recipe: order units along a Hilbert curve, grid by grid (``groups``: each unit's grid,
    so that teams follow grid boundaries); cut the order into stretches of equal estimated
    workload; route each stretch; then re-cut with each team's walking estimate corrected
    by its real route, until the workloads agree within the tolerance.
    """
    pace = pace or Pace()
    n = len(x)
    if teams < 1:
        msg = f"teams must be at least 1, got {teams}"
        raise ValueError(msg)
    order = _curve_order(x, y, groups)
    xs, ys = x[order], y[order]
    step_m = np.r_[0.0, np.hypot(np.diff(xs), np.diff(ys))]
    # A jump between distant stretches is not walked by one team: cap the estimate.
    typical = float(np.median(step_m[1:])) if n > 1 else 0.0
    walk = np.asarray(pace.walk_minutes(np.minimum(step_m, max(4 * typical, 1.0))), dtype=float)
    best: TeamPlan | None = None
    for _ in range(max(1, rounds)):
        share = _cut(pace.visit_minutes + walk, teams)
        plan = _route_each(xs, ys, share, teams, pace)
        if best is None or plan.imbalance < best.imbalance:
            best = plan
        if plan.imbalance <= tolerance / 2:
            break
        # Correct each unit's walking estimate by how its team's real route compared.
        estimated = np.bincount(share, weights=walk, minlength=teams)
        real = plan.workload_min - plan.units * pace.visit_minutes
        ratio = np.divide(real, estimated, out=np.ones(teams), where=estimated > 0)
        walk = walk * ratio[share]
    assert best is not None
    team = np.empty(n, dtype=np.int64)
    position = np.empty(n, dtype=np.int64)
    team[order] = best.team
    position[order] = best.position
    return TeamPlan(team, position, best.units, best.walk_m, best.workload_min)


def _curve_order(x: FloatArray, y: FloatArray, groups: npt.ArrayLike | None) -> IntArray:
    keys = hilbert_keys(x, y)
    if groups is None:
        return np.argsort(keys, kind="stable")
    codes, _ = _factorize(np.asarray(groups))
    # Each grid sits on the curve where its middle unit does; units follow inside it.
    count = np.bincount(codes)
    middle = np.zeros(len(count), dtype=np.int64)
    for g in range(len(count)):
        middle[g] = int(np.median(keys[codes == g])) if count[g] else 0
    return np.lexsort((keys, middle[codes]))


def _factorize(values: npt.NDArray[np.generic]) -> tuple[IntArray, npt.NDArray[np.generic]]:
    uniques, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int64), uniques


def _cut(weights: FloatArray, teams: int) -> IntArray:
    """Consecutive stretches of the order with equal total weight, one per team.

    >>> _cut(np.ones(6), 3).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    load = np.cumsum(weights)
    ends = np.searchsorted(load, load[-1] * np.arange(1, teams) / teams, side="left") + 1
    return np.searchsorted(ends, np.arange(n), side="right").astype(np.int64)


def _route_each(
    xs: FloatArray, ys: FloatArray, share: IntArray, teams: int, pace: Pace
) -> TeamPlan:
    n = len(xs)
    position = np.zeros(n, dtype=np.int64)
    units = np.bincount(share, minlength=teams).astype(np.int64)
    walk_m = np.zeros(teams)
    for t in range(teams):
        members = np.flatnonzero(share == t)
        if len(members) == 0:
            continue
        route = walking_route(xs[members], ys[members])
        position[members[route]] = np.arange(len(members))
        walk_m[t] = path_length_m(xs[members], ys[members], route)
    workload = units * pace.visit_minutes + pace.walk_minutes(walk_m)
    return TeamPlan(share.copy(), position, units, walk_m, np.asarray(workload, dtype=float))
