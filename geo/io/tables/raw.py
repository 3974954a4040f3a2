"""What a table read from an upload is (:class:`RawTable`: text cells, the row numbers a
spreadsheet shows, what was skipped or refused), and the size limits every reader keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from geo.errors import InputError

MAX_BYTES: Final = 50 * 1024 * 1024


MAX_ROWS: Final = 200_000


MAX_COLUMNS: Final = 500
"""Most columns a table may have (a register has tens; a hostile file a million)."""


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
        raise too_large(size, max_bytes)
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise too_large(len(data), max_bytes)
    return data


def too_large(size: int, max_bytes: int) -> InputError:
    """The error refusing a file of ``size`` bytes (``file_too_large``, sizes in MB)."""
    return InputError(
        "file_too_large", size_mb=round(size / 2**20, 1), limit_mb=round(max_bytes / 2**20, 1)
    )


def too_wide(width: int, max_columns: int) -> None:
    """Refuse a table ``width`` columns wide when over ``max_columns`` (``too_many_columns``)."""
    if width > max_columns:
        raise InputError("too_many_columns", columns=width, limit=max_columns)
