"""Spreadsheet cells: which text a spreadsheet would run as a formula, and how to make it inert;
full-width text folded to its plain forms.

One rule for both directions: an upload refuses a text cell that :func:`is_formula` calls a
formula (geo.validation), and every CSV export prefixes such a cell with an apostrophe
(:func:`neutralise`, used by geo.io.exports, :func:`neutralise_frame` by every other CSV
writer: the command line's tables, field-kit lists), so what may come in and what must be
quoted on the way out can never drift apart. XLSX writers store such text as text cells
(never formulas). Tables on pages that hold personal or audited data offer no toolbar
download (pages/tables.py): they leave only through the audited exports.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import numpy as np
import pandas as pd

FORMULA_STARTS: Final = frozenset("=+-@")
"""Characters a spreadsheet reads as the start of a formula (their full-width forms fold to
these)."""
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# An international phone number: + and 8 to 15 digits, single spaces allowed between them.
_INTERNATIONAL_PHONE: Final = re.compile(r"\+\d(?: ?\d){7,14}")
FOLDED_STARTS: Final = frozenset(
    "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u207c\u207a\u208c\u208a\u2a75\u2a76\ufb29"
)
"""Every character whose NFKC form starts with one of :data:`FORMULA_STARTS` (full-width,
small, superscript and subscript forms): the first characters worth a closer look."""


def nfkc(values: pd.Series) -> pd.Series:
    """Full-width digits, letters and punctuation as their plain forms (NFKC); a column of
    plain ASCII, the usual case, is returned as it is.

    >>> nfkc(pd.Series(["\uff11\uff12", "ab"])).tolist()
    ['12', 'ab']
    """
    ascii_only = values.str.fullmatch(r"[\x00-\x7f]*").fillna(True).all()
    return values if ascii_only else values.str.normalize("NFKC")


def is_formula(text: str) -> bool:
    """True when a spreadsheet would run ``text`` as a formula.

    That is text whose first character, after any leading white space (spaces, tabs,
    carriage returns, the ideographic space), is ``=``, ``+``, ``-`` or ``@``, or the
    full-width form of one of them, unless the whole cell is data that merely starts with a
    sign: a plain number (``-60``, ``+1.5``, also in full-width digits) or an international
    phone number, a ``+`` followed by 8 to 15 digits with single spaces between them
    (``+86 13812345678``, ``+86 138 1234 5678``): a phone is data, not a formula. A phone
    written with dashes (``+86-138-1234-5678``) is a formula: a spreadsheet would subtract.

    >>> [is_formula(v) for v in ("=1+1", " @SUM(A1)", "\\uff1dHYPERLINK()", "-1+A1", "\\t=cmd")]
    [True, True, True, True, True]
    >>> [is_formula(v) for v in ("-60", "+86 138 1234 5678", "王", "a-b", "\\tplain", "")]
    [False, False, False, False, False, False]
    """
    head = text.lstrip()
    if head[:1] not in FOLDED_STARTS:
        return False
    folded = unicodedata.normalize("NFKC", head)
    return not (_PLAIN_NUMBER.fullmatch(folded) or _INTERNATIONAL_PHONE.fullmatch(folded))


def neutralise(text: str) -> str:
    """``text`` with an apostrophe in front when :func:`is_formula` says it would run, else
    unchanged (a spreadsheet shows the apostrophe-led cell as the text itself).

    >>> neutralise("=HYPERLINK(1)"), neutralise("王"), neutralise("-60"), neutralise("-1+A1")
    ("'=HYPERLINK(1)", '王', '-60', "'-1+A1")
    """
    return "'" + text if is_formula(text) else text


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell (and every column heading) that would run as a formula
    made inert by :func:`neutralise`, and without control, zero-width or bidirectional
    formatting characters (:func:`geo.text.clean_text`, tabs and line breaks kept); numbers,
    missing values and other cells unchanged. For every writer of CSV that does not go
    through ``geo.io.exports.excel_csv`` (whose cells :func:`geo.io.exports.cell_text` cleans).

    >>> out = neutralise_frame(pd.DataFrame({"name": ["=HYPERLINK(1)", "王"], "n": [-1, 2]}))
    >>> out["name"].tolist(), out["n"].tolist()
    (["'=HYPERLINK(1)", '王'], [-1, 2])
    """
    from geo.text import clean_text  # geo.text asks this module what a formula is

    def inert(value: str) -> str:
        return neutralise(clean_text(value, note=True))

    out = table.rename(columns=lambda c: inert(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: inert(v) if isinstance(v, str) else v)
    return out


def formula_cells(values: pd.Series) -> pd.Series:
    """:func:`is_formula` of every cell of a text column (False for missing cells), quick for
    columns of many rows: only the cells that start with a formula character are examined.

    >>> formula_cells(pd.Series(["=1", "-60", None, "x"])).tolist()
    [True, False, False, False]
    """
    out = pd.Series(False, index=values.index, dtype=bool)
    first = values.str.lstrip().str.slice(0, 1)
    candidates = first.isin(FOLDED_STARTS).fillna(False).astype(bool)
    if candidates.any():
        out[candidates] = np.array([is_formula(str(v)) for v in values[candidates]], dtype=bool)
    return out
