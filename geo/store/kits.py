"""Field kits in the database: the kits issued to sweep teams, the roles of each team's
members, the teams' shares of units, and the grid outlines a GeoPackage kit draws."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

import pandas as pd
from sqlalchemy import Connection, select, update

from geo import clock
from geo.store.frames import read_frame
from geo.store.schema import app_user, area, assignment, kit, team, team_member


def new_kit(
    conn: Connection,
    *,
    sweep_id: int,
    team_id: int,
    fmt: str,
    issued_on: date,
    expires_on: date,
    units: int,
    issued_by: str,
) -> int:
    """Record a kit handed out; its form id (``gridhouse_kit_<id>``) follows from its id."""
    kit_id = int(
        conn.execute(
            kit.insert()
            .values(
                sweep_id=sweep_id,
                team_id=team_id,
                format=fmt,
                form_id=f"pending-{uuid.uuid4().hex}",
                issued_on=issued_on,
                expires_on=expires_on,
                units=units,
                issued_by=issued_by,
                issued_at=clock.utc_now(),
            )
            .returning(kit.c.id)
        ).scalar_one()
    )
    conn.execute(update(kit).where(kit.c.id == kit_id).values(form_id=f"gridhouse_kit_{kit_id}"))
    return kit_id


def kits(conn: Connection, ids: Collection[int] | None = None) -> pd.DataFrame:
    """Kits (all, or these): kit_id, sweep_id, team_id, team, format, issued_on,
    expires_on, units, issued_by."""
    statement = select(
        kit.c.id.label("kit_id"),
        kit.c.sweep_id,
        kit.c.team_id,
        team.c.name.label("team"),
        kit.c.format,
        kit.c.issued_on,
        kit.c.expires_on,
        kit.c.units,
        kit.c.issued_by,
    ).join(team, team.c.id == kit.c.team_id)
    if ids is not None:
        statement = statement.where(kit.c.id.in_(sorted({int(i) for i in ids})))
    return read_frame(conn, statement.order_by(kit.c.id))


def member_roles(conn: Connection, team_id: int) -> list[str]:
    """The roles of a team's members."""
    return list(
        conn.execute(
            select(app_user.c.role)
            .join(team_member, team_member.c.user_id == app_user.c.id)
            .where(team_member.c.team_id == team_id)
        ).scalars()
    )


def shares(conn: Connection, sweep_ids: Collection[int]) -> pd.DataFrame:
    """Each team's units in these sweeps: sweep_id, team_id, property_id."""
    return read_frame(
        conn,
        select(assignment.c.sweep_id, assignment.c.team_id, assignment.c.property_id).where(
            assignment.c.sweep_id.in_(sorted({int(i) for i in sweep_ids}))
        ),
    )


def grid_outlines(conn: Connection, grid_ids: Collection[int]) -> pd.DataFrame:
    """code, name, geometry of these grids."""
    return read_frame(
        conn,
        select(area.c.code, area.c.name, area.c.geometry).where(
            area.c.id.in_(sorted({int(i) for i in grid_ids}))
        ),
    )
