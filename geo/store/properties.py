"""A rental unit's file as rows: the unit with its landlord and areas, who lived there, and
the visits it had."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from geo.store.frames import read_frame
from geo.store.schema import area, import_batch, landlord, person, property_, residence, team, visit


def property_by_ref(conn: Connection, ref: str) -> dict[str, Any] | None:
    """The unit with this reference, its landlord (masked phone), community and grid (code,
    name, boundary) and the upload it came from."""
    community = area.alias("community")
    grid = area.alias("grid")
    p = property_.c
    statement = (
        select(
            p.id,
            p.external_ref,
            p.address,
            p.room,
            p.lon,
            p.lat,
            p.coord_source,
            p.kind,
            p.rooms,
            p.floor_area_m2,
            p.max_occupants,
            p.status,
            p.registered_on,
            p.community_id,
            community.c.code.label("community_code"),
            community.c.name.label("community_name"),
            grid.c.code.label("grid_code"),
            grid.c.name.label("grid_name"),
            grid.c.geometry.label("grid_geometry"),
            landlord.c.name.label("landlord_name"),
            landlord.c.phone_masked.label("landlord_phone"),
            import_batch.c.id.label("batch_id"),
            import_batch.c.filename.label("batch_file"),
        )
        .select_from(
            property_.outerjoin(community, community.c.id == p.community_id)
            .outerjoin(grid, grid.c.id == p.grid_id)
            .outerjoin(landlord, landlord.c.id == p.landlord_id)
            .outerjoin(import_batch, import_batch.c.id == p.batch_id)
        )
        .where(p.external_ref == ref)
    )
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def stays_at(conn: Connection, property_id: int) -> pd.DataFrame:
    """Everyone who lives or lived in the unit, newest first: name, id_masked, phone_masked,
    room, moved_in, moved_out."""
    statement = (
        select(
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            residence.c.room,
            residence.c.moved_in,
            residence.c.moved_out,
        )
        .select_from(residence.join(person))
        .where(residence.c.property_id == property_id)
        .order_by(residence.c.moved_in.desc(), residence.c.id.desc())
    )
    return read_frame(conn, statement)


def visits_to(conn: Connection, property_id: int) -> pd.DataFrame:
    """The unit's visits, newest first: visited_at, outcome, residents_seen, team, note."""
    statement = (
        select(
            visit.c.visited_at,
            visit.c.outcome,
            visit.c.residents_seen,
            team.c.name.label("team"),
            visit.c.note,
        )
        .select_from(visit.outerjoin(team, team.c.id == visit.c.team_id))
        .where(visit.c.property_id == property_id)
        .order_by(visit.c.visited_at.desc())
    )
    return read_frame(conn, statement)


def find_units(
    conn: Connection,
    *,
    words: list[str],
    communities: frozenset[int] | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """Units whose address or room contains every one of ``words``, and the unit whose
    reference starts with the text: external_ref, address, room, community, lon, lat.

    The words are looked for in the (address, room) index alone, scanned in address order
    and stopped at ``limit``: no row is read unless it matches (about 0.1 s for a million
    units on SQLite); references go through their unique index.
    """
    community = area.alias("community")
    p = property_.c

    def units(*conditions: Any) -> pd.DataFrame:
        statement = (
            select(
                p.external_ref, p.address, p.room, community.c.name.label("community"), p.lon, p.lat
            )
            .select_from(property_.outerjoin(community, community.c.id == p.community_id))
            .where(*conditions)
            .order_by(p.address, p.room)
            .limit(limit)
        )
        if communities is not None:
            statement = statement.where(p.community_id.in_(sorted(communities)))
        return read_frame(conn, statement)

    by_words = units(
        *(
            p.address.contains(w, autoescape=True) | p.room.contains(w, autoescape=True)
            for w in words
        )
    )
    text = "".join(words)
    by_ref = units(p.external_ref >= text, p.external_ref < text + "\uffff")
    found = [f for f in (by_ref, by_words) if not f.empty]
    if len(found) < 2:
        return found[0] if found else by_words
    both = pd.concat(found, ignore_index=True).drop_duplicates("external_ref")
    return both.head(limit).reset_index(drop=True)


def update_unit(conn: Connection, unit_id: int, values: dict[str, Any]) -> None:
    conn.execute(property_.update().where(property_.c.id == unit_id).values(**values))
