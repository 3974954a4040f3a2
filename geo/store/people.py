"""People as rows: their sealed identifiers, and anonymising those who left long ago."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Final

import pandas as pd
from sqlalchemy import Connection, and_, bindparam, exists, func, select

from geo.store.frames import read_frame
from geo.store.schema import area, change_log, import_batch, person, property_, residence


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


PERSONAL_COLUMNS: Final = (
    "name",
    "id_hmac",
    "id_cipher",
    "id_masked",
    "phone_hmac",
    "phone_cipher",
    "phone_masked",
    "permit_no",
    "permit_expiry",
)
"""What :func:`anonymise` removes from a person, and retention from every copy of them."""


def forget_earlier_values(conn: Connection) -> int:
    """Remove the personal values of every anonymised person from the change log's
    before-images (the history of a row, and what undo restores): retention reaches every
    copy. Returns the entries rewritten."""
    gone = select(person.c.id).where(person.c.anonymised_at.is_not(None))
    entries = conn.execute(
        select(change_log.c.id, change_log.c.before).where(
            change_log.c.table_name == "person", change_log.c.row_id.in_(gone)
        )
    ).all()
    rewritten = []
    for entry_id, before in entries:
        values = json.loads(before)
        kept = {k: v for k, v in values.items() if k not in PERSONAL_COLUMNS}
        if kept != values:
            rewritten.append({"entry": entry_id, "kept": json.dumps(kept, ensure_ascii=False)})
    if rewritten:
        conn.execute(
            change_log.update()
            .where(change_log.c.id == bindparam("entry"))
            .values(before=bindparam("kept")),
            rewritten,
        )
    return len(rewritten)


def drop_rejects_before(conn: Connection, cutoff: datetime) -> int:
    """Drop the stored rejects reports (rows as uploaded, names and numbers in them) of
    batches made before ``cutoff``: kept to be corrected, not for ever."""
    b = import_batch.c
    return int(
        conn.execute(
            import_batch.update()
            .where(b.created_at < cutoff, b.rejects_csv.is_not(None))
            .values(rejects_csv=None)
        ).rowcount
    )


def find_people(
    conn: Connection,
    *,
    id_hmac: str | None = None,
    phone_hmac: str | None = None,
    name: str | None = None,
    communities: frozenset[int] | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """People matched exactly by ID or phone HMAC (indexed; nothing is decrypted) or by a
    name prefix, each with their latest stay (current if any) and its unit's community.

    ``communities`` limits the result to people whose latest stay is in those communities.
    Identifiers come back masked only.
    """
    stay = residence.alias("stay")
    latest_stay = (  # per matched person only: the (person_id, ...) index answers it
        select(func.max(stay.c.id)).where(stay.c.person_id == person.c.id).scalar_subquery()
    )
    community = area.alias("community")
    statement = (
        select(
            person.c.id,
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            person.c.sex,
            person.c.birth_year,
            person.c.origin,
            person.c.permit_expiry,
            property_.c.external_ref.label("property_ref"),
            property_.c.address,
            residence.c.room,
            residence.c.moved_in,
            residence.c.moved_out,
            community.c.code.label("community_code"),
            community.c.name.label("community_name"),
            property_.c.community_id,
        )
        .select_from(
            person.outerjoin(residence, residence.c.id == latest_stay)
            .outerjoin(property_, property_.c.id == residence.c.property_id)
            .outerjoin(community, community.c.id == property_.c.community_id)
        )
        .where(person.c.anonymised_at.is_(None))
        .order_by(person.c.name, person.c.id)
        .limit(limit)
    )
    if id_hmac is not None:
        statement = statement.where(person.c.id_hmac == id_hmac)
    if phone_hmac is not None:
        statement = statement.where(person.c.phone_hmac == phone_hmac)
    if name:
        statement = statement.where(person.c.name.startswith(name, autoescape=True))
    if communities is not None:
        statement = statement.where(property_.c.community_id.in_(sorted(communities)))
    return read_frame(conn, statement)


def person_community(conn: Connection, person_id: int) -> int | None:
    """The community of a person's latest stay (None without one)."""
    statement = (
        select(property_.c.community_id)
        .select_from(residence.join(property_))
        .where(residence.c.person_id == person_id)
        .order_by(residence.c.id.desc())
        .limit(1)
    )
    found = conn.execute(statement).scalar()
    return None if found is None else int(found)
