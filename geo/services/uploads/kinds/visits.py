"""Visit results: a check at a known unit (from an area list or any table), by a team of a
sweep, with its outcome; one visit per unit, time, outcome and person."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.intake import repeated_in_file
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import with_listed_properties, with_people, with_sweeps
from geo.store import upserts

COLUMNS = (
    "row",
    "property_id",
    "person_id",
    "team_id",
    "sweep_id",
    "visited_at",
    "outcome",
    "residents_seen",
    "note",
)


def not_reached(text: pd.DataFrame) -> np.ndarray:
    """Rows with neither a visit time nor an outcome (an area list's units not reached):
    not visits, not errors."""
    blank = np.ones(len(text), dtype=bool)
    for column in ("visited_at", "outcome"):
        if column in text:
            blank &= (text[column].fillna("").astype(str).str.strip() == "").to_numpy()
    return blank


def resolve_references(writing: Writing, good: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Visits with their unit, person (when an ID number is given), sweep and team ids."""
    frame = with_listed_properties(writing, good, applied)
    if "id_number" in frame and frame["id_number"].notna().any():
        frame = with_people(writing, frame, applied, required=False)
    else:
        frame = frame.assign(person_id=None)
    return with_sweeps(writing, frame, applied)


def write_changes(writing: Writing, frame: pd.DataFrame, applied: Applied) -> None:
    """Refuse a visit repeated in the file; insert new visits, update known ones."""
    frame = frame.assign(visited_at=pd.to_datetime(frame["visited_at"]))
    key = (
        frame["property_id"].astype(str)
        + "|"
        + frame["visited_at"].astype(str)
        + "|"
        + frame["outcome"]
        + "|"
        + frame["person_id"].astype(str)
    )
    frame, repeats = repeated_in_file(frame, key, column="visited_at")
    applied.problems.append(repeats)
    conn = writing.conn
    known = upserts.rows_by_keys(conn, "visit", ["property_id"], frame["property_id"].tolist())
    known["visited_at"] = pd.to_datetime(known["visited_at"])
    existing = upserts.align(frame, known, on=["property_id", "visited_at", "outcome", "person_id"])
    applied.count(
        upserts.upsert(
            conn,
            "visit",
            frame[[c for c in COLUMNS if c in frame]],
            existing,
            batch_id=writing.batch_id,
        )
    )
