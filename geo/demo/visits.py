"""The demo's visits: two years of inspections, monthly history, checks of people and worksites."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.coverage import COMPLETED_OUTCOMES, month_ends
from geo.demo.identities import visit_times
from geo.demo.parameters import NOT_FOUND


def draw_visits(
    rng: np.random.Generator,
    communities: pd.DataFrame,
    properties: pd.DataFrame,
    residences: pd.DataFrame,
    worksites: pd.DataFrame,
    teams: pd.DataFrame,
    as_of: date,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """The visits, and each community's 90-day coverage it was drawn for."""
    n_prop = len(properties)
    index = AreaLookup(communities)
    community = index.positions(properties)
    targets = rng.permutation(np.linspace(0.45, 0.97, len(communities)))
    target = targets[community]
    occupied = np.bincount(
        residences.loc[residences["moved_out"].isna(), "property"], minlength=n_prop
    )
    rows = []
    # The last 90 days: a completed visit with the community's probability, else maybe an attempt.
    done = rng.random(n_prop) < target
    tried = ~done & (rng.random(n_prop) < 0.5)
    day = rng.integers(0, COVERAGE_DAYS, n_prop)
    day = np.where(done, _inspection_days(rng, target, as_of), day)
    completed_outcome = np.where(
        occupied == 0, "vacant", np.where(rng.random(n_prop) < 0.88, "verified", "changes_found")
    )
    failed_outcome = np.where(rng.random(n_prop) < 0.8, "nobody_home", "refused")
    for mask, outcome in ((done, completed_outcome), (tried, failed_outcome)):
        rows.append(
            pd.DataFrame(
                {"property": np.flatnonzero(mask), "days_ago": day[mask], "outcome": outcome[mask]}
            )
        )
    # The earlier months of the overview's year: monthly inspection, as in the current month.
    rows.append(_monthly_history(rng, targets, community, done, occupied, as_of))
    history_days = (as_of - month_ends(as_of, HISTORY_MONTHS)[0].replace(day=1)).days
    # Seven earlier quarters, kept before that year: visited more often where coverage is
    # good now.
    for quarter in range(1, 8):
        visited = rng.random(n_prop) < 0.35 + 0.55 * target
        ago = quarter * 91 + rng.integers(0, 91, n_prop)
        visited &= ago > history_days
        roll = rng.random(n_prop)
        outcome = np.select(
            [roll < 0.70, roll < 0.80, roll < 0.92, roll < 0.95],
            ["verified", "changes_found", "nobody_home", "refused"],
            "vacant",
        )
        rows.append(
            pd.DataFrame(
                {
                    "property": np.flatnonzero(visited),
                    "days_ago": ago[visited],
                    "outcome": outcome[visited],
                }
            )
        )
    visits = pd.concat(rows, ignore_index=True)
    # Units registered in the last four months have not been visited yet.
    new = (
        pd.to_datetime(properties["registered_on"]) > pd.Timestamp(as_of - timedelta(days=120))
    ).to_numpy()
    visits = visits.loc[~new[visits["property"].to_numpy()]].reset_index(drop=True)
    visits["residents_seen"] = np.where(
        visits["outcome"].isin(COMPLETED_OUTCOMES), occupied[visits["property"]], 0
    )
    visits["visited_at"] = visit_times(rng, as_of, visits["days_ago"].to_numpy())
    visits["property_ref"] = properties["external_ref"].to_numpy()[visits["property"]]
    visits["team"] = teams["name"].to_numpy()[
        2 * community[visits["property"]] + rng.integers(0, 2, len(visits))
    ]
    visits["person_key"] = None
    visits["worksite_ref"] = None
    people = _person_checks(rng, visits, residences)
    site_visits = _worksite_visits(rng, worksites, as_of)
    columns = [
        "property_ref",
        "worksite_ref",
        "person_key",
        "visited_at",
        "outcome",
        "residents_seen",
        "team",
    ]
    combined: pd.DataFrame = pd.concat(
        [visits[columns], people[columns], site_visits[columns]], ignore_index=True
    )
    return combined, targets


class AreaLookup:
    """Which community each generated unit lies in (positions into ``communities``)."""

    def __init__(self, communities: pd.DataFrame) -> None:
        self.geoms = np.asarray(communities["geometry"], dtype=object)
        self.tree = shapely.STRtree(self.geoms)

    def positions(self, frame: pd.DataFrame) -> npt.NDArray[np.int64]:
        points = shapely.points(frame["x"].to_numpy(), frame["y"].to_numpy())
        distance = self.tree.query_nearest(points, return_distance=False, all_matches=False)
        out = np.zeros(len(frame), dtype=np.int64)
        out[distance[0]] = distance[1]
        return out


COVERAGE_DAYS: Final = 90
"""The window of the coverage each community's visits are drawn for."""
MONTHLY_GAP: Final = 0.03
"""The demo's monthly inspection rate of a community sits this far below its 90-day
coverage, so the overview's inspection map spreads over its three colours (met, near,
below the 80 % target) instead of one."""


def _inspection_days(
    rng: np.random.Generator, target: npt.NDArray[np.float64], as_of: date
) -> npt.NDArray[np.int64]:
    """Days ago of each unit's completed visit of the last 90 days: with probability
    (target - MONTHLY_GAP) / target in the calendar month up to ``as_of`` (so the month's
    inspection rate is about target - MONTHLY_GAP), else earlier in the 90 days. Drawn from
    a child generator: the rest of the district stays as the seed made it."""
    child = rng.spawn(1)[0]
    month_days = as_of.day  # days ago 0 .. day - 1 fall in this month
    in_month = child.random(len(target)) < np.clip(target - MONTHLY_GAP, 0, 1) / target
    return np.where(
        in_month,
        child.integers(0, month_days, len(target)),
        child.integers(month_days, COVERAGE_DAYS, len(target)),
    )


HISTORY_MONTHS: Final = 12
"""Calendar months of monthly inspection behind the demo (the overview charts as many):
the current one up to ``as_of`` and the eleven before it."""
HISTORY_NOISE: Final = 0.035
"""Spread of a community's rate from month to month around its 90-day coverage less
MONTHLY_GAP."""
SPRING_FESTIVAL_DIP: Final = 0.06
"""How much lower every community's rate is in February, when many tenants go home for the
Spring Festival."""
HARD_UNIT_VISIT: Final = 0.04
HARD_UNIT_ATTEMPT: Final = 0.15
"""Monthly chances of a completed visit and of an attempt (nobody home, refused) at a unit
that the 90-day window finds uncovered, in the part of a month before that window."""


def _monthly_history(
    rng: np.random.Generator,
    targets: npt.NDArray[np.float64],
    community: npt.NDArray[np.int64],
    done: npt.NDArray[np.bool_],
    occupied: npt.NDArray[np.int64],
    as_of: date,
) -> pd.DataFrame:
    """Completed visits and attempts of the HISTORY_MONTHS - 1 calendar months before the
    one of ``as_of`` (property positions, days ago, outcomes), so every month of the
    overview's inspection chart has a believable rate of its own.

    Each community's rate in a month is its 90-day coverage less MONTHLY_GAP (as in the
    current month), moved by a draw of its own (HISTORY_NOISE) and lower in February
    (SPRING_FESTIVAL_DIP). The units covered in the last 90 days (``done``) carry the rate;
    the others get a visit or an attempt now and then, only before the 90-day window, so the
    90-day coverage stays what it was drawn for. Drawn from a child generator: the rest of
    the district stays as the seed made it."""
    child = rng.spawn(1)[0]
    n_prop = len(community)
    rows = []
    for end in month_ends(as_of, HISTORY_MONTHS)[:-1]:
        first = end.replace(day=1)
        newest, oldest = (as_of - end).days, (as_of - first).days
        rate = targets - MONTHLY_GAP + child.normal(0, HISTORY_NOISE, len(targets))
        if first.month == 2:
            rate -= SPRING_FESTIVAL_DIP
        share = np.clip(rate / targets, 0, 1)[community]
        visited = done & (child.random(n_prop) < share)
        days = child.integers(newest, oldest + 1, n_prop)
        roll = child.random(n_prop)
        outcome = np.where(
            occupied == 0, "vacant", np.where(roll < 0.9, "verified", "changes_found")
        )
        before = max(newest, COVERAGE_DAYS)  # the hard units' part of the month
        if before <= oldest:
            hard_day = child.integers(before, oldest + 1, n_prop)
            hard = child.random(n_prop)
            reached = ~done & (hard < HARD_UNIT_VISIT)
            tried = ~done & ~reached & (hard < HARD_UNIT_VISIT + HARD_UNIT_ATTEMPT)
            days = np.where(visited, days, hard_day)
            outcome = np.where(tried, np.where(roll < 0.8, "nobody_home", "refused"), outcome)
            visited |= reached | tried
        rows.append(
            pd.DataFrame(
                {
                    "property": np.flatnonzero(visited),
                    "days_ago": days[visited],
                    "outcome": outcome[visited],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _person_checks(
    rng: np.random.Generator, visits: pd.DataFrame, residences: pd.DataFrame
) -> pd.DataFrame:
    """Resident-level checks made during completed unit visits; about NOT_FOUND end not_found."""
    completed = visits.loc[visits["outcome"].isin(["verified", "changes_found"])]
    by_property = completed.sort_values("visited_at").groupby("property")["visited_at"]
    last = by_property.last()
    first = by_property.first()
    current = residences.loc[residences["moved_out"].isna()].copy()
    current["last_visit"] = current["property"].map(last)
    current["first_visit"] = current["property"].map(first)
    moved_in = pd.to_datetime(current["moved_in"])
    eligible = current.loc[current["last_visit"].notna() & (current["last_visit"] > moved_in)]
    chosen = eligible.sample(min(len(eligible), NOT_FOUND + 1_000), random_state=rng)
    lost, found = chosen.iloc[:NOT_FOUND], chosen.iloc[NOT_FOUND:]
    rows = [
        lost.assign(visited_at=lost["last_visit"], outcome="not_found"),
        found.assign(visited_at=found["last_visit"], outcome="verified"),
    ]
    earlier = found.loc[found["first_visit"] < found["last_visit"]]
    rows.append(earlier.assign(visited_at=earlier["first_visit"], outcome="not_found"))
    out = pd.concat(rows, ignore_index=True)
    visit_team = visits.drop_duplicates(["property", "visited_at"]).set_index(
        ["property", "visited_at"]
    )["team"]
    out["team"] = visit_team.reindex(
        pd.MultiIndex.from_arrays([out["property"], out["visited_at"]])
    ).to_numpy()
    out["residents_seen"] = None
    out["worksite_ref"] = None
    return out


def _worksite_visits(
    rng: np.random.Generator, worksites: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    count = rng.integers(1, 7, len(worksites))
    site = np.repeat(np.arange(len(worksites)), count)
    days = rng.integers(0, 730, len(site))
    return pd.DataFrame(
        {
            "property_ref": None,
            "worksite_ref": worksites["external_ref"].to_numpy()[site],
            "person_key": None,
            "visited_at": visit_times(rng, as_of, days),
            "outcome": np.where(rng.random(len(site)) < 0.9, "verified", "changes_found"),
            "residents_seen": None,
            "team": None,
        }
    )
