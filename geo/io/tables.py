"""Read an uploaded table (CSV, XLSX, or a point layer) into text cells, treating it as hostile.

Every cell comes back as a string ("" when empty) with the row number a spreadsheet would
show (the header is row 1), so that a rejected row can be named exactly. Limits on bytes,
rows and the unpacked size of an XLSX stop oversized and zip-bomb files before they are
parsed.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import InputError

MAX_BYTES: Final = 50 * 1024 * 1024
MAX_ROWS: Final = 200_000
MAX_XLSX_UNPACKED: Final = 300 * 1024 * 1024
MAX_XLSX_RATIO: Final = 200
TABLE_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
POINT_SUFFIXES: Final = (".geojson", ".json", ".gpkg", ".kml")
_DELIMITERS: Final = (",", "\t", ";", "|")


@dataclass(frozen=True)
class RawTable:
    """An upload as text: one column per header, one row per data row."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    format: str
    encoding: str | None = None
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(row number, catalogue key) of rows that could not be split into the header's columns"""


def read_table(
    data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> RawTable:
    """Read CSV/TSV, XLSX or a point file (GeoJSON, GeoPackage, KML) from its bytes.

    ``max_bytes`` and ``max_rows`` refuse larger files as a whole.
    """
    if len(data) > max_bytes:
        raise InputError(
            "file_too_large",
            size_mb=round(len(data) / 2**20, 1),
            limit_mb=round(max_bytes / 2**20, 1),
        )
    if not data.strip():
        raise InputError("file_empty")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError("xls_old")
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        if suffix in POINT_SUFFIXES:
            return _read_points(data, suffix)
        return _read_xlsx(data, max_rows=max_rows)
    if suffix in POINT_SUFFIXES:
        return _read_points(data, suffix)
    if suffix and suffix not in TABLE_SUFFIXES:
        raise InputError(
            "table_format", path=filename, formats=", ".join(TABLE_SUFFIXES + POINT_SUFFIXES)
        )
    return _read_csv(data, max_rows=max_rows)


# --------------------------------------------------------------------------- CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), else UTF-16 with a BOM, else GB18030 (GBK).

    UTF-8 is tried first: a GBK guess on UTF-8 bytes would silently give wrong characters.
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("file_binary")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError("file_encoding") from exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError("file_encoding") from exc


def _read_csv(data: bytes, *, max_rows: int) -> RawTable:
    text, encoding = decode_text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first.count)
    fast = _read_csv_fast(text, delimiter, max_rows=max_rows)
    if fast is not None:
        return RawTable(fast[0], fast[1], "csv", encoding)
    csv.field_size_limit(max(len(text), 131_072))
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    body: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[tuple[int, str]] = []
    try:
        for number, row in enumerate(rows, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _headers(row)
                continue
            if len(body) + len(malformed) >= max_rows:
                raise InputError("too_many_rows", limit=max_rows)
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                malformed.append((number, "row_too_many_fields"))
                continue
            body.append([c.strip() for c in row[: len(header)]] + [""] * (len(header) - len(row)))
            numbers.append(number)
    except csv.Error as exc:
        raise InputError("file_unreadable", path="CSV") from exc
    if header is None:
        raise InputError("file_empty")
    if not body and not malformed:
        raise InputError("header_only")
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    return RawTable(frame, np.asarray(numbers, dtype=np.int64), "csv", encoding, malformed)


def _read_csv_fast(
    text: str, delimiter: str, *, max_rows: int
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Arrow's CSV parser for a regular file (header on the first line, every row as wide as
    the header, no blank rows, no line breaks inside cells), cells trimmed in Arrow; None sends
    anything else to the careful row-by-row reader, which reports what is wrong where."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    first_line = text.split("\n", 1)[0]
    if not text[:1].strip() or text.startswith(("\ufeff", delimiter)) or "\n" not in text:
        return None
    try:
        cells = next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    if any(not c.strip() for c in cells) or len({c.strip() for c in cells}) != len(cells):
        return None
    names = [f"c{i}" for i in range(len(cells))]
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=arrow_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=arrow_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if table.num_rows == 0:
        return None
    if table.num_rows > max_rows:
        raise InputError("too_many_rows", limit=max_rows)
    columns = [pc.utf8_trim_whitespace(table.column(n)) for n in names]
    blank = pc.equal(columns[0], "")
    for column in columns[1:]:
        blank = pc.and_(blank, pc.equal(column, ""))
    if pc.any(blank).as_py():
        return None
    # Arrow-backed text columns: validation works on these, and converting 100,000 rows to
    # Python strings and back cost half a second.
    frame = pa.table(columns, names=names).to_pandas(types_mapper=_arrow_text)
    frame.columns = _headers(cells)
    return frame, np.arange(2, table.num_rows + 2, dtype=np.int64)


def _arrow_text(kind: object) -> pd.StringDtype[Any] | None:
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if kind == pa.string() else None


def _headers(row: Sequence[object]) -> list[str]:
    """Clean header names: blanks become 'column N', repeats get ' (2)', ' (3)'."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(row, start=1):
        name = _cell_text(cell) or f"column {i}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes, *, max_rows: int) -> RawTable:
    import openpyxl

    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise InputError("xlsx_invalid") from exc
    try:
        sheet = next((s for s in book.worksheets if s.sheet_state == "visible"), book.active)
        header: list[str] | None = None
        body: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header = _headers(list(values))
                continue
            if len(body) >= max_rows:
                raise InputError("too_many_rows", limit=max_rows)
            body.append((cells + [""] * len(header))[: len(header)])
            numbers.append(number)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("xlsx_invalid") from exc
    finally:
        book.close()
    if header is None:
        raise InputError("file_empty")
    if not body:
        raise InputError("header_only")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=np.int64), "xlsx")


def _check_zip(data: bytes) -> None:
    """A real XLSX: a zip holding a workbook, not unpacking to more than the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError("xlsx_invalid") from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise InputError("xlsx_invalid")
    unpacked = sum(i.file_size for i in infos)
    ratio = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0)
    if unpacked > MAX_XLSX_UNPACKED or (ratio > MAX_XLSX_RATIO and unpacked > 10 * 2**20):
        raise InputError("xlsx_too_large", limit_mb=MAX_XLSX_UNPACKED // 2**20)


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a person would read."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


# --------------------------------------------------------------------------- points


def _read_points(data: bytes, suffix: str) -> RawTable:
    """Attributes as text plus lon/lat columns from point geometries (degrees, x/y order)."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        frame = pyogrio.read_dataframe(io.BytesIO(data))
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise InputError("file_unreadable", path=suffix) from exc
    if len(frame) == 0:
        raise InputError("file_empty")
    if frame.crs is not None and not frame.crs.is_geographic:
        frame = frame.to_crs("EPSG:4326")
    geometry = frame.geometry
    points = geometry.geom_type.eq("Point").to_numpy()
    text = frame.drop(columns=frame.geometry.name).astype(object)
    text = text.where(text.notna(), "").map(_cell_text)
    text["lon"] = np.where(points, geometry.x.where(points).map(_float_text), "")
    text["lat"] = np.where(points, geometry.y.where(points).map(_float_text), "")
    numbers = np.arange(2, len(text) + 2, dtype=np.int64)
    malformed = [(int(n), "not_a_point") for n, ok in zip(numbers, points, strict=True) if not ok]
    return RawTable(
        text.loc[points].reset_index(drop=True), numbers[points], suffix[1:], malformed=malformed
    )


def _float_text(value: float) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))
