"""One column of coordinate pairs (``lng,lat``, ``lat,lng``, ``POINT(x y)``) split into
longitude and latitude, the order decided for the whole column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

_NUMBER: Final = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"


_PAIR: Final = re.compile(
    rf"^\s*(?:POINT\s*Z?\s*\(\s*(?P<wx>{_NUMBER})\s+(?P<wy>{_NUMBER})(?:\s+{_NUMBER})?\s*\)"
    rf"|[(\[]?\s*(?P<a>{_NUMBER})\s*(?:[,;\s/|])\s*(?P<b>{_NUMBER})\s*[)\]]?)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CoordinateSplit:
    """One column of coordinate pairs as longitude and latitude text columns."""

    lon: pd.Series
    lat: pd.Series
    unreadable: pd.Series
    """rows whose cell holds something that is not a pair of numbers"""
    order: str
    """``lng,lat``, ``lat,lng`` (pairs written latitude first) or ``x,y`` (projected)"""
    rows: int
    """rows whose pair was read"""


def split_coordinates(
    values: pd.Series, *, bounds: tuple[float, float, float, float]
) -> CoordinateSplit | None:
    """Split ``lng,lat`` (the AMap picker), ``lat,lng`` or ``POINT(x y)`` cells; None when
    no cell holds a pair (the column is not coordinates after all).

    The order is decided for the whole column: the one that puts more points inside
    ``bounds`` (the jurisdiction, WGS-84); when neither does, the one where the first
    number is the larger (China's longitudes exceed its latitudes); POINT() is x y unless
    the values say otherwise. Projected values (metres) are kept in the order written.

    >>> box = (119.9, 30.0, 120.0, 30.1)
    >>> s = split_coordinates(pd.Series(["119.96,30.05", "119.97, 30.06", "", "x"]), bounds=box)
    >>> s.order, s.lon.tolist(), s.lat.tolist()
    ('lng,lat', ['119.96', '119.97', '', ''], ['30.05', '30.06', '', ''])
    >>> s.unreadable.tolist()
    [False, False, False, True]
    >>> split_coordinates(pd.Series(["POINT(30.05 119.96)"]), bounds=box).order
    'lat,lng'
    """
    text = values.fillna("").astype(str).map(lambda v: unicodedata.normalize("NFKC", v).strip())
    parts = text.str.extract(_PAIR)
    first = parts["wx"].where(parts["wx"].notna(), parts["a"])
    second = parts["wy"].where(parts["wy"].notna(), parts["b"])
    a = pd.to_numeric(first, errors="coerce").to_numpy(float)
    b = pd.to_numeric(second, errors="coerce").to_numpy(float)
    read = np.isfinite(a) & np.isfinite(b)
    if not read.any():
        return None
    unreadable = pd.Series((text != "").to_numpy() & ~read, index=values.index)
    minx, miny, maxx, maxy = bounds

    def inside(x: np.ndarray, y: np.ndarray) -> int:
        return int((read & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)).sum())

    if (np.abs(a[read]) > 360).all() or (np.abs(b[read]) > 360).all():
        order = "x,y"
    else:
        as_written, swapped = inside(a, b), inside(b, a)
        if as_written == swapped:
            as_written = int((read & (a > b)).sum())
            swapped = int((read & (b > a)).sum())
        order = "lat,lng" if swapped > as_written else "lng,lat"
    x, y = (second, first) if order == "lat,lng" else (first, second)
    keep = pd.Series(read, index=values.index)
    lon = pd.Series(np.where(keep, x.fillna(""), ""), index=values.index, dtype=object)
    lat = pd.Series(np.where(keep, y.fillna(""), ""), index=values.index, dtype=object)
    return CoordinateSplit(lon, lat, unreadable, order, int(read.sum()))
