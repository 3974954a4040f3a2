"""Turn validated upload rows into table rows: natural keys, repeats within a file, fields
derived from the ID number, and identifiers sealed (HMAC, ciphertext, mask).

Pure functions on frames; the upload service stores what they return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.privacy import Keys, mask_id, mask_phone

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
