"""What rentals and worksites share: rows placed by their own point, one per reference (else
fallback key), matched to the stored ones and inserted or updated."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from geo.intake import natural_key, repeated_in_file
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import in_scope, placed
from geo.store import upserts

Prepare = Callable[[Writing, pd.DataFrame, Applied], pd.DataFrame]
"""A kind's own references resolved before its rows are placed (landlords, contacts)."""


def resolve_located(
    writing: Writing,
    good: pd.DataFrame,
    applied: Applied,
    *,
    fallback: tuple[str, ...],
    prepare: Prepare,
) -> pd.DataFrame:
    """The rows, a reference (else ``fallback`` columns) repeated in the file refused, with
    the kind's own references (``prepare``), placed in areas, those outside the actor's
    areas refused."""
    key = natural_key(good, ref="external_ref", fallback=fallback)
    frame, repeats = repeated_in_file(good, key, column="external_ref")
    applied.problems.append(repeats)
    frame = placed(writing, prepare(writing, frame, applied), applied)
    return in_scope(writing, frame, frame.get("community_id"), applied, column="lon,lat")


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
