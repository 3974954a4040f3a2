"""A unit's 核对码 (a short check-digit code no spreadsheet retypes) and the test whether a
房屋编号 that came back through a spreadsheet may still be the stored one."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Final

CODE_PREFIX: Final = "U"


_CODE_DIGITS: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code reads aloud and types back unambiguously."""


def unit_code(property_id: int) -> str:
    """A unit's 核对码: ``U``, its number in base 32 and a check character. A letter in
    front, so neither Excel nor WPS retypes it as a number or a date; short enough to copy
    by hand; a mistyped character fails the check.

    >>> unit_code(1), unit_code(12345), parse_unit_code("u-c1s-v")
    ('U14', 'UC1SV', 12345)
    """
    if property_id < 0:
        raise ValueError(property_id)
    digits = ""
    rest = int(property_id)
    while True:
        rest, place = divmod(rest, 32)
        digits = _CODE_DIGITS[place] + digits
        if rest == 0:
            break
    return CODE_PREFIX + digits + _check(digits)


def _check(digits: str) -> str:
    total = sum((2 * i + 3) * _CODE_DIGITS.index(c) for i, c in enumerate(digits))
    return _CODE_DIGITS[(total + len(digits)) % 32]


def parse_unit_code(text: object) -> int | None:
    """The unit a 核对码 names (case, spaces, dashes and full-width forms do not matter; the
    letters O, I and L are read as 0, 1 and 1); None for anything else.

    >>> parse_unit_code("UC1SV"), parse_unit_code("UC1SW"), parse_unit_code(""), parse_unit_code(3)
    (12345, None, None, None)
    """
    if not isinstance(text, str):
        return None
    folded = re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text)).upper()
    if len(folded) < 3 or not folded.startswith(CODE_PREFIX):
        return None
    body = folded[1:].translate(str.maketrans("OIL", "011"))
    digits, check = body[:-1], body[-1]
    if any(c not in _CODE_DIGITS for c in body) or _check(digits) != check:
        return None
    value = 0
    for c in digits:
        value = value * 32 + _CODE_DIGITS.index(c)
    return value


_SCIENTIFIC: Final = re.compile(r"[+]?(\d+)(?:\.(\d*))?[eE][+]?(\d+)")


def ref_consistent(given: object, stored: object) -> bool:
    """Whether a 房屋编号 that came back from a spreadsheet may be ``stored``: the same text,
    the same number without its leading zeros (``457`` for ``000457``), or the number in
    scientific notation Excel and WPS show (``3.30111E+19``, ``3.30110902001001e+19``)
    within the rounding its digits allow.

    >>> s = "33011090200100100021"
    >>> [ref_consistent(g, s) for g in ("3.30111E+19", "3.30110902001001e+19", "3.30112E+19")]
    [True, True, False]
    >>> ref_consistent("457", "000457"), ref_consistent("457", "0457A"), ref_consistent("", "1")
    (True, False, False)
    """
    text = unicodedata.normalize("NFKC", str(given or "")).strip()
    known = unicodedata.normalize("NFKC", str(stored or "")).strip()
    if not text or not known:
        return False
    if text == known:
        return True
    if not known.isdigit():
        return False
    if text.isdigit():
        return text.lstrip("0") == known.lstrip("0")
    found = _SCIENTIFIC.fullmatch(text)
    if not found:
        return False
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    significant = len((found.group(1) + (found.group(2) or "")).lstrip("0")) or 1
    half = Decimal(5).scaleb(value.adjusted() - significant)
    return abs(Decimal(known) - value) <= half
