"""An upload read by its format: CSV/TSV, XLSX, or a point file."""

from __future__ import annotations

from pathlib import PurePath
from typing import Final

from geo.errors import InputError
from geo.io.tables.delimited import read_csv
from geo.io.tables.points import read_points
from geo.io.tables.raw import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, HeaderScore, RawTable, too_large
from geo.io.tables.workbooks import read_xlsx

TABLE_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


POINT_SUFFIXES: Final = (".geojson", ".json", ".gpkg", ".kml")


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    score: HeaderScore | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read CSV/TSV, XLSX or a point file (GeoJSON, GeoPackage, KML) from its bytes.

    ``max_bytes``, ``max_rows`` and ``max_columns`` refuse larger files as a whole. ``score``
    finds the header among the first rows (without it, the first non-empty row is the
    header); ``sheet`` names the workbook sheet to read.
    """
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    if not data.strip():
        raise InputError("file_empty")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError("xls_old")
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        if suffix in POINT_SUFFIXES:
            return read_points(data, suffix, max_rows=max_rows, max_columns=max_columns)
        return read_xlsx(data, max_rows=max_rows, max_columns=max_columns, score=score, sheet=sheet)
    if suffix in POINT_SUFFIXES:
        return read_points(data, suffix, max_rows=max_rows, max_columns=max_columns)
    if suffix and suffix not in TABLE_SUFFIXES:
        raise InputError(
            "table_format", path=filename, formats=", ".join(TABLE_SUFFIXES + POINT_SUFFIXES)
        )
    return read_csv(data, max_rows=max_rows, max_columns=max_columns, score=score)
