"""Sweeps: create a campaign, rank and split its units among teams, hand out area lists,
follow progress, carry what was not reached to the next list, and judge back-checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import clock, disclosure, registration
from geo import sweeps as rules
from geo.columns import plan_columns
from geo.coverage import COMPLETED_OUTCOMES
from geo.crs import WGS84
from geo.errors import ConflictError, InputError, NotFoundError
from geo.fields import normalise_header
from geo.indicators import CROWDED_M2_PER_PERSON, CROWDED_PER_ROOM, crowded
from geo.io import arealists
from geo.io.tables import read_table
from geo.privacy import mask_name
from geo.routes import Pace, project_points, split_among_teams
from geo.services.access import Actor, require
from geo.services.lists import crowding_thresholds
from geo.services.scope import communities_for, communities_in_scope
from geo.services.setup import Opened
from geo.services.statistics import withheld_areas
from geo.store import audit
from geo.store import kits as kit_store
from geo.store import sweeps as store
from geo.store.records import load_areas
from geo.text import checked_name, fold_name

UNITS_PER_TEAM_DAY: Final = 25
"""Default: units one team visits in a working day."""
NOT_REACHED: Final = ("nobody_home", "refused")
"""Outcomes after which a unit goes on the next day's list again."""


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
    with opened.db.write() as conn:
        _scope_ids(conn, actor, areas)  # refuses codes outside the actor's areas
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
        _audit(conn, actor, "sweep.create", sweep_id, {"areas": sorted(areas), "teams": names})
    return sweep_id


def list_sweeps(opened: Opened, actor: Actor) -> pd.DataFrame:
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        found = store.all_sweeps(conn)
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
    imbalance: float
    ranked: pd.DataFrame | None
    visits_before: int | str = 0
    """Visits to the sweep's units recorded since it started, before this plan (a planner
    may see the withheld marker): non-zero means the teams' printed lists are out of date."""
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
    today = as_of or clock.today()
    pace = pace or Pace()
    with opened.db.read() as conn:
        found = _sweep(conn, sweep_id)
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
                visits=disclosure.count_or_withheld(recorded)
                if actor.aggregates_only
                else recorded,
                kits=issued,
                starts_on=found["starts_on"],
            )
        units = _units_in_sweep(conn, actor, found, as_of=today)
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
        _audit(
            conn,
            actor,
            "sweep.replan" if overridden else "sweep.plan",
            sweep_id,
            {
                "units": stored,
                "teams": len(teams),
                "weights": weights or rules.DEFAULT_WEIGHTS,
                **overridden,
            },
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
    shown_visits: int | str = (
        disclosure.count_or_withheld(recorded) if actor.aggregates_only else recorded
    )
    return SweepPlan(
        sweep_id, summary, split.imbalance, visible, shown_visits, str(found["starts_on"])
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
    completed = pd.to_datetime(units["last_completed"])
    end = pd.Timestamp(as_of + timedelta(days=1))
    facts = units.assign(
        days_since_completed=np.floor((end - completed).dt.total_seconds() / 86_400),
        crowded=crowded(
            units["residents"],
            units["rooms"],
            units["floor_area_m2"],
            per_room=per_room,
            m2_per_person=m2,
        ),
    )
    return rules.priority(facts, as_of=as_of, weights=weights)


def area_list(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    fmt: str,
    team: str | None = None,
    area: str | None = None,
    as_of: date | None = None,
) -> tuple[bytes, int]:
    """One team's (or every team's) list of a sweep, in walking order, as a file; residents
    masked. Audited. Returns the file and its number of units."""
    require(actor, "export")
    today = as_of or clock.today()
    if fmt not in arealists.FORMATS:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(arealists.FORMATS))
    with opened.db.read() as conn:
        found = _sweep(conn, sweep_id)
        teams = store.sweep_teams(conn, sweep_id)
        team_id = None
        if team is not None:
            matching = teams.loc[teams["name"] == team, "id"]
            if matching.empty:
                raise NotFoundError("team_not_found", team=team)
            team_id = int(matching.iloc[0])
        area_ids = None
        if area is not None:  # a street or community (its communities), or one grid
            whole, grids = _scope_ids(conn, actor, [area])
            area_ids = whole | grids
        units = _assigned(conn, actor, sweep_id, as_of=today, team_id=team_id, area_ids=area_ids)
        people = store.people_in_sweep(conn, sweep_id, as_of=today, team_id=team_id)
    items = _list_items(units, people, sweep_id=sweep_id)
    title = f"{found['name']} · {team or '全部走访组'} · {today.isoformat()}"
    data = arealists.write(items, fmt, title=title, font_file=opened.settings.pdf_font)
    with opened.db.write() as conn:
        _audit(
            conn,
            actor,
            "export.area_list",
            sweep_id,
            {"format": fmt, "team": team, "area": area, "units": len(items)},
        )
    return data, len(items)


def area_units_list(
    opened: Opened,
    actor: Actor,
    area: str,
    *,
    fmt: str,
    as_of: date | None = None,
    pace: Pace | None = None,
) -> tuple[bytes, int]:
    """The area list of a street, community (village) or grid without a sweep: its active
    units in walking order (grid by grid, routed as one team's share), residents masked,
    the same columns and formats as a sweep's list (任务编号 and 走访组 left blank).
    Audited. Returns the file and its number of units."""
    require(actor, "export")
    today = as_of or clock.today()
    if fmt not in arealists.FORMATS:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(arealists.FORMATS))
    with opened.db.read() as conn:
        # The same units a sweep over the area would rank (a code outside the scope is not found).
        units = _units_in_sweep(conn, actor, {"scope": [area]}, as_of=today)
        units = units.loc[units["lon"].notna() & units["lat"].notna()].reset_index(drop=True)
        names = load_areas(conn, geometry=False).set_index("id")["name"]
        people = store.people_in_units(conn, units["property_id"].tolist(), as_of=today)
    if len(units):
        x, y = project_points(units["lon"], units["lat"])
        route = split_among_teams(
            x,
            y,
            teams=1,
            groups=pd.to_numeric(units["grid_id"]).fillna(-1).astype(np.int64).to_numpy(),
            pace=pace or Pace(),
        )
        units = units.assign(position=route.position + 1).sort_values("position")
    else:
        units = units.assign(position=pd.Series(dtype=int))
    units = units.assign(
        team="",
        community=units["community_id"].map(names),
        grid=units["grid_id"].map(names),
    )
    items = _list_items(units, people, sweep_id=None)
    data = arealists.write(
        items, fmt, title=f"{area} · {today.isoformat()}", font_file=opened.settings.pdf_font
    )
    with opened.db.write() as conn:
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="export.area_list",
            object_type="area",
            object_id=area,
            detail={"format": fmt, "area": area, "units": len(items)},
            changes_data=False,
        )
    return data, len(items)


def _list_items(units: pd.DataFrame, people: pd.DataFrame, *, sweep_id: int | None) -> pd.DataFrame:
    """The list's rows; each unit's residents as masked names and ID numbers (张三 -> 张*,
    欧阳娜娜 -> 欧***): enough to greet and confirm, not to identify."""
    by_unit: dict[int, list[str]] = {}
    for unit, name, id_masked in zip(
        people["property_id"].tolist(),
        people["name"].fillna("").tolist(),
        people["id_masked"].fillna("").tolist(),
        strict=True,
    ):
        who = f"{mask_name(name)} {id_masked}".strip()
        by_unit.setdefault(unit, []).append(who)
    masked = pd.Series({unit: "；".join(names) for unit, names in by_unit.items()}, dtype=object)
    return pd.DataFrame(
        {
            "序号": units["position"].astype(int).to_numpy(),
            "任务编号": "" if sweep_id is None else sweep_id,
            "走访组": units["team"].to_numpy(),
            "房屋编号": units["external_ref"].fillna("").to_numpy(),
            "社区": units["community"].fillna("").to_numpy(),
            "网格": units["grid"].fillna("").to_numpy(),
            "地址": units["address"].to_numpy(),
            "房间": units["room"].fillna("").to_numpy(),
            "登记人数": units["residents"].astype(int).to_numpy(),
            "登记人员": units["property_id"].map(masked).fillna("").to_numpy(),
            "property_id": units["property_id"].to_numpy(),  # its 核对码 (arealists.unit_code)
            "lon": units["lon"].to_numpy(),
            "lat": units["lat"].to_numpy(),
        }
    )


def sweep_progress(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> dict[str, Any]:
    """How far a sweep is: per team and per community, units assigned, visited, completed,
    not reached (nobody home or refused) and not yet visited; the units to carry to the
    next list; and the working days the rest needs at the configured pace."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    today = as_of or clock.today()
    with opened.db.read() as conn:
        found = _sweep(conn, sweep_id)
        units = _assigned(conn, actor, sweep_id, as_of=today)
        visits = store.sweep_visits(conn, sweep_id, since=found["starts_on"], until=today)
        teams_named = store.sweep_teams(conn, sweep_id).set_index("id")["name"]
    status = unit_status(units, visits)
    by_team = _tally(status, "team")
    # Visits each team recorded for this sweep (its own units or another team's).
    recorded = visits.loc[visits["sweep_id"] == sweep_id, "team_id"].map(teams_named)
    by_team["visits_recorded"] = by_team["team"].map(recorded.value_counts()).fillna(0).astype(int)
    by_community = _tally(status, "community")
    carry = status.loc[status["state"].isin(["not_reached", "open"])].sort_values(
        ["team", "position"]
    )
    teams = max(1, status["team"].nunique())
    days = rules.days_needed(len(carry), teams=teams, units_per_team_day=units_per_team_day(opened))
    remaining: int | str = len(carry)
    if actor.aggregates_only:
        unsafe = sweep_scope_withheld(opened, actor, sweep_id)
        by_team, by_community = (
            disclosed_sweep_figures(t, _TALLIES, unsafe=unsafe, derived=_TALLY_DERIVED)
            for t in (by_team, by_community)
        )
        remaining = disclosure.count_or_withheld(len(carry))
    return {
        "sweep": found,
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


def backchecks(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    rule: rules.Lqas | None = None,
    as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """Record-to-field back-checks (顺查) of a sweep by LQAS.

    The sample: up to n units per community among those the sweep completed, drawn with the
    sweep's id as seed (the same sample every time). A sampled unit is re-checked by a later
    visit from another team; it fails when that visit's outcome differs from the sweep's or
    it saw a different number of residents. Each community passes with at most d failures.
    """
    require(actor, "view_records")
    today = as_of or clock.today()
    chosen = rule or rules.Lqas(seed=sweep_id)
    with opened.db.read() as conn:
        found = _sweep(conn, sweep_id)
        units = _assigned(conn, actor, sweep_id, as_of=today)
        visits = store.all_visits_to(conn, units["property_id"].tolist(), since=found["starts_on"])
    sweep_visits = visits.loc[visits["sweep_id"] == sweep_id]
    first = sweep_visits.sort_values("visited_at").drop_duplicates("property_id", keep="last")
    first = first.loc[first["outcome"].isin(COMPLETED_OUTCOMES)]
    eligible = units.merge(first, on="property_id", suffixes=("", "_sweep"))
    sample = rules.backcheck_sample(eligible, rules.Lqas(chosen.n, chosen.d, seed=sweep_id))
    later = visits.merge(
        sample[["property_id", "visited_at", "team_id_sweep"]].rename(
            columns={"visited_at": "swept_at"}
        ),
        on="property_id",
    )
    later = later.loc[
        (later["visited_at"] > later["swept_at"]) & (later["team_id"] != later["team_id_sweep"])
    ]
    recheck = later.sort_values("visited_at").drop_duplicates("property_id", keep="first")
    judged = sample.merge(
        recheck[["property_id", "outcome", "residents_seen"]].rename(
            columns={"outcome": "recheck_outcome", "residents_seen": "recheck_seen"}
        ),
        on="property_id",
        how="left",
    )
    differs = (judged["recheck_outcome"] != judged["outcome"]) | (
        judged["recheck_seen"].notna()
        & judged["residents_seen"].notna()
        & (judged["recheck_seen"] != judged["residents_seen"])
    )
    judged["failed"] = pd.Series(differs, dtype="boolean").where(judged["recheck_outcome"].notna())
    verdicts = rules.lqas_verdicts(judged, chosen)
    names = units.drop_duplicates("community_id").set_index("community_id")["community"]
    verdicts.insert(1, "community", verdicts["community_id"].map(names))
    return {"sample": judged, "verdicts": verdicts}


def team_shapes(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> gpd.GeoDataFrame:
    """Each team's share of a sweep for a map, with its units: its walking route (a line
    through its units in order) for roles that see records; for planners only the outline
    of its area (the padded convex hull of at least the threshold of units, see
    :func:`geo.disclosure.outline`), no unit, and no team with fewer units."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    with opened.db.read() as conn:
        _sweep(conn, sweep_id)
        units = _assigned(conn, actor, sweep_id, as_of=as_of or clock.today())
    rows = []
    for _, team in units.dropna(subset=["lon", "lat"]).groupby("team_id", sort=True):
        team = team.sort_values("position")
        name = str(team["team"].iloc[0])
        points = shapely.points(team["lon"].to_numpy(), team["lat"].to_numpy())
        if actor.aggregates_only:
            shape = disclosure.outline(team["lon"], team["lat"])
            if shape is None:
                continue
        elif len(points) > 1:
            shape = shapely.linestrings(team[["lon", "lat"]].to_numpy())
        else:
            shape = points[0]
        rows.append({"team": name, "units": len(team), "geometry": shape})
    shapes = gpd.GeoDataFrame(rows, columns=["team", "units", "geometry"], crs=WGS84)
    if actor.aggregates_only and len(shapes):
        unsafe = sweep_scope_withheld(opened, actor, sweep_id)
        shapes = gpd.GeoDataFrame(
            disclosed_sweep_figures(shapes, ["units"], unsafe=unsafe), crs=WGS84
        )
    return shapes


_TEAM_DERIVED = {"walk_km": ("units",), "workload_h": ("units",), "days": ("units",)}
_TALLIES = ["assigned", "visited", "completed", "not_reached", "open", "visits_recorded"]
_TALLY_DERIVED = {"done_share": ("assigned", "visited", "not_reached")}


def sweep_scope_withheld(opened: Opened, actor: Actor, sweep_id: int) -> bool:
    """Whether a sweep covers an area whose units the overview withholds from ``actor``:
    the sweep's own figures would give them back."""
    with opened.db.read() as conn:
        scope = list(_sweep(conn, sweep_id)["scope"])
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
        hidden = disclosure.protect_table(table, present, row_sums=sums)
    return disclosure.withhold(table, hidden, derived=derived)


FIELD_COMMUNITY: Final = ("社区", "社区名称", "村", "村社区", "community")


def field_backcheck(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    data: bytes,
    filename: str,
    rule: rules.Lqas | None = None,
    as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """Field-to-record back-checks (倒查) of a sweep: a file of the units a team found on the
    ground (community, address, room) is matched with the registry of the sweep's areas;
    each community passes by LQAS when at most d of its first n finds are unregistered. The
    finds are dated ``as_of`` (default :func:`geo.clock.today`)."""
    require(actor, "view_records")
    today = as_of or clock.today()
    chosen = rule or rules.Lqas(seed=sweep_id)
    raw = read_table(data, filename)
    plan = plan_columns(list(raw.frame.columns), kind="visits", explicit=None)
    names = {normalise_header(n) for n in FIELD_COMMUNITY}
    community = next((c for c in raw.frame.columns if normalise_header(c) in names), None)
    if "address" not in plan.mapping or community is None:
        missing = "address" if "address" not in plan.mapping else "community"
        raise InputError("columns_missing", fields=missing, columns=", ".join(raw.frame.columns))
    found = pd.DataFrame(
        {
            "row": raw.row_numbers,
            "community": raw.frame[community].astype(str).str.strip().to_numpy(),
            "address": raw.frame[plan.mapping["address"]].to_numpy(),
            "room": raw.frame[plan.mapping["room"]].to_numpy() if "room" in plan.mapping else None,
        }
    )
    with opened.db.read() as conn:
        registered = _units_in_sweep(conn, actor, _sweep(conn, sweep_id), as_of=today)
    judged = rules.field_to_record(found, registered, chosen)
    verdicts = rules.lqas_verdicts(judged.rename(columns={"community": "community_id"}), chosen)
    verdicts.insert(1, "community", verdicts["community_id"])
    with opened.db.write() as conn:
        store.replace_field_finds(
            conn, sweep_id, rules.on_record(found, registered), user=actor.name, on=today
        )
        _audit(
            conn,
            actor,
            "sweep.backcheck_field",
            sweep_id,
            {
                "finds": len(found),
                "drawn": len(judged),
                "failed": int(judged["failed"].sum()),
            },
        )
    return {"sample": judged, "verdicts": verdicts}


def registration_rates(
    opened: Opened, actor: Actor, *, window_days: int = 90, as_of: date | None = None
) -> pd.DataFrame:
    """Residence and rental registration rates per community over the window (see
    :mod:`geo.registration`); small counts suppressed for roles that see aggregates only."""
    require(actor, "view_aggregates")
    today = as_of or clock.today()
    if actor.aggregates_only:  # no day or window finer than the disclosure policy allows
        today = disclosure.month_end_on_or_before(today)
        window_days = disclosure.coarse_window(window_days, as_of=today)
    since = today - timedelta(days=window_days - 1)
    with opened.db.read() as conn:
        allowed = communities_in_scope(conn, actor)
        seen = store.seen_and_registered(conn, since=since, until=today, communities=allowed)
        finds = store.field_finds(conn, since=since, until=today)
        if allowed is not None:
            areas = load_areas(conn, level="community", geometry=False)
            finds = finds.loc[finds["community"].isin(areas.loc[areas["id"].isin(allowed), "name"])]
    table = registration.registration_rates(seen, finds)
    if actor.aggregates_only:
        counts = ["residents_seen", "registered_seen", "units_found", "units_registered"]
        hidden = disclosure.protect_table(table, counts)
        table = disclosure.withhold(table, hidden, derived=_RATES_DERIVED)
    return table


_RATES_DERIVED = {
    "residence_rate": ("residents_seen", "registered_seen"),
    "rental_rate": ("units_found", "units_registered"),
}


def _assigned(
    conn: Any,
    actor: Actor,
    sweep_id: int,
    *,
    as_of: date,
    team_id: int | None = None,
    area_ids: set[int] | None = None,
) -> pd.DataFrame:
    """A sweep's units in walking order (see :func:`geo.store.sweeps.assigned_units`), only
    those in the actor's areas."""
    units = store.assigned_units(conn, sweep_id, as_of=as_of, team_id=team_id, area_ids=area_ids)
    allowed = communities_in_scope(conn, actor)
    return units if allowed is None else units.loc[units["community_id"].isin(allowed)]


def _audit(conn: Any, actor: Actor, action: str, sweep_id: int, detail: dict[str, Any]) -> None:
    """One audit row about a sweep (planning, lists and back-checks change no counted data)."""
    audit.append(
        conn,
        actor=actor.name,
        role=actor.role,
        action=action,
        object_type="sweep",
        object_id=str(sweep_id),
        detail=detail,
        changes_data=False,
    )


def _sweep(conn: Any, sweep_id: int) -> dict[str, Any]:
    found = store.sweep_row(conn, sweep_id)
    if found is None:
        raise NotFoundError("sweep_not_found", sweep=sweep_id)
    return found


def _units_in_sweep(conn: Any, actor: Actor, found: dict[str, Any], *, as_of: date) -> pd.DataFrame:
    """The active units of a sweep's areas (inside the actor's scope), with the facts a
    priority needs (see :func:`geo.store.sweeps.candidates`)."""
    whole, grids = _scope_ids(conn, actor, found["scope"])
    areas = load_areas(conn, geometry=False).set_index("id")
    parents = set(areas.loc[list(grids), "parent_id"])
    units = store.candidates(conn, as_of=as_of, communities=whole | parents)
    return units.loc[units["community_id"].isin(whole) | units["grid_id"].isin(grids)]


def _scope_ids(conn: Any, actor: Actor, codes: list[str]) -> tuple[set[int], set[int]]:
    """The communities a sweep covers whole and the grids it names on their own, inside the
    actor's scope (a code outside it is not found)."""
    areas = load_areas(conn, geometry=False)
    whole: set[int] = set()
    grids: set[int] = set()
    for code in codes:
        row = areas.loc[areas["code"] == code]
        if row.empty:
            raise NotFoundError("area_not_found", code=code)
        if row["level"].iloc[0] == "grid":
            parent = str(row["parent_code"].iloc[0])
            if int(row["parent_id"].iloc[0]) in (communities_for(conn, actor, parent) or set()):
                grids.add(int(row["id"].iloc[0]))
            else:
                raise NotFoundError("area_not_found", code=code)
        else:
            whole |= set(communities_for(conn, actor, code) or set())
    return whole, grids
