"""Data quality checks on places: how far each point lies from the edge of its area."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import geometries_to_metres, metric_crs_for_bounds, to_metres


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
    edges = pd.Series(
        geometries_to_metres(shapely.boundary(shapes.to_numpy()), crs=metric), index=shapes.index
    )
    x, y = to_metres(lon, lat, crs=metric)
    points = shapely.points(x, y)
    distances: npt.NDArray[np.float64] = shapely.distance(
        points, edges.reindex(pd.Index(area_ids)).to_numpy()
    ).astype(float)
    return distances
