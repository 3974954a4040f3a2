"""Residents (实有人口): the person, matched by the HMAC of their ID number, and their stay at
a known unit (以房管人).

A new stay that starts after the person's open stay elsewhere closes that stay on the new
move-in date (a move); any other overlap is refused (:mod:`geo.services.uploads.stay_plan`).
A scoped registrar's row for a person whose current home lies outside their areas is
refused ("not in your areas"): it would change that person or close that stay.
A row counts once: a new stay, else a changed stay or person, else unchanged.
"""

from __future__ import annotations

import pandas as pd

from geo.intake import person_rows, problems_for
from geo.services.scope import within_scope_mask
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
    known = upserts.rows_by_keys(conn, "person", ["id_hmac"], people["id_hmac"].tolist())
    away = _living_outside(writing, people["id_hmac"], known)
    applied.problems.append(problems_for(frame, away, column="id_number", reason="outside_scope"))
    frame, people = frame.loc[~away], people.loc[~away]
    known = known.loc[known["id_hmac"].isin(people["id_hmac"])]
    firsts = ~people["id_hmac"].duplicated()
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
    applied.problems.append(_overlaps_elsewhere_unsaid(writing, frame, stays, plan.problems))
    frame = with_closures(frame, plan)
    _apply_stays(writing, frame, stays, plan)
    _count(applied, plan, frame["person_id"], changed)


def _living_outside(writing: Writing, hmacs: pd.Series, known: pd.DataFrame) -> pd.Series:
    """Rows (by their person's ``id_hmac``) of a known person whose current home, an open
    stay, lies outside the actor's areas (:func:`geo.services.scope.within_scope`): the row
    would change that person or close that stay (a move) where the actor has no rights, so
    it is refused as a row placed outside them is, the other place unsaid."""
    if writing.scope is None or known.empty:
        return pd.Series(False, index=hmacs.index)
    conn = writing.conn
    stays = upserts.rows_by_keys(conn, "residence", ["person_id"], known["id"].tolist())
    current = stays.loc[stays["moved_out"].isna()]
    units = upserts.rows_by_keys(
        conn, "property", ["id"], current["property_id"].tolist(), fields=["id", "community_id"]
    )
    where = current["property_id"].map(units.set_index("id")["community_id"])
    elsewhere = set(current.loc[~within_scope_mask(where, writing.scope), "person_id"])
    return hmacs.map(known.set_index("id_hmac")["id"]).isin(elsewhere)


def _overlaps_elsewhere_unsaid(
    writing: Writing, frame: pd.DataFrame, stays: pd.DataFrame, problems: pd.DataFrame
) -> pd.DataFrame:
    """``problems`` with each overlap of a person who has a stay outside the actor's areas
    said as ``outside_scope`` (on the ID number), not as an overlap on a move-in day: that
    answer, tried day after day, told when the person had lived in another area."""
    overlaps = problems["reason"] == "stay_overlap"
    if writing.scope is None or not overlaps.any():
        return problems
    units = upserts.rows_by_keys(
        writing.conn,
        "property",
        ["id"],
        stays["property_id"].tolist(),
        fields=["id", "community_id"],
    )
    where = stays["property_id"].map(units.set_index("id")["community_id"])
    away = set(stays.loc[~within_scope_mask(where, writing.scope), "person_id"])
    rows = set(frame.loc[frame["person_id"].isin(away), "row"])
    unsaid = overlaps & problems["row"].isin(rows)
    said = frame["row"].isin(set(problems.loc[unsaid, "row"]))
    outside = problems_for(frame, said, column="id_number", reason="outside_scope")
    return pd.concat([problems.loc[~unsaid], outside], ignore_index=True)


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
