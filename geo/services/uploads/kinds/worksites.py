"""Worksites (实有单位): one per reference, else name and address; the contact's phone
sealed."""

from __future__ import annotations

import pandas as pd

from geo.privacy import mask_phone, sealed_columns
from geo.services.uploads.kinds.located import resolve_located, write_located
from geo.services.uploads.model import Applied, Writing

FALLBACK = ("name", "address")


def resolve_references(writing: Writing, good: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Worksites with their contact phone sealed, placed in areas."""
    return resolve_located(
        writing, good, applied, table="worksite", fallback=FALLBACK, prepare=_sealed
    )


def write_changes(writing: Writing, frame: pd.DataFrame, applied: Applied) -> None:
    """Insert new worksites, update known ones."""
    write_located(writing, frame, applied, table="worksite", fallback=FALLBACK)


def _sealed(writing: Writing, frame: pd.DataFrame, _applied: Applied) -> pd.DataFrame:
    if "contact_phone" not in frame:
        return frame
    sealed = sealed_columns(
        frame["contact_phone"], writing.keys, prefix="contact_phone", mask=mask_phone
    )
    return frame.drop(columns="contact_phone").join(sealed.drop(columns="contact_phone_hmac"))
