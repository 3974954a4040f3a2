"""The rows behind the lists staff act on: who lives where now, permits, last visits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from geo.store.records import read_frame
from geo.store.schema import area, person, property_, residence, visit


def _living(as_of: date) -> Any:
    return and_(
        residence.c.moved_in <= as_of,
        residence.c.moved_out.is_(None) | (residence.c.moved_out > as_of),
        property_.c.status == "active",
    )


def _within(communities: Collection[int] | None) -> list[Any]:
    return [] if communities is None else [property_.c.community_id.in_(sorted(communities))]


def _community() -> Any:
    return area.alias("community")


def occupied_units(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Units with residents on ``as_of``: property_id, external_ref, address, room,
    community, rooms, floor_area_m2, residents, last_visit (any outcome, up to as_of)."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    last = (
        select(visit.c.property_id, func.max(visit.c.visited_at).label("last_visit"))
        .where(visit.c.property_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.property_id)
        .subquery()
    )
    community = _community()
    p = property_.c
    statement = (
        select(
            p.id.label("property_id"),
            p.external_ref,
            p.address,
            p.room,
            community.c.name.label("community"),
            p.rooms,
            p.floor_area_m2,
            func.count().label("residents"),
            func.max(last.c.last_visit).label("last_visit"),
        )
        .select_from(
            residence.join(property_)
            .outerjoin(community, community.c.id == p.community_id)
            .outerjoin(last, last.c.property_id == p.id)
        )
        .where(_living(as_of), *_within(communities))
        .group_by(p.id)
        .order_by(p.external_ref)
    )
    return read_frame(conn, statement)


def current_people(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """People living in an active unit on ``as_of``, masked: person_id, name, id_masked,
    phone_masked, permit_no, permit_expiry, external_ref, address, community, moved_in."""
    community = _community()
    p = property_.c
    statement = (
        select(
            person.c.id.label("person_id"),
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            person.c.permit_no,
            person.c.permit_expiry,
            p.external_ref,
            p.address,
            community.c.name.label("community"),
            residence.c.moved_in,
        )
        .select_from(
            residence.join(property_)
            .join(person)
            .outerjoin(community, community.c.id == p.community_id)
        )
        .where(_living(as_of), *_within(communities))
        .order_by(community.c.name, p.external_ref, person.c.name)
    )
    return read_frame(conn, statement)


def latest_person_visits(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """Each person's latest visit up to ``as_of``: person_id, visited_at, outcome."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    latest = (
        select(visit.c.person_id, func.max(visit.c.visited_at).label("at"))
        .where(visit.c.person_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.person_id)
        .subquery()
    )
    statement = (
        select(visit.c.person_id, visit.c.visited_at, visit.c.outcome)
        .select_from(
            visit.join(
                latest,
                and_(latest.c.person_id == visit.c.person_id, latest.c.at == visit.c.visited_at),
            )
        )
        .order_by(visit.c.person_id, visit.c.id)
    )
    frame = read_frame(conn, statement)
    return frame.drop_duplicates("person_id", keep="last").reset_index(drop=True)
