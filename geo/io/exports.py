"""Tables as files for spreadsheet users: CSV that Chinese Excel opens correctly, with no
cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import pandas as pd

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Quote a cell that a spreadsheet would run as a formula.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("王")
    ("'=HYPERLINK(1)", '王')
    """
    return "'" + value if value[:1] in _FORMULA_STARTS else value


def excel_csv(table: pd.DataFrame) -> bytes:
    """CSV as UTF-8 with a BOM and CRLF line ends, every cell text and formula-safe."""
    text = table.astype(str).map(safe_cell).to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")
