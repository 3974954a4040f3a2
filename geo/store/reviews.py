"""The review queue in the database: a unit's day whose submissions disagree, opened,
listed with its held submissions, and closed with a decision."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, select, update

from geo import clock
from geo.store.frames import read_frame
from geo.store.schema import property_, review_item, submission, team


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
