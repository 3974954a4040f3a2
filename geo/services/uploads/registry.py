"""The upload kinds, one entry each: how a kind's rows resolve what they name and how they
are written, which columns it needs beyond its required fields, and which rows of its file
are not rows at all. Every kind of :data:`geo.vocabulary.UPLOAD_KINDS` has an entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.services.uploads.kinds import employment, rentals, residents, visits, worksites
from geo.services.uploads.model import Applied, Writing
from geo.vocabulary import UPLOAD_KINDS

Resolve = Callable[[Writing, pd.DataFrame, Applied], pd.DataFrame]
Write = Callable[[Writing, pd.DataFrame, Applied], None]


@dataclass(frozen=True)
class UploadKind:
    """One kind of upload and its hooks into the steps of :func:`~geo.services.uploads.steps.
    import_upload`."""

    code: str
    """the kind's code in :data:`geo.vocabulary.UPLOAD_KINDS` (``"rentals"``, ...)"""
    resolve_references: Resolve
    """validated rows -> the rows with the stored ids of what they name; rows naming nothing
    known, or outside the actor's areas, reported in ``applied.problems`` and dropped"""
    write_changes: Write
    """resolved rows -> matched to the stored ones (the plan of changes) and written, counted
    in ``applied``"""
    one_of: tuple[str, ...] = ()
    """fields of which the file must have at least one column (a unit by reference or
    address)"""
    not_reached: Callable[[pd.DataFrame], np.ndarray] | None = None
    """rows (as a boolean array over the file's field text) that are no rows of this kind and
    no errors either, left out before validation"""


_UNIT = ("property_ref", "address")

KINDS: Mapping[str, UploadKind] = MappingProxyType(
    {
        "rentals": UploadKind("rentals", rentals.resolve_references, rentals.write_changes),
        "residents": UploadKind(
            "residents", residents.resolve_references, residents.write_changes, one_of=_UNIT
        ),
        "worksites": UploadKind("worksites", worksites.resolve_references, worksites.write_changes),
        "employment": UploadKind(
            "employment", employment.resolve_references, employment.write_changes
        ),
        "visits": UploadKind(
            "visits",
            visits.resolve_references,
            visits.write_changes,
            one_of=_UNIT,
            not_reached=visits.not_reached,
        ),
    }
)
"""Every upload kind by its code."""


def upload_kind(code: str) -> UploadKind:
    """The kind named ``code``; InputError ``kind_unknown`` naming the known ones otherwise.

    >>> upload_kind("rentals").code
    'rentals'
    """
    if code not in UPLOAD_KINDS or code not in KINDS:
        raise InputError("kind_unknown", kind=code, kinds=", ".join(UPLOAD_KINDS.codes))
    return KINDS[code]
