"""Reporting on time (以房管人, 以业管人): landlords report move-ins and move-outs, employers
hires and departures, within a number of working days (default 3). Working days follow the
State Council's calendar: public holidays off, make-up weekend days on (the
``chinesecalendar`` package); for years it does not cover yet, Monday to Friday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Final

import chinese_calendar
import numpy as np
import numpy.typing as npt
import pandas as pd

REPORT_WITHIN_WORKING_DAYS: Final = 3


@cache
def _calendar() -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """(weekday holidays, weekend make-up working days) as sorted day arrays."""
    holidays = sorted(d for d in chinese_calendar.holidays if d.weekday() < 5)
    makeup = sorted(d for d in chinese_calendar.workdays if d.weekday() >= 5)
    return np.array(holidays, dtype="datetime64[D]"), np.array(makeup, dtype="datetime64[D]")


def working_days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days in (start, end] for each pair (0 when end <= start; NaN when missing).

    >>> s = pd.Series([date(2026, 9, 23)]); e = pd.Series([date(2026, 10, 9)])
    >>> working_days_between(s, e).tolist()  # 24, 28, 29, 30 Sep, 8, 9 Oct
    [6.0]
    """
    known = start.notna() & end.notna()
    out = pd.Series(np.nan, index=start.index)
    if not known.any():
        return out
    a = pd.to_datetime(start[known]).to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
    b = pd.to_datetime(end[known]).to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
    holidays, makeup = _calendar()
    later = b > a
    counts = np.zeros(len(a))
    counts[later] = np.busday_count(a[later], b[later], holidays=holidays)
    counts[later] += np.searchsorted(makeup, b[later]) - np.searchsorted(makeup, a[later])
    out[known] = counts
    return out


def days_late(
    event: pd.Series,
    reported: pd.Series,
    *,
    as_of: date,
    within: int = REPORT_WITHIN_WORKING_DAYS,
) -> pd.Series:
    """Working days each report came after its deadline (``within`` working days after the
    event); 0 when on time. A report not made yet counts as made ``as_of``."""
    made = reported.where(reported.notna(), as_of)
    elapsed = working_days_between(event, made)
    return (elapsed - within).clip(lower=0)


def late_by_reporter(
    reports: pd.DataFrame, *, as_of: date, within: int = REPORT_WITHIN_WORKING_DAYS
) -> pd.DataFrame:
    """Per reporter (columns reporter, event, reported): reports, late, unreported, and the
    most and mean working days late among the late ones; the worst first."""
    late = days_late(reports["event"], reports["reported"], as_of=as_of, within=within)
    frame = reports.assign(days_late=late, is_late=late > 0, missing=reports["reported"].isna())
    grouped = frame.groupby("reporter", dropna=False)
    out = pd.DataFrame(
        {
            "reports": grouped.size(),
            "late": grouped["is_late"].sum(),
            "unreported": grouped["missing"].sum(),
            "most_days_late": grouped["days_late"].max(),
            "mean_days_late": frame.loc[frame["is_late"]].groupby("reporter")["days_late"].mean(),
        }
    ).fillna({"mean_days_late": 0.0})
    out = out.loc[out["late"] > 0].reset_index()
    out["mean_days_late"] = out["mean_days_late"].round(1)
    return out.sort_values(["late", "most_days_late"], ascending=False).reset_index(drop=True)


def deadline(event: date, *, within: int = REPORT_WITHIN_WORKING_DAYS) -> date:
    """The last day to report an event on time.

    >>> deadline(date(2026, 9, 23))  # Mid-Autumn Festival 25-27 Sep
    datetime.date(2026, 9, 29)
    """
    day, counted = event, 0
    while counted < within:
        day += timedelta(days=1)
        counted += int(
            working_days_between(pd.Series([day - timedelta(days=1)]), pd.Series([day])).iloc[0]
        )
    return day
