"""Import batches: one row per uploaded file, opened and closed around its writes, found
again by fingerprint, listed, and the communities it wrote in.

The rows a batch writes are in :mod:`geo.store.upserts`; their history and undoing a batch
in :mod:`geo.store.changes`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, or_, select

from geo import clock
from geo.store.frames import read_frame
from geo.store.schema import (
    change_log,
    employment,
    import_batch,
    landlord,
    person,
    property_,
    residence,
    visit,
    worksite,
)


def find_batch(conn: Connection, *, kind: str, sha256: str) -> dict[str, Any] | None:
    """The newest committed batch of the same kind and fingerprint, if any: id, user_name,
    rejected (rows it did not import), created_at. ``sha256`` is the upload's fingerprint
    (the file's bytes and every choice that changes what is stored; see
    geo.services.uploads.upload_fingerprint), so the same file with another coordinate
    system, mapping, words, values or sheet is never found here."""
    b = import_batch.c
    found = (
        conn.execute(
            select(b.id, b.user_name, b.rejected, b.created_at)
            .where(b.kind == kind, b.sha256 == sha256, b.status == "committed")
            .order_by(b.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if found is None else dict(found)


def open_batch(
    conn: Connection, *, kind: str, filename: str, sha256: str, user: str, source_crs: str
) -> int:
    """Open a committed batch for an upload; its id (the rows it writes carry it)."""
    statement = (
        import_batch.insert()
        .values(
            kind=kind,
            filename=filename[:500],
            sha256=sha256,
            user_name=user,
            source_crs=source_crs,
            status="committed",
            created_at=clock.utc_now(),
        )
        .returning(import_batch.c.id)
    )
    return int(conn.execute(statement).scalar_one())


def close_batch(conn: Connection, batch_id: int, **values: Any) -> None:
    """Set columns of a batch: its counts and reports when written, its status when undone."""
    conn.execute(import_batch.update().where(import_batch.c.id == batch_id).values(**values))


def batch_row(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    """A batch without its stored rejects: id, kind, filename, user_name, status,
    communities, created_at, ..."""
    columns = [c for c in import_batch.c if c.name != "rejects_csv"]
    row = conn.execute(select(*columns).where(import_batch.c.id == batch_id)).mappings().first()
    return None if row is None else dict(row)


def batch_communities(conn: Connection, batch_id: int) -> list[int | None]:
    """The communities a batch wrote in: of the units, worksites, stays, jobs and visits it
    added, and of the rows it changed (a person's or landlord's through their units);
    None stands for rows outside every community."""
    p, w, r, v, e = property_.c, worksite.c, residence.c, visit.c, employment.c
    log = change_log.c

    def changed(name: str) -> Any:
        return select(log.row_id).where(log.batch_id == batch_id, log.table_name == name)

    def added(table: Table) -> Any:
        return select(table.c.id).where(table.c.batch_id == batch_id)

    people = added(person).union(changed("person"))
    stays = added(residence).union(changed("residence"))
    visits = added(visit).union(changed("visit"))
    jobs = added(employment).union(changed("employment"))
    let = p.landlord_id.in_(added(landlord).union(changed("landlord")))
    if conn.dialect.name == "sqlite":  # one pass (its OR by indexes): each unit read once
        units = or_(p.batch_id == batch_id, p.id.in_(changed("property")))
        by_unit = [select(p.community_id).where(or_(units, let))]
    else:  # PostgreSQL would scan every unit for an OR of subqueries
        units = p.id.in_(added(property_).union(changed("property")))
        by_unit = [select(p.community_id).where(units), select(p.community_id).where(let)]
    parts = [
        *by_unit,
        select(w.community_id).where(w.id.in_(added(worksite).union(changed("worksite")))),
        select(p.community_id).where(p.id.in_(select(r.property_id).where(r.id.in_(stays)))),
        select(p.community_id).where(
            p.id.in_(select(r.property_id).where(r.person_id.in_(people)))
        ),
        select(p.community_id).where(p.id.in_(select(v.property_id).where(v.id.in_(visits)))),
        select(w.community_id).where(w.id.in_(select(v.worksite_id).where(v.id.in_(visits)))),
        select(w.community_id).where(w.id.in_(select(e.worksite_id).where(e.id.in_(jobs)))),
    ]
    found: set[int | None] = set()
    for part in parts:
        found.update(None if x is None else int(x) for x in conn.execute(part.distinct()).scalars())
    return sorted(found, key=lambda x: -1 if x is None else x)


def list_batches(conn: Connection, *, limit: int = 200) -> pd.DataFrame:
    """The newest ``limit`` batches, newest first, without their stored rejects."""
    columns = [c for c in import_batch.c if c.name != "rejects_csv"]
    return read_frame(conn, select(*columns).order_by(import_batch.c.id.desc()).limit(limit))


def batch_rejects(conn: Connection, batch_id: int) -> bytes | None:
    """A batch's stored rejects report (gzip-compressed CSV), None when it had none."""
    value = conn.execute(
        select(import_batch.c.rejects_csv).where(import_batch.c.id == batch_id)
    ).scalar()
    return None if value is None else bytes(value)
