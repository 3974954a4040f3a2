"""A sweep's figures as a planner may see them: none when its scope holds an area the
overview withholds, else small counts withheld with a complement (:mod:`geo.disclosure`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from geo import clock, disclosure
from geo.services.access import Actor
from geo.services.setup import Opened
from geo.services.statistics import withheld_areas
from geo.services.sweeps.units import found_sweep


def sweep_scope_withheld(opened: Opened, actor: Actor, sweep_id: int) -> bool:
    """Whether a sweep covers an area whose units the overview withholds from ``actor``:
    the sweep's own figures would give them back."""
    with opened.db.read() as conn:
        scope = list(found_sweep(conn, sweep_id, actor)["scope"])
    return bool(withheld_areas(opened, actor, scope))


def progress_days(actor: Actor, starts_on: date, as_of: date | None) -> tuple[date, date]:
    """The visits a sweep's progress counts, [since, until] in days: from its first day to
    ``as_of`` (today); for a planner from the first of its month to the last month end before
    today, so that no two choices of day (or two sweeps begun a day apart) differ by one
    day's visits (:func:`geo.disclosure.planner_day`)."""
    until = as_of or clock.today()
    if not actor.aggregates_only:
        return starts_on, until
    return starts_on.replace(day=1), disclosure.planner_day(clock.today())


def progress_withheld(actor: Actor) -> bool:
    """Whether a role sees none of a sweep's progress counts: every role that sees
    aggregates only. A sweep is a free choice of areas and a first day, so its progress
    (visited, completed, remaining, proven) is a sum the overview's tree does not protect:
    two sweeps over a community and over all its grids but one, or begun a day apart,
    gave withheld counts back by subtraction. Planners follow coverage on the overview."""
    return actor.aggregates_only


def disclosed_sweep_figures(
    table: pd.DataFrame,
    counts: list[str],
    *,
    unsafe: bool,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """A sweep's figures as a planner may see them (:mod:`geo.disclosure`): none when its
    scope is ``unsafe`` (see :func:`sweep_scope_withheld`), else small counts withheld with a
    complement in each column."""
    present = [c for c in counts if c in table]
    if unsafe:
        hidden = pd.DataFrame(True, index=table.index, columns=present)
    else:
        hidden = disclosure.protect_table(table, present)
    return disclosure.withhold(table, hidden, derived=derived)
