"""Point layers (GeoJSON, GeoPackage, KML) as a table: attributes as text plus lon and lat
in degrees."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from geo.errors import InputError
from geo.io.tables.layout import cell_text
from geo.io.tables.raw import MAX_COLUMNS, MAX_ROWS, RawTable, too_wide


def read_points(
    data: bytes, suffix: str, *, max_rows: int = MAX_ROWS, max_columns: int = MAX_COLUMNS
) -> RawTable:
    """Attributes as text plus lon/lat columns from point geometries (degrees, x/y order);
    the row and column limits checked from the layer's description before it is read."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    with tempfile.TemporaryDirectory() as folder:  # a named file: GDAL reads its extension
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            info = pyogrio.read_info(path)
            too_wide(len(info.get("fields", ())) + 2, max_columns)
            if int(info.get("features") or 0) > max_rows:
                raise InputError("too_many_rows", limit=max_rows)
            frame = pyogrio.read_dataframe(path, max_features=max_rows + 1)
        except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
            raise InputError("file_unreadable", path=suffix) from exc
    if len(frame) > max_rows:
        raise InputError("too_many_rows", limit=max_rows)
    if len(frame) == 0:
        raise InputError("file_empty")
    if frame.crs is not None and not frame.crs.is_geographic:
        frame = frame.to_crs("EPSG:4326")
    geometry = frame.geometry
    points = geometry.geom_type.eq("Point").to_numpy()
    text = frame.drop(columns=frame.geometry.name).astype(object)
    text = text.where(text.notna(), "").map(cell_text)
    text["lon"] = np.where(points, geometry.x.where(points).map(_float_text), "")
    text["lat"] = np.where(points, geometry.y.where(points).map(_float_text), "")
    numbers = np.arange(2, len(text) + 2, dtype=np.int64)
    malformed = [(int(n), "not_a_point") for n, ok in zip(numbers, points, strict=True) if not ok]
    return RawTable(
        text.loc[points].reset_index(drop=True), numbers[points], suffix[1:], malformed=malformed
    )


def _float_text(value: float) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))
