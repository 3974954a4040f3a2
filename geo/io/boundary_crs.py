"""Check a boundary file's coordinates against its coordinate system before anything is stored.

Surveyors' shapefiles often say one thing and hold another: Gauss-Kruger eastings that carry
the zone number (8 digits, ``40495178``) under a .prj for the central-meridian CRS, degrees
under a projected CRS, metres under "degrees", or rings written [lat, lon]. Each is either
certain, and then fixed with a note (the zone CRS is named by the easting; a ring that only
lands in China swapped is swapped), or refused naming the ``--crs`` to pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import WGS84, geometries_to_wgs84, in_china, parse_source_crs
from geo.errors import InputError

# EPSG codes of the zone-numbered Gauss-Kruger CRSs, by datum: (first zone, first code).
_ZONED = {
    "cgcs2000": {3: (25, 4513), 6: (13, 4491)},
    "xian1980": {3: (25, 2349), 6: (13, 2327)},
    "beijing1954": {3: (25, 2401), 6: (13, 21413)},
}
# ... and of their central-meridian twins (eastings without the zone number).
_CENTRAL = {
    "cgcs2000": {3: (25, 4534), 6: (13, 4502)},
    "xian1980": {3: (25, 2370), 6: (13, 2338)},
    "beijing1954": {3: (25, 2422), 6: (13, 21453)},
}
_ZONES = {3: range(25, 46), 6: range(13, 24)}
_ZONE_NAME = re.compile(r"(3-degree )?Gauss-Kruger zone (\d+)", re.IGNORECASE)
_DATUM_NAMES = {"cgcs2000": "CGCS2000", "xian1980": "Xian 1980", "beijing1954": "Beijing 1954"}
_MARGIN_DEG = 1.0
"""How far outside a CRS's area of use a boundary may still lie (coasts, islands, edges)."""


@dataclass
class SettledCRS:
    """Boundaries in WGS-84 and the notes on how their coordinates were read."""

    frame: gpd.GeoDataFrame
    crs: str
    notes: list[dict[str, Any]] = field(default_factory=list)


def settle_crs(frame: gpd.GeoDataFrame, *, given: str | None = None) -> SettledCRS:
    """Bring boundaries to WGS-84 after checking that their extent fits their CRS.

    ``given`` (the ``--crs`` option: wgs84, gcj02, bd09, EPSG:n) overrides what the file
    says. Recipe: pick the declared CRS -> when the extent fits it, convert (swapping
    [lat, lon] rings that only fit China swapped) -> when it does not, name the CRS it fits
    (zone-numbered eastings: used with a note unless ``--crs`` said otherwise) or refuse.
    """
    kind = parse_source_crs(given) if given else None
    declared = _declared(frame, kind)
    geoms = frame.geometry
    bounds = _bounds(geoms)
    if kind in ("gcj02", "bd09"):
        out, notes = _degrees(frame, bounds, declared_name=kind.upper())
        converted = geometries_to_wgs84(out.geometry.to_numpy(), source=kind)
        out = out.set_geometry(gpd.GeoSeries(converted, index=out.index), crs=WGS84)
        return SettledCRS(out, kind, notes)
    zoned = _zoned_crs(bounds, frame.crs if kind is None else None)
    if declared is None:
        if zoned is not None:
            return _use_zone(frame, zoned)
        raise InputError("crs_missing", **_extent(bounds))
    frame = frame.set_crs(declared, allow_override=True)
    if frame.crs.is_geographic:
        if not _are_degrees(bounds) and not _are_degrees(_swapped(bounds)):
            if zoned is not None and kind is None:
                return _use_zone(frame, zoned)
            _refuse_metres_as_degrees(bounds, zoned, declared=frame.crs.name)
        out, notes = _degrees(frame, bounds, declared_name=str(frame.crs.name))
        return SettledCRS(out.to_crs(WGS84), _crs_text(out.crs), notes)
    if _are_degrees(bounds):
        swapped = in_china(*_corners(bounds, swap=True)).all()
        raise InputError(
            "crs_degrees_as_metres",
            declared=frame.crs.name,
            crs="wgs84",
            swapped="yes" if swapped else "no",
            **_extent(bounds),
        )
    converted = frame.to_crs(WGS84)
    if _fits(converted, frame.crs):
        return SettledCRS(converted, _crs_text(frame.crs), [])
    twin = _central_twin(bounds, frame.crs) if zoned is None else None
    if twin is not None:
        epsg, zone, name = twin
        if kind is not None:
            raise InputError(
                "crs_zone_number_missing",
                declared=frame.crs.name,
                crs=f"EPSG:{epsg}",
                name=name,
                zone=zone,
                **_extent(bounds),
            )
        return _use_zone(frame, twin, key="note_crs_zone_number_missing")
    if zoned is not None:
        epsg, zone, name = zoned
        if kind is not None:  # the user said which CRS; say which one fits instead
            raise InputError(
                "crs_zone_mismatch",
                declared=frame.crs.name,
                crs=f"EPSG:{epsg}",
                name=name,
                zone=zone,
                **_extent(bounds),
            )
        return _use_zone(frame, zoned)
    raise InputError("crs_extent_mismatch", declared=frame.crs.name, **_extent(bounds))


def _use_zone(
    frame: gpd.GeoDataFrame, zoned: tuple[int, int, str], *, key: str = "note_crs_zone"
) -> SettledCRS:
    """Read the boundaries in the zone CRS their eastings name, with a note saying so."""
    epsg, zone, name = zoned
    declared = "" if frame.crs is None else str(frame.crs.name)
    note = {
        "key": key,
        "crs": f"EPSG:{epsg}",
        "zone": zone,
        "name": name,
        "declared": declared or "-",
    }
    out = frame.set_crs(f"EPSG:{epsg}", allow_override=True).to_crs(WGS84)
    return SettledCRS(out, f"EPSG:{epsg}", [note])


def _declared(frame: gpd.GeoDataFrame, kind: str | None) -> Any:
    if kind is None:
        return frame.crs
    return "EPSG:4326" if kind in ("wgs84", "gcj02", "bd09") else kind


def _bounds(geoms: gpd.GeoSeries) -> tuple[float, float, float, float]:
    coords = shapely.get_coordinates(np.asarray(geoms.values, dtype=object))
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) == 0:
        raise InputError("areas_none_empty")
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    return float(minx), float(miny), float(maxx), float(maxy)


def _extent(bounds: tuple[float, float, float, float]) -> dict[str, str]:
    minx, miny, maxx, maxy = bounds
    return {"x": f"{minx:.6g}..{maxx:.6g}", "y": f"{miny:.6g}..{maxy:.6g}"}


def _are_degrees(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def _corners(
    bounds: tuple[float, float, float, float], *, swap: bool = False
) -> tuple[list[float], list[float]]:
    minx, miny, maxx, maxy = bounds
    xs, ys = [minx, maxx, minx, maxx], [miny, miny, maxy, maxy]
    return (ys, xs) if swap else (xs, ys)


def _degrees(
    frame: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], *, declared_name: str
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Degrees as they are, or swapped with a note when only [lat, lon] lands in China."""
    if not _are_degrees(bounds) and not _are_degrees(_swapped(bounds)):
        raise InputError("crs_extent_mismatch", declared=declared_name, **_extent(bounds))
    as_is = _are_degrees(bounds) and bool(in_china(*_corners(bounds)).all())
    if as_is:
        return frame, []
    swapped = _are_degrees(_swapped(bounds)) and bool(in_china(*_corners(bounds, swap=True)).all())
    if swapped:
        flipped = shapely.transform(
            np.asarray(frame.geometry.values, dtype=object), lambda xy: xy[:, ::-1]
        )
        out = frame.set_geometry(gpd.GeoSeries(flipped, index=frame.index, crs=frame.crs))
        return out, [{"key": "note_latlon_swapped", **_extent(bounds)}]
    if not _are_degrees(bounds):
        raise InputError("crs_extent_mismatch", declared=declared_name, **_extent(bounds))
    return frame, []


def _swapped(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = bounds
    return miny, minx, maxy, maxx


def _zoned_crs(bounds: tuple[float, float, float, float], crs: Any) -> tuple[int, int, str] | None:
    """The zone-numbered Gauss-Kruger CRS whose zone the eastings carry, if they carry one.

    An easting of 8 digits whose first two are a zone number (3-degree zones 25-45, 6-degree
    zones 13-23) names its zone; the datum is the file's when it says Xian 1980 or Beijing
    1954, else CGCS2000.
    """
    minx, miny, maxx, maxy = bounds
    zone = int(minx // 1_000_000)
    if zone != int(maxx // 1_000_000) or not 0 <= miny <= maxy <= 6_500_000:
        return None
    offset = minx - zone * 1_000_000
    if not 0 < offset < 1_000_000 or maxx - zone * 1_000_000 >= 1_000_000:
        return None
    width = 3 if zone in _ZONES[3] else 6 if zone in _ZONES[6] else None
    if width is None:
        return None
    datum = _datum_of(crs)
    first_zone, first_code = _ZONED[datum][width]
    kind = "3-degree " if width == 3 else ""
    name = f"{_DATUM_NAMES[datum]} / {kind}Gauss-Kruger zone {zone}"
    return first_code + zone - first_zone, zone, name


def _central_twin(
    bounds: tuple[float, float, float, float], crs: Any
) -> tuple[int, int, str] | None:
    """For a zone-numbered CRS whose eastings lack the zone number (6 digits), the
    central-meridian CRS of the same zone, which reads them as they are."""
    found = _ZONE_NAME.search(str(getattr(crs, "name", "")))
    minx, _, maxx, _ = bounds
    if found is None or not 100_000 <= minx <= maxx <= 900_000:
        return None
    width, zone = (3 if found.group(1) else 6), int(found.group(2))
    if zone not in _ZONES[width]:
        return None
    datum = _datum_of(crs)
    first_zone, first_code = _CENTRAL[datum][width]
    meridian = zone * 3 if width == 3 else zone * 6 - 3
    kind = "3-degree " if width == 3 else ""
    name = f"{_DATUM_NAMES[datum]} / {kind}Gauss-Kruger CM {meridian}E"
    return first_code + zone - first_zone, zone, name


def _datum_of(crs: Any) -> str:
    text = "" if crs is None else str(getattr(crs, "datum", "") and crs.datum.name).lower()
    if "xian" in text or "1980" in text:
        return "xian1980"
    if "beijing" in text or "1954" in text:
        return "beijing1954"
    return "cgcs2000"


def _fits(converted: gpd.GeoDataFrame, crs: Any) -> bool:
    """True when the converted boundaries are real degrees inside (near) the CRS's area of use."""
    coords = shapely.get_coordinates(np.asarray(converted.geometry.values, dtype=object))
    if len(coords) == 0 or not np.isfinite(coords).all():
        return False
    lon, lat = coords[:, 0], coords[:, 1]
    if not (np.abs(lon) <= 180).all() or not (np.abs(lat) <= 90).all():
        return False
    area = getattr(crs, "area_of_use", None)
    if area is None:
        return True
    west, south, east, north = area.bounds
    if west > east:  # an area of use across the antimeridian: say nothing about it
        return True
    return bool(
        (lon >= west - _MARGIN_DEG).all()
        and (lon <= east + _MARGIN_DEG).all()
        and (lat >= south - _MARGIN_DEG).all()
        and (lat <= north + _MARGIN_DEG).all()
    )


def _refuse_metres_as_degrees(
    bounds: tuple[float, float, float, float],
    zoned: tuple[int, int, str] | None,
    *,
    declared: str,
) -> None:
    if zoned is not None:
        epsg, zone, name = zoned
        raise InputError(
            "crs_zone_mismatch",
            declared=declared,
            crs=f"EPSG:{epsg}",
            name=name,
            zone=zone,
            **_extent(bounds),
        )
    raise InputError("crs_metres_as_degrees", declared=declared, **_extent(bounds))


def _crs_text(crs: Any) -> str:
    epsg = crs.to_epsg() if crs is not None else None
    return f"EPSG:{epsg}" if epsg else str(getattr(crs, "name", crs))
