"""Coverage and overdue units, exactly as ARCHITECTURE.md defines them, in one place.

*Coverage* of an area over a window: active units with a completed visit (verified,
changes_found or vacant) in the window / active units. *Attempted coverage* counts a visit of
any outcome. *Overdue*: an active unit whose last completed visit is older than the policy
interval (default 90 days), or that was never visited. A window of W days ends with the
whole day ``as_of`` and starts W days earlier.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

import numpy as np
import pandas as pd

COMPLETED_OUTCOMES: Final = ("verified", "changes_found", "vacant")
OVERDUE_AFTER_DAYS: Final = 90
INSPECTION_TARGET: Final = 0.8
"""Default target of the monthly inspection rate of rental housing (出租房屋月查验率)."""
NEAR_TARGET: Final = 0.1
"""A rate this close below the target is "near" (amber), further below is "below" (red)."""


def window_bounds(as_of: date, window_days: int) -> tuple[datetime, datetime]:
    """The [start, end) datetimes of a window of ``window_days`` whole days ending on as_of.

    >>> window_bounds(date(2026, 3, 31), 90)
    (datetime.datetime(2026, 1, 1, 0, 0), datetime.datetime(2026, 4, 1, 0, 0))
    """
    if window_days < 1:
        msg = f"window_days must be at least 1, got {window_days}"
        raise ValueError(msg)
    end = datetime.combine(as_of + timedelta(days=1), time())
    return end - timedelta(days=window_days), end


def unit_coverage(
    units: pd.DataFrame,
    last_visits: pd.DataFrame,
    *,
    as_of: date,
    window_days: int = 90,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> pd.DataFrame:
    """Flag each active unit as covered, attempted and overdue.

    Parameters
    ----------
    units : columns ``id`` and ``status``; only ``status == 'active'`` units are kept.
    last_visits : columns ``property_id``, ``last_completed`` and ``last_attempt`` (the
        latest completed visit and latest visit of any outcome up to the end of ``as_of``).

    Returns the active units indexed like ``units`` with boolean ``covered``, ``attempted``,
    ``overdue`` and ``days_since_completed`` (NaN when never visited).
    """
    start, end = window_bounds(as_of, window_days)
    active = units.loc[units["status"] == "active", ["id"]]
    merged = active.merge(
        last_visits.rename(columns={"property_id": "id"}), on="id", how="left"
    ).set_index(active.index)
    completed = pd.to_datetime(merged["last_completed"])
    attempt = pd.to_datetime(merged["last_attempt"])
    overdue_from = end - timedelta(days=overdue_after_days)
    out = pd.DataFrame(index=active.index)
    out["id"] = active["id"]
    out["covered"] = (completed >= start).fillna(False).astype(bool)
    out["attempted"] = (attempt >= start).fillna(False).astype(bool)
    out["overdue"] = (completed.isna() | (completed < overdue_from)).astype(bool)
    out["days_since_completed"] = np.floor((end - completed).dt.total_seconds() / 86_400)
    return out


def month_ends(as_of: date, months: int) -> list[date]:
    """The last ``months`` month ends up to ``as_of``, the current month counted as ending on
    ``as_of``, oldest first.

    >>> month_ends(date(2026, 11, 29), 3)
    [datetime.date(2026, 9, 30), datetime.date(2026, 10, 31), datetime.date(2026, 11, 29)]
    """
    ends = [as_of]
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        first_prev = (first - timedelta(days=1)).replace(day=1)
        ends.append(first - timedelta(days=1))
        first = first_prev
    return sorted(ends)


def coverage_by_month(
    unit_ids: pd.Series,
    completed_visits: pd.DataFrame,
    *,
    ends: list[date],
    window_days: int = 90,
) -> pd.DataFrame:
    """Coverage at each date of ``ends``: the share of ``unit_ids`` with a completed visit in
    the window of ``window_days`` ending that day (the same definition as
    :func:`unit_coverage`, evaluated at each month end).

    ``completed_visits`` has columns property_id and visited_at (completed outcomes only).
    Returns columns month_end, units, covered, coverage.
    """
    units = pd.Index(unit_ids.unique())
    visits = completed_visits.loc[completed_visits["property_id"].isin(units)]
    stamps = pd.to_datetime(visits["visited_at"]).to_numpy()
    ids = visits["property_id"].to_numpy()
    rows = []
    for end_day in ends:
        start, end = window_bounds(end_day, window_days)
        inside = (stamps >= np.datetime64(start)) & (stamps < np.datetime64(end))
        covered = len(np.unique(ids[inside]))
        rows.append(
            {
                "month_end": end_day,
                "units": len(units),
                "covered": covered,
                "coverage": covered / len(units) if len(units) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def month_to_date_days(day: date) -> int:
    """The window of the monthly inspection rate: the calendar month up to ``day``.

    >>> month_to_date_days(date(2026, 11, 29)), month_to_date_days(date(2026, 12, 1))
    (29, 1)
    """
    return day.day


def monthly_inspection(
    unit_ids: pd.Series, completed_visits: pd.DataFrame, *, ends: list[date]
) -> pd.DataFrame:
    """The monthly inspection rate (出租房屋月查验率) at each date of ``ends``: the share of
    ``unit_ids`` with a completed visit from the first of that month to that day.

    Returns columns month_end, units, covered, coverage.
    """
    return pd.concat(
        [
            coverage_by_month(
                unit_ids, completed_visits, ends=[end], window_days=month_to_date_days(end)
            )
            for end in ends
        ],
        ignore_index=True,
    )


def inspection_status(
    rate: float, *, target: float = INSPECTION_TARGET, near: float = NEAR_TARGET
) -> str:
    """``met`` at or above the target, ``near`` within ``near`` below it, else ``below``
    (``none`` when there is no rate).

    >>> [inspection_status(r) for r in (0.85, 0.75, 0.5, float("nan"))]
    ['met', 'near', 'below', 'none']
    """
    if rate != rate:  # NaN: no units
        return "none"
    if rate >= target:
        return "met"
    return "near" if rate >= target - near else "below"
