"""The rules a submission must pass: its kit known and not expired, its unit in the team's
share, its outcome and time readable; same-day disagreements found; who may name
newcomers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Final

import pandas as pd

from geo.fieldkit.forms import OUTCOMES
from geo.fieldkit.submissions import present

REFUSAL_REASONS: Final = (
    "unknown_kit",
    "late",
    "not_in_share",
    "no_unit",
    "bad_outcome",
    "bad_time",
    "rejected_in_central",
    "outside_scope",
)
"""Why a submission is refused (catalogue keys ``kit_refused_<reason>``)."""


def records_people(roles: Collection[str], permissions: Mapping[str, Collection[str]]) -> bool:
    """Whether a team may name newcomers (not only count them): it has members and every one
    of them may record people (``import``); one sweeper in the team makes it count only.

    >>> perms = {"registrar": ("import",), "sweeper": ("view_records",)}
    >>> records_people(["registrar"], perms), records_people(["registrar", "sweeper"], perms)
    (True, False)
    """
    return bool(roles) and all("import" in permissions.get(r, ()) for r in roles)


def refusals(
    submissions: pd.DataFrame,
    *,
    kits: pd.DataFrame,
    shares: pd.DataFrame,
) -> pd.Series:
    """Why each submission is refused (a reason of :data:`REFUSAL_REASONS`), or None.

    ``kits``: kit_id, sweep_id, team_id, expires_on; ``shares``: sweep_id, team_id,
    property_id (each team's units). A submission is refused when its kit is unknown, it
    was made after the kit's expiry day, it names no unit or a unit outside its team's
    share, its outcome or time cannot be read, or ODK Central's reviewer rejected it.

    >>> kits = pd.DataFrame({"kit_id": [1], "sweep_id": [5], "team_id": [9],
    ...     "expires_on": [date(2026, 12, 1)]})
    >>> shares = pd.DataFrame({"sweep_id": [5], "team_id": [9], "property_id": [3]})
    >>> s = pd.DataFrame({"kit": [1, 1, 1, 2], "unit": [3, 4, 3, 3], "outcome": ["verified"] * 4,
    ...     "review_state": ["", "", "", ""], "visited_at": pd.to_datetime(
    ...     ["2026-11-30 10:00", "2026-11-30 10:00", "2026-12-02 09:00", "2026-11-30 10:00"])})
    >>> refusals(s, kits=kits, shares=shares).tolist()
    [None, 'not_in_share', 'late', 'unknown_kit']
    """
    owned = set(
        zip(shares["sweep_id"], shares["team_id"], shares["property_id"].astype(int), strict=True)
    )
    stamps: dict[int, tuple[int, int, date]] = {
        int(k): (int(s), int(t), e)
        for k, s, t, e in zip(
            kits["kit_id"], kits["sweep_id"], kits["team_id"], kits["expires_on"], strict=True
        )
    }
    reasons: list[str | None] = []
    for kit_value, unit, outcome, review, moment in zip(
        submissions["kit"].tolist(),
        submissions["unit"].tolist(),
        submissions["outcome"].tolist(),
        submissions["review_state"].tolist(),
        pd.to_datetime(submissions["visited_at"]).tolist(),
        strict=True,
    ):
        kit = int(kit_value) if present(kit_value) else None
        if kit is None or kit not in stamps:
            reasons.append("unknown_kit")
        elif str(review).lower() == "rejected":
            reasons.append("rejected_in_central")
        elif not present(unit):
            reasons.append("no_unit")
        elif outcome not in OUTCOMES:
            reasons.append("bad_outcome")
        elif pd.isna(moment):
            reasons.append("bad_time")
        elif moment.date() > stamps[kit][2]:
            reasons.append("late")
        elif (stamps[kit][0], stamps[kit][1], int(unit)) not in owned:
            reasons.append("not_in_share")
        else:
            reasons.append(None)
    return pd.Series(reasons, index=submissions.index, dtype=object)


def conflicting_days(submissions: pd.DataFrame) -> pd.DataFrame:
    """The (unit, day) pairs whose submissions disagree: different outcomes, or different
    numbers of people seen. ``submissions``: property_id, visited_at, outcome, seen.

    >>> s = pd.DataFrame({"property_id": [1, 1, 2, 2], "outcome": ["verified", "vacant",
    ...     "verified", "verified"], "seen": [2, None, 1, 1], "visited_at": pd.to_datetime(
    ...     ["2026-11-30 09:00", "2026-11-30 15:00", "2026-11-30 09:00", "2026-11-30 10:00"])})
    >>> conflicting_days(s).values.tolist()
    [[1, datetime.date(2026, 11, 30)]]
    """
    if submissions.empty:
        return pd.DataFrame(columns=["property_id", "day"])
    keyed = submissions.assign(
        day=pd.to_datetime(submissions["visited_at"]).dt.date,
        said=submissions["outcome"].astype(str)
        + "|"
        + pd.to_numeric(submissions["seen"], errors="coerce").astype("Int64").astype(str),
    )
    distinct = keyed.groupby(["property_id", "day"])["said"].nunique()
    return distinct[distinct > 1].reset_index()[["property_id", "day"]]
