"""Turn validated upload rows into table rows: natural keys, repeats within a file, fields
derived from the ID number, and identifiers sealed (HMAC, ciphertext, mask).

Pure functions on frames; the upload service stores what they return.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.fields import fields_of
from geo.i18n import bilingual
from geo.privacy import Keys, mask_id, mask_phone
from geo.text import NAME_FIELDS, NOTE_FIELDS, clean_columns, markup_cells, may_hold
from geo.validation.parsing import impossible_dates

PROBLEM_COLUMNS = ["row", "column", "value", "reason"]


def natural_key(frame: pd.DataFrame, *, ref: str, fallback: tuple[str, ...]) -> pd.Series:
    """A row's identity: its reference when given, else the fallback columns joined.

    >>> f = pd.DataFrame({"ref": ["A", None], "address": ["x", "y"], "room": [None, "1"]})
    >>> natural_key(f, ref="ref", fallback=("address", "room")).tolist()
    ['ref:A', 'key:y|1']
    """
    has_ref = frame[ref].notna() if ref in frame else pd.Series(False, index=frame.index)
    key = pd.Series("", index=frame.index, dtype=object)
    if has_ref.any():
        key[has_ref] = "ref:" + frame.loc[has_ref, ref].astype(str)
    if not has_ref.all():  # the fallback columns only for the rows that need them
        parts = frame.loc[~has_ref].reindex(columns=list(fallback)).astype(object)
        parts = parts.where(parts.notna(), "").astype(str)
        joined = parts.iloc[:, 0]
        for column in parts.columns[1:]:
            joined = joined + "|" + parts[column]
        key[~has_ref] = "key:" + joined
    return key


def repeated_in_file(
    frame: pd.DataFrame, key: pd.Series, *, column: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the first row of each key; report the later ones (reason ``duplicate_in_file``)."""
    repeat = key.duplicated(keep="first")
    if not repeat.any():  # the usual case: no grouping of 100,000 keys needed
        return frame, pd.DataFrame(columns=PROBLEM_COLUMNS)
    first_row = frame["row"].groupby(key).transform("first")
    problems = pd.DataFrame(
        {
            "row": frame.loc[repeat, "row"],
            "column": column,
            "value": first_row[repeat].map(lambda r: f"row {r}"),
            "reason": "duplicate_in_file",
        }
    )
    return frame.loc[~repeat], problems[PROBLEM_COLUMNS]


def problems_for(frame: pd.DataFrame, mask: pd.Series, *, column: str, reason: str) -> pd.DataFrame:
    """One problem per masked row, quoting that row's value of ``column``."""
    values = frame.loc[mask, column].astype(str) if column in frame else ""
    return pd.DataFrame(
        {"row": frame.loc[mask, "row"], "column": column, "value": values, "reason": reason}
    )[PROBLEM_COLUMNS]


def seal_phones(values: pd.Series, keys: Keys, *, prefix: str) -> pd.DataFrame:
    """Masked, HMAC and ciphertext columns for phone numbers (each distinct number sealed once)."""
    present = values.dropna()
    unique = present.unique()
    masked = {v: mask_phone(v) for v in unique}
    digest = {v: keys.digest(v) for v in unique}
    cipher = dict(zip(unique, keys.seal_many(unique), strict=True))
    out = pd.DataFrame(index=values.index)
    out[f"{prefix}_masked"] = values.map(masked)
    out[f"{prefix}_hmac"] = values.map(digest)
    out[f"{prefix}_cipher"] = values.map(cipher)
    return out


def person_rows(frame: pd.DataFrame, keys: Keys) -> pd.DataFrame:
    """Person columns from resident rows; sex, birth year and origin come from the ID number
    when the upload does not give them."""
    ids = frame["id_number"]
    out = pd.DataFrame(index=frame.index)
    out["name"] = frame["name"]
    out["id_hmac"] = ids.map(keys.digest)
    out["id_cipher"] = keys.seal_many(ids)
    out["id_masked"] = ids.map(mask_id)
    from_id = np.where(ids.str.slice(16, 17).astype(int) % 2 == 1, "M", "F")
    out["sex"] = (
        frame["sex"].fillna(pd.Series(from_id, index=frame.index)) if "sex" in frame else from_id
    )
    out["birth_year"] = ids.str.slice(6, 10).astype(int)
    origin = ids.str.slice(0, 6)
    out["origin"] = frame["origin"].fillna(origin) if "origin" in frame else origin
    if "phone" in frame:
        sealed = seal_phones(frame["phone"], keys, prefix="phone")
        out = out.join(sealed)
    for column in ("permit_no", "permit_expiry", "employer_name"):
        if column in frame:
            out[column] = frame[column]
    return out


# --------------------------------------------------------------------------- coordinates

_NUMBER: Final = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_PAIR: Final = re.compile(
    rf"^\s*(?:POINT\s*Z?\s*\(\s*(?P<wx>{_NUMBER})\s+(?P<wy>{_NUMBER})(?:\s+{_NUMBER})?\s*\)"
    rf"|[(\[]?\s*(?P<a>{_NUMBER})\s*(?:[,;\s/|])\s*(?P<b>{_NUMBER})\s*[)\]]?)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CoordinateSplit:
    """One column of coordinate pairs as longitude and latitude text columns."""

    lon: pd.Series
    lat: pd.Series
    unreadable: pd.Series
    """rows whose cell holds something that is not a pair of numbers"""
    order: str
    """``lng,lat``, ``lat,lng`` (pairs written latitude first) or ``x,y`` (projected)"""
    rows: int
    """rows whose pair was read"""


def split_coordinates(
    values: pd.Series, *, bounds: tuple[float, float, float, float]
) -> CoordinateSplit | None:
    """Split ``lng,lat`` (the AMap picker), ``lat,lng`` or ``POINT(x y)`` cells; None when
    no cell holds a pair (the column is not coordinates after all).

    The order is decided for the whole column: the one that puts more points inside
    ``bounds`` (the jurisdiction, WGS-84); when neither does, the one where the first
    number is the larger (China's longitudes exceed its latitudes); POINT() is x y unless
    the values say otherwise. Projected values (metres) are kept in the order written.

    >>> box = (119.9, 30.0, 120.0, 30.1)
    >>> s = split_coordinates(pd.Series(["119.96,30.05", "119.97, 30.06", "", "x"]), bounds=box)
    >>> s.order, s.lon.tolist(), s.lat.tolist()
    ('lng,lat', ['119.96', '119.97', '', ''], ['30.05', '30.06', '', ''])
    >>> s.unreadable.tolist()
    [False, False, False, True]
    >>> split_coordinates(pd.Series(["POINT(30.05 119.96)"]), bounds=box).order
    'lat,lng'
    """
    text = values.fillna("").astype(str).map(lambda v: unicodedata.normalize("NFKC", v).strip())
    parts = text.str.extract(_PAIR)
    first = parts["wx"].where(parts["wx"].notna(), parts["a"])
    second = parts["wy"].where(parts["wy"].notna(), parts["b"])
    a = pd.to_numeric(first, errors="coerce").to_numpy(float)
    b = pd.to_numeric(second, errors="coerce").to_numpy(float)
    read = np.isfinite(a) & np.isfinite(b)
    if not read.any():
        return None
    unreadable = pd.Series((text != "").to_numpy() & ~read, index=values.index)
    minx, miny, maxx, maxy = bounds

    def inside(x: np.ndarray, y: np.ndarray) -> int:
        return int((read & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)).sum())

    if (np.abs(a[read]) > 360).all() or (np.abs(b[read]) > 360).all():
        order = "x,y"
    else:
        as_written, swapped = inside(a, b), inside(b, a)
        if as_written == swapped:
            as_written = int((read & (a > b)).sum())
            swapped = int((read & (b > a)).sum())
        order = "lat,lng" if swapped > as_written else "lng,lat"
    x, y = (second, first) if order == "lat,lng" else (first, second)
    keep = pd.Series(read, index=values.index)
    lon = pd.Series(np.where(keep, x.fillna(""), ""), index=values.index, dtype=object)
    lat = pd.Series(np.where(keep, y.fillna(""), ""), index=values.index, dtype=object)
    return CoordinateSplit(lon, lat, unreadable, order, int(read.sum()))


# --------------------------------------------------------------------------- dates

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


# --------------------------------------------------------------------------- codes

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


# --------------------------------------------------------------------------- summaries

SUMMARY_ITEMS: Final = 50
SUMMARY_TEXT: Final = 200


def bounded(value: Any, *, items: int = SUMMARY_ITEMS, text: int = SUMMARY_TEXT) -> Any:
    """A summary (or an audit detail) kept small whatever the file held: lists cut to
    ``items`` entries (a last entry says how many more), strings to ``text`` characters.

    >>> bounded({"ignored": [f"c{i}" for i in range(60)], "file": "x" * 300}, items=2, text=5)
    {'ignored': ['c0', 'c1', '… +58'], 'file': 'xxxx…'}
    """
    if isinstance(value, str):
        return value if len(value) <= text else value[: text - 1] + "…"
    if isinstance(value, dict):
        kept = list(value.items())[: items * 4]
        return {k: bounded(v, items=items, text=text) for k, v in kept}
    if isinstance(value, (list, tuple)):
        shown = [bounded(v, items=items, text=text) for v in value[:items]]
        if len(value) > items:
            shown.append(f"… +{len(value) - items}")
        return shown
    return value


# --------------------------------------------------------------------------- preparing


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


def layout_summary(raw: Any, cleaning: dict[str, Any]) -> dict[str, Any]:
    """What the summary says about how the file was read: the header row and the rows
    skipped around it (with their text), the sheet, the cells cleaned, the coordinates split
    (with a note in both languages), and ``without_coordinates`` for kinds with points."""
    out: dict[str, Any] = {}
    if raw.header_row != 1 or raw.skipped:
        out["header_row"] = raw.header_row
        out["skipped_rows"] = bounded([{"row": n, "text": t} for n, t in raw.skipped])
    if raw.notes_row is not None:
        out["notes_row"] = raw.notes_row
    if raw.sheet is not None:
        out["sheet"] = bounded(raw.sheet)
    out.update(cleaning)
    notes = []
    if raw.skipped:
        above = [n for n, _ in raw.skipped if n < raw.header_row]
        if above:
            notes.append(
                bilingual(
                    "note_header_found",
                    row=raw.header_row,
                    skipped=", ".join(str(n) for n in above),
                )
            )
    if raw.notes_row is not None:
        notes.append(bilingual("note_units_row", row=raw.notes_row))
    if "coordinates" in cleaning:
        said = cleaning["coordinates"]
        notes.append(
            bilingual(
                "note_coordinates_split",
                column=bounded(said["column"]),
                order=said["order"],
                rows=said["rows"],
            )
        )
    if cleaning.get("cleaned_cells"):
        notes.append(
            bilingual(
                "note_text_cleaned",
                cells=cleaning["cleaned_cells"],
                characters=cleaning["cleaned_characters"],
            )
        )
    if notes:
        out["notes"] = notes
    return out
