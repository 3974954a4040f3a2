"""Read an uploaded table (CSV, XLSX, or a point layer) into text cells, treating it as hostile.

Every cell comes back as a string ("" when empty) with the row number a spreadsheet would
show, so that a rejected row can be named exactly (:class:`RawTable`). Limits on bytes, rows,
columns and the unpacked size of an XLSX stop oversized and zip-bomb files before they are
parsed; a file on disk over the byte limit is refused from its size, before it is read
(:func:`read_upload`). :func:`read_table` picks the reader by format:
:mod:`~geo.io.tables.delimited`, :mod:`~geo.io.tables.workbooks` or
:mod:`~geo.io.tables.points`.

Layouts as registrars keep them (:mod:`~geo.io.tables.layout`): title rows, a merged heading
or a 填报单位/日期 line above the header are skipped (the header is the row among the first
ones that names the most fields, given a ``score`` for a row of cells), and a line of units
or notes right under the header is recognised and skipped too; :class:`RawTable` names what
was skipped. Workbooks are read cell by cell whatever the sheet's stored used range says (WPS
writes ``A1``), dates under every built-in date format (the CJK ids included) and custom date
formats become dates, a formula without a cached value refuses its row, hidden sheets are
ignored, and a workbook with several visible sheets holding data asks which (``sheet``).
"""

from geo.io.tables.delimited import RUNAWAY_ROWS, decode_text
from geo.io.tables.layout import (
    HEADER_SEARCH_ROWS,
    SHOWN_TEXT,
    SPREADSHEET_EXACT,
    is_notes_row,
    locate_header,
)
from geo.io.tables.raw import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, HeaderScore, RawTable, read_upload
from geo.io.tables.reading import POINT_SUFFIXES, TABLE_SUFFIXES, read_table
from geo.io.tables.workbooks import (
    CJK_DATE_FORMAT_IDS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED,
    workbook_sheets,
)

__all__ = [
    "CJK_DATE_FORMAT_IDS",
    "HEADER_SEARCH_ROWS",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNPACKED",
    "POINT_SUFFIXES",
    "RUNAWAY_ROWS",
    "SHOWN_TEXT",
    "SPREADSHEET_EXACT",
    "TABLE_SUFFIXES",
    "HeaderScore",
    "RawTable",
    "decode_text",
    "is_notes_row",
    "locate_header",
    "read_table",
    "read_upload",
    "workbook_sheets",
]
