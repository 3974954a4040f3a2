"""Rentals (出租房屋): a unit per reference, else address and room; its landlord and, for a
dormitory, its worksite."""

from __future__ import annotations

import pandas as pd

from geo.services.uploads.kinds.located import resolve_located, write_located
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import with_landlords, with_worksites

FALLBACK = ("address", "room")


def resolve_references(writing: Writing, good: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Units with their worksite (a dormitory's) and landlord ids, placed in areas."""
    return resolve_located(
        writing, good, applied, table="property", fallback=FALLBACK, prepare=_owners
    )


def write_changes(writing: Writing, frame: pd.DataFrame, applied: Applied) -> None:
    """Insert new units, update known ones."""
    write_located(writing, frame, applied, table="property", fallback=FALLBACK)


def _owners(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    frame = with_worksites(writing, frame, applied)
    if "landlord_name" in frame or "landlord_phone" in frame:
        frame = with_landlords(writing, frame, applied)
    return frame
