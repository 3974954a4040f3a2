"""What a spreadsheet does to cells on their way to an upload: a date written as a
midnight date-time, a code (ID number, phone, reference) turned into a number in scientific
notation that lost its digits."""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

from geo.fields import fields_of
from geo.text import may_hold

_MIDNIGHT: Final = re.compile(r"^(\S+?)(?:[ T]+0{1,2}:00(?::00(?:\.0+)?)?)$")


def midnight_as_date(values: pd.Series) -> pd.Series:
    """A date-time at midnight (``2026/10/9 0:00``, ``2026-10-09 00:00:00``, as Excel writes
    a date cell to CSV) as its date; other cells as they are.

    >>> cells = pd.Series(["2026/10/9 0:00", "2026-10-09T00:00:00", "2026/10/9 9:30"])
    >>> midnight_as_date(cells).tolist()
    ['2026/10/9', '2026-10-09', '2026/10/9 9:30']
    """
    if not may_hold(values, ":"):
        return values
    text = values.astype("string")
    hit = text.str.contains(":", regex=False).fillna(False).astype(bool)
    if not hit.any():
        return values
    out = values.copy()
    out[hit] = text[hit].str.strip().str.replace(_MIDNIGHT, r"\1", regex=True).astype(object)
    return out


CODE_TYPES: Final = frozenset(("id_number", "phone", "region"))
"""Field types that are codes whatever the field is called."""


CODE_FIELDS: Final = frozenset(
    ("external_ref", "property_ref", "worksite_ref", "unit_code", "permit_no")
)
"""Text fields that hold codes (房屋编号, 单位编号, 核对码, 居住证号): written as digits, never
numbers."""


_AS_NUMBER: Final = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+\s*$")


def code_fields(kind: str) -> list[str]:
    """The fields of ``kind`` that hold codes (ID numbers, phones, references).

    >>> code_fields("employment")
    ['id_number', 'worksite_ref']
    """
    return [n for n, f in fields_of(kind).items() if f.type in CODE_TYPES or n in CODE_FIELDS]


def code_as_number(values: pd.Series) -> pd.Series:
    """True for code cells a spreadsheet turned into a number in scientific notation
    (``3.30111E+19``, ``3.30110901001001E+17``): the digits past the 15th are lost, so the
    code cannot be read back.

    >>> code_as_number(pd.Series(["3.30111E+19", "330110901001001", "", "A1e5", "1e3"])).tolist()
    [True, False, False, False, True]
    """
    if not may_hold(values, "eE"):
        return pd.Series(False, index=values.index)
    text = values.astype("string").str.normalize("NFKC")
    return text.str.match(_AS_NUMBER).fillna(False).astype(bool)
