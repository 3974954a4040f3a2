"""XLSX workbooks: checked as a zip before they are opened, read cell by cell whatever the
stored used range says, every date format read as dates, hidden sheets ignored, a formula
without a cached value or an error value refusing its row."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.io.tables.layout import (
    HEADER_SEARCH_ROWS,
    cell_text,
    header_names,
    is_notes_row,
    locate_header,
    row_text,
)
from geo.io.tables.raw import MAX_COLUMNS, HeaderScore, RawTable, too_wide

MAX_XLSX_UNPACKED: Final = 300 * 1024 * 1024


MAX_XLSX_RATIO: Final = 200


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
            too_wide(width, max_columns)
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


def read_xlsx(
    data: bytes,
    *,
    max_rows: int,
    max_columns: int = MAX_COLUMNS,
    score: HeaderScore | None = None,
    sheet: str | None = None,
) -> RawTable:
    """The sheet ``sheet`` (else the only one holding values) of an XLSX as text, the header
    found by ``score``; rows with values beyond the header or a refused cell set aside."""
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
    texts = [[cell_text(v) for v in values] for _, values in rows[: HEADER_SEARCH_ROWS + 1]]
    at = locate_header(texts, score)
    header = header_names(rows[at][1])
    too_wide(len(header), max_columns)
    skipped = [(rows[i][0], row_text(texts[i])) for i in range(at)]
    notes = None
    if at + 1 < len(rows) and is_notes_row(texts[at + 1], texts[at], score):
        notes = rows[at + 1][0]
        skipped.append((notes, row_text(texts[at + 1])))
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
        cells = [cell_text(v) for v in values]
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
    return cell_text(value)


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
