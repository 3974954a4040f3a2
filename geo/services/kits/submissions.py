"""Importing submissions from the field as visits of their sweep: keyed by their own ids
(importing again changes nothing; refused ones are judged again), late and strangers' ones
refused, disagreeing ones held for review, each proved by its plate and GPS point, and the
newcomers they name moved in."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo import clock, fieldkit
from geo.errors import GridhouseError, InputError
from geo.io import kits as files
from geo.services import moves
from geo.services.access import PERMISSIONS, Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.store import kits as kit_store
from geo.store import plates as plate_store
from geo.store import proofs as proof_store
from geo.store import reviews as review_store
from geo.store import submissions as submission_store


def import_submissions(
    opened: Opened, actor: Actor, *, data: bytes, filename: str, as_of: date | None = None
) -> dict[str, Any]:
    """Submissions back from the field as visits of their sweep: ODK Central's export (CSV or
    zip) or a GeoPackage kit's visits table. Keyed by submission id, so importing again
    changes nothing; each accepted submission is one visit. Two that disagree about a unit
    on one day are both kept and held for review; late ones (after the kit's expiry) and
    ones about units outside the team's share are refused with a reason. Audited.

    Only accepted, held and declined submissions count as already imported; a refused one
    (outside the importer's areas, rejected in Central, an unknown kit...) is judged again
    each time it comes back, and when it is accepted then, its stored row becomes the
    accepted one (one row per submission id).

    New residents a team of registrars named (the zip's ``<form id>-newcomer.csv``) move
    into the visited unit on the visit's day by the move-in form's rules
    (:func:`geo.services.moves.move_in_within`), in the same transaction as the visits; each
    one refused is reported with its submission and reason; each is keyed by submission id
    and place in the repeat, so importing again records nobody twice. Those of a submission
    held for review wait for its decision (import the export again afterwards); those from
    a team with a sweeper are only counted. ``as_of``: the day no move-in may be after."""
    require(actor, "import")
    as_of = as_of or clock.today()
    if filename.lower().endswith(".gpkg"):
        stamp, raw = files.read_gpkg_kit(data)
        subs = fieldkit.read_gpkg_visits(raw, kit_id=int(stamp["kit"]))
        source = "gpkg"
    else:
        subs = fieldkit.read_odk_export(files.read_odk_export(data, filename))
        source = "odk"
    repeat = (
        files.read_odk_repeat(data, filename, repeat=fieldkit.NEWCOMER_REPEAT)
        if source == "odk"
        else pd.DataFrame()
    )
    newcomers = fieldkit.read_odk_newcomers(repeat)
    missing_id = subs["submission_id"].str.strip() == ""
    if missing_id.any():
        row = int(subs.loc[missing_id, "row"].iloc[0])
        raise InputError("kit_submission_without_id", row=row)
    repeated = subs["submission_id"].duplicated()
    subs = subs.loc[~repeated].reset_index(drop=True)
    with opened.db.read() as conn:
        # Accepted, held and declined ones are done; refused ones are judged again.
        known = submission_store.known_submissions(conn, subs["submission_id"].tolist())
        refused_before = submission_store.refused_submissions(conn, subs["submission_id"].tolist())
        fresh = subs.loc[~subs["submission_id"].isin(known)].reset_index(drop=True)
        kit_ids = fresh["kit"].dropna().astype(int).unique().tolist()
        kits = kit_store.kits(conn, kit_ids)
        shares = kit_store.shares(conn, kits["sweep_id"].unique().tolist())
        allowed = communities_in_scope(conn, actor)
    reasons = fieldkit.refusals(fresh, kits=kits, shares=shares)
    kit_of = kits.set_index("kit_id")
    fresh = fresh.assign(
        reason=reasons,
        property_id=fresh["unit"],
        sweep_id=fresh["kit"].map(kit_of["sweep_id"]) if len(kits) else None,
        team_id=fresh["kit"].map(kit_of["team_id"]) if len(kits) else None,
        plate_matches=False,
        distance_m=np.nan,
        proven=False,
    )
    good = fresh.loc[fresh["reason"].isna()].copy()
    with opened.db.write() as conn:
        if allowed is not None and len(good):
            inside = set(
                proof_store.active_units(conn)
                .loc[lambda u: u["community_id"].isin(allowed), "property_id"]
                .astype(int)
            )
            outside = ~good["property_id"].astype(int).isin(inside)
            fresh.loc[good.index[outside], "reason"] = "outside_scope"
            good = good.loc[~outside]
        good = _proofs(conn, good, within_m=opened.settings.proven_within_m)
        for column in ("plate_matches", "distance_m", "proven"):
            fresh.loc[good.index, column] = good[column].to_numpy()
        rows = _submission_rows(fresh, actor=actor.name)
        new, changed = _judged_again(rows, refused_before)
        submission_store.add_submissions(conn, rows.loc[new])
        submission_store.replace_refused(conn, rows.loc[changed])
        standing = submission_store.standing_submissions(
            conn, good["property_id"].astype(int).tolist()
        )
        conflicts = fieldkit.conflicting_days(standing)
        held_days = set(zip(conflicts["property_id"], conflicts["day"], strict=True))
        day_of = pd.to_datetime(standing["visited_at"]).dt.date
        in_conflict = pd.Series(
            [(p, d) in held_days for p, d in zip(standing["property_id"], day_of, strict=True)],
            index=standing.index,
            dtype=bool,
        )
        submission_store.hold(conn, standing.loc[in_conflict, "submission_id"].tolist())
        sweep_of = dict(zip(good["property_id"].astype(int), good["sweep_id"], strict=True))
        for property_id, day in sorted(held_days):
            review_store.open_review(
                conn,
                property_id=int(property_id),
                day=day,
                sweep_id=_int(sweep_of.get(property_id)),
            )
        accepted = 0
        held_ids = set(standing.loc[in_conflict, "submission_id"])
        for visit_row in rows.loc[rows["status"] == "accepted"].to_dict("records"):
            if visit_row["submission_id"] in held_ids:
                continue
            submission_store.store_visit(conn, {str(k): v for k, v in visit_row.items()})
            accepted += 1
        people = _record_newcomers(opened, conn, actor, newcomers, as_of=as_of)
        refused = fresh.loc[fresh["reason"].notna(), ["row", "submission_id", "reason"]]
        summary = {
            "source": source,
            "rows": int(len(subs) + repeated.sum()),
            "repeated_in_file": int(repeated.sum()),
            "already_imported": len(known),
            "accepted": accepted,
            "held_for_review": int(in_conflict.sum()),
            "reviews": len(held_days),
            "refused": len(refused),
            "proven": int(good["proven"].sum()) if len(good) else 0,
            "refusals": [
                {"row": int(number), "submission": str(key), "reason": str(reason)}
                for number, key, reason in refused.itertuples(index=False, name=None)
            ],
            "newcomers": {k: v for k, v in people.items() if k != "refusals"},
            "newcomer_refusals": people["refusals"],
        }
        record(
            conn,
            actor,
            "import.submissions",
            object_type="kit",
            object_id=",".join(str(k) for k in sorted(kit_ids)) or None,
            count=len(fresh),
            detail={k: v for k, v in summary.items() if k not in ("refusals", "newcomer_refusals")},
            changes_data=bool(new.any() or changed.any()),
        )
    return summary


def _record_newcomers(
    opened: Opened, conn: Any, actor: Actor, newcomers: pd.DataFrame, *, as_of: date
) -> dict[str, Any]:
    """Move the newcomers of stored visits into their units through the move-in rules, each
    in a savepoint (a refused one leaves nothing behind), and settle each one in the audit
    under its key; those of a submission not stored or refused stay unsettled (it may come
    in on a later import). Returns counts (moved_in, refused, held for a review,
    counted_only for a team with a sweeper, already_imported) and the refusals."""
    report: dict[str, Any] = dict.fromkeys(
        ("moved_in", "refused", "held", "counted_only", "already_imported"), 0
    )
    refusals: list[dict[str, Any]] = []
    report["refusals"] = refusals
    if newcomers.empty:
        return report
    keyed = newcomers.assign(
        key=[
            fieldkit.newcomer_key(s, i)
            for s, i in zip(newcomers["submission_id"], newcomers["index"], strict=True)
        ]
    ).drop_duplicates("key")
    settled = submission_store.settled_newcomers(conn, keyed["key"].tolist())
    found = submission_store.submission_states(conn, keyed["submission_id"].unique().tolist())
    states = {str(r["submission_id"]): r for r in found.to_dict("records")}
    teams = found["team_id"].dropna().astype(int).unique().tolist()
    may_name = {
        t: fieldkit.records_people(kit_store.member_roles(conn, t), PERMISSIONS) for t in teams
    }
    for item in keyed.to_dict("records"):
        key, submission = str(item["key"]), str(item["submission_id"])
        if key in settled:
            report["already_imported"] += 1
            continue
        state = states.get(submission)
        if state is not None and state["status"] == "held":
            report["held"] += 1  # not settled: imported again once the review decides
            continue
        status, reason, params, done = _newcomer_outcome(
            opened, conn, actor, item, state, may_name=may_name, as_of=as_of
        )
        report[status] += 1
        if reason is not None:
            refusals.append(
                {
                    "row": int(item["row"]),
                    "submission": submission,
                    "newcomer": int(item["index"]),
                    "reason": reason,
                    "params": params,
                }
            )
        if state is None or state["status"] == "refused":
            continue  # its submission may still come in a later export: not settled
        record(
            conn,
            actor,
            submission_store.NEWCOMER_ACTION,
            object_type="submission",
            object_id=key,
            count=int(status == "moved_in"),
            detail={
                "submission": submission,
                "newcomer": int(item["index"]),
                "status": status,
                "reason": reason,
                **({"stay": done["stay"]} if done else {}),
            },
            changes_data=status == "moved_in",
        )
    return report


def _newcomer_outcome(
    opened: Opened,
    conn: Any,
    actor: Actor,
    item: dict[Any, Any],
    state: dict[Any, Any] | None,
    *,
    may_name: dict[int, bool],
    as_of: date,
) -> tuple[str, str | None, dict[str, Any], dict[str, Any] | None]:
    """What becomes of one newcomer: (the count it goes to, the refusal's catalogue key or
    None, the refusal's parameters, the move-in made or None)."""
    if state is None:
        return "refused", "kit_newcomer_no_submission", {}, None
    if state["status"] != "accepted":
        return "refused", "kit_newcomer_visit_refused", {}, None
    team = _int(state["team_id"])
    if team is None or not may_name.get(team, False):
        return "counted_only", None, {}, None
    if not isinstance(state["ref"], str) or not state["ref"].strip():
        return "refused", "kit_newcomer_unit_without_ref", {}, None
    try:
        with conn.begin_nested():  # a refused newcomer leaves nothing behind
            done = moves.move_in_within(
                conn,
                opened,
                actor,
                property_ref=state["ref"],
                on=pd.Timestamp(state["visited_at"]).date(),
                id_number=str(item["id_number"]),
                name=str(item["name"]) or None,
                phone=str(item["phone"]) or None,
                as_of=as_of,
            )
    except GridhouseError as error:
        return "refused", error.key, dict(error.params), None
    return "moved_in", None, {}, done


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _proofs(conn: Any, good: pd.DataFrame, *, within_m: float) -> pd.DataFrame:
    """Whether each submission's plate belongs to its unit, how far its GPS point lay from
    the unit, and so whether it proved itself."""
    if good.empty:
        return good.assign(plate_matches=pd.Series(dtype=bool), distance_m=np.nan, proven=False)
    points = proof_store.unit_points(conn, good["property_id"].astype(int).tolist()).set_index(
        "property_id"
    )
    hashes = good["plate"].map(lambda t: fieldkit.plate_hash(t) if t else "")
    plates = plate_store.plates_by_hash(conn, [h for h in hashes if h])
    live = plates.loc[plates["revoked_at"].isna()].set_index("token_hash")["property_id"]
    owner = hashes.map(live)
    matches = (owner == good["property_id"]).fillna(False).astype(bool)
    unit_ids = good["property_id"].astype(int)
    distance = fieldkit.distances_m(
        good["lon"], good["lat"], unit_ids.map(points["lon"]), unit_ids.map(points["lat"])
    )
    return good.assign(
        plate_matches=matches,
        distance_m=distance.round(1),
        proven=fieldkit.proof(matches, distance, within_m=within_m),
    )


def _judged_again(
    rows: pd.DataFrame, refused_before: dict[str, str]
) -> tuple[pd.Series, pd.Series]:
    """Which submission rows are new (to add), and which were refused before and now
    accepted or refused for another reason (to store over their refused row). One refused
    again for the same reason is left as it was, so importing a file again changes nothing."""
    earlier = rows["submission_id"].map(refused_before)
    new = earlier.isna()
    same = (rows["status"] == "refused") & (rows["reason"] == earlier)
    return new, ~new & ~same


def _submission_rows(fresh: pd.DataFrame, *, actor: str) -> pd.DataFrame:
    refused = fresh["reason"].notna()
    now = clock.utc_now()
    submitted = pd.to_datetime(fresh["submitted_at"])
    return pd.DataFrame(
        {
            "submission_id": fresh["submission_id"],
            "kit_id": fresh["kit"].where(fresh["reason"] != "unknown_kit").astype("Int64"),
            "sweep_id": pd.to_numeric(fresh["sweep_id"], errors="coerce").astype("Int64"),
            "team_id": pd.to_numeric(fresh["team_id"], errors="coerce").astype("Int64"),
            "property_id": fresh["property_id"]
            .where(~fresh["reason"].isin(["unknown_kit", "not_in_share", "no_unit"]))
            .astype("Int64"),
            "visited_at": pd.to_datetime(fresh["visited_at"]),
            "submitted_at": submitted,
            "submitter": fresh["submitter"].str.slice(0, 200),
            "outcome": fresh["outcome"].where(fresh["outcome"].isin(fieldkit.OUTCOMES)),
            "residents_seen": pd.to_numeric(fresh["seen"], errors="coerce").astype("Int64"),
            "confirmed": pd.to_numeric(fresh["confirmed"], errors="coerce").astype("Int64"),
            "new_residents": pd.to_numeric(fresh["new_residents"], errors="coerce").astype("Int64"),
            "note": fresh["note"].where(fresh["note"] != ""),
            "lon": fresh["lon"],
            "lat": fresh["lat"],
            "accuracy_m": fresh["accuracy_m"],
            "plate_matches": fresh["plate_matches"].astype(bool),
            "distance_m": pd.to_numeric(fresh["distance_m"], errors="coerce"),
            "proven": fresh["proven"].astype(bool) & ~refused,
            "status": np.where(refused, "refused", "accepted"),
            "reason": fresh["reason"],
            "visit_id": pd.Series([None] * len(fresh), index=fresh.index, dtype="Int64"),
            "imported_by": actor,
            "imported_at": now,
        }
    )
