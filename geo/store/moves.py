"""Moves as rows: a person by the HMAC of their ID number, their stays, a unit by its
reference; add a person, open and close a stay."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from geo.store.schema import person, property_, residence


def person_by_hmac(conn: Connection, id_hmac: str) -> dict[str, Any] | None:
    statement = select(person.c.id, person.c.name).where(person.c.id_hmac == id_hmac)
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def unit_by_ref(conn: Connection, ref: str) -> dict[str, Any] | None:
    p = property_.c
    statement = select(p.id, p.external_ref, p.address, p.community_id, p.status).where(
        p.external_ref == ref
    )
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def stays_of(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    """A person's stays, oldest first: id, property_id, external_ref, community_id,
    moved_in, moved_out."""
    statement = (
        select(
            residence.c.id,
            residence.c.property_id,
            property_.c.external_ref,
            property_.c.community_id,
            residence.c.moved_in,
            residence.c.moved_out,
        )
        .select_from(residence.join(property_))
        .where(residence.c.person_id == person_id)
        .order_by(residence.c.moved_in, residence.c.id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def add_person(conn: Connection, **values: Any) -> int:
    return int(conn.execute(person.insert().values(**values).returning(person.c.id)).scalar_one())


def open_stay(
    conn: Connection,
    *,
    person_id: int,
    property_id: int,
    moved_in: date,
    room: str | None,
    reported_on: date,
) -> int:
    statement = (
        residence.insert()
        .values(
            person_id=person_id,
            property_id=property_id,
            moved_in=moved_in,
            room=room,
            reported_on=reported_on,
        )
        .returning(residence.c.id)
    )
    return int(conn.execute(statement).scalar_one())


def close_stay(conn: Connection, stay_id: int, *, moved_out: date, reported_on: date) -> None:
    """End a stay, reported on ``reported_on`` (its reported_on stays the move-in's)."""
    conn.execute(
        residence.update()
        .where(residence.c.id == stay_id)
        .values(moved_out=moved_out, moved_out_reported_on=reported_on)
    )
