"""Where floating residents cluster: density clusters in metres, and H3 hexagon density.

Pure functions on arrays and frames. Homes arrive one row per dwelling (a rental unit) with
the number of floating residents living there as its weight, so a building with forty
tenants weighs forty and the clustering runs on dwellings, not on people.

Distances are measured in the projected CRS of the points' extent (a CGCS2000 3-degree
Gauss-Kruger zone in China, UTM elsewhere), never in degrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from sklearn.cluster import DBSCAN

from geo.crs import MetricCRS, geometries_to_degrees, metric_crs_for_points, to_metres
from geo.disclosure import coarse_hull

DEFAULT_EPS_M: Final = 150.0
"""Two dwellings closer than this are neighbours (about one village block)."""
DEFAULT_MIN_RESIDENTS: Final = 50
"""A dwelling is a cluster core when this many floating residents live within reach."""
DEFAULT_H3_RESOLUTION: Final = 9
"""H3 resolution 9: hexagons of about 0.1 km2 (edge about 200 m)."""
NOISE: Final = -1


@dataclass(frozen=True)
class Projected:
    """Points in metres, and the metric CRS they are in (to bring shapes back to WGS-84)."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    crs: MetricCRS


def project(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Projected:
    """WGS-84 degrees to metres in the projected CRS chosen for the points' extent."""
    metric = metric_crs_for_points(lon, lat)
    x, y = to_metres(lon, lat, crs=metric)
    return Projected(x, y, metric)


def density_clusters(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    weight: npt.ArrayLike,
    *,
    eps_m: float = DEFAULT_EPS_M,
    min_residents: int = DEFAULT_MIN_RESIDENTS,
) -> npt.NDArray[np.int64]:
    """DBSCAN labels (``NOISE`` for none) of weighted points given in metres.

    A point is a core point when the weights within ``eps_m`` of it (itself included) add
    up to ``min_residents``; clusters are the core points reachable from each other in
    steps of at most ``eps_m`` and the points within ``eps_m`` of them (scikit-learn's
    DBSCAN with ``sample_weight``). Labels are numbered by cluster size, largest first.
    """
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    w = np.asarray(weight, dtype=float)
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    model = DBSCAN(eps=eps_m, min_samples=min_residents, algorithm="kd_tree", n_jobs=-1)
    labels: npt.NDArray[np.int64] = model.fit(xy, sample_weight=w).labels_.astype(np.int64)
    clustered = labels >= 0
    if not clustered.any():
        return labels
    sizes = np.bincount(labels[clustered], weights=w[clustered])
    rank = np.empty_like(sizes, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    out = np.full(len(labels), NOISE, dtype=np.int64)
    out[clustered] = rank[labels[clustered]]
    return out


def cluster_hulls(
    projected: Projected, labels: npt.NDArray[np.int64], *, pad_m: float, coarse: bool = False
) -> list[shapely.Geometry]:
    """Each cluster's outline in WGS-84: the convex hull of its dwellings, padded by
    ``pad_m`` metres so that a cluster of one building still shows; ``coarse``: the hull of
    the squares holding them instead (:func:`geo.disclosure.coarse_hull`, for planners:
    a padded hull's arcs gave their centres, homes, back)."""
    hulls = []
    for label in range(int(labels.max()) + 1 if len(labels) else 0):
        members = labels == label
        x, y = projected.x[members], projected.y[members]
        if coarse:
            hulls.append(coarse_hull(x, y))
            continue
        points = shapely.multipoints(np.column_stack([x, y]))
        hulls.append(shapely.buffer(shapely.convex_hull(points), pad_m, quad_segs=4))
    if not hulls:
        return []
    return list(geometries_to_degrees(hulls, crs=projected.crs))  # one transform for all


def top_shares(
    keys: pd.Series,
    groups: pd.Series,
    *,
    top: int = 3,
    min_count: int = 1,
    weights: pd.Series | None = None,
) -> pd.Series:
    """Per group, its ``top`` most frequent keys with their share, as "key 41%, key 20%";
    keys fewer than ``min_count`` times in their group are not named (a share of a known
    total would give a small count back). ``weights``: how many times each row counts
    (one row per home and key with its residents, instead of one row per resident).

    >>> keys, groups = pd.Series(["a", "b", "a"]), pd.Series([0, 0, 1])
    >>> top_shares(keys, groups, weights=pd.Series([3, 1, 2])).tolist()
    ['a 75%, b 25%', 'a 100%']
    """
    n = np.ones(len(keys), dtype=np.int64) if weights is None else weights.to_numpy()
    frame = pd.DataFrame({"group": groups.to_numpy(), "key": keys.to_numpy(), "n": n}).dropna()
    if frame.empty:
        return pd.Series(dtype=object)
    counts = frame.groupby(["group", "key"])["n"].sum().reset_index()
    counts["share"] = counts["n"] / counts.groupby("group")["n"].transform("sum")
    counts = counts.loc[counts["n"] >= min_count]
    if counts.empty:
        return pd.Series(dtype=object)
    counts = counts.sort_values(["group", "n", "key"], ascending=[True, False, True])
    best = counts.groupby("group").head(top)
    text = best["key"].astype(str) + " " + (best["share"] * 100).round().astype(int).astype(str)
    joined: pd.Series = (text + "%").groupby(best["group"]).agg(", ".join)
    return joined


H3_RESOLUTIONS: Final = range(5, 12)
"""The H3 resolutions a map may draw: 5 (about 250 km2) to 11 (about 2,000 m2)."""


def hexagon_cells(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, resolution: int = DEFAULT_H3_RESOLUTION
) -> npt.NDArray[np.uint64]:
    """The H3 cell (as an integer) of each WGS-84 point at ``resolution`` (one of
    :data:`H3_RESOLUTIONS`), by H3's hierarchy: the ancestor of the point's cell at the
    finest resolution, so a cell's count is exactly the sum of its children's at every
    resolution (a point's coarse cell is not always the hexagon drawn around it: H3's
    children do not tile their parent's hexagon exactly; about 6 % of points lie just
    outside the hexagon drawn for their cell at resolution 9).

    Raises ValueError for a resolution outside :data:`H3_RESOLUTIONS`.
    """
    if resolution not in H3_RESOLUTIONS:
        msg = f"resolution must be within {H3_RESOLUTIONS}, got {resolution}"
        raise ValueError(msg)
    to_cell = h3.api.basic_int.latlng_to_cell
    finest = H3_RESOLUTIONS[-1]
    lats = np.asarray(lat, dtype=float).tolist()
    lons = np.asarray(lon, dtype=float).tolist()
    cells = np.array(
        [to_cell(a, b, finest) for a, b in zip(lats, lons, strict=True)], dtype=np.uint64
    )
    return hexagon_parents(cells, resolution)


def hexagon_parents(cells: npt.ArrayLike, resolution: int) -> npt.NDArray[np.uint64]:
    """Each H3 cell's ancestor at ``resolution`` (not finer than the cells), computed on the
    index bits as ``h3.cell_to_parent`` does: the resolution field set, the digits below it
    set to 7 (H3 index layout, bits 52-55 and 3 bits per digit from bit 42 down).

    >>> cell = h3.api.basic_int.latlng_to_cell(30.0, 120.0, 11)
    >>> int(hexagon_parents([cell], 7)[0]) == h3.api.basic_int.cell_to_parent(cell, 7)
    True
    """
    array = np.asarray(cells, dtype=np.uint64)
    resolution_bits = np.uint64(0xF << 52)
    below = np.uint64((1 << (45 - 3 * resolution)) - 1)
    return (array & ~resolution_bits) | np.uint64(resolution << 52) | below


def hexagon_names(cells: npt.ArrayLike) -> list[str]:
    """H3 cells (integers) as the hex strings :func:`hexagon_density` names them by."""
    return [h3.int_to_str(int(c)) for c in np.asarray(cells, dtype=np.uint64)]


def hexagon_ints(names: Iterable[str]) -> npt.NDArray[np.uint64]:
    """H3 cells named as hex strings (:func:`hexagon_names`) as integers.

    >>> cell = h3.api.basic_int.latlng_to_cell(30.0, 120.0, 11)
    >>> int(hexagon_ints(hexagon_names([cell]))[0]) == cell
    True
    """
    return np.array([h3.str_to_int(str(n)) for n in names], dtype=np.uint64)


def hexagon_tree(cells: npt.ArrayLike, weight: npt.ArrayLike) -> pd.DataFrame:
    """Weights summed per cell at every resolution of :data:`H3_RESOLUTIONS`, from cells
    at the finest: index cell (integer), columns resolution, parent (the cell one
    resolution coarser; 0 at the coarsest) and count. Cells summing to 0 are left out.
    """
    finest = pd.DataFrame(
        {"cell": np.asarray(cells, dtype=np.uint64), "count": np.asarray(weight, dtype=float)}
    )
    levels = []
    for resolution in H3_RESOLUTIONS:
        at = hexagon_parents(finest["cell"].to_numpy(), resolution)
        sums = finest["count"].groupby(at).sum()
        sums = sums[sums > 0]
        up = (
            hexagon_parents(sums.index.to_numpy(dtype=np.uint64), resolution - 1)
            if resolution > H3_RESOLUTIONS[0]
            else np.zeros(len(sums), dtype=np.uint64)
        )
        levels.append(
            pd.DataFrame(
                {"resolution": resolution, "parent": up, "count": sums.to_numpy()},
                index=sums.index.to_numpy(dtype=np.uint64),
            )
        )
    tree = pd.concat(levels)
    tree.index.name = "cell"
    return tree


def hexagon_density(cells: npt.ArrayLike, weight: npt.ArrayLike) -> pd.DataFrame:
    """Weights summed per H3 cell, with each cell's hexagon (WGS-84) and area in km2.

    Returns columns cell (hex string), count, km2, per_km2, geometry.
    """
    frame = pd.DataFrame({"cell": np.asarray(cells, dtype=np.uint64), "count": weight})
    sums = frame.groupby("cell", sort=True)["count"].sum()
    sums = sums[sums > 0]
    basic = h3.api.basic_int
    polygons = [
        shapely.Polygon([(lng, lt) for lt, lng in basic.cell_to_boundary(int(c))])
        for c in sums.index
    ]
    km2 = np.array([basic.cell_area(int(c), unit="km^2") for c in sums.index])
    return pd.DataFrame(
        {
            "cell": hexagon_names(sums.index.to_numpy()),
            "count": sums.to_numpy(),
            "km2": km2,
            "per_km2": sums.to_numpy() / km2,
            "geometry": polygons,
        }
    )
