"""Tables as files for spreadsheet users: CSV that Chinese Excel opens correctly, with no
cell that a spreadsheet would run as a formula (the rule is :mod:`geo.cells`)."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from geo.cells import neutralise
from geo.text import clean_text


def cell_text(value: Any) -> str:
    """A value as a spreadsheet user reads it: missing values (None, NaN, NaT) empty, whole
    numbers without ``.0``, a date as 2026-11-29 and a time to the minute, text without
    control, zero-width or bidirectional formatting characters (:func:`geo.text.clean_text`,
    keeping tabs and line breaks: a stored name cannot show reversed in a spreadsheet).

    >>> [cell_text(v) for v in (None, float("nan"), pd.NaT, 3.0, 2.5, -60, "0123")]
    ['', '', '', '3', '2.5', '-60', '0123']
    >>> cell_text(pd.Timestamp("2026-10-15 09:19")), cell_text(pd.Timestamp("2026-10-15"))
    ('2026-10-15 09:19', '2026-10-15')
    >>> cell_text("\u202e王\x07五")
    '王五'
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value), note=True)


def excel_csv(table: pd.DataFrame) -> bytes:
    """CSV as UTF-8 with a BOM and CRLF line ends, every cell text and formula-safe, missing
    values empty (never ``None`` or ``nan``)."""
    cells = table.astype(object).map(lambda v: neutralise(cell_text(v)))
    text = cells.to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def typed_xlsx(table: pd.DataFrame, *, sheet: str) -> bytes:
    """An XLSX for a list to work with: columns of numbers as numbers (sums and sorting
    work), every other cell text exactly as :func:`cell_text` gives it, so long digit
    strings (permit numbers, references) stay whole instead of becoming 3.3E+15; nothing
    becomes a link or a formula; missing values are empty cells."""
    import xlsxwriter

    out = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(out, {**options, "strings_to_urls": False, "in_memory": True})
    ws = book.add_worksheet(sheet)
    text = book.add_format({"num_format": "@"})
    heading = book.add_format({"num_format": "@", "bold": True})
    numeric = [
        pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
        for c in table.columns
    ]
    for place, is_number in enumerate(numeric):
        width = max(10, min(40, 2 * len(str(table.columns[place])) + 2))
        ws.set_column(place, place, width, None if is_number else text)
    ws.freeze_panes(1, 0)
    for place, name in enumerate(table.columns):
        ws.write_string(0, place, str(name), heading)
    for number, row in enumerate(table.astype(object).itertuples(index=False), start=1):
        for place, value in enumerate(row):
            shown = cell_text(value)
            if not shown:
                continue  # an empty cell keeps the column's format
            if numeric[place]:
                ws.write_number(number, place, float(value))
            else:
                ws.write_string(number, place, shown, text)
    book.close()
    return out.getvalue()


def text_xlsx(table: pd.DataFrame, *, sheet: str) -> bytes:
    """An XLSX whose every cell, headings included, is text exactly as in ``table``: nothing
    becomes a number, a date, a link or a formula (text cells never run)."""
    import xlsxwriter

    out = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(out, {**options, "strings_to_urls": False, "in_memory": True})
    ws = book.add_worksheet(sheet)
    text = book.add_format({"num_format": "@"})
    ws.set_column(0, max(len(table.columns) - 1, 0), 14, text)
    ws.freeze_panes(1, 0)
    for place, heading in enumerate(table.columns):
        ws.write_string(0, place, str(heading), text)
    cells = table.astype(object).where(table.notna(), "").astype(str)
    for number, row in enumerate(cells.itertuples(index=False, name=None), start=1):
        for place, value in enumerate(row):
            if value:
                ws.write_string(number, place, value, text)
            else:  # a blank cell written as text too: what is typed in it later stays text
                ws.write_blank(number, place, None, text)
    book.close()
    return out.getvalue()
