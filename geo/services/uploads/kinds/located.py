"""What rentals and worksites share: rows placed by their own point, one per reference (else
fallback key), matched to the stored ones and inserted or updated."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from geo.intake import natural_key, repeated_in_file
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import in_scope, placed, stored_in_scope
from geo.store import upserts

Prepare = Callable[[Writing, pd.DataFrame, Applied], pd.DataFrame]
"""A kind's own references resolved before its rows are placed (landlords, contacts)."""


def resolve_located(
    writing: Writing,
    good: pd.DataFrame,
    applied: Applied,
    *,
    table: str,
    fallback: tuple[str, ...],
    prepare: Prepare,
) -> pd.DataFrame:
    """The rows, a reference (else ``fallback`` columns) repeated in the file refused,
    placed in areas, those outside the actor's areas refused (where the row puts it, and
    where the stored record it would update is now), then given the kind's own references
    (``prepare``, which may write: only for rows that go in)."""
    key = natural_key(good, ref="external_ref", fallback=fallback)
    frame, repeats = repeated_in_file(good, key, column="external_ref")
    applied.problems.append(repeats)
    frame = placed(writing, frame, applied)
    frame = in_scope(writing, frame, frame.get("community_id"), applied, column="lon,lat")
    if writing.scope is not None:
        existing = upserts.match(writing.conn, table, frame, ref="external_ref", fallback=fallback)
        column = "external_ref" if "external_ref" in frame else fallback[0]
        frame, _existing = stored_in_scope(writing, frame, existing, applied, column=column)
    return prepare(writing, frame, applied)


def write_located(
    writing: Writing,
    frame: pd.DataFrame,
    applied: Applied,
    *,
    table: str,
    fallback: tuple[str, ...],
) -> None:
    """Match each row to the stored one by reference, else ``fallback``; insert or update
    (new rows active unless the file says otherwise)."""
    existing = upserts.match(writing.conn, table, frame, ref="external_ref", fallback=fallback)
    applied.count(
        upserts.upsert(
            writing.conn,
            table,
            frame,
            existing,
            batch_id=writing.batch_id,
            defaults={"status": "active"},
        )
    )
