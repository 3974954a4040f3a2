"""Data quality checks on places: how far each point lies from the edge of its area."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from geo.crs import WGS84, metric_crs_for_bounds


def near_boundary(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    area_ids: npt.NDArray[np.int64],
    geometries: pd.Series,
) -> npt.NDArray[np.float64]:
    """Distance in metres from each point to the boundary of its own area.

    ``geometries`` holds the areas' WGS-84 polygons indexed by area id; distances are
    measured in the projected CRS of the areas' extent (never in degrees).
    """
    if len(lon) == 0:
        return np.zeros(0)
    shapes = geometries.loc[np.unique(area_ids)]
    metric = metric_crs_for_bounds(tuple(shapely.total_bounds(shapes.to_numpy())))
    forward = Transformer.from_crs(WGS84, metric, always_xy=True)

    def to_metres(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(forward.transform(xy[:, 0], xy[:, 1]))

    edges = pd.Series(
        shapely.transform(shapely.boundary(shapes.to_numpy()), to_metres), index=shapes.index
    )
    x, y = forward.transform(lon, lat)
    points = shapely.points(np.asarray(x), np.asarray(y))
    distances: npt.NDArray[np.float64] = shapely.distance(
        points, edges.reindex(pd.Index(area_ids)).to_numpy()
    ).astype(float)
    return distances
