"""How far a sweep is: each unit's state, tallies per team and community, what to carry
to the next list, the days the rest needs, and each team's share drawn for a map."""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import clock, disclosure
from geo import sweeps as rules
from geo.coverage import COMPLETED_OUTCOMES, NOT_REACHED
from geo.crs import WGS84
from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.services.sweeps.figures import (
    disclosed_sweep_figures,
    progress_days,
    progress_withheld,
    sweep_scope_withheld,
)
from geo.services.sweeps.planning import units_per_team_day
from geo.services.sweeps.units import assigned_in_scope, found_sweep, reaches_scope
from geo.store import sweeps as store


def sweep_progress(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> dict[str, Any]:
    """How far a sweep is: per team and per community, units assigned, visited, completed,
    not reached (nobody home or refused) and not yet visited; the units to carry to the
    next list; and the working days the rest needs at the configured pace."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        found = found_sweep(conn, sweep_id, actor)
        since, today = progress_days(actor, found["starts_on"], as_of)
        units = assigned_in_scope(conn, actor, sweep_id, as_of=today)
        visits = store.sweep_visits(conn, sweep_id, since=since, until=today)
        teams_named = store.sweep_teams(conn, sweep_id).set_index("id")["name"]
    status = unit_status(units, visits)
    by_team = _tally(status, "team")
    # Visits each team recorded for this sweep (its own units or another team's), to the
    # units the actor may see: another area's visits are that area's count.
    ours = (visits["sweep_id"] == sweep_id) & visits["property_id"].isin(set(units["property_id"]))
    recorded = visits.loc[ours, "team_id"].map(teams_named)
    by_team["visits_recorded"] = by_team["team"].map(recorded.value_counts()).fillna(0).astype(int)
    by_community = _tally(status, "community")
    carry = status.loc[status["state"].isin(["not_reached", "open"])].sort_values(
        ["team", "position"]
    )
    teams = max(1, status["team"].nunique())
    days: int | str = rules.days_needed(
        len(carry), teams=teams, units_per_team_day=units_per_team_day(opened)
    )
    remaining: int | str = len(carry)
    if actor.aggregates_only:
        unsafe = progress_withheld(actor)
        by_team, by_community = (
            disclosed_sweep_figures(t, _TALLIES, unsafe=unsafe, derived=_TALLY_DERIVED)
            for t in (by_team, by_community)
        )
        remaining = disclosure.WITHHELD if unsafe else disclosure.count_or_withheld(len(carry))
        days = disclosure.WITHHELD if unsafe else days  # the days the remaining units need
    with opened.db.read() as conn:  # of a sweep over several areas, the actor's own
        shown = [code for code in found["scope"] if reaches_scope(conn, actor, [code])]
    return {
        "sweep": {**found, "scope": shown},
        "by_team": by_team,
        "by_community": by_community,
        "carry_over": carry if not actor.aggregates_only else None,
        "remaining": remaining,
        "days_needed": days,
    }


def unit_status(units: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Each assigned unit's state from its latest visit since the sweep began: ``done``
    (completed outcome or not_found), ``not_reached`` (nobody home or refused), ``open``."""
    latest = (
        visits.sort_values("visited_at").drop_duplicates("property_id", keep="last")
        if len(visits)
        else pd.DataFrame(columns=["property_id", "outcome", "visited_at"])
    )
    merged = units.merge(
        latest[["property_id", "outcome", "visited_at"]], on="property_id", how="left"
    )
    state = np.where(
        merged["outcome"].isin(NOT_REACHED),
        "not_reached",
        np.where(merged["outcome"].notna(), "done", "open"),
    )
    return merged.assign(state=state, completed=merged["outcome"].isin(COMPLETED_OUTCOMES))


def _tally(status: pd.DataFrame, by: str) -> pd.DataFrame:
    table = (
        status.assign(
            visited=status["state"] != "open",
            not_reached=status["state"] == "not_reached",
            open=status["state"] == "open",
        )
        .groupby(by, sort=True)
        .agg(
            assigned=("property_id", "size"),
            visited=("visited", "sum"),
            completed=("completed", "sum"),
            not_reached=("not_reached", "sum"),
            open=("open", "sum"),
        )
        .reset_index()
    )
    table["done_share"] = np.where(
        table["assigned"] > 0, (table["visited"] - table["not_reached"]) / table["assigned"], 0.0
    ).round(3)
    return table


def team_shapes(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> gpd.GeoDataFrame:
    """Each team's share of a sweep for a map, with its units: its walking route (a line
    through its units in order) for roles that see records; for planners only the outline
    of its area (:func:`geo.disclosure.outline`: around the 100 m squares holding at least
    the threshold of places), no unit, and none for a team whose units the plan withholds
    (the teams are protected together first, as the plan's table is: outlines drawn only
    for the larger teams gave the small one back from the sweep's total)."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        found_sweep(conn, sweep_id, actor)
        units = assigned_in_scope(conn, actor, sweep_id, as_of=as_of or clock.today())
    rows = []
    for _, team in units.dropna(subset=["lon", "lat"]).groupby("team_id", sort=True):
        team = team.sort_values("position")
        name = str(team["team"].iloc[0])
        points = shapely.points(team["lon"].to_numpy(), team["lat"].to_numpy())
        if actor.aggregates_only:
            shape = disclosure.outline(team["lon"], team["lat"])
        elif len(points) > 1:
            shape = shapely.linestrings(team[["lon", "lat"]].to_numpy())
        else:
            shape = points[0]
        rows.append({"team": name, "units": len(team), "geometry": shape})
    shapes = gpd.GeoDataFrame(rows, columns=["team", "units", "geometry"], crs=WGS84)
    if actor.aggregates_only and len(shapes):
        unsafe = sweep_scope_withheld(opened, actor, sweep_id)
        shown = disclosed_sweep_figures(shapes, ["units"], unsafe=unsafe)
        keep = ~disclosure.is_withheld(shown["units"]) & shapes.geometry.notna()
        shapes = gpd.GeoDataFrame(shown.loc[keep].reset_index(drop=True), crs=WGS84)
    return shapes


_TALLIES = ["assigned", "visited", "completed", "not_reached", "open", "visits_recorded"]
_TALLY_DERIVED = {"done_share": ("assigned", "visited", "not_reached")}
