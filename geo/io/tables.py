"""Read an uploaded table (CSV, XLSX, or a point layer) into text cells, treating it as hostile.

Every cell comes back as a string ("" when empty) with the row number a spreadsheet would
show, so that a rejected row can be named exactly. Limits on bytes, rows, columns and the
unpacked size of an XLSX stop oversized and zip-bomb files before they are parsed; a file on
disk over the byte limit is refused from its size, before it is read (:func:`read_upload`).

Layouts as registrars keep them: title rows, a merged heading or a 填报单位/日期 line above
the header are skipped (the header is the row among the first ones that names the most
fields, given a ``score`` for a row of cells), and a line of units or notes right under the
header is recognised and skipped too; :class:`RawTable` names what was skipped. Workbooks
are read cell by cell whatever the sheet's stored used range says (WPS writes ``A1``),
dates under every built-in date format (the CJK ids included) and custom date formats become
dates, a formula without a cached value refuses its row, hidden sheets are ignored, and a
workbook with several visible sheets holding data asks which (``sheet``).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePath
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import InputError

MAX_BYTES: Final = 50 * 1024 * 1024
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 500
"""Most columns a table may have (a register has tens; a hostile file a million)."""
MAX_XLSX_UNPACKED: Final = 300 * 1024 * 1024
MAX_XLSX_RATIO: Final = 200
HEADER_SEARCH_ROWS: Final = 30
"""How many non-empty rows at the top may be titles before the header."""
TABLE_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
POINT_SUFFIXES: Final = (".geojson", ".json", ".gpkg", ".kml")
_DELIMITERS: Final = (",", "\t", ";", "|")
SPREADSHEET_EXACT: Final = 10**15
"""Integral numbers below this are exact in a spreadsheet (Excel keeps 15 significant
digits): a numeric cell of up to 15 digits reads as its digits (``330110901001001``), a
larger one as the scientific notation a spreadsheet shows (``3.30110901001001E+17``), its
lost digits not made up (a code column refuses it)."""
SHOWN_TEXT: Final = 80
"""Characters of a skipped row's text kept for the summary."""

HeaderScore = Callable[[Sequence[str]], int]
"""How well a row of cells reads as the header (e.g. how many fields its cells name)."""


@dataclass(frozen=True)
class RawTable:
    """An upload as text: one column per header, one row per data row."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    format: str
    encoding: str | None = None
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(row number, catalogue key) of rows that could not be split into the header's columns"""
    header_row: int = 1
    """the row number of the header"""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(row number, text) of the title rows above the header and of a units/notes line
    under it, skipped"""
    notes_row: int | None = None
    """the row under the header that holds units or notes, skipped"""
    sheet: str | None = None
    """the sheet read, when the workbook has several visible sheets holding data"""
    refused: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(row number, header, value, catalogue key) of cells whose row is refused as read (a
    formula without a cached value, an error value); those rows are not in ``frame``"""
    set_aside: dict[int, list[str]] = field(default_factory=dict)
    """row number -> the cells as given (in the header's order, then any beyond it) of the
    rows of ``malformed`` and ``refused`` that were read: what the rejects report gives back"""


def read_upload(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """A file's bytes, refused from its size before it is read when over ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise _too_large(len(data), max_bytes)
    return data


def _too_large(size: int, max_bytes: int) -> InputError:
    return InputError(
        "file_too_large", size_mb=round(size / 2**20, 1), limit_mb=round(max_bytes / 2**20, 1)
    )


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
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise InputError("file_empty")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError("xls_old")
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        if suffix in POINT_SUFFIXES:
            return _read_points(data, suffix, max_rows=max_rows, max_columns=max_columns)
        return _read_xlsx(
            data, max_rows=max_rows, max_columns=max_columns, score=score, sheet=sheet
        )
    if suffix in POINT_SUFFIXES:
        return _read_points(data, suffix, max_rows=max_rows, max_columns=max_columns)
    if suffix and suffix not in TABLE_SUFFIXES:
        raise InputError(
            "table_format", path=filename, formats=", ".join(TABLE_SUFFIXES + POINT_SUFFIXES)
        )
    return _read_csv(data, max_rows=max_rows, max_columns=max_columns, score=score)


# --------------------------------------------------------------------------- layout


_NOTE_CELL: Final = re.compile(
    r"^(?:[(（\[【<].*[)）\]】>]"
    r"|(?:单位|说明|注|备注|例|示例|格式|填写|填报|unit|units|note|notes|e\.g\.?|format|example)"
    r"\s*[:：].*"
    r"|必填|选填|可选|可不填|required|optional"
    r"|元|元/月|元/年|元每月|㎡|m²|m2|平方米|平米|米|人|间|个|层|户|度|°|岁|年|月|日"
    r"|yyyy[-/.年]?mm?[-/.月]?dd?日?|年-月-日|年月日|\d+位(?:数字)?)$",
    re.IGNORECASE,
)


def locate_header(rows: Sequence[Sequence[str]], score: HeaderScore | None) -> int:
    """Index of the header among the first non-empty ``rows``: the first row scoring the
    most (ties go to the earliest), or 0 when no row names anything.

    >>> rows = [["出租屋登记表", ""], ["填报单位：东湖社区", "日期：2026-11-20"], ["地址", "房间"]]
    >>> locate_header(rows, lambda cells: sum(c in ("地址", "房间") for c in cells))
    2
    """
    if score is None or not rows:
        return 0
    scores = [score(list(row)) for row in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores)
    return scores.index(best) if best > 0 else 0


def is_notes_row(cells: Sequence[str], header: Sequence[str], score: HeaderScore | None) -> bool:
    """True when the row under the header holds units or notes (``(元/月)``, ``单位：㎡``,
    ``例：2026-03-01``) or a second naming of the columns (an English header line), not data.

    >>> is_notes_row(["", "（元/月）", "单位：㎡"], ["地址", "租金", "面积"], None)
    True
    >>> is_notes_row(["东湖路1号", "1200", "35"], ["地址", "租金", "面积"], None)
    False
    """
    given = [c.strip() for c in cells if c and c.strip()]
    if not given:
        return False
    if score is not None and score(list(cells)) >= max(2, (score(list(header)) + 1) // 2):
        return True
    return all(_NOTE_CELL.match(c) for c in given)


def _row_text(cells: Sequence[str]) -> str:
    text = " ".join(c.strip() for c in cells if c and c.strip())
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


def _too_wide(width: int, max_columns: int) -> None:
    if width > max_columns:
        raise InputError("too_many_columns", columns=width, limit=max_columns)


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


def _read_csv(
    data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS, score: HeaderScore | None = None
) -> RawTable:
    text, encoding = decode_text(data)
    first = _first_line(text)
    sample = [first] if any(d in first for d in _DELIMITERS) else text[:65_536].splitlines()[:12]
    delimiter = max(_DELIMITERS, key=lambda d: sum(line.count(d) for line in sample))
    _too_wide(first.count(delimiter) + 1, max_columns)  # before a million columns are split
    top = _top_rows(text, delimiter)
    at = locate_header([cells for _, cells in top], score)
    notes = (
        top[at + 1][0]
        if at + 1 < len(top) and is_notes_row(top[at + 1][1], top[at][1], score)
        else None
    )
    skipped = [(n, _row_text(cells)) for n, cells in top[:at]]
    if notes is not None:
        skipped.append((notes, _row_text(top[at + 1][1])))
    header_row = top[at][0] if top else 1
    if at == 0 and notes is None:
        fast = _read_csv_fast(text, delimiter, max_rows=max_rows)
        if fast is not None:
            return RawTable(fast[0], fast[1], "csv", encoding)
    csv.field_size_limit(max(len(text), 131_072))
    header: list[str] | None = None
    body: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[tuple[int, str]] = []
    set_aside: dict[int, list[str]] = {}
    width = [0]  # the header's, once read: how wide a swallowed row is
    try:
        for number, row, runaway in _csv_records(text, delimiter, width=lambda: width[0]):
            if number < header_row or number == notes:
                continue
            if header is not None and runaway:
                malformed.append((number, "csv_unterminated_quote"))
                continue
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                _too_wide(len(row), max_columns)
                header = _headers(row)
                width[0] = len(header)
                continue
            if len(body) + len(malformed) >= max_rows:
                raise InputError("too_many_rows", limit=max_rows)
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                malformed.append((number, "row_too_many_fields"))
                set_aside[number] = [c.strip() for c in row]
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
    return RawTable(
        frame,
        np.asarray(numbers, dtype=np.int64),
        "csv",
        encoding,
        malformed,
        header_row=header_row,
        set_aside=set_aside,
        skipped=skipped,
        notes_row=notes,
    )


RUNAWAY_ROWS: Final = 2
"""Lines shaped like rows of the table that one cell may swallow before the quote that
opened it is taken as never closed (a note may hold a line break, not a run of rows)."""


def _csv_records(
    text: str, delimiter: str, *, width: Callable[[], int]
) -> Iterator[tuple[int, list[str], bool]]:
    """(row number, cells, runaway) of each record of a CSV. A quote that never closes makes
    the csv module run one cell over every following line; such a record (a cell that ends at
    the end of the file with its quote open, or that holds lines shaped like rows of the
    table, ``width()`` cells wide) comes as runaway, and the lines after the line its quote
    opens on are read again as rows of their own."""
    lines = io.StringIO(text, newline="").readlines()
    start, number = 0, 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter)
        read = 0
        for row in reader:
            first, read = start + read, reader.line_num
            number += 1
            if read > first - start + 1 and _runaway(row, lines, first, delimiter, width()):
                yield number, row, True
                start = first + 1
                break
            yield number, row, False
        else:
            return


def _runaway(cells: list[str], lines: list[str], first: int, delimiter: str, width: int) -> bool:
    """Whether a record spanning several lines, from line index ``first``, is a quote that
    never closed rather than a cell holding a line break."""
    need = max(width - 1, 1)
    for cell in cells:
        if "\n" not in cell and "\r" not in cell:
            continue
        shaped = sum(line.count(delimiter) >= need for line in cell.splitlines()[1:])
        if width and shaped >= RUNAWAY_ROWS:
            return True
    try:  # at the end of the file with its quote still open
        for _ in csv.reader(itertools.islice(lines, first, None), delimiter=delimiter, strict=True):
            break
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


def _first_line(text: str) -> str:
    """The first line holding anything (found without splitting the whole text)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if line.strip():
            return line
        start = end + 1
    return ""


def _top_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the first non-empty rows, where the header is looked for."""
    prefix = text[:262_144]
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if any(c.strip() for c in row):
                rows.append((number, [c.strip() for c in row]))
            if len(rows) > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        return rows[:1]
    if len(prefix) < len(text) and len(rows) <= HEADER_SEARCH_ROWS and rows:
        rows.pop()  # the last row may be cut where the prefix ends
    return rows


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
    for column in columns:  # a line break in a cell: a quote that may never close
        if pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
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


CJK_DATE_FORMAT_IDS: Final = frozenset((*range(27, 37), *range(50, 59), *range(71, 82)))
"""Built-in number format ids that Excel leaves out of the file's styles and that openpyxl
does not know: the Chinese, Japanese and Korean date and time formats (27-36, 50-58, e.g. 31
is ``yyyy"年"m"月"d"日"`` in Chinese Excel) and the Thai ones (71-81)."""
_NO_CACHED_VALUE: Final = object()


def workbook_sheets(data: bytes) -> list[str]:
    """The visible sheets of an XLSX that hold at least one value (a page's sheet picker)."""
    _check_zip(data)
    book = _open_book(data)
    try:
        return [ws.title for ws in _visible(book) if _holds_values(book, ws)]
    except InputError:
        raise
    except Exception as exc:
        raise InputError("xlsx_invalid") from exc
    finally:
        book.close()


def _open_book(data: bytes) -> Any:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise InputError("xlsx_invalid") from exc
    dates = book._date_formats if isinstance(book._date_formats, set) else set()
    for index, style in enumerate(getattr(book, "_cell_styles", [])):
        if style.numFmtId in CJK_DATE_FORMAT_IDS:  # custom ids were rebased to 164 and up
            dates.add(index)
    book._date_formats = dates
    return book


def _visible(book: Any) -> list[Any]:
    return [ws for ws in book.worksheets if ws.sheet_state == "visible"]


def _holds_values(book: Any, sheet: Any) -> bool:
    return next(_sheet_rows(book, sheet), None) is not None


def _sheet_rows(
    book: Any, sheet: Any, *, max_columns: int = MAX_COLUMNS
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each row holding a value, read cell by cell from the sheet's
    XML whatever its stored dimension says; a formula without a cached value comes as
    :data:`_NO_CACHED_VALUE`."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = _NO_CACHED_VALUE
            return cell

    with sheet._get_source() as source:
        parser = Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            held = [c for c in cells if c["value"] is not None and c["value"] != ""]
            if not held:
                continue
            width = max(c["column"] for c in held)
            _too_wide(width, max_columns)
            values: list[Any] = [None] * width
            for cell in held:
                value = cell["value"]
                if cell["data_type"] == "e":
                    value = _CellError(str(value))
                values[cell["column"] - 1] = value
            yield number, values


@dataclass(frozen=True)
class _CellError:
    text: str


def _read_xlsx(
    data: bytes,
    *,
    max_rows: int,
    max_columns: int = MAX_COLUMNS,
    score: HeaderScore | None = None,
    sheet: str | None = None,
) -> RawTable:
    _check_zip(data)
    book = _open_book(data)
    try:
        chosen, several = _choose_sheet(book, sheet)
        rows: list[tuple[int, list[Any]]] = []
        for number, values in _sheet_rows(book, chosen, max_columns=max_columns):
            if len(rows) > max_rows + HEADER_SEARCH_ROWS + 1:
                raise InputError("too_many_rows", limit=max_rows)
            rows.append((number, values))
    except InputError:
        raise
    except Exception as exc:
        raise InputError("xlsx_invalid") from exc
    finally:
        book.close()
    if not rows:
        raise InputError("file_empty")
    texts = [[_cell_text(v) for v in values] for _, values in rows[: HEADER_SEARCH_ROWS + 1]]
    at = locate_header(texts, score)
    header = _headers(rows[at][1])
    _too_wide(len(header), max_columns)
    skipped = [(rows[i][0], _row_text(texts[i])) for i in range(at)]
    notes = None
    if at + 1 < len(rows) and is_notes_row(texts[at + 1], texts[at], score):
        notes = rows[at + 1][0]
        skipped.append((notes, _row_text(texts[at + 1])))
    body: list[list[str]] = []
    numbers: list[int] = []
    refused: list[tuple[int, str, str, str]] = []
    malformed: list[tuple[int, str]] = []
    set_aside: dict[int, list[str]] = {}
    for number, values in rows[at + 1 :]:
        if number == notes:
            continue
        if len(body) + len(malformed) >= max_rows:
            raise InputError("too_many_rows", limit=max_rows)
        if len(values) > len(header):  # values beyond the header's last column
            malformed.append((number, "row_too_many_fields"))
            set_aside[number] = [_given_text(v) for v in values]
            continue
        bad = [
            (number, header[i], _refused_text(v), _refused_key(v))
            for i, v in enumerate(values)
            if v is _NO_CACHED_VALUE or isinstance(v, _CellError)
        ]
        if bad:
            refused.extend(bad)
            set_aside[number] = [_given_text(v) for v in values]
            continue
        cells = [_cell_text(v) for v in values]
        body.append(cells + [""] * (len(header) - len(cells)))
        numbers.append(number)
    if not body and not refused and not malformed:
        raise InputError("header_only")
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    return RawTable(
        frame,
        np.asarray(numbers, dtype=np.int64),
        "xlsx",
        malformed=malformed,
        header_row=rows[at][0],
        skipped=skipped,
        notes_row=notes,
        sheet=chosen.title if several else None,
        refused=refused,
        set_aside=set_aside,
    )


def _given_text(value: object) -> str:
    """A cell of a refused row as the registrar sees it (an error as #REF!, a formula
    without a cached value as blank)."""
    if value is _NO_CACHED_VALUE or isinstance(value, _CellError):
        return _refused_text(value)
    return _cell_text(value)


def _refused_text(value: object) -> str:
    return value.text if isinstance(value, _CellError) else ""


def _refused_key(value: object) -> str:
    return "cell_error" if isinstance(value, _CellError) else "formula_no_value"


def _choose_sheet(book: Any, name: str | None) -> tuple[Any, bool]:
    """The sheet to read and whether the workbook had several to choose from: the one named,
    else the only visible sheet holding values; several such sheets ask which."""
    visible = _visible(book)
    if name is not None:
        for ws in visible:
            if ws.title == name or ws.title.strip() == name.strip():
                return ws, len(visible) > 1
        raise InputError(
            "sheet_unknown", sheet=name, sheets="、".join(ws.title for ws in visible) or "—"
        )
    if not visible:
        raise InputError("file_empty")
    holding = [ws for ws in visible if _holds_values(book, ws)]
    if len(holding) > 1:
        raise InputError("sheet_choose", sheets="、".join(ws.title for ws in holding))
    return (holding[0] if holding else visible[0]), False


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
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= SPREADSHEET_EXACT:
        value = float(value)  # no spreadsheet holds these digits: show what it would
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < SPREADSHEET_EXACT:
            return str(int(value))
        if math.isfinite(value) and value.is_integer():
            return f"{value:.15G}"  # 3.30110901001001E+17: its lost digits not made up
        return repr(value)
    return str(value).strip()


# --------------------------------------------------------------------------- points


def _read_points(
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
            _too_wide(len(info.get("fields", ())) + 2, max_columns)
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
