"""Sweep planning rules: what to visit first and why, back-check sampling and its verdict.

Pure functions on frames. The priority of a unit is a weighted sum of five factors, each
scaled to 0..1 so that a weight means the same for every factor; every factor's contribution
is returned beside the score, so anyone can see why a unit is ranked where it is.
Back-checks follow lot quality assurance sampling (LQAS): draw ``n`` units per community at
random; the community passes when at most ``d`` of them fail the re-check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

import numpy as np
import pandas as pd

from geo.coverage import OVERDUE_AFTER_DAYS
from geo.errors import InputError

FACTORS: Final = ("overdue", "residents", "crowded", "recent", "not_found")
"""Priority factors, in the order they are shown."""
DEFAULT_WEIGHTS: Final[dict[str, float]] = {
    "overdue": 3.0,
    "residents": 1.0,
    "crowded": 2.0,
    "recent": 1.0,
    "not_found": 2.0,
}
OVERDUE_FULL_DAYS: Final = 180
"""Days overdue at which the overdue factor reaches 1 (never visited counts as full)."""
RESIDENTS_FULL: Final = 10
"""Residents at which the residents factor reaches 1."""
NOT_FOUND_FULL: Final = 3
"""Residents not found at which the not-found factor reaches 1."""
RECENT_DAYS: Final = 30
"""A unit registered within this many days counts as a recent registration."""

MAX_WEIGHT: Final = 10.0
"""The largest weight a factor may have (the page's inputs run 0 to 10 as well)."""


def check_weights(weights: dict[str, float]) -> None:
    """Refuse weights that rank nothing sensibly: an unknown factor, a weight that is not a
    number from 0 to :data:`MAX_WEIGHT` (negative, NaN, infinite, huge), or every weight 0.

    Raises ``InputError`` ``sweep_weight_invalid`` (factor, value) or
    ``sweep_weights_all_zero``.

    >>> check_weights({"overdue": 3.0, "residents": 0.0})
    >>> check_weights({"overdue": float("nan")})
    Traceback (most recent call last):
    geo.errors.InputError: sweep_weight_invalid: {'factor': 'overdue', 'value': nan, 'most': 10.0}
    """
    for factor, value in weights.items():
        number = float(value)
        if factor not in FACTORS or not math.isfinite(number) or not 0 <= number <= MAX_WEIGHT:
            raise InputError("sweep_weight_invalid", factor=factor, value=value, most=MAX_WEIGHT)
    if weights and not any(float(v) > 0 for v in weights.values()):
        raise InputError("sweep_weights_all_zero")


LQAS_SAMPLE: Final = 19
LQAS_MAX_FAILURES: Final = 1


def priority(
    units: pd.DataFrame,
    *,
    as_of: date,
    weights: dict[str, float] | None = None,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
    recent_days: int = RECENT_DAYS,
) -> pd.DataFrame:
    """Score and rank units for a sweep, with each factor's contribution.

    Parameters
    ----------
    units : one row per unit with ``property_id``, ``days_since_completed`` (NaN: never
        visited), ``residents``, ``crowded`` (bool), ``registered_on`` (date or None) and
        ``not_found`` (current residents whose last visit found them absent).
    weights : factor -> weight (missing factors weigh 0 when a dict is given; defaults
        :data:`DEFAULT_WEIGHTS`).

    Returns ``units`` with ``days_overdue``, one ``<factor>_points`` column per factor
    (weight x factor value in 0..1), ``score`` and ``rank`` (1 = visit first), sorted by rank.

    >>> units = pd.DataFrame({"property_id": [1, 2], "days_since_completed": [10, None],
    ...     "residents": [5, 1], "crowded": [True, False], "registered_on": [None, None],
    ...     "not_found": [0, 0]})
    >>> ranked = priority(units, as_of=date(2026, 11, 29))
    >>> ranked["property_id"].tolist(), ranked["overdue_points"].tolist()
    ([2, 1], [3.0, 0.0])
    >>> ranked["crowded_points"].tolist(), ranked["rank"].tolist()
    ([0.0, 2.0], [1, 2])
    """
    chosen = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(chosen) - set(FACTORS)
    if unknown:
        msg = f"unknown priority factors {sorted(unknown)}; use {', '.join(FACTORS)}"
        raise ValueError(msg)
    out = units.copy()
    since = pd.to_numeric(out["days_since_completed"], errors="coerce")
    overdue_days = (since - overdue_after_days).clip(lower=0)
    out["days_overdue"] = overdue_days.where(since.notna())
    registered = pd.to_datetime(out["registered_on"], errors="coerce")
    recent_from = pd.Timestamp(as_of - timedelta(days=recent_days))
    values = {
        "overdue": (overdue_days / OVERDUE_FULL_DAYS).clip(upper=1).where(since.notna(), 1.0),
        "residents": (out["residents"].astype(float) / RESIDENTS_FULL).clip(upper=1),
        "crowded": out["crowded"].astype(bool).astype(float),
        "recent": (registered >= recent_from).astype(float),
        "not_found": (out["not_found"].astype(float) / NOT_FOUND_FULL).clip(upper=1),
    }
    score = pd.Series(0.0, index=out.index)
    for factor in FACTORS:
        points = (values[factor].fillna(0.0) * float(chosen.get(factor, 0.0))).round(3)
        out[f"{factor}_points"] = points
        score += points
    out["score"] = score.round(3)
    ordered = out.assign(_since=since.fillna(np.inf)).sort_values(
        ["score", "_since", "property_id"], ascending=[False, False, True], kind="stable"
    )
    ordered["rank"] = np.arange(1, len(ordered) + 1)
    return ordered.drop(columns="_since").reset_index(drop=True)


def parse_teams(text: str) -> dict[str, list[str]]:
    r"""Teams and their members from lines ``team: user, user`` (one team a line; a line
    without a colon is a team without members yet), in the order given.

    >>> parse_teams("一组：zhang, li\n二组\n\n一组: wang")
    {'一组': ['zhang', 'li', 'wang'], '二组': []}
    """
    teams: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, _, members = line.replace("：", ":").partition(":")
        if not name.strip():
            continue
        people = [m.strip() for m in members.replace("，", ",").split(",") if m.strip()]
        teams.setdefault(name.strip(), []).extend(
            p for p in people if p not in teams.get(name.strip(), [])
        )
    return teams


def days_needed(units: int, *, teams: int, units_per_team_day: float) -> int:
    """Working days for ``teams`` to visit ``units`` at ``units_per_team_day`` each.

    >>> days_needed(130, teams=3, units_per_team_day=20)
    3
    """
    if teams < 1 or units_per_team_day <= 0:
        msg = "teams and units per team per day must be positive"
        raise ValueError(msg)
    return math.ceil(units / (teams * units_per_team_day))


@dataclass(frozen=True)
class Lqas:
    """An LQAS rule: re-check ``n`` units per community; pass with at most ``d`` failures."""

    n: int = LQAS_SAMPLE
    d: int = LQAS_MAX_FAILURES
    seed: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 <= self.d < self.n:
            msg = f"LQAS needs n >= 1 and 0 <= d < n, got n={self.n}, d={self.d}"
            raise ValueError(msg)


def backcheck_sample(units: pd.DataFrame, rule: Lqas) -> pd.DataFrame:
    """Draw up to ``rule.n`` units per community at random (reproducible with ``rule.seed``).

    ``units`` needs ``community_id`` and ``property_id``; the same units and seed always give
    the same sample, so a sample can be drawn again instead of stored.
    """
    rng = np.random.default_rng(rule.seed)
    keyed = units.assign(_draw=rng.random(len(units))).sort_values(
        ["community_id", "_draw", "property_id"]
    )
    return (
        keyed.groupby("community_id", sort=True, group_keys=False)
        .head(rule.n)
        .drop(columns="_draw")
        .reset_index(drop=True)
    )


def unit_key(address: pd.Series, room: pd.Series) -> pd.Series:
    """A unit's address and room folded for matching what the field saw with the registry:
    NFKC (full-width digits), no white space, upper case.

    >>> unit_key(pd.Series(["一村 1号", "一村１号"]), pd.Series(["101a", None])).tolist()
    ['一村1号|101A', '一村1号|']
    """

    def fold(values: pd.Series) -> pd.Series:
        text = values.fillna("").astype(str).str.normalize("NFKC")
        return text.str.replace(r"\s+", "", regex=True).str.upper()

    return fold(address) + "|" + fold(room)


def field_to_record(found: pd.DataFrame, registered: pd.DataFrame, rule: Lqas) -> pd.DataFrame:
    """Field-to-record back-check (倒查): units a team found on the ground, checked against
    the registry. The first ``rule.n`` finds per community count; a find fails when no
    registered unit has its address and room.

    ``found`` has community, address, room; ``registered`` has address and room.
    """
    drawn = on_record(found, registered).groupby("community", sort=True, group_keys=False)
    judged = drawn.head(rule.n)
    return judged.assign(failed=~judged["registered"]).reset_index(drop=True)


def on_record(found: pd.DataFrame, registered: pd.DataFrame) -> pd.DataFrame:
    """``found`` (address, room) with ``registered``: whether a registered unit has them."""
    known = set(unit_key(registered["address"], registered["room"]))
    return found.assign(registered=unit_key(found["address"], found["room"]).isin(known))


def lqas_verdicts(results: pd.DataFrame, rule: Lqas) -> pd.DataFrame:
    """Judge each community from its back-check results.

    ``results`` has one row per drawn unit: ``community_id`` and ``failed`` (True, False, or
    missing while not yet re-checked). Returns per community ``drawn``, ``checked``,
    ``failures`` and ``verdict``: ``fail`` as soon as failures exceed d, ``pass`` once every
    one of n units is checked with at most d failures, else ``pending``.

    >>> r = pd.DataFrame({"community_id": [1, 1, 1, 2, 2],
    ...                   "failed": [True, True, False, False, None]})
    >>> lqas_verdicts(r, Lqas(n=2, d=1))["verdict"].tolist()
    ['fail', 'pending']
    """
    failed = results["failed"].astype("boolean")
    table = (
        results.assign(_checked=failed.notna(), _failed=failed.fillna(False).astype(bool))
        .groupby("community_id", sort=True)
        .agg(drawn=("_checked", "size"), checked=("_checked", "sum"), failures=("_failed", "sum"))
        .reset_index()
    )
    table["verdict"] = np.where(
        table["failures"] > rule.d,
        "fail",
        np.where(table["checked"] >= np.minimum(table["drawn"], rule.n), "pass", "pending"),
    )
    return table.astype({"drawn": int, "checked": int, "failures": int})
