"""Validated upload rows as table rows: natural keys, repeats within a file, problems
quoted by row, person columns derived from the ID number, and identifiers sealed (HMAC,
ciphertext, mask)."""

from __future__ import annotations

import pandas as pd

from geo.identifiers import id_number_facts
from geo.privacy import Keys, mask_id, mask_phone, sealed_columns

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


def person_rows(frame: pd.DataFrame, keys: Keys) -> pd.DataFrame:
    """Person columns from resident rows; sex, birth year and origin come from the ID number
    when the upload does not give them."""
    ids = frame["id_number"]
    out = pd.DataFrame(index=frame.index)
    out["name"] = frame["name"]
    out = out.join(sealed_columns(ids, keys, prefix="id", mask=mask_id))
    facts = id_number_facts(ids)
    given = {c: frame[c].fillna(facts[c]) for c in ("sex", "origin") if c in frame}
    out["sex"] = given.get("sex", facts["sex"])
    out["birth_year"] = facts["birth_year"]
    out["origin"] = given.get("origin", facts["origin"])
    if "phone" in frame:
        out = out.join(sealed_columns(frame["phone"], keys, prefix="phone", mask=mask_phone))
    for column in ("permit_no", "permit_expiry", "employer_name"):
        if column in frame:
            out[column] = frame[column]
    return out
