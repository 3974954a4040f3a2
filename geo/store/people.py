"""People as rows: their sealed identifiers, and anonymising those who left long ago."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, select

from geo.store.schema import person, residence


def sealed_identifiers(conn: Connection, person_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(
                person.c.id,
                person.c.name,
                person.c.id_cipher,
                person.c.phone_cipher,
                person.c.anonymised_at,
            ).where(person.c.id == person_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def departed_before(conn: Connection, cutoff: date) -> list[int]:
    """People not anonymised yet, with stays, none current and every one ended before cutoff."""
    current_or_recent = exists().where(
        and_(
            residence.c.person_id == person.c.id,
            (residence.c.moved_out.is_(None)) | (residence.c.moved_out >= cutoff),
        )
    )
    any_stay = exists().where(residence.c.person_id == person.c.id)
    statement = select(person.c.id).where(
        person.c.anonymised_at.is_(None), any_stay, ~current_or_recent
    )
    return [int(i) for i in conn.execute(statement).scalars()]


def anonymise(conn: Connection, person_ids: list[int], *, when: datetime, label: str) -> int:
    """Remove names and identifiers; sex, birth year and origin stay for the statistics."""
    done = 0
    for start in range(0, len(person_ids), 900):
        chunk = person_ids[start : start + 900]
        done += conn.execute(
            person.update()
            .where(person.c.id.in_(chunk))
            .values(
                name=label,
                id_hmac=None,
                id_cipher=None,
                id_masked=None,
                phone_hmac=None,
                phone_cipher=None,
                phone_masked=None,
                permit_no=None,
                permit_expiry=None,
                anonymised_at=when,
            )
        ).rowcount
    return done
