"""Creating and planning sweeps: a campaign over some areas with its teams, its units
ranked by priority and split among the teams in walking order, and the sweeps listed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from geo import clock, disclosure
from geo import sweeps as rules
from geo.coverage import days_since
from geo.errors import ConflictError, InputError, NotFoundError
from geo.indicators import CROWDED_M2_PER_PERSON, CROWDED_PER_ROOM, crowded
from geo.routes import Pace, project_points, split_among_teams
from geo.services.access import Actor, require
from geo.services.auditing import audited, record
from geo.services.lists import crowding_thresholds
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.services.sweeps.figures import disclosed_sweep_figures, sweep_scope_withheld
from geo.services.sweeps.units import found_sweep, reaches_scope, scope_ids, units_in_sweep
from geo.store import kits as kit_store
from geo.store import sweeps as store
from geo.text import checked_name, fold_name

UNITS_PER_TEAM_DAY: Final = 25
"""Default: units one team visits in a working day."""


def units_per_team_day(opened: Opened) -> float:
    """Units one team visits in a working day (``GRIDHOUSE_UNITS_PER_TEAM_DAY``, 25)."""
    return opened.settings.units_per_team_day


def create_sweep(
    opened: Opened,
    actor: Actor,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    areas: list[str],
    teams: list[str],
    members: dict[str, list[str]] | None = None,
) -> int:
    """A planned sweep over ``areas`` (street, community or grid codes inside the actor's
    scope) with named teams and, optionally, their members (user names)."""
    require(actor, "plan_sweeps")
    name = checked_name(name, field="field_sweep_name", required=False)
    names = [checked_name(t, field="field_team_name", required=False) for t in teams]
    names = [t for t in names if t]
    if not name or not areas or not names:
        raise InputError("sweep_incomplete")
    if len(set(names)) != len(names):
        raise InputError("sweep_teams_repeat")
    if ends_on < starts_on:
        raise InputError("sweep_window_order")
    with audited(opened, actor, "sweep.create", object_type="sweep", changes_data=False) as done:
        conn = done.conn
        scope_ids(conn, actor, areas)  # refuses codes outside the actor's areas
        sweep_id = store.create_sweep(
            conn,
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            scope=areas,
            teams=names,
            created_by=actor.name,
        )
        ids = dict(zip(*store.sweep_teams(conn, sweep_id)[["name", "id"]].T.values, strict=True))
        for team_name, users in (members or {}).items():
            if fold_name(team_name) in ids:  # named as typed, found as stored
                store.add_members(conn, int(ids[fold_name(team_name)]), users)
        done.object_id = sweep_id
        done.detail = {"areas": sorted(areas), "teams": names}
    return sweep_id


def list_sweeps(opened: Opened, actor: Actor) -> pd.DataFrame:
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        found = store.all_sweeps(conn)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None:  # a sweep of other areas is theirs; of one over several
            # areas, a scoped actor sees only its areas and units in theirs
            codes = [
                [c for c in json.loads(scope) if reaches_scope(conn, actor, [c])]
                for scope in found["scope"]
            ]
            found = found.assign(scope=[json.dumps(c, ensure_ascii=False) for c in codes])
            found = found.loc[[bool(c) for c in codes]].reset_index(drop=True)
            share = store.assigned_within(conn, allowed).set_index("sweep_id")
            for column in ("units", "teams"):  # a team with no unit here is another area's
                found[column] = found["id"].map(share[column]).fillna(0).astype("int64")
    if actor.aggregates_only and len(found):  # a sweep's units are an area's count
        hidden = [
            disclosure.is_small(pd.Series([units])).iloc[0]
            or sweep_scope_withheld(opened, actor, int(sweep_id))
            for units, sweep_id in zip(found["units"], found["id"], strict=True)
        ]
        shown = ~pd.Series(hidden, index=found.index)
        found["units"] = found["units"].astype(object).where(shown, disclosure.WITHHELD)
    return found


@dataclass(frozen=True)
class SweepPlan:
    """A stored plan: per team its units, walking km, workload hours and days; the spread
    of workloads; and, for roles that see records, the ranked units with the reasons."""

    sweep_id: int
    teams: pd.DataFrame
    imbalance: float | str
    """The spread of the teams' workloads (a fraction); a planner sees the withheld marker:
    its steps as the first N units grew gave a withheld grid's units back."""
    ranked: pd.DataFrame | None
    visits_before: int | None = 0
    """Visits to the sweep's units recorded since it started, before this plan: non-zero
    means the teams' printed lists are out of date. None for a planner: counted from a day
    the planner chose, whether there were any gave one unit's last visit to the day."""
    starts_on: str = ""
    """The sweep's first day, ISO 8601."""


def plan_sweep(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    as_of: date | None = None,
    weights: dict[str, float] | None = None,
    limit: int | None = None,
    pace: Pace | None = None,
    replan: bool = False,
) -> SweepPlan:
    """Rank the sweep's units by priority, keep the first ``limit`` (all by default), split
    them among the teams with balanced workloads and walking routes, and store the plan.

    A sweep with field kits issued is refused (``ConflictError`` naming the kits and the
    visits recorded since it started) unless ``replan``: a new plan re-cuts the teams' shares
    and the kits on the phones no longer match. Visits alone do not refuse: they stay
    recorded against their units, and re-balancing the remaining work mid-sweep is ordinary;
    the plan reports them as ``visits_before`` so the page and the CLI can say the teams'
    lists must be printed again. A plan over a sweep under way (visits or kits) is audited as
    ``sweep.replan`` with those counts."""
    require(actor, "plan_sweeps")
    rules.check_weights(weights or {})
    if actor.aggregates_only and limit is not None:
        # the first N units by a chosen priority, and their outline, located single units
        raise InputError("disclosure_plan_limit")
    today = as_of or clock.today()
    pace = pace or Pace()
    with opened.db.read() as conn:
        found = found_sweep(conn, sweep_id, actor)
        try:  # before any count of its visits or kits: the whole sweep must be the actor's
            units = units_in_sweep(conn, actor, found, as_of=today)
        except NotFoundError:
            if communities_in_scope(conn, actor) is None:
                raise
            raise NotFoundError("sweep_not_in_scope", sweep=sweep_id) from None
        recorded = len(
            store.sweep_visits(
                conn, sweep_id, since=found["starts_on"], until=max(today, clock.today())
            )
        )
        handed_out = kit_store.kits(conn)
        issued = int((handed_out["sweep_id"] == sweep_id).sum()) if len(handed_out) else 0
        if issued and not replan:
            raise ConflictError(
                "sweep_replan_in_progress",
                sweep=sweep_id,
                visits=disclosure.WITHHELD if actor.aggregates_only else recorded,
                kits=issued,
                starts_on=found["starts_on"],
            )
        teams = store.sweep_teams(conn, sweep_id)
    per_room, m2 = crowding_thresholds(opened.settings)
    ranked = rank_units(units, as_of=today, weights=weights, per_room=per_room, m2_per_person=m2)
    chosen = ranked.head(limit) if limit else ranked
    placed = chosen.loc[chosen["lon"].notna() & chosen["lat"].notna()].reset_index(drop=True)
    if placed.empty:
        raise InputError("sweep_no_units")
    x, y = project_points(placed["lon"], placed["lat"])
    split = split_among_teams(
        x,
        y,
        teams=len(teams),
        groups=pd.to_numeric(placed["grid_id"]).fillna(-1).astype(np.int64).to_numpy(),
        pace=pace,
    )
    team_ids = teams["id"].to_numpy()
    plan = pd.DataFrame(
        {
            "property_id": placed["property_id"].to_numpy(),
            "team_id": team_ids[split.team],
            "position": split.position + 1,
        }
    )
    with opened.db.write() as conn:
        stored = store.replace_assignment(conn, sweep_id, plan)
        overridden = {"visits": recorded, "kits": issued} if recorded or issued else {}
        record(
            conn,
            actor,
            "sweep.replan" if overridden else "sweep.plan",
            object_type="sweep",
            object_id=sweep_id,
            detail={
                "units": stored,
                "teams": len(teams),
                "weights": weights or rules.DEFAULT_WEIGHTS,
                **overridden,
            },
            changes_data=False,
        )
    per_day = units_per_team_day(opened)
    summary = pd.DataFrame(
        {
            "team": teams["name"].to_numpy(),
            "units": split.units,
            "walk_km": np.round(split.walk_m / 1000, 2),
            "workload_h": np.round(split.workload_min / 60, 1),
            "days": [
                rules.days_needed(int(u), teams=1, units_per_team_day=per_day) for u in split.units
            ],
        }
    )
    visible = None
    if actor.aggregates_only:
        unsafe = sweep_scope_withheld(opened, actor, sweep_id)
        summary = disclosed_sweep_figures(summary, ["units"], unsafe=unsafe, derived=_TEAM_DERIVED)
    if not actor.aggregates_only:
        visible = ranked.merge(plan, on="property_id", how="left").merge(
            teams.rename(columns={"id": "team_id", "name": "team"})[["team_id", "team"]],
            on="team_id",
            how="left",
        )
    # The visits since a day the planner chose are a free sum over areas and days: two
    # sweeps begun a day apart gave that day's visits, and whether there were any gave one
    # unit's last visit (see geo.services.sweeps.figures). Planners are told neither.
    return SweepPlan(
        sweep_id,
        summary,
        disclosure.WITHHELD if actor.aggregates_only else split.imbalance,
        visible,
        None if actor.aggregates_only else recorded,
        str(found["starts_on"]),
    )


def rank_units(
    units: pd.DataFrame,
    *,
    as_of: date,
    weights: dict[str, float] | None = None,
    per_room: float = CROWDED_PER_ROOM,
    m2_per_person: float = CROWDED_M2_PER_PERSON,
) -> pd.DataFrame:
    """Priority of each candidate unit (see :func:`geo.sweeps.priority`) with crowding
    judged by the given thresholds (residents per room, m2 per resident)."""
    m2 = m2_per_person
    facts = units.assign(
        days_since_completed=days_since(units["last_completed"], as_of),
        crowded=crowded(
            units["residents"],
            units["rooms"],
            units["floor_area_m2"],
            per_room=per_room,
            m2_per_person=m2,
        ),
    )
    return rules.priority(facts, as_of=as_of, weights=weights)


_TEAM_DERIVED = {"walk_km": ("units",), "workload_h": ("units",), "days": ("units",)}
