"""Read area boundaries from GeoJSON, GeoPackage, FileGDB, Shapefile (.shp, zipped), KML, KMZ."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InputError
from geo.io.boundary_crs import settle_crs
from geo.io.boundary_sources import SUFFIXES, Encoding, Layer, open_source, shapefile_encoding

__all__ = ["SUFFIXES", "BoundaryFile", "boundary_layers", "read_boundaries"]


@dataclass
class BoundaryFile:
    """Boundaries read from one layer of a file, in WGS-84, and how they were read."""

    frame: gpd.GeoDataFrame
    layer: str
    encoding: str
    encoding_how: str
    crs: str
    notes: list[dict[str, Any]] = field(default_factory=list)


def boundary_layers(path: Path) -> list[dict[str, str]]:
    """The layers of a boundary file that may hold areas: label and geometry type.

    A KML's folders are one drawing and count as one layer.
    """
    with open_source(path) as layers:
        return [
            {
                "layer": group[0].label if group[0].kind == "table" else _kml_label(group),
                "geometry": _group_geometry(group),
            }
            for group in _groups(layers)
        ]


def read_boundaries(
    path: Path, *, crs: str | None = None, layer: str | None = None
) -> BoundaryFile:
    """Read one layer of a boundary file into WGS-84, checked against its CRS.

    Recipe: open the file (unpacking zips and KMZ) -> pick the layer (``layer``, else the
    only polygon layer; several polygon layers are refused naming them) -> decode its text
    (a shapefile's .cpg, or its encoding detected) -> check the extent against the CRS and
    convert (see :func:`geo.io.boundary_crs.settle_crs`).

    ``crs`` names the file's coordinate system when the file does not say, or overrides it:
    'gcj02' and 'bd09' (AMap, Baidu boundaries) are converted vertex by vertex. KML is
    WGS-84 by definition.
    """
    with open_source(path) as layers:
        group = _pick(_groups(layers), wanted=layer, path=path)
        encoding = _encoding(group[0])
        frame = _read(group, encoding=encoding, path=path)
    if len(frame) == 0 or not frame.geometry.notna().any():
        raise InputError("file_empty")
    settled = settle_crs(frame, given=crs)
    label = group[0].label if group[0].kind == "table" else _kml_label(group)
    return BoundaryFile(
        frame=settled.frame,
        layer=label,
        encoding=encoding.name,
        encoding_how=encoding.how,
        crs=settled.crs,
        notes=settled.notes,
    )


def _groups(layers: list[Layer]) -> list[list[Layer]]:
    """Layers as the user sees them: a KML's folders together, any other layer alone."""
    groups: list[list[Layer]] = []
    by_kml: dict[Path, list[Layer]] = {}
    for layer in layers:
        if layer.kind == "kml":
            if layer.source not in by_kml:
                by_kml[layer.source] = []
                groups.append(by_kml[layer.source])
            by_kml[layer.source].append(layer)
        else:
            groups.append([layer])
    return groups


def _kml_label(group: list[Layer]) -> str:
    return group[0].source.name


def _group_geometry(group: list[Layer]) -> str:
    kinds = {layer.geometry_type for layer in group}
    return kinds.pop() if len(kinds) == 1 else "Unknown"


def _label(group: list[Layer]) -> str:
    return group[0].label if group[0].kind == "table" else _kml_label(group)


def _pick(groups: list[list[Layer]], *, wanted: str | None, path: Path) -> list[Layer]:
    """The layer to read: the one named, else the only one, else the only polygon layer."""
    labels = [_label(g) for g in groups]
    if wanted is not None:
        for group in groups:
            if wanted in (_label(group), Path(_label(group)).name):
                return group
            named = [layer for layer in group if wanted in (layer.name, layer.label)]
            if named:
                return named if group[0].kind == "kml" else group
        raise InputError("layer_unknown", layer=wanted, layers=", ".join(labels))
    if len(groups) == 1:
        return groups[0]
    polygonal = [g for g in groups if any(layer.polygonal for layer in g)]
    if len(polygonal) == 1:
        return polygonal[0]
    shown = [_label(g) for g in polygonal] if polygonal else labels
    raise InputError("layer_choose", path=path.name, layers=", ".join(shown))


def _encoding(layer: Layer) -> Encoding:
    if layer.source.suffix.lower() == ".shp":
        return shapefile_encoding(layer.source)
    return Encoding("UTF-8", "format")


def _read(group: list[Layer], *, encoding: Encoding, path: Path) -> gpd.GeoDataFrame:
    options: dict[str, Any] = {}
    if group[0].source.suffix.lower() == ".shp":
        options["encoding"] = encoding.name
    try:
        frames = [
            pyogrio.read_dataframe(layer.source, layer=layer.name, **options) for layer in group
        ]
    except (DataSourceError, DataLayerError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError("file_unreadable", path=path.name) from exc
    frames = [f for f in frames if len(f)]
    if not frames:
        raise InputError("file_empty")
    crs = next((f.crs for f in frames if f.crs is not None), None)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
