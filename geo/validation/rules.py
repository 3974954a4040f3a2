"""The jurisdiction and the rules that look at more than one column: coordinates inside
the jurisdiction, a property given, dates in order; the checks of each field type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd

from geo.cells import formula_cells
from geo.crs import to_wgs84, widen_bounds
from geo.fields import ROW_RULES, Field, normalise_header
from geo.identifiers import (
    id_number_checks,
    normalise_phones,
    phones_ok,
)
from geo.validation.parsing import parse_dates, parse_numbers

CHINA_BOUNDS: Final = (73.4, 18.1, 135.1, 53.6)
DEFAULT_MARGIN_M: Final = 5_000.0
_REGION = re.compile(r"^\d{6}$")
ROW_RULE_COLUMNS: Final = {
    "coord_incomplete": "lon,lat",
    "coord_zero": "lon,lat",
    "coord_swapped": "lon,lat",
    "coord_outside": "lon,lat",
    "property_missing": "property_ref,address",
    "date_order": "dates",
}


@dataclass(frozen=True)
class Jurisdiction:
    """Where uploaded points may lie: a WGS-84 box (the areas' extent plus a margin)."""

    bounds: tuple[float, float, float, float]

    @classmethod
    def around(
        cls, bounds: tuple[float, float, float, float] | None, *, margin_m: float = DEFAULT_MARGIN_M
    ) -> Jurisdiction:
        """The loaded areas' extent grown by ``margin_m``; all of China when there are none."""
        if bounds is None:
            return cls(CHINA_BOUNDS)
        return cls(_widened(bounds, margin_m))

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        minx, miny, maxx, maxy = self.bounds
        inside: np.ndarray = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        return inside


@lru_cache(maxsize=16)
def _widened(
    bounds: tuple[float, float, float, float], margin_m: float
) -> tuple[float, float, float, float]:
    """:func:`~geo.crs.widen_bounds`, kept per extent: projecting the box costs a transformer
    made anew each time (tens of milliseconds), and every upload asks for the same extent."""
    return widen_bounds(bounds, margin_m=margin_m)


# --------------------------------------------------------------------------- checks


CheckFn = Callable[[pd.Series], pd.Series]
T = TypeVar("T")


class ParsedColumns:
    """Each text column parsed once (numbers, dates, choices, ID parts, phones); every check
    and the typing read from here instead of parsing the same strings again."""

    def __init__(self, text: pd.DataFrame, *, as_of: date) -> None:
        self.text = text
        self.as_of = as_of
        self._cache: dict[tuple[str, str], Any] = {}

    def _get(self, column: str, what: str, make: Callable[[], T]) -> T:
        key = (column, what)
        if key not in self._cache:
            self._cache[key] = make()
        value: T = self._cache[key]
        return value

    def stripped(self, column: str) -> pd.Series:
        return self._get(column, "strip", lambda: self.text[column].str.strip())

    def given(self, column: str) -> pd.Series:
        return self._get(column, "given", lambda: self.stripped(column) != "")

    def numbers(self, column: str) -> pd.Series:
        return self._get(column, "number", lambda: parse_numbers(self.text[column]))

    def stamps(self, column: str, *, with_time: bool) -> pd.Series:
        return self._get(
            column,
            f"stamp{with_time}",
            lambda: by_unique(self.stripped(column), lambda u: parse_dates(u, with_time=with_time)),
        )

    def choice_keys(self, column: str) -> pd.Series:
        return self._get(
            column,
            "choice",
            lambda: by_unique(self.stripped(column), lambda u: u.map(normalise_header)),
        )

    def id_parts(self, column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
        return self._get(
            column, "id", lambda: id_number_checks(self.text[column], as_of=self.as_of)
        )

    def wgs84(self, source_crs: str) -> tuple[np.ndarray, np.ndarray]:
        """Every row's point converted to WGS-84 once (NaN where it has none)."""

        def convert() -> tuple[np.ndarray, np.ndarray]:
            x = self.numbers("lon").to_numpy(float)
            y = self.numbers("lat").to_numpy(float)
            usable = np.isfinite(x) & np.isfinite(y)
            lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
            if usable.any():
                lon[usable], lat[usable] = to_wgs84(x[usable], y[usable], source=source_crs)
            return lon, lat

        return self._get("lon,lat", f"wgs84 {source_crs}", convert)

    def phones(self, column: str) -> pd.Series:
        return self._get(column, "phone", lambda: normalise_phones(self.text[column]))


def by_unique(values: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``parse`` to the distinct values only (uploads repeat dates and kinds a lot)."""
    codes, uniques = pd.factorize(values)
    parsed = parse(pd.Series(uniques, dtype=object)).to_numpy()
    out = pd.Series(parsed[codes], index=values.index)
    return out


def field_checks(spec: Field, parsed: ParsedColumns) -> list[tuple[str, CheckFn]]:
    """(catalogue key, check) pairs for one field; empty cells pass all but 'required'."""
    name = spec.name

    def given(_: pd.Series) -> pd.Series:
        return parsed.given(name)

    def absent(_: pd.Series) -> pd.Series:
        return ~parsed.given(name)

    checks: list[tuple[str, CheckFn]] = []
    if spec.required:
        checks.append(("required", given))
    kind = spec.type
    if kind == "text":
        checks.append(("too_long", lambda s: s.str.len() <= spec.max_length))
        checks.append(("formula", lambda s: ~formula_cells(s)))
    elif kind in ("int", "float", "lon", "lat"):

        def finite(_: pd.Series) -> pd.Series:
            return pd.Series(np.isfinite(parsed.numbers(name)), index=parsed.text.index)

        checks.append(("not_number", lambda s: absent(s) | finite(s)))
        if kind == "int":
            checks.append(
                ("not_integer", lambda s: absent(s) | ~finite(s) | (parsed.numbers(name) % 1 == 0))
            )
        low, high = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0)}.get(
            kind, (spec.minimum, spec.maximum)
        )
        key = "coord_range" if kind in ("lon", "lat") else "out_of_range"
        checks.append(
            (key, lambda s: absent(s) | ~finite(s) | _between(parsed.numbers(name), low, high))
        )
    elif kind in ("date", "datetime"):
        with_time = kind == "datetime"

        def stamps() -> pd.Series:
            return parsed.stamps(name, with_time=with_time)

        checks.append(("not_a_date", lambda s: absent(s) | stamps().notna()))
        if spec.not_future:
            limit = pd.Timestamp(parsed.as_of) + pd.Timedelta(days=1)
            checks.append(("date_future", lambda s: ~(stamps() >= limit)))
    elif kind == "enum":
        choices = set(spec.choices)
        checks.append(
            ("not_in_choices", lambda s: absent(s) | parsed.choice_keys(name).isin(choices))
        )
    elif kind == "id_number":
        checks.append(("id_format", lambda s: absent(s) | parsed.id_parts(name)[0]))
        checks.append(
            (
                "id_birth_date",
                lambda s: absent(s) | ~parsed.id_parts(name)[0] | parsed.id_parts(name)[1],
            )
        )
        checks.append(
            (
                "id_check_digit",
                lambda s: (
                    absent(s)
                    | ~parsed.id_parts(name)[0]
                    | ~parsed.id_parts(name)[1]
                    | parsed.id_parts(name)[2]
                ),
            )
        )
    elif kind == "phone":
        checks.append(("phone_format", lambda s: absent(s) | phones_ok(parsed.phones(name))))
    elif kind == "region":
        checks.append(
            ("region_format", lambda s: absent(s) | parsed.stripped(name).str.match(_REGION))
        )
    return checks


def _between(values: pd.Series, low: float | None, high: float | None) -> pd.Series:
    ok = pd.Series(True, index=values.index)
    if low is not None:
        ok &= ~(values < low)
    if high is not None:
        ok &= ~(values > high)
    return ok


def row_rules(
    kind: str, parsed: ParsedColumns, *, source_crs: str, jurisdiction: Jurisdiction
) -> list[tuple[str, Callable[[pd.DataFrame], pd.Series]]]:
    rules: list[tuple[str, Callable[[pd.DataFrame], pd.Series]]] = []
    for rule in ROW_RULES[kind]:
        if rule == "coordinates":
            for key in ("coord_incomplete", "coord_zero", "coord_swapped", "coord_outside"):
                rules.append(
                    (
                        key,
                        _coordinate_rule(
                            key, parsed, source_crs=source_crs, jurisdiction=jurisdiction
                        ),
                    )
                )
        elif rule == "property_given":
            rules.append(("property_missing", _property_given))
        elif rule == "dates_ordered":
            rules.append(("date_order", _dates_ordered))
    return rules


def _coordinate_rule(
    key: str, parsed: ParsedColumns, *, source_crs: str, jurisdiction: Jurisdiction
) -> Callable[[pd.DataFrame], pd.Series]:
    def rule(frame: pd.DataFrame) -> pd.Series:
        if "lon" not in frame or "lat" not in frame:
            return pd.Series(True, index=frame.index)
        if key == "coord_incomplete":
            return parsed.given("lon") == parsed.given("lat")
        where = parsed._get("lon,lat", "where", lambda: _locate(parsed, source_crs, jurisdiction))
        usable, zero, inside, swapped = where
        if key == "coord_zero":
            return pd.Series(~zero, index=frame.index)
        if key == "coord_swapped":
            return pd.Series(~(usable & ~zero & swapped), index=frame.index)
        return pd.Series(~(usable & ~zero & ~inside & ~swapped), index=frame.index)

    return rule


def _locate(
    parsed: ParsedColumns, source_crs: str, jurisdiction: Jurisdiction
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(usable, at (0, 0), inside the jurisdiction, inside only when swapped) per row."""
    x, y = parsed.numbers("lon"), parsed.numbers("lat")
    usable = (np.isfinite(x) & np.isfinite(y)).to_numpy()
    zero = usable & (x == 0).to_numpy() & (y == 0).to_numpy()
    lon, lat = parsed.wgs84(source_crs)
    inside = np.zeros(len(x), dtype=bool)
    inside[usable] = jurisdiction.contains(lon[usable], lat[usable])
    outside = usable & ~inside
    swapped = np.zeros(len(x), dtype=bool)
    swapped[outside] = _inside(
        y[outside],
        x[outside],
        np.ones(outside.sum(), dtype=bool),
        source_crs=source_crs,
        jurisdiction=jurisdiction,
    )
    return usable, zero, inside, swapped


def _inside(
    x: pd.Series, y: pd.Series, usable: np.ndarray, *, source_crs: str, jurisdiction: Jurisdiction
) -> np.ndarray:
    out = np.zeros(len(x), dtype=bool)
    if usable.any():
        lon, lat = to_wgs84(x.to_numpy()[usable], y.to_numpy()[usable], source=source_crs)
        out[usable] = jurisdiction.contains(lon, lat)
    return out


def _property_given(frame: pd.DataFrame) -> pd.Series:
    given = pd.Series(False, index=frame.index)
    for column in ("property_ref", "address"):
        if column in frame:
            given |= frame[column].str.strip() != ""
    return given


def _dates_ordered(frame: pd.DataFrame) -> pd.Series:
    for start, end in (("moved_in", "moved_out"), ("since", "until")):
        if start in frame and end in frame:
            begun, ended = parse_dates(frame[start]), parse_dates(frame[end])
            return ~(ended < begun)
    return pd.Series(True, index=frame.index)
