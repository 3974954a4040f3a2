"""Coverage and overdue units, exactly as ARCHITECTURE.md defines them, in one place.

*Coverage* of an area over a window: active units with a completed visit (verified,
changes_found or vacant) in the window / active units. *Attempted coverage* counts a visit of
any outcome. *Overdue*: an active unit whose last completed visit is older than the policy
interval (default 90 days), or that was never visited. A window of W days ends with the
whole day ``as_of`` and starts W days earlier.

The flags are written once, in :func:`flags`, with nothing but comparisons and ``|``: the
same function makes pandas columns here (:func:`unit_coverage`) and the SQL the database
counts with (``geo.store.area_counts.unit_counts_by_area`` passes it column expressions), so the
two cannot drift; ``tests/test_coverage.py`` checks them on the same visits on each backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd

COMPLETED_OUTCOMES: Final = ("verified", "changes_found", "vacant")
NOT_REACHED: Final = ("nobody_home", "refused")
"""Visit outcomes after which a sweep counts its unit not reached, to visit again: nobody
was at home, or the door was refused (an attempt, never a completed visit)."""
OVERDUE_AFTER_DAYS: Final = 90
WINDOW_DAYS: Final = 90
"""The coverage window when none is chosen, in days."""
INSPECTION_TARGET: Final = 0.8
"""Default target of the monthly inspection rate of rental housing (出租房屋月查验率)."""
NEAR_TARGET: Final = 0.1
"""A rate this close below the target is "near" (amber), further below is "below" (red)."""
FLAGS: Final = ("covered", "attempted", "overdue")
"""The flags :func:`flags` gives each unit, in order."""


def day_end(as_of: date) -> datetime:
    """The first instant after the whole day ``as_of``: every window and every "last visit
    up to ``as_of``" stops before it.

    >>> day_end(date(2026, 3, 31))
    datetime.datetime(2026, 4, 1, 0, 0)
    """
    return datetime.combine(as_of + timedelta(days=1), time())


def window_bounds(as_of: date, window_days: int) -> tuple[datetime, datetime]:
    """The [start, end) datetimes of a window of ``window_days`` whole days ending on as_of.

    >>> window_bounds(date(2026, 3, 31), 90)
    (datetime.datetime(2026, 1, 1, 0, 0), datetime.datetime(2026, 4, 1, 0, 0))
    """
    if window_days < 1:
        msg = f"window_days must be at least 1, got {window_days}"
        raise ValueError(msg)
    end = day_end(as_of)
    return end - timedelta(days=window_days), end


@dataclass(frozen=True)
class Bounds:
    """The instants one count of coverage compares visits with: the window [start, end)
    and ``overdue_from`` (a last completed visit before it is overdue)."""

    start: datetime
    end: datetime
    overdue_from: datetime


def bounds(
    as_of: date,
    window_days: int = WINDOW_DAYS,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> Bounds:
    """The :class:`Bounds` of a window of ``window_days`` ending on ``as_of`` and of the
    overdue interval counted back from the same end (ValueError for a window under a day).

    >>> b = bounds(date(2026, 3, 31), 30, overdue_after_days=90)
    >>> b.start.date(), b.end.date(), b.overdue_from.date()
    (datetime.date(2026, 3, 2), datetime.date(2026, 4, 1), datetime.date(2026, 1, 1))
    """
    start, end = window_bounds(as_of, window_days)
    return Bounds(start, end, end - timedelta(days=overdue_after_days))


def flags(
    last_completed: Any,
    last_attempt: Any,
    within: Bounds,
    *,
    missing: Callable[[Any], Any],
) -> dict[str, Any]:
    """The rule itself: each unit's ``covered``, ``attempted`` and ``overdue`` flag from its
    latest completed visit and latest visit of any outcome up to ``within.end``.

    ``last_completed`` and ``last_attempt`` are columns of one kind: pandas datetime Series
    (``missing=pd.isna``) or SQL column expressions (``missing`` gives ``IS NULL``); only
    ``>=``, ``<`` and ``|`` are applied to them, which mean the same in both. A missing
    visit is never inside the window; a unit never completed is overdue.

    >>> last = pd.Series(pd.to_datetime(["2026-03-30", "2025-12-31", None]))
    >>> got = flags(last, last, bounds(date(2026, 3, 31), 30), missing=pd.isna)
    >>> {k: v.tolist() for k, v in got.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'covered': [True, False, False], 'attempted': [True, False, False],
     'overdue': [False, True, True]}
    """
    return {
        "covered": last_completed >= within.start,
        "attempted": last_attempt >= within.start,
        "overdue": missing(last_completed) | (last_completed < within.overdue_from),
    }


def days_since(last_completed: pd.Series, as_of: date) -> pd.Series:
    """Whole days from each last completed visit to the end of ``as_of`` (NaN when never
    visited): a visit on ``as_of`` itself is 0 days ago.

    >>> days_since(pd.Series(pd.to_datetime(["2026-03-31 09:00", "2026-03-01 00:00", None])),
    ...            date(2026, 3, 31)).tolist()
    [0.0, 31.0, nan]
    """
    gone = pd.Timestamp(day_end(as_of)) - pd.to_datetime(last_completed)
    return pd.Series(np.floor(gone.dt.total_seconds() / 86_400), index=last_completed.index)


def unit_coverage(
    units: pd.DataFrame,
    last_visits: pd.DataFrame,
    *,
    as_of: date,
    window_days: int = WINDOW_DAYS,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> pd.DataFrame:
    """Flag each active unit as covered, attempted and overdue (:func:`flags`).

    Parameters
    ----------
    units : columns ``id`` and ``status``; only ``status == 'active'`` units are kept.
    last_visits : columns ``property_id``, ``last_completed`` and ``last_attempt`` (the
        latest completed visit and latest visit of any outcome up to the end of ``as_of``).

    Returns the active units indexed like ``units`` with boolean ``covered``, ``attempted``,
    ``overdue`` and ``days_since_completed`` (NaN when never visited).
    """
    within = bounds(as_of, window_days, overdue_after_days)
    active = units.loc[units["status"] == "active", ["id"]]
    merged = active.merge(
        last_visits.rename(columns={"property_id": "id"}), on="id", how="left"
    ).set_index(active.index)
    completed = pd.to_datetime(merged["last_completed"])
    attempt = pd.to_datetime(merged["last_attempt"])
    out = pd.DataFrame(index=active.index)
    out["id"] = active["id"]
    for name, flag in flags(completed, attempt, within, missing=pd.isna).items():
        out[name] = flag.fillna(False).astype(bool)
    out["days_since_completed"] = days_since(completed, as_of)
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
    window_days: int = WINDOW_DAYS,
) -> pd.DataFrame:
    """Coverage at each date of ``ends``: the share of ``unit_ids`` with a completed visit in
    the window of ``window_days`` ending that day (the same definition as
    :func:`unit_coverage`, evaluated at each month end).

    ``completed_visits`` has columns property_id and visited_at (completed outcomes only).
    Returns columns month_end, units, covered, coverage.
    """
    groups = pd.Series(0, index=pd.Index(unit_ids.unique()))
    counted = covered_by_month(groups, completed_visits, ends=ends, window_days=window_days)
    if counted.empty:  # no units: a row per date all the same
        counted = pd.DataFrame({"month_end": ends, "group": 0, "units": 0, "covered": 0})
    counted = counted.drop(columns="group")
    counted["coverage"] = (counted["covered"] / counted["units"]).where(counted["units"] > 0)
    return counted


def covered_by_month(
    groups: pd.Series,
    completed_visits: pd.DataFrame,
    *,
    ends: list[date],
    window_days: int = WINDOW_DAYS,
) -> pd.DataFrame:
    """Per group of units and date of ``ends``, the units and those with a completed visit
    in the window of ``window_days`` ending that day; ``window_days=0``: the calendar month
    up to that day (the monthly inspection rate).

    ``groups``: index unit id, value its group (a community); ``completed_visits`` has
    columns property_id and visited_at. Returns columns month_end, group, units, covered,
    one row per date and group (oldest date first).
    """
    if groups.empty:
        return pd.DataFrame(columns=["month_end", "group", "units", "covered"])
    codes, keys = pd.factorize(groups, sort=True)
    units = np.bincount(codes, minlength=len(keys))
    unit_ids = groups.index.to_numpy(dtype=np.int64)
    visited = completed_visits["property_id"].to_numpy(dtype=np.int64)
    top = int(max(unit_ids.max(initial=0), visited.max(initial=0))) + 1
    group_of = np.full(top, -1, dtype=np.int64)  # each unit's group, by unit id
    group_of[unit_ids] = codes
    ours = group_of[visited] >= 0  # only the visits to these units, in time order:
    stamps = pd.to_datetime(completed_visits["visited_at"][ours]).to_numpy()  # each window
    order = np.argsort(stamps, kind="stable")  # is then one slice of them
    stamps, visited = stamps[order], visited[ours][order]
    rows = []
    for end_day in ends:
        start, end = window_bounds(end_day, window_days or month_to_date_days(end_day))
        first, last = np.searchsorted(stamps, [np.datetime64(start), np.datetime64(end)])
        seen = np.zeros(top, dtype=bool)
        seen[visited[first:last]] = True
        covered = np.bincount(group_of[seen], minlength=len(keys))
        rows.append(
            pd.DataFrame({"month_end": end_day, "group": keys, "units": units, "covered": covered})
        )
    if not rows:
        return pd.DataFrame(columns=["month_end", "group", "units", "covered"])
    return pd.concat(rows, ignore_index=True)


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
    return coverage_by_month(unit_ids, completed_visits, ends=ends, window_days=0)


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
