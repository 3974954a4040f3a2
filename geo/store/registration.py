"""What registration rates are counted from: the units a field-to-record back-check found
on the ground, and per visited unit the residents seen beside those registered."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select

from geo.coverage import COMPLETED_OUTCOMES, day_end
from geo.store.conditions import units_within
from geo.store.frames import insert_frame, read_frame
from geo.store.schema import area, field_find, property_, residence, visit


def replace_field_finds(
    conn: Connection, sweep_id: int, finds: pd.DataFrame, *, user: str, on: date
) -> int:
    """Store a field-to-record back-check's finds (community, address, room, registered) for a
    sweep, checked on ``on``; a unit found again replaces its earlier find."""
    rooms = finds["room"].map(lambda r: r.strip() if isinstance(r, str) and r.strip() else None)
    keyed = finds.assign(room=rooms).drop_duplicates(["community", "address", "room"], keep="last")
    for row in keyed[["community", "address", "room"]].itertuples(index=False):
        conn.execute(
            delete(field_find).where(
                field_find.c.sweep_id == sweep_id,
                field_find.c.community == row.community,
                field_find.c.address == row.address,
                (field_find.c.room == row.room) if row.room else field_find.c.room.is_(None),
            )
        )
    rows = keyed[["community", "address", "room", "registered"]].assign(
        sweep_id=sweep_id, checked_on=on, user_name=user
    )
    return insert_frame(conn, field_find, rows)


def field_finds(conn: Connection, *, since: date, until: date) -> pd.DataFrame:
    """Field finds checked from ``since`` to ``until``: community, registered."""
    statement = select(field_find.c.community, field_find.c.registered).where(
        field_find.c.checked_on >= since, field_find.c.checked_on <= until
    )
    return read_frame(conn, statement)


def seen_and_registered(
    conn: Connection, *, since: date, until: date, communities: Collection[int] | None
) -> pd.DataFrame:
    """Per unit with a completed visit that counted residents from ``since`` to ``until``
    (its latest one): community, residents_seen, registered (living there that day)."""
    start = datetime.combine(since, time())
    end = day_end(until)
    counted = and_(
        visit.c.outcome.in_(COMPLETED_OUTCOMES),
        visit.c.residents_seen.is_not(None),
        visit.c.visited_at >= start,
        visit.c.visited_at < end,
    )
    latest = (
        select(visit.c.property_id, func.max(visit.c.visited_at).label("at"))
        .where(counted, visit.c.property_id.is_not(None))
        .group_by(visit.c.property_id)
        .subquery()
    )
    registered = (
        select(func.count())
        .where(
            residence.c.property_id == latest.c.property_id,
            residence.c.moved_in <= latest.c.at,
            residence.c.moved_out.is_(None) | (residence.c.moved_out > latest.c.at),
        )
        .scalar_subquery()
    )
    community = area.alias("community")
    statement = (
        select(
            community.c.name.label("community"),
            func.max(visit.c.residents_seen).label("residents_seen"),
            registered.label("registered"),
        )
        .select_from(
            latest.join(
                visit,
                and_(
                    visit.c.property_id == latest.c.property_id, visit.c.visited_at == latest.c.at
                ),
            )
            .join(property_, property_.c.id == latest.c.property_id)
            .join(community, community.c.id == property_.c.community_id)
        )
        .where(counted, *units_within(communities))
        .group_by(latest.c.property_id, latest.c.at, community.c.name)
    )
    return read_frame(conn, statement)
