"""Submissions from the field in the database, keyed by their own ids: stored, held for
review, turned into visits, and the newcomers they named settled once."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, select, update

from geo import clock
from geo.store.frames import frame_records, insert_frame, read_frame
from geo.store.schema import audit, property_, submission, visit, visit_proof

SETTLED: Final = ("accepted", "held", "declined")
"""The states of a submission imported for good: accepted, held for review or declined in
review. A refused one is judged again whenever it comes back (its reason may have gone)."""


def known_submissions(conn: Connection, ids: Collection[str]) -> set[str]:
    """Which of these submission ids were imported for good (:data:`SETTLED`)."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found |= set(
            conn.execute(
                select(submission.c.submission_id).where(
                    submission.c.submission_id.in_(wanted[start : start + 500]),
                    submission.c.status.in_(SETTLED),
                )
            ).scalars()
        )
    return found


def refused_submissions(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    """Which of these submission ids are stored as refused, with the reason they were."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        found |= {
            str(key): str(reason)
            for key, reason in conn.execute(
                select(submission.c.submission_id, submission.c.reason).where(
                    submission.c.submission_id.in_(wanted[start : start + 500]),
                    submission.c.status == "refused",
                )
            )
        }
    return found


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


def replace_refused(conn: Connection, rows: pd.DataFrame) -> int:
    """Store submissions judged again over their refused rows (matched by submission id,
    which stays unique); returns how many were given."""
    if rows.empty:
        return 0
    records = [
        {**{k: v for k, v in r.items() if k != "submission_id"}, "judged": r["submission_id"]}
        for r in frame_records(rows)
    ]
    statement = update(submission).where(
        submission.c.submission_id == bindparam("judged"), submission.c.status == "refused"
    )
    conn.execute(statement, records)
    return len(records)


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
