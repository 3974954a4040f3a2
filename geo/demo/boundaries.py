"""The demo's boundaries: a street outline tiled into communities, villages and grids."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.demo.parameters import (
    COMMUNITY_NAMES,
    HOUSEHOLDS_PER_GRID,
    LOCAL_REGION,
    N_COMMUNITIES,
    N_VILLAGES,
    PERSONS_PER_HOUSEHOLD,
    POPULATION,
    STREET_NAME,
    VILLAGE_NAMES,
)

# --------------------------------------------------------------------------- boundaries


def warp(
    xy: npt.NDArray[np.float64], *, amplitude_m: float, wavelength_m: float
) -> npt.NDArray[np.float64]:
    """Displace metric coordinates by a smooth field that depends only on position.

    Shared vertices move together, so a tiling stays a tiling; amplitude/wavelength < 1/(2pi)
    keeps the map one-to-one, so no edges cross.
    """
    k = 2 * math.pi / wavelength_m
    x, y = xy[:, 0], xy[:, 1]
    dx = amplitude_m * (np.sin(k * y + 1.3) * 0.6 + np.sin(k * 0.37 * (x + y)) * 0.4)
    dy = amplitude_m * (np.sin(k * x + 0.7) * 0.6 + np.cos(k * 0.41 * (x - y)) * 0.4)
    return np.column_stack([x + dx, y + dy])


def irregular_tiling(
    outline: BaseGeometry,
    seeds: npt.NDArray[np.float64],
    *,
    amplitude_m: float = 0.0,
    wavelength_m: float = 1.0,
    segment_m: float = 100.0,
) -> list[BaseGeometry]:
    """Cut ``outline`` into one polygon per seed (Voronoi), optionally with warped edges.

    The cells' noded linework is densified and warped once, then polygonised, so neighbours
    share every vertex exactly: the result tiles the (warped) outline with no gaps.
    Returns polygons in seed order.
    """
    points = shapely.multipoints(seeds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(points, extend_to=outline.envelope, ordered=True)
    )
    cells = shapely.intersection(cells, outline)
    linework = shapely.union_all(shapely.boundary(cells))
    if amplitude_m > 0:
        linework = shapely.transform(
            shapely.segmentize(linework, segment_m),
            lambda xy: warp(xy, amplitude_m=amplitude_m, wavelength_m=wavelength_m),
        )
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(linework))))
    # A cell clipped to a concave outline can fall apart into several faces: each face goes
    # to the cell it overlaps most, and a seed's polygon is the union of its faces.
    face_idx, cell_idx = shapely.STRtree(cells).query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_idx], cells[cell_idx]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for f, c, o in zip(face_idx, cell_idx, overlap, strict=True):
        if o > best[f]:
            owner[f], best[f] = c, o
    if (owner < 0).any() or len(set(owner)) != len(cells):
        msg = "tiling failed: a face has no cell or a cell no face; use a smaller warp amplitude"
        raise RuntimeError(msg)
    return [shapely.union_all(faces[owner == i]) for i in range(len(cells))]


def _outline(rng: np.random.Generator, origin: tuple[float, float]) -> BaseGeometry:
    theta = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    radius = 4300.0 * (1 + 0.14 * np.sin(3 * theta + p1) + 0.07 * np.sin(5 * theta + p2))
    return shapely.Polygon(
        np.column_stack([origin[0] + radius * np.cos(theta), origin[1] + radius * np.sin(theta)])
    )


def _spread_points(
    rng: np.random.Generator, region: BaseGeometry, n: int, *, min_gap_m: float
) -> npt.NDArray[np.float64]:
    """Pick n points inside ``region``, greedily at least ``min_gap_m`` apart when possible."""
    candidates = points_inside(rng, region, max(40 * n, 400))
    chosen = [candidates[0]]
    gap = min_gap_m
    while len(chosen) < n:
        for c in candidates:
            if len(chosen) == n:
                break
            if np.min(np.hypot(*(np.asarray(chosen) - c).T)) >= gap:
                chosen.append(c)
        gap *= 0.8
    return np.asarray(chosen[:n])


def points_inside(
    rng: np.random.Generator,
    region: BaseGeometry,
    n: int,
    *,
    centres: npt.NDArray[np.float64] | None = None,
    spread_m: float = 0.0,
) -> npt.NDArray[np.float64]:
    """n random points inside ``region``: uniform, or normal around ``centres``."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    out = np.empty((0, 2))
    while len(out) < n:
        m = 2 * (n - len(out)) + 16
        if centres is None:
            xy = rng.uniform((minx, miny), (maxx, maxy), (m, 2))
        else:
            xy = centres[rng.integers(0, len(centres), m)] + rng.normal(0, spread_m, (m, 2))
        out = np.vstack([out, xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]])
    return out[:n]


def street_areas(
    rng: np.random.Generator, copy: int, origin: tuple[float, float]
) -> tuple[pd.DataFrame, list[BaseGeometry]]:
    outline = _outline(rng, origin)
    core = shapely.Point(origin[0] + 700, origin[1] + 300).buffer(1700)
    urban = _spread_points(rng, core.intersection(outline), N_COMMUNITIES, min_gap_m=520)
    rural_region = outline.buffer(-250).difference(core.buffer(450))
    rural = _spread_points(rng, rural_region, N_VILLAGES, min_gap_m=1050)
    seeds = np.vstack([urban, rural])
    polygons = irregular_tiling(
        outline, seeds, amplitude_m=55.0, wavelength_m=420.0, segment_m=60.0
    )
    street_geom = shapely.union_all(polygons)
    street_code = f"{LOCAL_REGION}{901 + copy:03d}"
    suffix = "" if copy == 0 else f" {copy + 1}"
    weights = np.concatenate(
        [rng.gamma(9.0, 1.0, N_COMMUNITIES) * 3.55, rng.gamma(9.0, 1.0, N_VILLAGES) * 1.5]
    )
    population = np.round(weights / weights.sum() * POPULATION).astype(int)
    rows: list[dict[str, object]] = [
        {
            "code": street_code,
            "name": STREET_NAME + suffix,
            "level": "street",
            "kind": "street",
            "parent_code": None,
            "population": int(population.sum()),
            "geometry": street_geom,
        },
    ]
    for i, geom in enumerate(polygons):
        village = i >= N_COMMUNITIES
        j = i - N_COMMUNITIES if village else i
        code = f"{street_code}{(201 + j) if village else (1 + j):03d}"
        name = f"{VILLAGE_NAMES[j]}村" if village else f"{COMMUNITY_NAMES[j]}社区"
        rows.append(
            {
                "code": code,
                "name": name + suffix,
                "level": "community",
                "kind": "village" if village else "community",
                "parent_code": street_code,
                "population": int(population[i]),
                "geometry": geom,
            }
        )
        rows.extend(draw_grids(rng, geom, code=code, name=name + suffix, population=population[i]))
    return pd.DataFrame(rows), polygons


def draw_grids(
    rng: np.random.Generator, community: BaseGeometry, *, code: str, name: str, population: int
) -> list[dict[str, object]]:
    households = population / PERSONS_PER_HOUSEHOLD
    n = max(1, round(households / HOUSEHOLDS_PER_GRID))
    if n == 1:
        parts = [community]
    else:
        seeds = _spread_points(rng, community, n, min_gap_m=math.sqrt(community.area / n) * 0.7)
        parts = irregular_tiling(community, seeds)
    shares = rng.dirichlet(np.full(n, 20.0))
    counts = np.floor(shares * population).astype(int)
    counts[: population - counts.sum()] += 1
    return [
        {
            "code": f"{code}{g + 1:02d}",
            "name": f"{name}第{g + 1}网格",
            "level": "grid",
            "kind": "grid",
            "parent_code": code,
            "population": int(counts[g]),
            "geometry": part,
        }
        for g, part in enumerate(parts)
    ]
