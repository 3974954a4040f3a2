"""CSV and other delimited text: the encoding and the delimiter guessed, the header found,
rows too wide or swallowed by a quote that never closes set aside, regular files read by
Arrow's parser."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.io.tables.layout import (
    HEADER_SEARCH_ROWS,
    header_names,
    is_notes_row,
    locate_header,
    row_text,
)
from geo.io.tables.raw import MAX_COLUMNS, HeaderScore, RawTable, too_wide

_DELIMITERS: Final = (",", "\t", ";", "|")


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


def read_csv(
    data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS, score: HeaderScore | None = None
) -> RawTable:
    """A delimited text file (the delimiter the one most used in its first lines) as text,
    the header found by ``score``; rows too wide or run away set aside as ``malformed``."""
    text, encoding = decode_text(data)
    first = _first_line(text)
    sample = [first] if any(d in first for d in _DELIMITERS) else text[:65_536].splitlines()[:12]
    delimiter = max(_DELIMITERS, key=lambda d: sum(line.count(d) for line in sample))
    too_wide(first.count(delimiter) + 1, max_columns)  # before a million columns are split
    top = _top_rows(text, delimiter)
    at = locate_header([cells for _, cells in top], score)
    notes = (
        top[at + 1][0]
        if at + 1 < len(top) and is_notes_row(top[at + 1][1], top[at][1], score)
        else None
    )
    skipped = [(n, row_text(cells)) for n, cells in top[:at]]
    if notes is not None:
        skipped.append((notes, row_text(top[at + 1][1])))
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
                too_wide(len(row), max_columns)
                header = header_names(row)
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
    frame.columns = header_names(cells)
    return frame, np.arange(2, table.num_rows + 2, dtype=np.int64)


def _arrow_text(kind: object) -> pd.StringDtype[Any] | None:
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if kind == pa.string() else None
