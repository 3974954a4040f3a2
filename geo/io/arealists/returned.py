"""A list that came back filled in, matched to its units: by 核对码, by reference, or by
sweep, address and room."""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd

from geo.io.arealists.codes import parse_unit_code, ref_consistent
from geo.io.arealists.sheet import clean_text


def _plain(value: object) -> str:
    """Text folded for comparing addresses: NFKC, no control characters, no white space."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return re.sub(r"\s+", "", clean_text(unicodedata.normalize("NFKC", str(value)))).casefold()


def _room(value: object) -> str:
    """A room folded for comparing: :func:`_plain`, and no leading zeros in a run of digits
    (Excel drops them: ``0102`` comes back as ``102``); ``-1`` stays ``-1``.

    >>> _room("0102"), _room(" -1 "), _room("B01"), _room(None), _room("102.0")
    ('102', '-1', 'b1', '', '102')
    """
    text = _plain(value)
    text = re.sub(r"^([+-]?\d+)\.0+$", r"\1", text)
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


def match_returned(rows: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The unit of each row of a list that came back, and how it was found.

    ``rows`` may hold ``unit_code`` (核对码), ``property_ref``, ``address``, ``room`` and
    ``sweep``; ``units`` the candidates: ``id``, ``external_ref``, ``address``, ``room`` and
    ``sweeps`` (the sweeps the unit is assigned to, a set). A row is matched, in this order,
    by its 核对码 (when the row's reference or address agrees with that unit, or it gives
    neither), by its exact reference, or by the address and the room among its sweep's units
    (all units when it names no sweep) when exactly one unit fits, and that unit's reference
    is consistent with what is left of the row's (:func:`ref_consistent`). Returns the unit
    ids (NaN: none) and for each row ``code``, ``ref``, ``address`` or ``""``.
    """
    index = rows.index
    found: list[float] = [math.nan] * len(rows)
    how: list[str] = [""] * len(rows)
    if units.empty or rows.empty:
        return pd.Series(found, index=index, dtype=float), pd.Series(how, index=index, dtype=object)
    empty = pd.Series("", index=index, dtype=object)

    def column(name: str) -> list[object]:
        values = rows.get(name, empty)
        return values.astype(object).where(values.notna(), "").tolist()

    codes, refs, addresses, rooms, sweeps = (
        column(c) for c in ("unit_code", "property_ref", "address", "room", "sweep")
    )
    unit_ids = [int(i) for i in units["id"].tolist()]
    by_id = {i: n for n, i in enumerate(unit_ids)}
    stored_refs = [
        "" if r is None or (isinstance(r, float) and math.isnan(r)) else str(r)
        for r in units["external_ref"].astype(object).tolist()
    ]
    by_ref: dict[str, int] = {}
    for n, known in enumerate(stored_refs):
        if known:
            by_ref.setdefault(known, n)
    unit_addresses, unit_rooms = units["address"].tolist(), units["room"].tolist()
    places: dict[tuple[str, str], list[int]] = {}

    def by_place(key: tuple[str, str]) -> list[int]:
        if not places:  # built when a row first needs it: most rows match by code or ref
            for n, pair in enumerate(zip(unit_addresses, unit_rooms, strict=True)):
                places.setdefault((_plain(pair[0]), _room(pair[1])), []).append(n)
        return places.get(key, [])

    member = units["sweeps"].tolist() if "sweeps" in units else [set()] * len(units)
    for position, (code, ref, address, room, sweep) in enumerate(
        zip(codes, refs, addresses, rooms, sweeps, strict=True)
    ):
        ref_text = str(ref).strip()
        coded = parse_unit_code(str(code)) if code else None
        if coded is not None and coded in by_id:
            n = by_id[coded]
            agrees = (
                (not ref_text and not str(address).strip())
                or ref_consistent(ref_text, stored_refs[n])
                or _plain(address) == _plain(unit_addresses[n])
            )
            if agrees:
                found[position], how[position] = unit_ids[n], "code"
                continue
        if ref_text and ref_text in by_ref:
            found[position], how[position] = unit_ids[by_ref[ref_text]], "ref"
            continue
        place = (_plain(address), _room(room))
        if not place[0]:
            continue
        fits = by_place(place)
        number = _sweep_number(sweep)
        if number is not None:
            fits = [n for n in fits if number in member[n]]
        if ref_text:
            fits = [n for n in fits if ref_consistent(ref_text, stored_refs[n])]
        if len(fits) == 1:
            found[position], how[position] = unit_ids[fits[0]], "address"
    return pd.Series(found, index=index, dtype=float), pd.Series(how, index=index, dtype=object)


def _sweep_number(value: object) -> int | None:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None
