"""Field kits in the database: kits issued, submissions keyed by their own ids, the review
queue, proofs of visits and door plates (stored as hashes of their tokens)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, update

from geo import clock
from geo.coverage import COMPLETED_OUTCOMES
from geo.store.records import insert_frame, read_frame
from geo.store.schema import (
    app_user,
    area,
    assignment,
    audit,
    kit,
    plate,
    property_,
    review_item,
    submission,
    team,
    team_member,
    visit,
    visit_proof,
)


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


def known_submissions(conn: Connection, ids: Collection[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found |= set(
            conn.execute(
                select(submission.c.submission_id).where(
                    submission.c.submission_id.in_(wanted[start : start + 500])
                )
            ).scalars()
        )
    return found


def unit_points(conn: Connection, property_ids: Collection[int]) -> pd.DataFrame:
    """property_id, lon, lat of these units."""
    return read_frame(
        conn,
        select(property_.c.id.label("property_id"), property_.c.lon, property_.c.lat).where(
            property_.c.id.in_(sorted({int(i) for i in property_ids}))
        ),
    )


def plates_by_hash(conn: Connection, hashes: Collection[str]) -> pd.DataFrame:
    """Plates with these token hashes: token_hash, property_id, revoked_at."""
    return read_frame(
        conn,
        select(plate.c.token_hash, plate.c.property_id, plate.c.revoked_at).where(
            plate.c.token_hash.in_(sorted(set(hashes)))
        ),
    )


def standing_submissions(conn: Connection, property_ids: Collection[int]) -> pd.DataFrame:
    """Accepted and held submissions about these units: id, submission_id, property_id,
    visited_at, outcome, seen, status, visit_id."""
    return read_frame(
        conn,
        select(
            submission.c.id,
            submission.c.submission_id,
            submission.c.property_id,
            submission.c.visited_at,
            submission.c.outcome,
            submission.c.residents_seen.label("seen"),
            submission.c.status,
            submission.c.visit_id,
        ).where(
            submission.c.property_id.in_(sorted({int(i) for i in property_ids})),
            submission.c.status.in_(("accepted", "held")),
        ),
    )


def add_submissions(conn: Connection, rows: pd.DataFrame) -> int:
    return insert_frame(conn, submission, rows)


def store_visit(conn: Connection, row: dict[str, Any]) -> int:
    """One visit from one submission (its event; nothing else is overwritten), with its
    proof when it proved itself; the submission is marked accepted."""
    row = {k: (None if _missing(v) else v) for k, v in row.items()}
    visit_id = int(
        conn.execute(
            visit.insert()
            .values(
                property_id=int(row["property_id"]),
                sweep_id=None if row["sweep_id"] is None else int(row["sweep_id"]),
                team_id=None if row["team_id"] is None else int(row["team_id"]),
                visited_at=row["visited_at"],
                outcome=row["outcome"],
                residents_seen=None
                if row["residents_seen"] is None
                else int(row["residents_seen"]),
                note=row["note"] or None,
            )
            .returning(visit.c.id)
        ).scalar_one()
    )
    if row["proven"]:
        conn.execute(
            visit_proof.insert().values(
                visit_id=visit_id,
                how="plate_gps",
                distance_m=row["distance_m"],
                recorded_at=clock.utc_now(),
            )
        )
    conn.execute(
        update(submission)
        .where(submission.c.submission_id == row["submission_id"])
        .values(status="accepted", visit_id=visit_id)
    )
    return visit_id


def _missing(value: Any) -> bool:
    """NaN, NA and NaT from a frame are NULL in the database (PostgreSQL refuses NaN where
    an integer goes)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def hold(conn: Connection, submission_ids: Collection[str]) -> int:
    """Hold these submissions for review: a visit already stored from one is taken back
    (its submission keeps every fact) until the review decides."""
    ids = sorted(set(submission_ids))
    visits = [
        v
        for v in conn.execute(
            select(submission.c.visit_id).where(
                submission.c.submission_id.in_(ids), submission.c.visit_id.is_not(None)
            )
        ).scalars()
    ]
    conn.execute(
        update(submission)
        .where(submission.c.submission_id.in_(ids))
        .values(status="held", visit_id=None)
    )
    if visits:
        conn.execute(delete(visit_proof).where(visit_proof.c.visit_id.in_(visits)))
        conn.execute(delete(visit).where(visit.c.id.in_(visits)))
    return len(ids)


def open_review(conn: Connection, *, property_id: int, day: date, sweep_id: int | None) -> int:
    """Put a unit's day on the review queue (again, if it was decided before)."""
    found = conn.execute(
        select(review_item.c.id).where(
            review_item.c.property_id == property_id, review_item.c.day == day
        )
    ).scalar()
    if found is not None:
        conn.execute(
            update(review_item)
            .where(review_item.c.id == found)
            .values(status="open", decision=None, decided_by=None, decided_at=None)
        )
        return int(found)
    return int(
        conn.execute(
            review_item.insert()
            .values(property_id=property_id, day=day, sweep_id=sweep_id, status="open")
            .returning(review_item.c.id)
        ).scalar_one()
    )


def review_queue(conn: Connection, *, communities: Collection[int] | None) -> pd.DataFrame:
    """Open review items with their held submissions, one row per submission: review_id,
    property_id, ref, address, room, day, submission_id, team, submitter, visited_at,
    outcome, seen, confirmed, proven, note."""
    statement = (
        select(
            review_item.c.id.label("review_id"),
            review_item.c.property_id,
            property_.c.external_ref.label("ref"),
            property_.c.address,
            property_.c.room,
            review_item.c.day,
            submission.c.submission_id,
            team.c.name.label("team"),
            submission.c.submitter,
            submission.c.visited_at,
            submission.c.outcome,
            submission.c.residents_seen.label("seen"),
            submission.c.confirmed,
            submission.c.proven,
            submission.c.note,
        )
        .select_from(
            review_item.join(property_, property_.c.id == review_item.c.property_id)
            .join(
                submission,
                and_(
                    submission.c.property_id == review_item.c.property_id,
                    submission.c.status == "held",
                ),
            )
            .outerjoin(team, team.c.id == submission.c.team_id)
        )
        .where(review_item.c.status == "open")
        .order_by(review_item.c.day, review_item.c.id, submission.c.visited_at)
    )
    if communities is not None:
        statement = statement.where(property_.c.community_id.in_(sorted(communities)))
    frame = read_frame(conn, statement)
    if frame.empty:
        return frame
    same_day = pd.to_datetime(frame["visited_at"]).dt.date == frame["day"]
    return frame.loc[same_day].reset_index(drop=True)


def review_row(conn: Connection, review_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(review_item, property_.c.community_id)
            .join(property_, property_.c.id == review_item.c.property_id)
            .where(review_item.c.id == review_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def held_on(conn: Connection, property_id: int, day: date) -> pd.DataFrame:
    """A unit's held submissions of one day, with what a visit needs."""
    start = datetime.combine(day, time())
    frame = read_frame(
        conn,
        select(
            submission.c.submission_id,
            submission.c.property_id,
            submission.c.sweep_id,
            submission.c.team_id,
            submission.c.visited_at,
            submission.c.outcome,
            submission.c.residents_seen,
            submission.c.note,
            submission.c.proven,
            submission.c.distance_m,
        ).where(
            submission.c.property_id == property_id,
            submission.c.status == "held",
            submission.c.visited_at >= start,
            submission.c.visited_at < start + timedelta(days=1),
        ),
    )
    return frame


def decline(conn: Connection, submission_ids: Collection[str]) -> None:
    conn.execute(
        update(submission)
        .where(submission.c.submission_id.in_(sorted(set(submission_ids))))
        .values(status="declined")
    )


def close_review(conn: Connection, review_id: int, *, decision: str, user: str) -> None:
    conn.execute(
        update(review_item)
        .where(review_item.c.id == review_id)
        .values(status="decided", decision=decision, decided_by=user, decided_at=clock.utc_now())
    )


def submission_counts(conn: Connection, kit_ids: Collection[int]) -> pd.DataFrame:
    """Per kit and status: kit_id, status, reason, submissions."""
    return read_frame(
        conn,
        select(
            submission.c.kit_id,
            submission.c.status,
            submission.c.reason,
            func.count().label("submissions"),
        )
        .where(submission.c.kit_id.in_(sorted(kit_ids)))
        .group_by(submission.c.kit_id, submission.c.status, submission.c.reason),
    )


# --- door plates


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


# --- proven visits


def completed_visits(conn: Connection, *, since: datetime, until: datetime) -> pd.DataFrame:
    """Completed visits to units in [since, until): property_id, visited_at, proven."""
    return read_frame(
        conn,
        select(
            visit.c.property_id,
            visit.c.visited_at,
            visit_proof.c.visit_id.is_not(None).label("proven"),
        )
        .select_from(visit.outerjoin(visit_proof, visit_proof.c.visit_id == visit.c.id))
        .where(
            visit.c.property_id.is_not(None),
            visit.c.outcome.in_(COMPLETED_OUTCOMES),
            visit.c.visited_at >= since,
            visit.c.visited_at < until,
        ),
    )


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


def grid_outlines(conn: Connection, grid_ids: Collection[int]) -> pd.DataFrame:
    """code, name, geometry of these grids."""
    return read_frame(
        conn,
        select(area.c.code, area.c.name, area.c.geometry).where(
            area.c.id.in_(sorted({int(i) for i in grid_ids}))
        ),
    )


NEWCOMER_ACTION = "import.newcomer"
"""The audit action that settles one newcomer of a submission (recorded or refused)."""


def settled_newcomers(conn: Connection, keys: Collection[str]) -> set[str]:
    """Which newcomer keys (submission id and place in the repeat) an import has settled
    already: recorded as a move-in or refused for good."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found |= {
            str(k)
            for k in conn.execute(
                select(audit.c.object_id).where(
                    audit.c.action == NEWCOMER_ACTION,
                    audit.c.object_id.in_(wanted[start : start + 500]),
                )
            ).scalars()
        }
    return found


def submission_states(conn: Connection, ids: Collection[str]) -> pd.DataFrame:
    """Stored submissions: submission_id, status, team_id, property_id, ref (the unit's
    external reference) and visited_at."""
    wanted = sorted(set(ids))
    frames = [
        read_frame(
            conn,
            select(
                submission.c.submission_id,
                submission.c.status,
                submission.c.team_id,
                submission.c.property_id,
                property_.c.external_ref.label("ref"),
                submission.c.visited_at,
            )
            .select_from(
                submission.outerjoin(property_, property_.c.id == submission.c.property_id)
            )
            .where(submission.c.submission_id.in_(wanted[start : start + 500])),
        )
        for start in range(0, max(len(wanted), 1), 500)
    ]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
