"""Sweeps in the database: campaigns, their teams, who visits which unit in what order,
the visits to their units and the residents a list names."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, distinct, func, select

from geo import clock
from geo.coverage import day_end
from geo.store.conditions import living_on, units_within
from geo.store.frames import insert_frame, read_frame
from geo.store.lists import latest_person_visits
from geo.store.schema import (
    app_user,
    area,
    assignment,
    person,
    property_,
    residence,
    sweep,
    team,
    team_member,
    visit,
)
from geo.store.visits import last_visits


def create_sweep(
    conn: Connection,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    scope: Iterable[str],
    teams: Iterable[str],
    created_by: str,
) -> int:
    """A new planned sweep over the areas ``scope`` (codes) with its named teams."""
    sweep_id = int(
        conn.execute(
            sweep.insert()
            .values(
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                scope=json.dumps(sorted(set(scope)), ensure_ascii=False),
                status="planned",
                created_by=created_by,
                created_at=clock.utc_now(),
            )
            .returning(sweep.c.id)
        ).scalar_one()
    )
    conn.execute(team.insert(), [{"sweep_id": sweep_id, "name": t} for t in teams])
    return sweep_id


def sweep_row(conn: Connection, sweep_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(sweep).where(sweep.c.id == sweep_id)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["scope"] = json.loads(out["scope"])
    return out


def all_sweeps(conn: Connection) -> pd.DataFrame:
    """Every sweep, newest first, with its number of teams and assigned units."""
    teams = (
        select(team.c.sweep_id, func.count().label("teams")).group_by(team.c.sweep_id).subquery()
    )
    units = (
        select(assignment.c.sweep_id, func.count().label("units"))
        .group_by(assignment.c.sweep_id)
        .subquery()
    )
    statement = (
        select(
            sweep.c.id,
            sweep.c.name,
            sweep.c.starts_on,
            sweep.c.ends_on,
            sweep.c.status,
            sweep.c.scope,
            func.coalesce(teams.c.teams, 0).label("teams"),
            func.coalesce(units.c.units, 0).label("units"),
        )
        .outerjoin(teams, teams.c.sweep_id == sweep.c.id)
        .outerjoin(units, units.c.sweep_id == sweep.c.id)
        .order_by(sweep.c.id.desc())
    )
    return read_frame(conn, statement)


def assigned_within(conn: Connection, communities: Collection[int]) -> pd.DataFrame:
    """Per sweep with assigned units in ``communities`` (a registrar's share of a sweep over
    several areas): sweep_id, units (assigned there), teams (with a unit there)."""
    statement = (
        select(
            assignment.c.sweep_id,
            func.count().label("units"),
            func.count(distinct(assignment.c.team_id)).label("teams"),
        )
        .select_from(assignment.join(property_, property_.c.id == assignment.c.property_id))
        .where(property_.c.community_id.in_(sorted(communities)))
        .group_by(assignment.c.sweep_id)
    )
    return read_frame(conn, statement)


def sweep_teams(conn: Connection, sweep_id: int) -> pd.DataFrame:
    """A sweep's teams (id, name) in the order they were named, with their members' user
    names (``members``, comma-separated)."""
    teams = read_frame(
        conn, select(team.c.id, team.c.name).where(team.c.sweep_id == sweep_id).order_by(team.c.id)
    )
    members = read_frame(
        conn,
        select(team_member.c.team_id, app_user.c.name)
        .join(app_user, app_user.c.id == team_member.c.user_id)
        .where(team_member.c.team_id.in_(teams["id"].tolist()))
        .order_by(app_user.c.name),
    )
    listed = members.groupby("team_id")["name"].agg(", ".join) if len(members) else pd.Series()
    return teams.assign(members=teams["id"].map(listed).fillna(""))


def add_members(conn: Connection, team_id: int, user_names: Iterable[str]) -> int:
    """Put existing users on a team; returns how many were added."""
    names = sorted(set(user_names))
    users = conn.execute(select(app_user.c.id).where(app_user.c.name.in_(names))).scalars().all()
    known = set(
        conn.execute(
            select(team_member.c.user_id).where(team_member.c.team_id == team_id)
        ).scalars()
    )
    rows = [{"team_id": team_id, "user_id": u} for u in users if u not in known]
    if rows:
        conn.execute(team_member.insert(), rows)
    return len(rows)


def team_ids_in_sweep(conn: Connection, sweep_id: int, names: Iterable[str]) -> dict[str, int]:
    """Ids of a sweep's teams by name, adding a team for a name the sweep does not have."""
    wanted = sorted({n for n in names if n})
    known = {
        r.name: int(r.id)
        for r in conn.execute(
            select(team.c.id, team.c.name).where(
                team.c.sweep_id == sweep_id, team.c.name.in_(wanted)
            )
        )
    }
    missing = [n for n in wanted if n not in known]
    if missing:
        conn.execute(team.insert(), [{"sweep_id": sweep_id, "name": n} for n in missing])
        return team_ids_in_sweep(conn, sweep_id, wanted)
    return known


def existing_sweeps(conn: Connection, ids: Iterable[int]) -> set[int]:
    wanted = sorted({int(i) for i in ids})
    return set(conn.execute(select(sweep.c.id).where(sweep.c.id.in_(wanted))).scalars())


def replace_assignment(conn: Connection, sweep_id: int, plan: pd.DataFrame) -> int:
    """Store a plan (property_id, team_id, position) as the sweep's assignment, replacing
    any earlier plan of the sweep."""
    conn.execute(delete(assignment).where(assignment.c.sweep_id == sweep_id))
    rows = plan[["property_id", "team_id", "position"]].assign(sweep_id=sweep_id, status="open")
    return insert_frame(conn, assignment, rows)


def candidates(
    conn: Connection, *, as_of: date, communities: Collection[int] | None
) -> pd.DataFrame:
    """Active units in the communities with what a priority needs: property_id,
    external_ref, address, room, community_id, grid_id, lon, lat, rooms, floor_area_m2,
    registered_on, residents, not_found, last_completed, last_attempt."""
    p = property_.c
    units = read_frame(
        conn,
        select(
            p.id.label("property_id"),
            p.external_ref,
            p.address,
            p.room,
            p.community_id,
            p.grid_id,
            p.lon,
            p.lat,
            p.rooms,
            p.floor_area_m2,
            p.registered_on,
        ).where(p.status == "active", *units_within(communities)),
    )
    last = last_visits(conn, as_of=as_of, communities=communities)
    people = read_frame(
        conn,
        select(residence.c.property_id, residence.c.person_id)
        .select_from(residence.join(property_))
        .where(living_on(as_of), *units_within(communities)),
    )
    latest = latest_person_visits(conn, as_of=as_of)
    absent = latest.loc[latest["outcome"] == "not_found", "person_id"]
    people["not_found"] = people["person_id"].isin(set(absent))
    per_unit = people.groupby("property_id").agg(
        residents=("person_id", "size"), not_found=("not_found", "sum")
    )
    out = units.merge(last, on="property_id", how="left").merge(
        per_unit, left_on="property_id", right_index=True, how="left"
    )
    out["residents"] = out["residents"].fillna(0).astype(int)
    out["not_found"] = out["not_found"].fillna(0).astype(int)
    return out


def assigned_units(
    conn: Connection,
    sweep_id: int,
    *,
    as_of: date,
    team_id: int | None = None,
    area_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """A sweep's units in walking order per team: team_id, team, position, property_id,
    external_ref, address, room, community_id, community, grid_id, grid, lon, lat,
    residents (on ``as_of``)."""
    community = area.alias("community")
    grid = area.alias("grid")
    mine = select(assignment.c.property_id).where(assignment.c.sweep_id == sweep_id)
    if team_id is not None:
        mine = mine.where(assignment.c.team_id == team_id)
    residents = (
        select(residence.c.property_id, func.count().label("residents"))
        .select_from(residence.join(property_))
        .where(living_on(as_of), residence.c.property_id.in_(mine))
        .group_by(residence.c.property_id)
        .subquery()
    )
    p = property_.c
    statement = (
        select(
            assignment.c.team_id,
            team.c.name.label("team"),
            assignment.c.position,
            p.id.label("property_id"),
            p.external_ref,
            p.address,
            p.room,
            p.community_id,
            community.c.name.label("community"),
            p.grid_id,
            grid.c.name.label("grid"),
            p.lon,
            p.lat,
            func.coalesce(residents.c.residents, 0).label("residents"),
        )
        .select_from(
            assignment.join(team, team.c.id == assignment.c.team_id)
            .join(property_, property_.c.id == assignment.c.property_id)
            .outerjoin(community, community.c.id == p.community_id)
            .outerjoin(grid, grid.c.id == p.grid_id)
            .outerjoin(residents, residents.c.property_id == p.id)
        )
        .where(assignment.c.sweep_id == sweep_id)
        .order_by(team.c.name, assignment.c.position)
    )
    if team_id is not None:
        statement = statement.where(assignment.c.team_id == team_id)
    if area_ids is not None:
        ids = sorted(area_ids)
        statement = statement.where(p.community_id.in_(ids) | p.grid_id.in_(ids))
    return read_frame(conn, statement)


def sweep_visits(conn: Connection, sweep_id: int, *, since: date, until: date) -> pd.DataFrame:
    """Visits to the sweep's units from its start to ``until`` (inclusive): property_id,
    team_id, sweep_id, visited_at, outcome."""
    end = day_end(until)
    start = datetime.combine(since, time())
    assigned = select(assignment.c.property_id).where(assignment.c.sweep_id == sweep_id)
    statement = select(
        visit.c.property_id, visit.c.team_id, visit.c.sweep_id, visit.c.visited_at, visit.c.outcome
    ).where(
        visit.c.property_id.in_(assigned), visit.c.visited_at >= start, visit.c.visited_at < end
    )
    return read_frame(conn, statement)


def all_visits_to(conn: Connection, property_ids: Collection[int], *, since: date) -> pd.DataFrame:
    """Every visit to these units from ``since``: property_id, team_id, sweep_id, visited_at,
    outcome, residents_seen."""
    statement = select(
        visit.c.property_id,
        visit.c.team_id,
        visit.c.sweep_id,
        visit.c.visited_at,
        visit.c.outcome,
        visit.c.residents_seen,
    ).where(
        visit.c.property_id.in_(sorted(property_ids)),
        visit.c.visited_at >= datetime.combine(since, time()),
    )
    return read_frame(conn, statement)


def people_in_sweep(
    conn: Connection, sweep_id: int, *, as_of: date, team_id: int | None = None
) -> pd.DataFrame:
    """Masked facts of the current residents of a sweep's units (one team's, if given), for
    the area list: property_id, name, id_masked."""
    assigned = select(assignment.c.property_id).where(assignment.c.sweep_id == sweep_id)
    if team_id is not None:
        assigned = assigned.where(assignment.c.team_id == team_id)
    statement = (
        select(residence.c.property_id, person.c.name, person.c.id_masked)
        .select_from(residence.join(property_).join(person))
        .where(living_on(as_of), residence.c.property_id.in_(assigned))
        .order_by(residence.c.property_id, person.c.name)
    )
    return read_frame(conn, statement)


def people_in_units(
    conn: Connection, property_ids: Collection[int], *, as_of: date
) -> pd.DataFrame:
    """Masked facts of the current residents of these units, for an area list without a
    sweep: property_id, name, id_masked."""
    statement = (
        select(residence.c.property_id, person.c.name, person.c.id_masked)
        .select_from(residence.join(property_).join(person))
        .where(living_on(as_of), residence.c.property_id.in_(sorted(property_ids)))
        .order_by(residence.c.property_id, person.c.name)
    )
    return read_frame(conn, statement)
