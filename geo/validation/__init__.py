"""Validate upload rows and turn the good ones into typed values.

Each field type has vectorised checks named by their catalogue key (so a rejected cell's
reason reads the same in Chinese and English everywhere); rules that look at more than one
column (coordinates, a property given, dates in order) run on the whole frame. pandera runs
them all lazily and reports every failing cell with its row. The same schema validates a
single record (:func:`validate_record`), so a form and an upload apply one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from geo import clock
from geo.fields import fields_of
from geo.identifiers import normalise_id_numbers
from geo.validation.parsing import parse_dates, parse_numbers
from geo.validation.rules import (
    CHINA_BOUNDS,
    DEFAULT_MARGIN_M,
    ROW_RULE_COLUMNS,
    Jurisdiction,
    ParsedColumns,
    field_checks,
    row_rules,
)
from geo.validation.words import apply_values, reason_text, unknown_values

__all__ = [
    "CHINA_BOUNDS",
    "DEFAULT_MARGIN_M",
    "Jurisdiction",
    "Validated",
    "apply_values",
    "build_schema",
    "check_record",
    "parse_dates",
    "parse_numbers",
    "reason_text",
    "typed",
    "unknown_values",
    "validate_record",
    "validate_rows",
]


@dataclass(frozen=True)
class Validated:
    """Rows that passed (typed, with their file row numbers) and every problem found."""

    good: pd.DataFrame
    problems: pd.DataFrame
    """columns row, column, value, reason (a catalogue key)"""


# --------------------------------------------------------------------------- validate


def build_schema(
    kind: str, parsed: ParsedColumns, *, source_crs: str, jurisdiction: Jurisdiction
) -> pa.DataFrameSchema:
    """The pandera schema for the mapped columns of an upload of ``kind``."""
    fields = fields_of(kind)
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                checks=[pa.Check(fn, name=key) for key, fn in field_checks(fields[name], parsed)],
                nullable=False,
            )
            for name in parsed.text.columns
        },
        checks=[
            pa.Check(fn, name=key)
            for key, fn in row_rules(kind, parsed, source_crs=source_crs, jurisdiction=jurisdiction)
        ],
    )


def validate_rows(
    frame: pd.DataFrame,
    *,
    kind: str,
    row_numbers: np.ndarray,
    source_crs: str,
    jurisdiction: Jurisdiction,
    as_of: date,
) -> Validated:
    """Check every cell and row rule; return the good rows typed and the problems found.

    ``frame`` holds text cells whose columns are field names of ``kind``.
    """
    # Arrow-backed strings: the checks' string operations run in C, not row by row.
    text = frame.apply(_arrow_strings).reset_index(drop=True)
    parsed = ParsedColumns(text, as_of=as_of)
    schema = build_schema(kind, parsed, source_crs=source_crs, jurisdiction=jurisdiction)
    try:
        schema.validate(text, lazy=True)
        failures = pd.DataFrame(columns=["index", "column", "check", "failure_case"])
    except SchemaErrors as errors:
        failures = errors.failure_cases
    problems = _problems(failures, text, row_numbers)
    keep = np.ones(len(text), dtype=bool)
    keep[problems["position"].to_numpy(dtype=np.int64)] = False
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
    as_of: date | None = None,
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
        as_of=as_of or clock.today(),
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
    as_of: date | None = None,
) -> list[tuple[str, str]]:
    """Check one record (a form) with the upload rules; return (column, reason key) pairs."""
    return check_record(
        record, kind=kind, source_crs=source_crs, jurisdiction=jurisdiction, as_of=as_of
    )[1]
