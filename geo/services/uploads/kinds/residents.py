"""Residents (实有人口): the person, matched by the HMAC of their ID number, and their stay at
a known unit (以房管人).

A new stay that starts after the person's open stay elsewhere closes that stay on the new
move-in date (a move); any other overlap is refused (:mod:`geo.services.uploads.stay_plan`).
A row counts once: a new stay, else a changed stay or person, else unchanged.
"""

from __future__ import annotations

import pandas as pd

from geo.intake import person_rows
from geo.services.uploads.model import Applied, Writing
from geo.services.uploads.references import with_properties
from geo.services.uploads.stay_plan import StayPlan, plan_stays, with_closures
from geo.stays import STAY_COLUMNS
from geo.store import upserts


def resolve_references(writing: Writing, good: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Rows with their unit's id (known, in the actor's areas)."""
    return with_properties(writing, good, applied)


def write_changes(writing: Writing, frame: pd.DataFrame, applied: Applied) -> None:
    """Insert or update the people, then plan their stays against the stored ones and write
    the plan: moves close open stays, reported move-outs update stays, new stays inserted."""
    conn, batch_id = writing.conn, writing.batch_id
    people = person_rows(frame, writing.keys)
    firsts = ~people["id_hmac"].duplicated()
    known = upserts.rows_by_keys(conn, "person", ["id_hmac"], people["id_hmac"].tolist())
    upserts.upsert(  # people are counted through their rows below, not here
        conn,
        "person",
        people.loc[firsts].assign(row=frame.loc[firsts, "row"]),
        upserts.align(people.loc[firsts], known, on=["id_hmac"]),
        batch_id=batch_id,
    )
    ids = upserts.rows_by_keys(conn, "person", ["id_hmac"], people["id_hmac"])
    changed = upserts.changed_ids(known, ids, columns=list(people.columns))
    frame = frame.assign(person_id=people["id_hmac"].map(ids.set_index("id_hmac")["id"]))
    stays = upserts.rows_by_keys(conn, "residence", ["person_id"], frame["person_id"].tolist())
    frame = frame.sort_values(["person_id", "moved_in"])
    plan = plan_stays(frame, stays)
    applied.problems.append(plan.problems)
    frame = with_closures(frame, plan)
    _apply_stays(writing, frame, stays, plan)
    _count(applied, plan, frame["person_id"], changed)


def _apply_stays(
    writing: Writing, frame: pd.DataFrame, stays: pd.DataFrame, plan: StayPlan
) -> None:
    conn, batch_id = writing.conn, writing.batch_id
    if plan.closures:
        closing = pd.DataFrame(plan.closures, columns=["id", "moved_out"])
        existing = stays.set_index("id").loc[closing["id"]].reset_index()
        upserts.update_changed(
            conn, "residence", closing[["moved_out"]], existing, batch_id=batch_id
        )
    if plan.updates:
        incoming = pd.DataFrame(
            plan.updates, columns=["id", "moved_out", "reported_on", "moved_out_reported_on"]
        )
        existing = stays.set_index("id").loc[incoming["id"]].reset_index()
        upserts.update_changed(
            conn, "residence", incoming.drop(columns="id"), existing, batch_id=batch_id
        )
    new = frame.loc[plan.new_rows, [c for c in STAY_COLUMNS if c in frame]]
    upserts.insert_new(conn, "residence", new, batch_id=batch_id)


def _count(applied: Applied, plan: StayPlan, person_of: pd.Series, changed: set[int]) -> None:
    """A row counts once: a new stay, else a changed stay or person (the first row of a
    changed person), else unchanged; moves counted apart."""
    counted = set(plan.new_rows) | set(plan.updated_rows)
    people_counted = set(person_of.loc[list(counted)])
    updated = list(plan.updated_rows)
    for index in plan.unchanged_rows:
        if person_of[index] in changed and person_of[index] not in people_counted:
            updated.append(index)
            people_counted.add(person_of[index])
    applied.inserted += len(plan.new_rows)
    applied.updated += len(updated)
    applied.unchanged += len(plan.unchanged_rows) - (len(updated) - len(plan.updated_rows))
    applied.extra["moves"] = len(plan.closures)
