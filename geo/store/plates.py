"""Door plates in the database: stored as hashes of their tokens, issued, revoked, and
the unit a token belongs to."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select, update

from geo import clock
from geo.store.frames import insert_frame, read_frame
from geo.store.schema import plate, property_


def plates_by_hash(conn: Connection, hashes: Collection[str]) -> pd.DataFrame:
    """Plates with these token hashes: token_hash, property_id, revoked_at."""
    return read_frame(
        conn,
        select(plate.c.token_hash, plate.c.property_id, plate.c.revoked_at).where(
            plate.c.token_hash.in_(sorted(set(hashes)))
        ),
    )


def active_plates(conn: Connection, property_ids: Collection[int]) -> set[int]:
    """The units among these that carry a plate not revoked."""
    wanted = sorted({int(i) for i in property_ids})
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        found |= {
            int(p)
            for p in conn.execute(
                select(plate.c.property_id).where(
                    plate.c.property_id.in_(wanted[start : start + 500]),
                    plate.c.revoked_at.is_(None),
                )
            ).scalars()
        }
    return found


def add_plates(conn: Connection, rows: pd.DataFrame, *, user: str) -> int:
    """Store plates (property_id, token_hash)."""
    return insert_frame(
        conn,
        plate,
        rows.assign(issued_by=user, issued_at=clock.utc_now())[
            ["property_id", "token_hash", "issued_by", "issued_at"]
        ],
    )


def revoke_plates(conn: Connection, property_id: int, *, reason: str) -> int:
    result = conn.execute(
        update(plate)
        .where(plate.c.property_id == property_id, plate.c.revoked_at.is_(None))
        .values(revoked_at=clock.utc_now(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)


def units_for_plates(conn: Connection, *, communities: Collection[int]) -> pd.DataFrame:
    """Active units of these communities: property_id, ref, address, room, community_id,
    grid_id."""
    p = property_.c
    return read_frame(
        conn,
        select(
            p.id.label("property_id"),
            p.external_ref.label("ref"),
            p.address,
            p.room,
            p.community_id,
            p.grid_id,
        )
        .where(p.status == "active", p.community_id.in_(sorted(communities)))
        .order_by(p.grid_id, p.address, p.room),
    )


def unit_by_ref(conn: Connection, ref: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(
                property_.c.id.label("property_id"),
                property_.c.external_ref.label("ref"),
                property_.c.address,
                property_.c.room,
                property_.c.community_id,
            ).where(property_.c.external_ref == ref)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def plate_unit(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """The unit a plate token belongs to (its plate not revoked): property_id, ref,
    address, room, community_id."""
    row = (
        conn.execute(
            select(
                property_.c.id.label("property_id"),
                property_.c.external_ref.label("ref"),
                property_.c.address,
                property_.c.room,
                property_.c.community_id,
            )
            .join(plate, plate.c.property_id == property_.c.id)
            .where(plate.c.token_hash == token_hash, plate.c.revoked_at.is_(None))
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)
