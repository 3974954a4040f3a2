"""Convert coordinates between WGS-84, GCJ-02, BD-09 and EPSG systems; pick a metric CRS.

Gridhouse stores WGS-84 only. Uploads arrive in whatever the collector used (AMap and
Tencent give GCJ-02, Baidu gives BD-09, surveys give CGCS2000), so every coordinate is turned
into WGS-84 on the way in with :func:`to_wgs84`; maps drawn over a Chinese basemap shift to
GCJ-02 with :func:`wgs84_to_gcj02` on the way out. Areas and distances are measured in the
projected CRS chosen by :func:`metric_crs_for_bounds` (or :func:`metric_crs_for_points`), never
in degrees or Web Mercator: :func:`to_metres` and :func:`to_degrees` carry points there and back,
:func:`geometries_to_metres` and :func:`geometries_to_degrees` shapes, :func:`widen_bounds` grows
a box by metres. This is the only module that imports pyproj and the only one that knows how
long a degree is.

GCJ-02 is the published obfuscation on the Krasovsky ellipsoid; its inverse has no closed
form, so :func:`gcj02_to_wgs84` iterates the forward transform until the residual is below
1e-9 degrees (about 0.1 mm). Points outside the rectangle that the obfuscation covers pass
through unchanged, as AMap does.
"""

from __future__ import annotations

import math
import threading
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from geo.errors import InputError

FloatArray = npt.NDArray[np.float64]
MetricCRS: TypeAlias = CRS
"""A projected CRS in metres, as :func:`metric_crs_for_bounds` returns it (callers hold it
without importing pyproj)."""
CRSLike: TypeAlias = CRS | int | str
"""A CRS, an EPSG code or a name pyproj reads ("EPSG:4549")."""

WGS84: Final = "EPSG:4326"
CGCS2000: Final = "EPSG:4490"

# Names accepted for the source coordinate system of an upload, besides "EPSG:n".
WGS84_NAMES: Final = frozenset({"wgs84", "wgs-84", "epsg:4326", "4326", "gps"})
GCJ02_NAMES: Final = frozenset({"gcj02", "gcj-02", "amap", "gaode", "tencent", "mars"})
BD09_NAMES: Final = frozenset({"bd09", "bd-09", "baidu"})

_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_BD_X_PI: Final = math.pi * 3000.0 / 180.0
# The rectangle the GCJ-02 obfuscation applies to (the common published bounds).
_CHINA_LON: Final = (72.004, 137.8347)
_CHINA_LAT: Final = (0.8293, 55.8271)
_INVERSE_TOLERANCE_DEG: Final = 1e-9
_INVERSE_MAX_ITER: Final = 30
# Where the metric CRS of an empty set of points is taken (the product's home, Zhejiang).
_DEFAULT_CENTRE: Final = (120.0, 30.0)
# Points along each side of a box projected between degrees and metres, so that a curved
# image of a straight side is still inside the box drawn around it.
_EDGE_SAMPLES: Final = 16


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        msg = f"lon and lat must have the same shape, got {x.shape} and {y.shape}"
        raise ValueError(msg)
    return x, y


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Return True where a point lies in the rectangle GCJ-02 shifts.

    >>> bool(in_china(120.0, 30.0)), bool(in_china(2.35, 48.85))
    (True, False)
    """
    x, y = _as_arrays(lon, lat)
    inside: npt.NDArray[np.bool_] = (
        (x >= _CHINA_LON[0]) & (x <= _CHINA_LON[1]) & (y >= _CHINA_LAT[0]) & (y <= _CHINA_LAT[1])
    )
    return inside


def _gcj02_offset(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the (dlon, dlat) GCJ-02 adds at WGS-84 (x, y), zero outside China."""
    rx = x - 105.0
    ry = y - 35.0
    t_lat = -100.0 + 2.0 * rx + 3.0 * ry + 0.2 * ry * ry + 0.1 * rx * ry + 0.2 * np.sqrt(np.abs(rx))
    t_lon = 300.0 + rx + 2.0 * ry + 0.1 * rx * rx + 0.1 * rx * ry + 0.1 * np.sqrt(np.abs(rx))
    common = (20.0 * np.sin(6.0 * rx * math.pi) + 20.0 * np.sin(2.0 * rx * math.pi)) * 2.0 / 3.0
    t_lat = t_lat + common
    t_lon = t_lon + common
    t_lat += (20.0 * np.sin(ry * math.pi) + 40.0 * np.sin(ry / 3.0 * math.pi)) * 2.0 / 3.0
    t_lon += (20.0 * np.sin(rx * math.pi) + 40.0 * np.sin(rx / 3.0 * math.pi)) * 2.0 / 3.0
    t_lat += (160.0 * np.sin(ry / 12.0 * math.pi) + 320.0 * np.sin(ry * math.pi / 30.0)) * 2 / 3
    t_lon += (150.0 * np.sin(rx / 12.0 * math.pi) + 300.0 * np.sin(rx / 30.0 * math.pi)) * 2 / 3
    rad_lat = y / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (t_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    dlon = (t_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    outside = ~in_china(x, y)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 degrees to GCJ-02, for drawing on AMap or Tencent basemaps.

    >>> x, y = wgs84_to_gcj02(116.404, 39.915)
    >>> round(float(x), 6), round(float(y), 6)
    (116.410244, 39.916404)
    """
    x, y = _as_arrays(lon, lat)
    dlon, dlat = _gcj02_offset(x, y)
    return x + dlon, y + dlat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert GCJ-02 to WGS-84 by fixed-point iteration (error well below 1 mm).

    >>> x, y = gcj02_to_wgs84(*wgs84_to_gcj02(120.0, 30.0))
    >>> round(float(x), 9), round(float(y), 9)
    (120.0, 30.0)
    """
    gx, gy = _as_arrays(lon, lat)
    x, y = gx.copy(), gy.copy()
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = wgs84_to_gcj02(x, y)
        ex, ey = fx - gx, fy - gy
        x = x - ex
        y = y - ey
        if np.nanmax(np.abs(np.concatenate([np.ravel(ex), np.ravel(ey)])), initial=0.0) < (
            _INVERSE_TOLERANCE_DEG
        ):
            break
    return x, y


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 to Baidu's BD-09."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift Baidu's BD-09 back to GCJ-02 (the published closed-form inverse)."""
    bx, by = _as_arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def parse_source_crs(name: str) -> str:
    """Normalise an upload's coordinate system name to 'wgs84', 'gcj02', 'bd09' or 'EPSG:n'.

    >>> parse_source_crs("GCJ-02"), parse_source_crs("epsg:4490"), parse_source_crs("WGS84")
    ('gcj02', 'EPSG:4490', 'wgs84')
    """
    key = name.strip().lower()
    if key in WGS84_NAMES:
        return "wgs84"
    if key in GCJ02_NAMES:
        return "gcj02"
    if key in BD09_NAMES:
        return "bd09"
    code = key.removeprefix("epsg:")
    if code.isdigit():
        try:
            CRS.from_epsg(int(code))
        except Exception as exc:
            raise InputError("crs_unknown", crs=name) from exc
        return f"EPSG:{int(code)}"
    raise InputError("crs_unknown", crs=name)


def to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, source: str
) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in ``source`` (a name :func:`parse_source_crs` accepts) to WGS-84.

    Projected EPSG systems take easting/northing in ``lon``/``lat``; axis order is always x, y.

    >>> x, y = to_wgs84([116.41024449916938], [39.91640428150164], source="gcj02")
    >>> round(float(x[0]), 6), round(float(y[0]), 6)
    (116.404, 39.915)
    """
    kind = parse_source_crs(source)
    if kind == "wgs84":
        return _as_arrays(lon, lat)
    if kind == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if kind == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    x, y = _as_arrays(lon, lat)
    transformer = Transformer.from_crs(kind, WGS84, always_xy=True)
    ox, oy = transformer.transform(x, y)
    return np.asarray(ox, dtype=np.float64), np.asarray(oy, dtype=np.float64)


def metric_crs_for_bounds(bounds: tuple[float, float, float, float]) -> CRS:
    """Pick the projected CRS in which to measure areas and distances for a WGS-84 extent.

    Inside China this is the CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534 to 4554) whose
    central meridian is nearest the extent's centre; elsewhere the WGS-84 UTM zone.

    >>> metric_crs_for_bounds((119.9, 30.0, 120.0, 30.1)).to_epsg()
    4549
    >>> metric_crs_for_bounds((2.2, 48.8, 2.5, 48.9)).to_epsg()
    32631
    """
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds) or minx > maxx or miny > maxy:
        msg = f"bounds must be finite (minx, miny, maxx, maxy) in degrees, got {bounds}"
        raise ValueError(msg)
    cx = (minx + maxx) / 2.0
    cy = (miny + maxy) / 2.0
    if 73.5 <= cx <= 135.5 and 3.0 <= cy <= 54.0:
        central_meridian = min(135, max(75, 3 * round(cx / 3.0)))
        return CRS.from_epsg(4534 + (central_meridian - 75) // 3)
    zone = min(60, max(1, int((cx + 180.0) // 6.0) + 1))
    return CRS.from_epsg((32600 if cy >= 0 else 32700) + zone)


def geometries_to_wgs84(geoms: npt.ArrayLike, *, source: str) -> npt.NDArray[np.object_]:
    """Convert every vertex of shapely geometries from ``source`` to WGS-84 (for GCJ-02/BD-09
    boundaries, which no EPSG code describes).
    """
    values = np.asarray(geoms, dtype=object)

    def convert(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = to_wgs84(xy[:, 0], xy[:, 1], source=source)
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(values, convert), dtype=object)


def metric_crs_for_points(lon: npt.ArrayLike, lat: npt.ArrayLike) -> MetricCRS:
    """The metric CRS (:func:`metric_crs_for_bounds`) of WGS-84 points' extent; of
    120 E, 30 N when there are none. NaN coordinates are left out of the extent.

    >>> metric_crs_for_points([119.95, 120.05], [30.0, 30.1]).to_epsg()
    4549
    """
    x, y = _as_arrays(lon, lat)
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return metric_crs_for_bounds((*_DEFAULT_CENTRE, *_DEFAULT_CENTRE))
    x, y = x[finite], y[finite]
    return metric_crs_for_bounds((float(x.min()), float(y.min()), float(x.max()), float(y.max())))


_TRANSFORMERS = threading.local()
"""Each thread's transformers by (source, target): building one costs tens of
milliseconds (a boundary check of 4,000 communities built 8,000 of them)."""
_TRANSFORMERS_KEPT = 64


def _transformer(source: CRSLike, target: CRSLike) -> Transformer:
    kept: dict[tuple[CRSLike, CRSLike], Transformer] | None = getattr(_TRANSFORMERS, "kept", None)
    if kept is None:
        kept = _TRANSFORMERS.kept = {}
    found = kept.get((source, target))
    if found is None:
        if len(kept) >= _TRANSFORMERS_KEPT:
            kept.clear()
        found = kept[(source, target)] = Transformer.from_crs(source, target, always_xy=True)
    return found


def to_metres(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, crs: CRSLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """WGS-84 degrees to metres (easting, northing) in ``crs``; by default in the metric CRS
    of the points' own extent (:func:`metric_crs_for_points`).

    >>> x, y = to_metres([120.0, 120.0], [30.0, 30.001], crs=4549)
    >>> round(float(y[1] - y[0]), 1)  # a thousandth of a degree of latitude
    110.9
    """
    x, y = _as_arrays(lon, lat)
    target = metric_crs_for_points(x, y) if crs is None else crs
    mx, my = _transformer(WGS84, target).transform(x, y)
    return np.asarray(mx, dtype=np.float64), np.asarray(my, dtype=np.float64)


def to_degrees(
    x: npt.ArrayLike, y: npt.ArrayLike, *, crs: CRSLike
) -> tuple[FloatArray, FloatArray]:
    """Metres (easting, northing) in ``crs`` back to WGS-84 degrees (lon, lat).

    >>> lon, lat = to_degrees(*to_metres([120.0], [30.0], crs=4549), crs=4549)
    >>> round(float(lon[0]), 9), round(float(lat[0]), 9)
    (120.0, 30.0)
    """
    mx, my = _as_arrays(x, y)
    lon, lat = _transformer(crs, WGS84).transform(mx, my)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _transform_geometries(
    geoms: npt.ArrayLike, transformer: Transformer
) -> npt.NDArray[np.object_]:
    def convert(xy: FloatArray) -> FloatArray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), convert), dtype=object)


def geometries_to_metres(geoms: npt.ArrayLike, *, crs: CRSLike) -> npt.NDArray[np.object_]:
    """Every vertex of WGS-84 shapely geometries to metres in ``crs``."""
    return _transform_geometries(geoms, _transformer(WGS84, crs))


def geometries_to_degrees(geoms: npt.ArrayLike, *, crs: CRSLike) -> npt.NDArray[np.object_]:
    """Every vertex of shapely geometries in metres of ``crs`` back to WGS-84 degrees."""
    return _transform_geometries(geoms, _transformer(crs, WGS84))


def _box_outline(bounds: tuple[float, float, float, float]) -> tuple[FloatArray, FloatArray]:
    """Points along the four sides of a box (its corners included)."""
    minx, miny, maxx, maxy = bounds
    t = np.linspace(0.0, 1.0, _EDGE_SAMPLES)
    xs = np.concatenate([minx + (maxx - minx) * t, np.full_like(t, maxx)])
    ys = np.concatenate([np.full_like(t, miny), miny + (maxy - miny) * t])
    xs = np.concatenate([xs, maxx - (maxx - minx) * t, np.full_like(t, minx)])
    ys = np.concatenate([ys, np.full_like(t, maxy), maxy - (maxy - miny) * t])
    return xs, ys


def widen_bounds(
    bounds: tuple[float, float, float, float], *, margin_m: float
) -> tuple[float, float, float, float]:
    """A WGS-84 box grown by ``margin_m`` metres on every side, measured in the metric CRS of
    the box: the returned box, projected, holds every point within ``margin_m`` of the
    original box (and hardly more).

    >>> minx, miny, maxx, maxy = widen_bounds((120.0, 30.0, 120.0, 30.0), margin_m=100.0)
    >>> round((maxy - miny) * 1e5, 1), round((maxx - minx) * 1e5, 1)  # 200 m, in 1e-5 degrees
    (180.4, 207.3)
    """
    if not margin_m:
        return bounds
    crs = metric_crs_for_bounds(bounds)
    x, y = to_metres(*_box_outline(bounds), crs=crs)
    grown = (
        float(x.min()) - margin_m,
        float(y.min()) - margin_m,
        float(x.max()) + margin_m,
        float(y.max()) + margin_m,
    )
    lon, lat = to_degrees(*_box_outline(grown), crs=crs)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
