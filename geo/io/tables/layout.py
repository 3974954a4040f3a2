"""Layouts as registrars keep them: the header found among title rows, a line of units or
notes under it, header names made unique, and a cell's value as the text a person reads."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Final

from geo.io.tables.raw import HeaderScore
from geo.text import clean_text

HEADER_SEARCH_ROWS: Final = 30
"""How many non-empty rows at the top may be titles before the header."""


SPREADSHEET_EXACT: Final = 10**15
"""Integral numbers below this are exact in a spreadsheet (Excel keeps 15 significant
digits): a numeric cell of up to 15 digits reads as its digits (``330110901001001``), a
larger one as the scientific notation a spreadsheet shows (``3.30110901001001E+17``), its
lost digits not made up (a code column refuses it)."""


SHOWN_TEXT: Final = 80
"""Characters of a skipped row's text kept for the summary."""


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


def row_text(cells: Sequence[str]) -> str:
    """A skipped row's cells as one line, cut to :data:`SHOWN_TEXT` characters."""
    text = " ".join(c.strip() for c in cells if c and c.strip())
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


def header_names(row: Sequence[object]) -> list[str]:
    """Clean header names: control, zero-width and bidirectional characters dropped (a
    byte-order mark left in the first cell by a file saved twice, a zero-width space pasted
    from a web page: geo.text.clean_text), blanks become 'column N', repeats get ' (2)'.

    >>> header_names(["\ufeff房屋编号", "地址\u200b", None, "地址"])
    ['房屋编号', '地址', 'column 3', '地址 (2)']
    """
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(row, start=1):
        name = clean_text(cell_text(cell)).strip() or f"column {i}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def cell_text(value: object) -> str:
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
