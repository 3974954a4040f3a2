"""Proven visits in the database: completed visits with their proofs, the proofs a
back-check adds, and the active units and points they are counted over."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import Connection, select

from geo import clock
from geo.store.frames import read_frame
from geo.store.schema import assignment, property_, visit, visit_proof


def sweep_visits_proven(conn: Connection, sweep_id: int, *, since: date) -> pd.DataFrame:
    """Visits to a sweep's units since it began: property_id, visit_id, visited_at,
    outcome, team_id, sweep_id, proven."""
    assigned = select(assignment.c.property_id).where(assignment.c.sweep_id == sweep_id)
    return read_frame(
        conn,
        select(
            visit.c.property_id,
            visit.c.id.label("visit_id"),
            visit.c.visited_at,
            visit.c.outcome,
            visit.c.team_id,
            visit.c.sweep_id,
            visit_proof.c.visit_id.is_not(None).label("proven"),
        )
        .select_from(visit.outerjoin(visit_proof, visit_proof.c.visit_id == visit.c.id))
        .where(
            visit.c.property_id.in_(assigned),
            visit.c.visited_at >= datetime.combine(since, time()),
        ),
    )


def add_backcheck_proofs(conn: Connection, visit_ids: Collection[int]) -> int:
    """Mark visits proven by a back-check (those already proven stay as they are)."""
    wanted = sorted({int(v) for v in visit_ids})
    known = set(
        conn.execute(
            select(visit_proof.c.visit_id).where(visit_proof.c.visit_id.in_(wanted))
        ).scalars()
    )
    rows = [
        {"visit_id": v, "how": "backcheck", "distance_m": None, "recorded_at": clock.utc_now()}
        for v in wanted
        if v not in known
    ]
    if rows:
        conn.execute(visit_proof.insert(), rows)
    return len(rows)


def active_units(conn: Connection) -> pd.DataFrame:
    """Active units: property_id, community_id, grid_id."""
    return read_frame(
        conn,
        select(
            property_.c.id.label("property_id"), property_.c.community_id, property_.c.grid_id
        ).where(property_.c.status == "active"),
    )


def unit_points(conn: Connection, property_ids: Collection[int]) -> pd.DataFrame:
    """property_id, lon, lat of these units."""
    return read_frame(
        conn,
        select(property_.c.id.label("property_id"), property_.c.lon, property_.c.lat).where(
            property_.c.id.in_(sorted({int(i) for i in property_ids}))
        ),
    )
