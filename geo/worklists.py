"""The lists staff act on, from frames of current units and people: crowded units, residence
permits due, residents not found, and occupied units nobody has visited for long.

Pure functions; thresholds are parameters (the service reads them from configuration).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import numpy as np
import pandas as pd

from geo.fields import normalise_header
from geo.indicators import CROWDED_M2_PER_PERSON, CROWDED_PER_ROOM, crowded

LISTS: Final = (
    "crowded",
    "permits",
    "not-found",
    "stale",
    "late-reports",
    "unhoused-workers",
    "dormitory-outsiders",
    "unknown-employers",
)
PERMIT_DUE_DAYS: Final = 30
STALE_AFTER_DAYS: Final = 180


def unknown_employers(residents: pd.DataFrame, worksite_names: pd.Series) -> pd.DataFrame:
    """Residents who declared an employer that is not on record: no worksite has that name
    (compared without spaces, brackets or full-width forms) and they hold no current job.

    ``residents`` has employer_name and employed (bool).

    >>> r = pd.DataFrame({"name": ["甲", "乙", "丙"], "employer_name": ["华兴 厂", "无名店", None],
    ...                   "employed": [False, False, False]})
    >>> unknown_employers(r, pd.Series(["华兴厂"]))["name"].tolist()
    ['乙']
    """
    known = set(worksite_names.dropna().map(normalise_header))
    declared = residents["employer_name"].fillna("").astype(str)
    unknown = (declared.str.strip() != "") & ~declared.map(normalise_header).isin(known)
    out = residents.loc[unknown & ~residents["employed"].astype(bool)]
    return out.drop(columns=["employed"]).reset_index(drop=True)


def crowded_units(
    units: pd.DataFrame,
    *,
    per_room: float = CROWDED_PER_ROOM,
    m2_per_person: float = CROWDED_M2_PER_PERSON,
) -> pd.DataFrame:
    """Occupied units beyond either crowding threshold, most crowded first, with
    residents_per_room and m2_per_resident."""
    flagged = crowded(
        units["residents"],
        units["rooms"],
        units["floor_area_m2"],
        per_room=per_room,
        m2_per_person=m2_per_person,
    )
    out = units.loc[flagged].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["residents_per_room"] = (out["residents"] / out["rooms"].where(out["rooms"] > 0)).round(
            2
        )
        out["m2_per_resident"] = (out["floor_area_m2"] / out["residents"]).round(1)
    return out.sort_values(["residents_per_room", "residents"], ascending=False).reset_index(
        drop=True
    )


def permit_due_by(as_of: date, *, days: int = PERMIT_DUE_DAYS) -> date:
    """The last permit expiry day that is due on ``as_of``: ``days`` later.

    >>> permit_due_by(date(2026, 11, 29))
    datetime.date(2026, 12, 29)
    """
    return as_of + timedelta(days=days)


def permits_due(people: pd.DataFrame, *, as_of: date, days: int = PERMIT_DUE_DAYS) -> pd.DataFrame:
    """Current residents whose residence permit expired or expires within ``days``
    (:func:`permit_due_by`), soonest first, with days_left (negative: expired)."""
    expiry = pd.to_datetime(people["permit_expiry"])
    due = expiry.notna() & (expiry <= pd.Timestamp(permit_due_by(as_of, days=days)))
    left = (expiry - pd.Timestamp(as_of)).dt.days
    out = people.loc[due].assign(days_left=left.loc[due].astype("Int64"))
    return out.sort_values(["days_left", "community", "name"]).reset_index(drop=True)


def stale_units(units: pd.DataFrame, *, as_of: date, days: int = STALE_AFTER_DAYS) -> pd.DataFrame:
    """Occupied units with no visit of any outcome in the last ``days`` (or never), the
    longest unvisited first, with days_since (NaN: never visited)."""
    last = pd.to_datetime(units["last_visit"])
    since = (pd.Timestamp(as_of) + pd.Timedelta(days=1) - last).dt.days
    out = units.loc[since.isna() | (since > days)].assign(days_since=since)
    return out.sort_values("days_since", ascending=False, na_position="first").reset_index(
        drop=True
    )


def counts_by_community(table: pd.DataFrame) -> pd.DataFrame:
    """How many rows of a list fall in each community (every list names the community of
    its unit, worksite or reporter; None for those outside every community), largest first;
    never by anything else.

    >>> t = pd.DataFrame({"community": ["甲村", "乙村", "甲村"], "kind": ["landlord"] * 3})
    >>> counts_by_community(t).to_dict("records")
    [{'community': '甲村', 'count': 2}, {'community': '乙村', 'count': 1}]
    """
    if "community" not in table:
        return pd.DataFrame({"community": [], "count": []})
    counts = table.groupby("community", dropna=False).size().rename("count").reset_index()
    named = [None if pd.isna(c) else c for c in counts["community"]]
    counts["community"] = pd.Series(named, index=counts.index, dtype=object)
    return counts.sort_values(["count", "community"], ascending=[False, True]).reset_index(
        drop=True
    )
