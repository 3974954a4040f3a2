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
from geo.fields import fields_of

REFUSAL_REASONS: Final = (
    "unknown_kit",
    "late",
    "early",
    "not_in_share",
    "no_unit",
    "bad_outcome",
    "bad_time",
    "rejected_in_central",
    "outside_scope",
    "out_of_range",
)
"""Why a submission is refused (catalogue keys ``kit_refused_<reason>``)."""

_SEEN = fields_of("visits")["residents_seen"]
COUNT_LIMITS: Final = (float(_SEEN.minimum or 0), float(_SEEN.maximum or 0))
"""The whole numbers a submission's counts (seen, confirmed, new_residents) may hold: the
range the visits upload allows for people seen (:mod:`geo.fields`, ``residents_seen``)."""


def counts_in_range(values: Collection[object]) -> bool:
    """Whether every given count is a whole number within :data:`COUNT_LIMITS`; empty cells
    pass.

    >>> counts_in_range([2, None, float("nan")]), counts_in_range([-5]), counts_in_range([1.5])
    (True, False, False)
    """
    low, high = COUNT_LIMITS
    for value in values:
        if not present(value):
            continue
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        if pd.isna(number) or number % 1 != 0 or not low <= number <= high:
            return False
    return True


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

    ``kits``: kit_id, sweep_id, team_id, expires_on, and issued_on when known;
    ``shares``: sweep_id, team_id, property_id (each team's units). ``submissions`` may
    carry seen, confirmed and new_residents. A submission is refused when its kit is
    unknown, it was made after the kit's expiry day (``late``) or before its issue day
    (``early``), it names no unit or a unit outside its team's share, its outcome or time
    cannot be read, ODK Central's reviewer rejected it, or a count is not a whole number
    within :data:`COUNT_LIMITS` (``out_of_range``, the visits upload's rule).

    >>> kits = pd.DataFrame({"kit_id": [1], "sweep_id": [5], "team_id": [9],
    ...     "issued_on": [date(2026, 11, 30)], "expires_on": [date(2026, 12, 1)]})
    >>> shares = pd.DataFrame({"sweep_id": [5], "team_id": [9], "property_id": [3]})
    >>> s = pd.DataFrame({"kit": [1, 1, 1, 2, 1, 1], "unit": [3, 4, 3, 3, 3, 3],
    ...     "outcome": ["verified"] * 6, "review_state": [""] * 6,
    ...     "seen": [1, 1, 1, 1, 1, -5], "visited_at": pd.to_datetime(
    ...     ["2026-11-30 10:00", "2026-11-30 10:00", "2026-12-02 09:00", "2026-11-30 10:00",
    ...      "2026-11-29 10:00", "2026-11-30 10:00"])})
    >>> refusals(s, kits=kits, shares=shares).tolist()
    [None, 'not_in_share', 'late', 'unknown_kit', 'early', 'out_of_range']
    """
    owned = set(
        zip(shares["sweep_id"], shares["team_id"], shares["property_id"].astype(int), strict=True)
    )
    issued = kits["issued_on"] if "issued_on" in kits.columns else pd.Series([None] * len(kits))
    stamps: dict[int, tuple[int, int, date, date | None]] = {
        int(k): (int(s), int(t), e, pd.Timestamp(i).date() if present(i) else None)
        for k, s, t, e, i in zip(
            kits["kit_id"],
            kits["sweep_id"],
            kits["team_id"],
            kits["expires_on"],
            issued.tolist(),
            strict=True,
        )
    }
    nothing = pd.Series([None] * len(submissions), index=submissions.index, dtype=object)
    counts = zip(
        *(
            (submissions[c] if c in submissions.columns else nothing).tolist()
            for c in ("seen", "confirmed", "new_residents")
        ),
        strict=True,
    )
    reasons: list[str | None] = []
    for kit_value, unit, outcome, review, moment, numbers in zip(
        submissions["kit"].tolist(),
        submissions["unit"].tolist(),
        submissions["outcome"].tolist(),
        submissions["review_state"].tolist(),
        pd.to_datetime(submissions["visited_at"]).tolist(),
        counts,
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
        elif stamps[kit][3] is not None and moment.date() < stamps[kit][3]:
            reasons.append("early")
        elif (stamps[kit][0], stamps[kit][1], int(unit)) not in owned:
            reasons.append("not_in_share")
        elif not counts_in_range(numbers):
            reasons.append("out_of_range")
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
