"""Resident ID numbers (GB 11643) and phone numbers: how they are written, checked and matched.

The one home of both rules: an upload (geo.validation), a single-record form (a move-in, a
correction) and a search all fold what was typed with the functions here, so a number stored
from one spelling is found again from any other. Columns of many rows go through the
vectorised forms (:func:`normalise_id_numbers`, :func:`id_number_checks`,
:func:`normalise_phones`, :func:`phones_ok`); one value typed into a form goes through
:func:`normalise_id_number` or :func:`normalise_phone`, which run the very same code on a
column of one and raise :class:`~geo.errors.InputError` naming what is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from geo import clock
from geo.cells import nfkc
from geo.errors import InputError

_ID_WEIGHTS: Final = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK: Final = np.array(list("10X98765432"))
_ID_FORM: Final = r"^\d{17}[\dX]$"
_MOBILE: Final = r"^1[3-9]\d{9}$"
_LANDLINE: Final = r"^0\d{2,3}\d{7,8}$"
# Separators people write inside a phone number (full-width ones are folded first).
_PHONE_SEPARATORS: Final = r"[\s\-()]"


# --------------------------------------------------------------------------- ID numbers


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number.

    >>> id_check_digit("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isdigit():
        msg = f"need 17 digits, got {first17!r}"
        raise ValueError(msg)
    return str(_ID_CHECK[int(np.dot([int(d) for d in first17], _ID_WEIGHTS)) % 11])


def normalise_id_numbers(values: pd.Series) -> pd.Series:
    """ID numbers as stored and matched: full-width digits and letters folded, surrounding
    white space removed, a lower-case ``x`` upper-cased.

    >>> normalise_id_numbers(pd.Series([" 11010519491231002x ", "\\uff11\\uff12"])).tolist()
    ['11010519491231002X', '12']
    """
    return nfkc(values).str.strip().str.upper()


def id_number_checks(values: pd.Series, *, as_of: date) -> tuple[pd.Series, pd.Series, pd.Series]:
    """GB 11643 checks of every ID number in a column: (form ok: 17 digits and a digit or
    X; birth date ok: a real day from 1900 to ``as_of``; check digit ok). Each later check
    is meaningful only where the earlier ones hold."""
    upper = normalise_id_numbers(values)
    form = upper.str.match(_ID_FORM).fillna(False).astype(bool)
    digits = upper.where(form, "000000190001010000")
    born = pd.to_datetime(digits.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    birth = born.notna() & (born <= pd.Timestamp(as_of)) & (born.dt.year >= 1900)
    if len(digits):
        raw = np.frombuffer("".join(digits.str.slice(0, 17)).encode(), dtype=np.uint8)
        matrix = raw.reshape(-1, 17).astype(np.int64) - ord("0")
        expected = _ID_CHECK[(matrix @ _ID_WEIGHTS) % 11]
    else:
        expected = np.array([], dtype=str)
    check = pd.Series(expected == digits.str.slice(17, 18).to_numpy(), index=values.index)
    return form, birth, check


def normalise_id_number(raw: str, *, as_of: date | None = None) -> str:
    """One ID number as :func:`normalise_id_numbers` folds it, or InputError naming the first
    check it fails (``id_format``, ``id_birth_date``, ``id_check_digit``).

    >>> normalise_id_number(" 11010519491231002x ")
    '11010519491231002X'
    """
    column = pd.Series([str(raw)], dtype=object)
    form, birth, check = id_number_checks(column, as_of=as_of or clock.today())
    for ok, key in ((form, "id_format"), (birth, "id_birth_date"), (check, "id_check_digit")):
        if not bool(ok.iloc[0]):
            raise InputError(key)
    return str(normalise_id_numbers(column).iloc[0])


def id_number_facts(ids: pd.Series) -> pd.DataFrame:
    """What GB 11643 writes into valid, normalised ID numbers: ``origin`` (the six-digit
    region of the hukou, characters 1-6), ``birth_year`` (characters 7-10) and ``sex``
    (character 17: odd ``M``, even ``F``), on the index of ``ids``.

    >>> id_number_facts(pd.Series(["32050319491231028X", "330106199001011235"])).values.tolist()
    [['320503', 1949, 'F'], ['330106', 1990, 'M']]
    """
    odd = ids.str.slice(16, 17).astype(int) % 2 == 1
    return pd.DataFrame(
        {
            "origin": ids.str.slice(0, 6),
            "birth_year": ids.str.slice(6, 10).astype(int),
            "sex": np.where(odd, "M", "F"),
        },
        index=ids.index,
    )


# --------------------------------------------------------------------------- phones


def normalise_phones(values: pd.Series) -> pd.Series:
    """Phone numbers as stored and matched: full-width digits and brackets folded, spaces,
    dashes and brackets removed, the country code taken off.

    A mobile becomes its 11 digits (``+86 138 1234 5678``, ``8613812345678``,
    ``138-1234-5678`` -> ``13812345678``); a landline its area code with the leading 0 and
    its number (``0571-87654321``, ``(0571)87654321``, ``（0571）8765 4321``,
    ``+86 571 8765 4321`` -> ``057187654321``). An extension (``0571-87654321-123``,
    ``转123``) is not part of the rule: it is left in and :func:`phones_ok` refuses it.

    >>> typed = pd.Series(["+86 138-1234-5678", "(0571)8765 4321", "+86 10 1234 5678"])
    >>> normalise_phones(typed).tolist()
    ['13812345678', '057187654321', '01012345678']
    """
    out: pd.Series = nfkc(values).str.replace(_PHONE_SEPARATORS, "", regex=True)
    prefixed = out.str.match(r"^(?:\+|00|86)").fillna(False).astype(bool)
    if prefixed.any():  # only these few need the country code taken off
        out = out.copy()
        dialled = out[prefixed]
        dialled = dialled.str.replace(r"^(?:\+|00)?86(1\d{10})$", r"\1", regex=True)
        dialled = dialled.str.replace(r"^(?:\+|00)86(0\d+)$", r"\1", regex=True)
        dialled = dialled.str.replace(r"^(?:\+|00)86([1-9]\d+)$", r"0\1", regex=True)
        out[prefixed] = dialled
    return out


def phones_ok(normalised: pd.Series) -> pd.Series:
    """True where a phone number :func:`normalise_phones` gave is a mainland mobile (11 digits
    from 13 to 19) or a landline (0, a 2- or 3-digit area code, 7 or 8 digits)."""
    ok: pd.Series = normalised.str.match(f"{_MOBILE}|{_LANDLINE}").fillna(False).astype(bool)
    return ok


def normalise_phone(raw: str) -> str:
    """One phone number as :func:`normalise_phones` folds it, or InputError ``phone_format``.

    >>> normalise_phone("\\uff08\\uff10\\uff15\\uff17\\uff11\\uff09 8765 4321")
    '057187654321'
    """
    folded = normalise_phones(pd.Series([str(raw)], dtype=object))
    if not bool(phones_ok(folded).iloc[0]):
        raise InputError("phone_format")
    return str(folded.iloc[0])
