"""An upload's mapped text columns made ready for validation: cells cleaned, coordinate
pairs split, and the rows refused before validation (unreadable pairs, markup in names,
impossible dates, codes a spreadsheet turned into numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.fields import fields_of
from geo.intake.coordinates import split_coordinates
from geo.intake.rows import PROBLEM_COLUMNS
from geo.intake.spreadsheet import code_as_number, code_fields, midnight_as_date
from geo.text import NAME_FIELDS, NOTE_FIELDS, clean_columns, markup_cells
from geo.validation.parsing import impossible_dates


@dataclass(frozen=True)
class Prepared:
    """An upload's mapped text columns made ready for validation."""

    text: pd.DataFrame
    row_numbers: np.ndarray
    problems: pd.DataFrame
    """rows refused here (a coordinate cell that is no pair, markup in a name): still in
    ``text`` (a refused pair as blank lon and lat), so that validation reports every other
    problem of the row too; they are never imported"""
    summary: dict[str, Any]
    headers: dict[str, str]
    """field -> the file's header, for fields made here (lon, lat from one column)"""


def prepare(
    text: pd.DataFrame,
    row_numbers: np.ndarray,
    *,
    kind: str,
    coordinates: pd.Series | None = None,
    coordinates_header: str | None = None,
    bounds: tuple[float, float, float, float],
) -> Prepared:
    """Clean every text cell (:func:`geo.text.clean_columns`), read midnight date-times in
    date columns as dates, split one column of coordinate pairs into lon and lat, and refuse
    the rows whose pair cannot be read, whose name holds markup, whose date or time cannot
    be (``date_impossible``: 2026-02-30, 25:00) or whose code a spreadsheet turned into a
    number that lost digits (``code_lost_digits``: 3.30111E+19). A visits upload keeps its
    references as written: an area list that came back is matched on them
    (:func:`geo.io.arealists.ref_consistent`)."""
    fields = fields_of(kind)
    summary: dict[str, Any] = {}
    headers: dict[str, str] = {}
    problems = [pd.DataFrame(columns=PROBLEM_COLUMNS)]
    refuse = np.zeros(len(text), dtype=bool)
    cleaned = clean_columns(text, keep=NOTE_FIELDS)
    text = cleaned.frame
    summary["cleaned_cells"] = cleaned.cells
    summary["cleaned_characters"] = cleaned.characters
    for name, spec in fields.items():
        if name in text and spec.type == "date":
            text[name] = midnight_as_date(text[name])
    if coordinates is not None and coordinates_header is not None:
        split = split_coordinates(coordinates.reset_index(drop=True), bounds=bounds)
        if split is not None:
            text = text.copy()
            text["lon"] = split.lon.to_numpy()
            text["lat"] = split.lat.to_numpy()
            headers.update(lon=coordinates_header, lat=coordinates_header)
            bad = split.unreadable.to_numpy()
            problems.append(
                pd.DataFrame(
                    {
                        "row": row_numbers[bad],
                        "column": "lon,lat",
                        "value": coordinates.to_numpy()[bad],
                        "reason": "coord_unreadable",
                    }
                )
            )
            refuse |= bad
            summary["coordinates"] = {
                "column": coordinates_header,
                "order": split.order,
                "rows": split.rows,
            }
    checks: list[tuple[str, str, pd.Series]] = []
    for name, spec in fields.items():
        if name in text and spec.type in ("date", "datetime"):
            codes, uniques = pd.factorize(text[name].astype("string").fillna(""))
            once = impossible_dates(
                pd.Series(uniques, dtype="string"), with_time=spec.type == "datetime"
            )
            checks.append((name, "date_impossible", pd.Series(once.to_numpy(dtype=bool)[codes])))
    for name in code_fields(kind):
        if name in text and not (kind == "visits" and name == "property_ref"):
            checks.append((name, "code_lost_digits", code_as_number(text[name])))
    for name, reason, cells in checks:
        hit = cells.to_numpy(dtype=bool)
        if hit.any():
            problems.append(
                pd.DataFrame(
                    {
                        "row": row_numbers[hit],
                        "column": name,
                        "value": text[name].to_numpy()[hit],
                        "reason": reason,
                    }
                )
            )
            refuse |= hit
    for name in NAME_FIELDS & set(text.columns):
        if fields.get(name) is None or fields[name].type != "text":
            continue
        marked = markup_cells(text[name]).to_numpy()
        if marked.any():
            problems.append(
                pd.DataFrame(
                    {
                        "row": row_numbers[marked],
                        "column": name,
                        "value": text[name].to_numpy()[marked],
                        "reason": "markup",
                    }
                )
            )
            refuse |= marked
    found = [p for p in problems if len(p)]
    return Prepared(
        text,
        row_numbers,
        pd.concat(found, ignore_index=True)[PROBLEM_COLUMNS]
        if found
        else pd.DataFrame(columns=PROBLEM_COLUMNS),
        summary,
        headers,
    )
