"""A sweep's figures as a planner may see them: none when its scope holds an area the
overview withholds, else small counts withheld with a complement (:mod:`geo.disclosure`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from geo import disclosure
from geo.services.access import Actor
from geo.services.setup import Opened
from geo.services.statistics import withheld_areas
from geo.services.sweeps.units import found_sweep


def sweep_scope_withheld(opened: Opened, actor: Actor, sweep_id: int) -> bool:
    """Whether a sweep covers an area whose units the overview withholds from ``actor``:
    the sweep's own figures would give them back."""
    with opened.db.read() as conn:
        scope = list(found_sweep(conn, sweep_id)["scope"])
    return bool(withheld_areas(opened, actor, scope))


def disclosed_sweep_figures(
    table: pd.DataFrame,
    counts: list[str],
    *,
    unsafe: bool,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """A sweep's figures as a planner may see them (:mod:`geo.disclosure`): none when its
    scope is ``unsafe`` (see :func:`sweep_scope_withheld`), else small counts withheld with a
    complement in each column and row."""
    present = [c for c in counts if c in table]
    if unsafe:
        hidden = pd.DataFrame(True, index=table.index, columns=present)
    else:
        sums = [("assigned", ["visited", "open"])] if "open" in present else []
        if {"completed", "not_reached"} <= set(present):
            sums.append(("visited", ["completed", "not_reached"]))
        hidden = disclosure.protect_table(table, present, row_sums=sums)
    return disclosure.withhold(table, hidden, derived=derived)
