"""Employment: a known person working at a known worksite since a day; one job per person,
worksite and start."""

from __future__ import annotations

import pandas as pd

from geo.intake import repeated_in_file
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import with_people, with_worksites
from geo.store import upserts


def resolve_references(writing: Writing, good: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Jobs with their person and worksite ids (both required; the worksite in the actor's
    areas)."""
    frame = with_people(writing, good, applied, required=True)
    return with_worksites(writing, frame, applied, required=True)


def write_changes(writing: Writing, frame: pd.DataFrame, applied: Applied) -> None:
    """Refuse a job repeated in the file; insert new jobs, update known ones."""
    key = (
        frame["person_id"].astype(str)
        + "|"
        + frame["worksite_id"].astype(str)
        + "|"
        + frame["since"].astype(str)
    )
    frame, repeats = repeated_in_file(frame, key, column="id_number")
    applied.problems.append(repeats)
    conn = writing.conn
    jobs = upserts.rows_by_keys(conn, "employment", ["person_id"], frame["person_id"].tolist())
    existing = upserts.align(frame, jobs, on=["person_id", "worksite_id", "since"])
    applied.count(upserts.upsert(conn, "employment", frame, existing, batch_id=writing.batch_id))
