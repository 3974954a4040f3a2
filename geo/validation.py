"""Validate upload rows and turn the good ones into typed values.

Each field type has vectorised checks named by their catalogue key (so a rejected cell's
reason reads the same in Chinese and English everywhere); rules that look at more than one
column (coordinates, a property given, dates in order) run on the whole frame. pandera runs
them all lazily and reports every failing cell with its row. The same schema validates a
single record (:func:`validate_record`), so a form and an upload apply one set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from geo import clock
from geo.cells import formula_cells, nfkc
from geo.crs import to_wgs84, widen_bounds
from geo.errors import InputError
from geo.fields import ROW_RULES, Field, allowed_words, fields_of, normalise_header
from geo.i18n import message
from geo.identifiers import (
    id_number_checks,
    normalise_id_numbers,
    normalise_phones,
    phones_ok,
)

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
        return cls(widen_bounds(bounds, margin_m=margin_m))

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        minx, miny, maxx, maxy = self.bounds
        inside: np.ndarray = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        return inside


@dataclass(frozen=True)
class Validated:
    """Rows that passed (typed, with their file row numbers) and every problem found."""

    good: pd.DataFrame
    problems: pd.DataFrame
    """columns row, column, value, reason (a catalogue key)"""


# --------------------------------------------------------------------------- the file's words


def apply_values(
    text: pd.DataFrame,
    *,
    kind: str,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    set_fields: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The registrar's choices for one file, applied before any check: ``set_fields`` gives a
    field the file lacks one value for every row; ``value_maps`` {field: {word in the file:
    value}} turns the file's own words for an enumerated field into its values (compared
    folded, as the built-in words are). Returns the cells and how many each map changed.

    >>> cells = pd.DataFrame({"kind": ["公租", "整租", "公租 "]})
    >>> maps, fixed = {"kind": {"公租": "单间"}}, {"status": "在租"}
    >>> out, changed = apply_values(cells, kind="rentals", value_maps=maps, set_fields=fixed)
    >>> out.to_dict("list"), changed
    ({'kind': ['room', '整租', 'room'], 'status': ['在租', '在租', '在租']}, {'kind': 2})
    """
    fields = fields_of(kind)
    out = text.copy()
    for name, value in (set_fields or {}).items():
        spec = _field(fields, name)
        if name in out.columns:
            raise InputError("set_field_in_file", field=name)
        if spec.vocabulary is not None:
            _value_of(spec, value)
        out[name] = str(value)
    changed: dict[str, int] = {}
    for name, pairs in (value_maps or {}).items():
        spec = _field(fields, name)
        if spec.vocabulary is None:
            enumerated = [f.name for f in fields.values() if f.vocabulary is not None]
            raise InputError("values_field_not_enum", field=name, fields=", ".join(enumerated))
        if name not in out.columns:
            continue
        targets = {
            normalise_header(source): _value_of(spec, target) for source, target in pairs.items()
        }
        folded = _by_unique(out[name].astype(str), lambda u: u.map(normalise_header))
        hit = folded.isin(targets.keys())
        out.loc[hit, name] = folded[hit].map(targets)
        changed[name] = int(hit.sum())
    return out, changed


def _field(fields: dict[str, Field], name: str) -> Field:
    if name not in fields:
        raise InputError("map_field_unknown", field=name, fields=", ".join(fields))
    return fields[name]


def _value_of(spec: Field, word: str) -> str:
    """The value of an enumerated field a word stands for; InputError naming the values."""
    code = spec.choices.get(normalise_header(word))
    if code is None:
        assert spec.vocabulary is not None
        listed = ", ".join(
            f"{c}/{message(spec.vocabulary.label_key(c), 'zh')}" for c in spec.vocabulary.codes
        )
        raise InputError("values_target_unknown", field=spec.name, target=word, allowed=listed)
    return code


def unknown_values(text: pd.DataFrame, *, kind: str) -> pd.DataFrame:
    """Each distinct word in an enumerated column that is none of its field's words, with how
    many rows hold it (columns field, value, count; the most frequent first): what the
    registrar may map to a value before importing.

    >>> unknown_values(pd.DataFrame({"kind": ["整租", "公租", "公租", ""]}), kind="rentals")
      field value  count
    0  kind    公租      2
    """
    fields = fields_of(kind)
    found = []
    for name in text.columns:
        spec = fields.get(name)
        if spec is None or spec.vocabulary is None:
            continue
        cells = text[name].astype(str).str.strip()
        cells = cells.loc[cells != ""]
        known = _by_unique(cells, lambda u: u.map(normalise_header)).isin(spec.choices.keys())
        counts = cells.loc[~known].value_counts()
        found.append(
            pd.DataFrame(
                {"field": name, "value": counts.index.astype(str), "count": counts.to_numpy()}
            )
        )
    if not found:
        return pd.DataFrame({"field": [], "value": [], "count": []})
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["field", "count", "value"], ascending=[True, False, True]).reset_index(
        drop=True
    )


def reason_text(reason: str, *, kind: str, column: str, lang: str) -> str:
    """A problem's reason in ``lang``, its parameters filled from the field it is about (an
    unknown value's reason lists the words the field takes).

    >>> reason_text("not_in_choices", kind="rentals", column="status", lang="en")
    'not one of the allowed values; use: in use (rented, let), no longer rented (withdrawn)'
    """
    params: dict[str, str] = {}
    if reason == "not_in_choices":
        spec = fields_of(kind).get(column)
        vocabulary = None if spec is None else spec.vocabulary
        params["allowed"] = "" if vocabulary is None else allowed_words(vocabulary, lang)
    return message(reason, lang, **params)


# --------------------------------------------------------------------------- parsing


def parse_numbers(values: pd.Series) -> pd.Series:
    """Text to float (NaN where not a number); full-width digits and thousands commas ok.

    >>> parse_numbers(pd.Series(["1,200.5", "\uff11\uff12", "", "x"])).tolist()
    [1200.5, 12.0, nan, nan]
    >>> parse_numbers(pd.Series(["1.5", "-7e2"], dtype="string[pyarrow]")).tolist()
    [1.5, -700.0]
    """
    plain = _plain_floats(values)
    if plain is not None:
        return plain
    cleaned = nfkc(values).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").astype(float)


def _plain_floats(values: pd.Series) -> pd.Series | None:
    """A column of Arrow text in which every cell is a plain number, parsed by Arrow (20
    times faster); None for anything else, which the careful parser handles."""
    if values.dtype != "string[pyarrow]":
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        parsed = pc.cast(pa.array(values.array), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index, dtype=float)


def parse_dates(values: pd.Series, *, with_time: bool = False) -> pd.Series:
    """Text to Timestamps (NaT where not a date): 2026-03-01, 2026/3/1, 20260301, 2026年3月1日,
    2026.3.1, with an optional time after a space or T when ``with_time``."""
    text = nfkc(values).str.strip()
    text = text.str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"^(\d{4})(\d{2})(\d{2})", r"\1-\2-\3", regex=True)
    parts = text.str.extract(
        r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
    )
    parts = parts.apply(pd.to_numeric, errors="coerce").astype(float)
    if not with_time:
        parts.loc[parts[3].notna(), 0] = np.nan  # a time where only a date belongs
    frame = pd.DataFrame(
        {
            "year": parts[0],
            "month": parts[1],
            "day": parts[2],
            "hour": parts[3].fillna(0),
            "minute": parts[4].fillna(0),
            "second": parts[5].fillna(0),
        }
    )
    return pd.to_datetime(frame, errors="coerce")


# --------------------------------------------------------------------------- checks


CheckFn = Callable[[pd.Series], pd.Series]
T = TypeVar("T")


class ParsedColumns:
    """Each text column parsed once (numbers, dates, choices, ID parts, phones); every check
    and the typing read from here instead of parsing the same strings again."""

    def __init__(self, text: pd.DataFrame, *, today: date) -> None:
        self.text = text
        self.today = today
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
            lambda: _by_unique(
                self.stripped(column), lambda u: parse_dates(u, with_time=with_time)
            ),
        )

    def choice_keys(self, column: str) -> pd.Series:
        return self._get(
            column,
            "choice",
            lambda: _by_unique(self.stripped(column), lambda u: u.map(normalise_header)),
        )

    def id_parts(self, column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
        return self._get(
            column, "id", lambda: id_number_checks(self.text[column], today=self.today)
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


def _by_unique(values: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``parse`` to the distinct values only (uploads repeat dates and kinds a lot)."""
    codes, uniques = pd.factorize(values)
    parsed = parse(pd.Series(uniques, dtype=object)).to_numpy()
    out = pd.Series(parsed[codes], index=values.index)
    return out


def _field_checks(spec: Field, parsed: ParsedColumns) -> list[tuple[str, CheckFn]]:
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
            limit = pd.Timestamp(parsed.today) + pd.Timedelta(days=1)
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


def _row_rules(
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


# --------------------------------------------------------------------------- validate


def build_schema(
    kind: str, parsed: ParsedColumns, *, source_crs: str, jurisdiction: Jurisdiction
) -> pa.DataFrameSchema:
    """The pandera schema for the mapped columns of an upload of ``kind``."""
    fields = fields_of(kind)
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                checks=[pa.Check(fn, name=key) for key, fn in _field_checks(fields[name], parsed)],
                nullable=False,
            )
            for name in parsed.text.columns
        },
        checks=[
            pa.Check(fn, name=key)
            for key, fn in _row_rules(
                kind, parsed, source_crs=source_crs, jurisdiction=jurisdiction
            )
        ],
    )


def validate_rows(
    frame: pd.DataFrame,
    *,
    kind: str,
    row_numbers: np.ndarray,
    source_crs: str,
    jurisdiction: Jurisdiction,
    today: date,
) -> Validated:
    """Check every cell and row rule; return the good rows typed and the problems found.

    ``frame`` holds text cells whose columns are field names of ``kind``.
    """
    # Arrow-backed strings: the checks' string operations run in C, not row by row.
    text = frame.apply(_arrow_strings).reset_index(drop=True)
    parsed = ParsedColumns(text, today=today)
    schema = build_schema(kind, parsed, source_crs=source_crs, jurisdiction=jurisdiction)
    try:
        schema.validate(text, lazy=True)
        failures = pd.DataFrame(columns=["index", "column", "check", "failure_case"])
    except SchemaErrors as errors:
        failures = errors.failure_cases
    problems = _problems(failures, text, row_numbers)
    bad = set(problems["position"])
    keep = np.array([i not in bad for i in range(len(text))], dtype=bool)
    good = typed(parsed, keep, kind=kind, source_crs=source_crs)
    good.insert(0, "row", row_numbers[keep])
    return Validated(good=good.reset_index(drop=True), problems=problems.drop(columns="position"))


def _arrow_strings(column: pd.Series) -> pd.Series:
    if column.dtype == "string[pyarrow]":
        return column
    return column.astype(str).astype("string[pyarrow]")


def _problems(failures: pd.DataFrame, text: pd.DataFrame, row_numbers: np.ndarray) -> pd.DataFrame:
    if failures.empty:
        return pd.DataFrame(columns=["position", "row", "column", "value", "reason"])
    crashed = failures.loc[failures["index"].isna()]
    if len(crashed):  # a check that raised must never let its rows pass
        first = crashed.iloc[0]
        msg = f"validation check {first['check']!r} failed: {first['failure_case']}"
        raise RuntimeError(msg)
    found = failures.copy()
    found["position"] = found["index"].astype(int)
    row_rule = found["check"].isin(ROW_RULE_COLUMNS.keys())
    found.loc[row_rule, "column"] = found.loc[row_rule, "check"].map(ROW_RULE_COLUMNS)
    found = found.drop_duplicates(["position", "check", "column"])
    found["value"] = [
        str(text.at[p, c])[:200] if c in text.columns else _pair(text, p, c)
        for p, c in zip(found["position"], found["column"], strict=True)
    ]
    found["row"] = row_numbers[found["position"].to_numpy()]
    out = found.rename(columns={"check": "reason"})[
        ["position", "row", "column", "value", "reason"]
    ]
    return out.sort_values(["row", "column"]).reset_index(drop=True)


def _pair(text: pd.DataFrame, position: int, columns: str) -> str:
    parts = [str(text.at[position, c]) for c in columns.split(",") if c in text.columns]
    return ", ".join(parts)[:200]


def typed(parsed: ParsedColumns, keep: np.ndarray, *, kind: str, source_crs: str) -> pd.DataFrame:
    """Convert the kept rows' cells to values: numbers, dates, codes, normalised identifiers;
    coordinates become WGS-84 (``coord_source`` records what they were)."""
    fields = fields_of(kind)
    out = pd.DataFrame(index=parsed.text.index[keep])
    for name in parsed.text.columns:
        spec = fields[name]
        empty = ~parsed.given(name)[keep]
        if spec.type in ("int", "float", "lon", "lat"):
            numbers = parsed.numbers(name)[keep]
            out[name] = numbers.round().astype("Int64") if spec.type == "int" else numbers
        elif spec.type in ("date", "datetime"):
            stamps = pd.to_datetime(parsed.stamps(name, with_time=spec.type == "datetime")[keep])
            if spec.type == "date":  # datetime.date objects (None when empty), made in C
                days = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
                out[name] = pd.Series(days.astype(object), index=stamps.index, dtype=object)
            else:
                out[name] = stamps
        elif spec.type == "enum":
            out[name] = parsed.choice_keys(name)[keep].map(spec.choices).where(~empty)
        elif spec.type == "id_number":
            out[name] = normalise_id_numbers(parsed.text[name][keep]).where(~empty)
        elif spec.type == "phone":
            out[name] = parsed.phones(name)[keep].where(~empty)
        else:
            out[name] = parsed.stripped(name)[keep].where(~empty)
    if "lon" in out and "lat" in out:
        has = out["lon"].notna() & out["lat"].notna()
        lon, lat = parsed.wgs84(source_crs)
        out["lon"], out["lat"] = lon[keep], lat[keep]
        out["coord_source"] = pd.Series(source_crs, index=out.index).where(has)
    return out


def check_record(
    record: dict[str, str],
    *,
    kind: str,
    source_crs: str = "wgs84",
    jurisdiction: Jurisdiction | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Check one record (a form) with the upload rules: (its typed values, no problems) or
    (None, the (column, reason key) pairs that are wrong)."""
    frame = pd.DataFrame([{k: "" if v is None else str(v) for k, v in record.items()}])
    result = validate_rows(
        frame,
        kind=kind,
        row_numbers=np.array([1]),
        source_crs=source_crs,
        jurisdiction=jurisdiction or Jurisdiction(CHINA_BOUNDS),
        today=today or clock.today(),
    )
    problems = list(zip(result.problems["column"], result.problems["reason"], strict=True))
    if problems or result.good.empty:
        return None, problems
    row = result.good.drop(columns="row").iloc[0]
    return {str(k): (None if pd.isna(v) else v) for k, v in row.items()}, []


def validate_record(
    record: dict[str, str],
    *,
    kind: str,
    source_crs: str = "wgs84",
    jurisdiction: Jurisdiction | None = None,
    today: date | None = None,
) -> list[tuple[str, str]]:
    """Check one record (a form) with the upload rules; return (column, reason key) pairs."""
    return check_record(
        record, kind=kind, source_crs=source_crs, jurisdiction=jurisdiction, today=today
    )[1]
