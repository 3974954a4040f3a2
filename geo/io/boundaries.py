"""Read area boundaries from GeoJSON, GeoPackage, Shapefile (plain or zipped) and KML."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.crs import WGS84, geometries_to_wgs84, parse_source_crs
from geo.errors import InputError, NotFoundError

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml")


def read_boundaries(path: Path, *, crs: str | None = None) -> gpd.GeoDataFrame:
    """Read every polygon layer of a boundary file into one GeoDataFrame in WGS-84.

    ``crs`` names the file's coordinate system when the file does not say, or overrides it:
    'gcj02' and 'bd09' (AMap, Baidu boundaries) are converted vertex by vertex. KML is
    WGS-84 by definition. A zip must hold one shapefile (or GeoPackage/GeoJSON).
    """
    if not path.exists():
        raise NotFoundError("file_not_found", path=str(path))
    if path.suffix.lower() not in SUFFIXES:
        raise InputError("boundary_format", path=path.name, formats=", ".join(SUFFIXES))
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        layers = [
            str(name)
            for name, geometry_type in pyogrio.list_layers(source)
            if geometry_type is None
            or "Polygon" in str(geometry_type)
            or path.suffix.lower() == ".kml"
        ]
        frames = [pyogrio.read_dataframe(source, layer=layer) for layer in layers]
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError("file_unreadable", path=path.name) from exc
    frames = [f for f in frames if len(f) and f.geometry.notna().any()]
    if not frames:
        raise InputError("file_empty")
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    return _to_wgs84(frame, crs=crs)


def _to_wgs84(frame: gpd.GeoDataFrame, *, crs: str | None) -> gpd.GeoDataFrame:
    kind = parse_source_crs(crs) if crs else None
    if kind in ("gcj02", "bd09"):
        geoms = geometries_to_wgs84(frame.geometry.to_numpy(), source=kind)
        return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index), crs=WGS84)
    if kind is not None:
        frame = frame.set_crs("EPSG:4326" if kind == "wgs84" else kind, allow_override=True)
    if frame.crs is None:
        raise InputError("crs_missing")
    return frame.to_crs(WGS84)
