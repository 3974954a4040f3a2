"""Stays (a person living in a unit from moved_in until moved_out): one rule for when two
stays overlap, shared by uploads and by moves entered one at a time.

A stay covers the days [moved_in, moved_out); an open stay (no moved_out) runs on. A person
lives in at most one unit on any day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, TypeVar

OPEN_END = date.max
STAY_COLUMNS: Final = (
    "person_id",
    "property_id",
    "room",
    "moved_in",
    "moved_out",
    "reported_on",
    "moved_out_reported_on",
)
"""What a stay records: who, where, from and until when, and when each was reported."""
Stay = TypeVar("Stay", bound=Mapping[str, Any])


def overlapping(stays: Iterable[Stay], start: date, end: date | None) -> list[Stay]:
    """The stays that share a day with [start, end) (``end`` None: still living there).

    >>> s = [{"moved_in": date(2026, 1, 1), "moved_out": date(2026, 3, 1)},
    ...      {"moved_in": date(2026, 3, 1), "moved_out": None}]
    >>> len(overlapping(s, date(2026, 2, 1), None)), len(overlapping(s, date(2025, 1, 1),
    ...     date(2026, 1, 1)))
    (2, 0)
    """
    stop = end or OPEN_END
    return [s for s in stays if s["moved_in"] < stop and start < (s["moved_out"] or OPEN_END)]
