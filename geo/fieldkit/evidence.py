"""Proof that a visit was made at its unit: the scanned door plate (stored only as its
hash) and the GPS point within a distance of the unit, measured in metres."""

from __future__ import annotations

import hashlib
from typing import Final

import numpy as np
import pandas as pd

from geo.crs import metric_crs_for_points, to_metres

PROVEN_WITHIN_M: Final = 50.0
"""Default distance in metres within which a visit's GPS point proves it was at the unit."""


def distances_m(
    lon: pd.Series, lat: pd.Series, unit_lon: pd.Series, unit_lat: pd.Series
) -> pd.Series:
    """Metres between each GPS point and its unit (NaN where either is missing), measured in
    the metric CRS of the points (:func:`geo.crs.metric_crs_for_points`).

    >>> d = distances_m(pd.Series([120.0]), pd.Series([30.0]), pd.Series([120.0]),
    ...     pd.Series([30.0003]))
    >>> round(float(d.iloc[0]))
    33
    """
    values = [
        pd.to_numeric(s, errors="coerce").to_numpy(float) for s in (lon, lat, unit_lon, unit_lat)
    ]
    finite = np.logical_and.reduce([np.isfinite(v) for v in values])
    out = np.full(len(lon), np.nan)
    if finite.any():
        crs = metric_crs_for_points(values[2][finite], values[3][finite])
        x1, y1 = to_metres(values[0][finite], values[1][finite], crs=crs)
        x2, y2 = to_metres(values[2][finite], values[3][finite], crs=crs)
        out[finite] = np.hypot(x1 - x2, y1 - y2)
    return pd.Series(out, index=lon.index)


def proof(
    plate_matches: pd.Series, distance_m: pd.Series, *, within_m: float = PROVEN_WITHIN_M
) -> pd.Series:
    """A visit proves itself when its scanned plate belongs to the unit and its GPS point lies
    within ``within_m`` metres of it.

    >>> proof(pd.Series([True, True, False]), pd.Series([12.0, 80.0, 3.0])).tolist()
    [True, False, False]
    """
    near = pd.to_numeric(distance_m, errors="coerce").le(within_m)
    return (plate_matches.astype(bool) & near).astype(bool)


def plate_hash(token: str) -> str:
    """The SHA-256 of a door plate's token, the only form in which it is stored.

    >>> plate_hash("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
