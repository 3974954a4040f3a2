"""Proven visits: visits confirmed by a back-check, and coverage, inspection rates and
sweep progress counting proven visits beside all visits."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geo import clock, coverage, disclosure
from geo.errors import InputError
from geo.services.access import Actor, in_scope, require
from geo.services.auditing import record
from geo.services.kept import Kept
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.services.statistics import overview_withheld, planner_time, proven_counts
from geo.services.sweeps.backchecking import backchecks
from geo.services.sweeps.figures import (
    disclosed_sweep_figures,
    progress_days,
    progress_withheld,
)
from geo.services.sweeps.units import found_sweep
from geo.store import figures
from geo.store import proofs as proof_store
from geo.store import sweeps as sweep_store
from geo.store.audit import data_version


def prove_by_backcheck(opened: Opened, actor: Actor, sweep_id: int) -> int:
    """Mark the sweep's visits that a record-to-field back-check confirmed (re-checked by
    another team, same outcome and people) as proven. Returns how many were marked."""
    require(actor, "import")
    checked = backchecks(opened, actor, sweep_id)["sample"]
    passed = checked["failed"].astype("boolean").eq(False).fillna(False).astype(bool)
    confirmed = checked.loc[passed, "property_id"]
    with opened.db.write() as conn:
        found = sweep_store.sweep_row(conn, sweep_id)
        assert found is not None  # backchecks() found it
        visits = proof_store.sweep_visits_proven(conn, sweep_id, since=found["starts_on"])
        own = visits.loc[
            (visits["sweep_id"] == sweep_id) & visits["property_id"].isin(set(confirmed))
        ]
        latest = own.sort_values("visited_at").drop_duplicates("property_id", keep="last")
        marked = proof_store.add_backcheck_proofs(conn, latest["visit_id"].tolist())
        record(
            conn,
            actor,
            "sweep.prove_by_backcheck",
            object_type="sweep",
            object_id=sweep_id,
            count=marked,
        )
    return marked


def proven_coverage(
    opened: Opened,
    actor: Actor,
    *,
    level: str = "community",
    window_days: int = coverage.WINDOW_DAYS,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Per area of ``level``: rental units, units covered in the window by any completed
    visit and by a proven one, both coverages, and the monthly inspection rate
    (出租房屋月查验率) counting all and proven visits. Small counts suppressed for planners."""
    require(actor, "view_aggregates")
    today = as_of or clock.today()
    if actor.aggregates_only:  # no day or window finer than the disclosure policy allows
        today, window_days = planner_time(today, window_days)
    with opened.db.read() as conn:
        version = data_version(conn)
    areas, counts = _COUNTED.get_or_make(
        (opened.db.url, version, today, window_days, actor.aggregates_only),
        lambda: proven_counts(
            opened, as_of=today, window_days=window_days, published=actor.aggregates_only
        ),
    )
    visible = areas.loc[in_scope(areas, actor)]
    table = _per_area(counts, areas, level=level)
    table = table.loc[table["id"].isin(set(visible["id"]))]
    if actor.aggregates_only:
        hidden = _HIDDEN.get_or_make(
            (opened.db.url, version, today, window_days, actor.role, actor.areas),
            lambda: _withheld_proven(
                opened, actor, counts, visible, as_of=today, window=window_days
            ),
        )
        table = disclosure.withhold(
            table.set_index("code", drop=False), hidden, derived=_PROVEN_DERIVED
        )
    return table.drop(columns=["id", "parent_id"]).reset_index(drop=True)


_COUNTED: Kept[tuple[pd.DataFrame, pd.DataFrame]] = Kept(most=2)
"""Per data version, day and window: every area, and the counts per (community, grid)
(switching level or drilling down on the overview reads nothing again)."""
_HIDDEN: Kept[pd.DataFrame] = Kept(most=4)
"""Per data version, day, window and scope: the cells a planner may not see (all levels)."""


_PROVEN_COUNTS = list(figures.PROVEN_COLUMNS)
_ROOT = ""


def _withheld_proven(
    opened: Opened,
    actor: Actor,
    counts: pd.DataFrame,
    visible: pd.DataFrame,
    *,
    as_of: date,
    window: int,
) -> pd.DataFrame:
    """Which counts of every visible area (all levels, and the whole as ``""``) a planner
    may not see: protected as one tree (:func:`geo.disclosure.protect`), each count a part
    of the units read with the others, and what the overview withholds of the same cells
    on the same day withheld here too (its units; covered in the window; covered in the
    calendar month, as its monthly inspection rate shows them)."""
    levels = [_per_area(counts, visible, level=at) for at in ("street", "community", "grid")]
    nodes = pd.concat(levels, ignore_index=True).set_index("code")
    code = dict(zip(visible["id"], visible["code"], strict=True))
    parent = nodes["parent_id"].map(code).where(lambda p: p.isin(nodes.index), _ROOT)
    communities = nodes.loc[nodes["level"] == "community", _PROVEN_COUNTS]
    counts = pd.concat([nodes[_PROVEN_COUNTS], communities.sum().to_frame(_ROOT).T])
    parent = pd.concat([parent.astype(object), pd.Series({_ROOT: None}, dtype=object)])
    rolling = overview_withheld(opened, actor, as_of=as_of, window_days=window)
    monthly = overview_withheld(opened, actor, as_of=as_of, window_days=0)
    given = pd.DataFrame(
        {
            "rental_units": rolling["rental_units"],
            "covered": rolling["covered"],
            "inspected": monthly["covered"].reindex(rolling.index, fill_value=False),
        }
    )
    return disclosure.protect(
        counts,
        parent=parent,
        columns=_PROVEN_COUNTS,
        parts_of=[("rental_units", c) for c in _PROVEN_COUNTS[1:]],
        together=[tuple(_PROVEN_COUNTS[1:])],
        withheld=given,
    )


_PROVEN_DERIVED = {
    "coverage": ("rental_units", "covered"),
    "proven_coverage": ("rental_units", "proven_covered"),
    "inspection_rate": ("rental_units", "inspected"),
    "proven_inspection_rate": ("rental_units", "proven_inspected"),
}


def _per_area(counts: pd.DataFrame, areas: pd.DataFrame, *, level: str) -> pd.DataFrame:
    """The table of ``level``: each area's id, code, name, level, parent_id, the counts of
    ``counts`` (per community and grid) summed over it, and the four shares."""
    columns = _PROVEN_COUNTS
    community_parent = areas.set_index("id")["parent_id"]
    key = {
        "grid": counts["grid_id"],
        "community": counts["community_id"],
        "street": counts["community_id"].map(community_parent),
    }.get(level)
    if key is None:
        raise InputError("level_unknown", level=level, levels="street, community, grid")
    grouped = (
        counts.assign(area_id=key).dropna(subset=["area_id"]).groupby("area_id")[columns].sum()
    )
    chosen = areas.loc[areas["level"] == level, ["id", "code", "name", "level", "parent_id"]]
    table = chosen.merge(grouped, left_on="id", right_index=True, how="left")
    table[columns] = table[columns].fillna(0).astype(int)
    units = table["rental_units"].replace(0, np.nan)
    table["coverage"] = (table["covered"] / units).round(4)
    table["proven_coverage"] = (table["proven_covered"] / units).round(4)
    table["inspection_rate"] = (table["inspected"] / units).round(4)
    table["proven_inspection_rate"] = (table["proven_inspected"] / units).round(4)
    return table.reset_index(drop=True)


def proven_progress(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> pd.DataFrame:
    """Per team of a sweep: units assigned, visited (any visit since it began) and visited
    with a proven visit, and the two shares."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        found = found_sweep(conn, sweep_id, actor)  # not another area's sweep
        since, today = progress_days(actor, found["starts_on"], as_of)
        units = sweep_store.assigned_units(conn, sweep_id, as_of=today)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None:
            units = units.loc[units["community_id"].isin(allowed)]
        visits = proof_store.sweep_visits_proven(conn, sweep_id, since=since)
    until = pd.Timestamp(coverage.day_end(today))
    visits = visits.loc[pd.to_datetime(visits["visited_at"]) < until]
    seen = set(visits["property_id"])
    proven = set(visits.loc[visits["proven"].astype(bool), "property_id"])
    table = (
        units.assign(
            visited=units["property_id"].isin(seen), proven=units["property_id"].isin(proven)
        )
        .groupby("team", sort=True)
        .agg(assigned=("property_id", "size"), visited=("visited", "sum"), proven=("proven", "sum"))
        .reset_index()
    )
    table["visited_share"] = (table["visited"] / table["assigned"]).round(3)
    table["proven_share"] = (table["proven"] / table["assigned"]).round(3)
    if actor.aggregates_only:
        table = disclosed_sweep_figures(
            table,
            ["assigned", "visited", "proven"],
            unsafe=progress_withheld(actor),
            derived={
                "visited_share": ("assigned", "visited"),
                "proven_share": ("assigned", "proven"),
            },
        )
    return table
