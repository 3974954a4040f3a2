"""The field round trip: kits for each team (ODK, GeoPackage), their submissions imported as
visits (idempotent, conflicts to a review queue, late and strangers' ones refused), door
plates, and figures that count proven visits only beside all visits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import clock, disclosure, fieldkit
from geo.coverage import month_to_date_days, window_bounds
from geo.crs import WGS84
from geo.errors import GridhouseError, InputError, NotFoundError, PermissionDeniedError
from geo.io import kits as files
from geo.services import moves, sweeps
from geo.services.access import PERMISSIONS, Actor, in_scope, require
from geo.services.scope import communities_for, communities_in_scope, within_scope
from geo.services.setup import Opened
from geo.store import audit
from geo.store import kits as store
from geo.store import sweeps as sweep_store
from geo.store.records import load_areas

KIT_FORMATS: Final = ("odk", "gpkg")
DECISIONS: Final = ("one", "both", "neither")
PLATE_REASONS: Final = ("damaged", "lost", "reassigned", "other")


@dataclass(frozen=True)
class Kit:
    """A kit handed to one team: its stamp and its files (name -> bytes)."""

    stamp: fieldkit.KitStamp
    files: dict[str, bytes]
    units: int


def issue_kit(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    team: str,
    fmt: str = "odk",
    expires_on: date | None = None,
    as_of: date | None = None,
) -> Kit:
    """A kit for one team of a sweep: only that team's units, in walking order, with their
    residents masked (name's first character, ID number's last four); stamped with the
    sweep, team, issue day and expiry (default: the sweep's last day). Audited."""
    require(actor, "export")
    if fmt not in KIT_FORMATS:
        raise InputError("kit_format_unknown", format=fmt, formats=", ".join(KIT_FORMATS))
    today = as_of or clock.today()
    with opened.db.read() as conn:
        found = sweep_store.sweep_row(conn, sweep_id)
        if found is None:
            raise NotFoundError("sweep_not_found", sweep=sweep_id)
        teams = sweep_store.sweep_teams(conn, sweep_id)
        matching = teams.loc[teams["name"] == team, "id"]
        if matching.empty:
            raise NotFoundError("team_not_found", team=team)
        team_id = int(matching.iloc[0])
        units = sweep_store.assigned_units(conn, sweep_id, as_of=today, team_id=team_id)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None:
            units = units.loc[units["community_id"].isin(allowed)]
        units = units.loc[units["lon"].notna() & units["lat"].notna()]
        people = sweep_store.people_in_sweep(conn, sweep_id, as_of=today, team_id=team_id)
        people = people.loc[people["property_id"].isin(units["property_id"])]
        roles = store.member_roles(conn, team_id)
        grids = (
            store.grid_outlines(conn, units["grid_id"].dropna().astype(int).tolist())
            if fmt == "gpkg" and "grid_id" in units
            else None
        )
    if units.empty:
        raise InputError("kit_no_units", team=team)
    expiry = expires_on or max(found["ends_on"], today)
    if expiry < today:
        raise InputError("kit_expiry_past", day=expiry.isoformat())
    # Names and ID numbers of newcomers only for a team whose every member may record people.
    record_people = fieldkit.records_people(roles, PERMISSIONS)
    unit_table = fieldkit.unit_list(units)
    resident_table = fieldkit.resident_list(people)
    with opened.db.write() as conn:
        kit_id = store.new_kit(
            conn,
            sweep_id=sweep_id,
            team_id=team_id,
            fmt=fmt,
            issued_on=today,
            expires_on=expiry,
            units=len(unit_table),
            issued_by=actor.name,
        )
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="export.kit",
            object_type="sweep",
            object_id=str(sweep_id),
            count=len(unit_table),
            detail={"kit": kit_id, "team": team, "format": fmt, "expires_on": expiry.isoformat()},
            changes_data=False,
        )
        # The files are made inside the transaction: a kit that cannot be built is no kit.
        stamp = fieldkit.KitStamp(kit_id, sweep_id, str(found["name"]), team, today, expiry)
        if fmt == "odk":
            out = files.odk_kit(stamp, unit_table, resident_table, record_people=record_people)
        else:
            outlines = gpd.GeoDataFrame(
                grids.drop(columns="geometry") if grids is not None else pd.DataFrame(),
                geometry=list(grids["geometry"]) if grids is not None else [],
                crs=WGS84,
            )
            data = files.gpkg_kit(stamp, unit_table, resident_table, outlines)
            out = {f"{stamp.form_id}.gpkg": data}
    return Kit(stamp, out, len(unit_table))


def import_submissions(
    opened: Opened, actor: Actor, *, data: bytes, filename: str, as_of: date | None = None
) -> dict[str, Any]:
    """Submissions back from the field as visits of their sweep: ODK Central's export (CSV or
    zip) or a GeoPackage kit's visits table. Keyed by submission id, so importing again
    changes nothing; each accepted submission is one visit. Two that disagree about a unit
    on one day are both kept and held for review; late ones (after the kit's expiry) and
    ones about units outside the team's share are refused with a reason. Audited.

    New residents a team of registrars named (the zip's ``<form id>-newcomer.csv``) move
    into the visited unit on the visit's day by the move-in form's rules
    (:func:`geo.services.moves.move_in_within`), in the same transaction as the visits; each
    one refused is reported with its submission and reason; each is keyed by submission id
    and place in the repeat, so importing again records nobody twice. Those of a submission
    held for review wait for its decision (import the export again afterwards); those from
    a team with a sweeper are only counted. ``as_of``: the day no move-in may be after."""
    require(actor, "import")
    today = as_of or clock.today()
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
        known = store.known_submissions(conn, subs["submission_id"].tolist())
        fresh = subs.loc[~subs["submission_id"].isin(known)].reset_index(drop=True)
        kit_ids = fresh["kit"].dropna().astype(int).unique().tolist()
        kits = store.kits(conn, kit_ids)
        shares = store.shares(conn, kits["sweep_id"].unique().tolist())
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
                store.active_units(conn)
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
        store.add_submissions(conn, rows)
        standing = store.standing_submissions(conn, good["property_id"].astype(int).tolist())
        conflicts = fieldkit.conflicting_days(standing)
        held_days = set(zip(conflicts["property_id"], conflicts["day"], strict=True))
        day_of = pd.to_datetime(standing["visited_at"]).dt.date
        in_conflict = pd.Series(
            [(p, d) in held_days for p, d in zip(standing["property_id"], day_of, strict=True)],
            index=standing.index,
            dtype=bool,
        )
        store.hold(conn, standing.loc[in_conflict, "submission_id"].tolist())
        sweep_of = dict(zip(good["property_id"].astype(int), good["sweep_id"], strict=True))
        for property_id, day in sorted(held_days):
            store.open_review(
                conn,
                property_id=int(property_id),
                day=day,
                sweep_id=_int(sweep_of.get(property_id)),
            )
        accepted = 0
        held_ids = set(standing.loc[in_conflict, "submission_id"])
        for record in rows.loc[rows["status"] == "accepted"].to_dict("records"):
            if record["submission_id"] in held_ids:
                continue
            store.store_visit(conn, {str(k): v for k, v in record.items()})
            accepted += 1
        people = _record_newcomers(opened, conn, actor, newcomers, today=today)
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
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="import.submissions",
            object_type="kit",
            object_id=",".join(str(k) for k in sorted(kit_ids)) or None,
            count=len(fresh),
            detail={k: v for k, v in summary.items() if k not in ("refusals", "newcomer_refusals")},
            changes_data=bool(len(fresh)),
        )
    return summary


def _record_newcomers(
    opened: Opened, conn: Any, actor: Actor, newcomers: pd.DataFrame, *, today: date
) -> dict[str, Any]:
    """Move the newcomers of stored visits into their units through the move-in rules, each
    in a savepoint (a refused one leaves nothing behind), and settle each one in the audit
    under its key. Returns counts (moved_in, refused, held for a review, counted_only for a
    team with a sweeper, already_imported) and the refusals."""
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
    settled = store.settled_newcomers(conn, keyed["key"].tolist())
    found = store.submission_states(conn, keyed["submission_id"].unique().tolist())
    states = {str(r["submission_id"]): r for r in found.to_dict("records")}
    teams = found["team_id"].dropna().astype(int).unique().tolist()
    may_name = {t: fieldkit.records_people(store.member_roles(conn, t), PERMISSIONS) for t in teams}
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
            opened, conn, actor, item, state, may_name=may_name, today=today
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
        if state is None:
            continue  # its submission may still come in a later export: not settled
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action=store.NEWCOMER_ACTION,
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
    today: date,
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
                today=today,
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
    points = store.unit_points(conn, good["property_id"].astype(int).tolist()).set_index(
        "property_id"
    )
    hashes = good["plate"].map(lambda t: fieldkit.plate_hash(t) if t else "")
    plates = store.plates_by_hash(conn, [h for h in hashes if h])
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


# --- the review queue


def review_queue(opened: Opened, actor: Actor) -> pd.DataFrame:
    """Units whose submissions of one day disagree, one row per held submission (no personal
    data: outcomes, counts, team and times). For registrars and admins."""
    require(actor, "import")
    with opened.db.read() as conn:
        return store.review_queue(conn, communities=communities_in_scope(conn, actor))


def decide_review(
    opened: Opened, actor: Actor, review_id: int, *, decision: str, keep: str | None = None
) -> dict[str, Any]:
    """Settle a unit's disagreeing day: accept ``one`` (the submission ``keep``), ``both``
    (each becomes a visit) or ``neither`` (no visit). Audited."""
    require(actor, "import")
    if decision not in DECISIONS:
        raise InputError("review_decision_unknown", decision=decision, choices=", ".join(DECISIONS))
    with opened.db.write() as conn:
        item = store.review_row(conn, review_id)
        allowed = communities_in_scope(conn, actor)
        if item is None or not within_scope(item["community_id"], allowed):
            raise NotFoundError("review_not_found", review=review_id)
        if item["status"] != "open":
            raise InputError("review_decided", review=review_id)
        held = store.held_on(conn, int(item["property_id"]), item["day"])
        if decision == "one" and keep not in set(held["submission_id"]):
            raise InputError("review_keep_unknown", submission=str(keep))
        chosen = {
            "one": held["submission_id"] == keep,
            "both": pd.Series(True, index=held.index),
            "neither": pd.Series(False, index=held.index),
        }[decision]
        for record in held.loc[chosen].to_dict("records"):
            store.store_visit(conn, {str(k): v for k, v in record.items()})
        store.decline(conn, held.loc[~chosen, "submission_id"].tolist())
        store.close_review(conn, review_id, decision=decision, user=actor.name)
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="review.decide",
            object_type="property",
            object_id=str(item["property_id"]),
            count=int(chosen.sum()),
            detail={
                "review": review_id,
                "day": item["day"].isoformat(),
                "decision": decision,
                "kept": sorted(held.loc[chosen, "submission_id"]),
                "declined": sorted(held.loc[~chosen, "submission_id"]),
            },
        )
    return {"review": review_id, "decision": decision, "visits": int(chosen.sum())}


# --- door plates


def print_plates(
    opened: Opened, actor: Actor, area: str, *, reissue: bool = False
) -> tuple[bytes, int, int]:
    """A printable sheet of door plates for the active units of a street, community or
    grid that carry none yet (all of them, revoking the old plates, with ``reissue``). Each
    plate's token is random, holds no address or name, and is stored only as its hash, so
    this sheet is the one place it is seen. Audited. Returns the sheet, plates made and
    units skipped (already plated)."""
    require(actor, "import")
    with opened.db.write() as conn:
        areas = load_areas(conn, geometry=False)
        row = areas.loc[areas["code"] == area]
        if row.empty or not bool(in_scope(areas, actor).loc[row.index].all()):
            raise NotFoundError("area_not_found", code=area)
        if row["level"].iloc[0] == "grid":
            parent = str(row["parent_code"].iloc[0])
            units = store.units_for_plates(
                conn, communities=communities_for(conn, actor, parent) or []
            )
            units = units.loc[units["grid_id"] == int(row["id"].iloc[0])]
        else:
            units = store.units_for_plates(
                conn, communities=communities_for(conn, actor, area) or []
            )
        plated = store.active_plates(conn, units["property_id"].tolist())
        if reissue:
            for unit in sorted(plated):
                store.revoke_plates(conn, unit, reason="reassigned")
            todo = units
        else:
            todo = units.loc[~units["property_id"].isin(plated)]
        made = _new_plates(conn, todo, actor=actor)
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="plates.print",
            object_type="area",
            object_id=area,
            count=len(made),
            detail={"plates": len(made), "skipped": len(units) - len(todo), "reissue": reissue},
        )
    sheet = files.plates_sheet(made, title=f"{area} · {clock.today().isoformat()}")
    return sheet, len(made), len(units) - len(todo)


def _new_plates(conn: Any, units: pd.DataFrame, *, actor: Actor) -> pd.DataFrame:
    tokens = [secrets.token_urlsafe(16) for _ in range(len(units))]
    made = units.assign(token=tokens)
    store.add_plates(
        conn,
        pd.DataFrame(
            {
                "property_id": made["property_id"].astype(int),
                "token_hash": [fieldkit.plate_hash(t) for t in tokens],
            }
        ),
        user=actor.name,
    )
    return made


def revoke_plate(opened: Opened, actor: Actor, ref: str, *, reason: str) -> bytes:
    """Revoke a unit's plate (damaged, lost, reassigned) and issue a new one; returns the
    new plate's printable sheet. Audited."""
    require(actor, "import")
    if reason not in PLATE_REASONS:
        raise InputError("plate_reason_unknown", reason=reason, choices=", ".join(PLATE_REASONS))
    with opened.db.write() as conn:
        unit = store.unit_by_ref(conn, ref)
        allowed = communities_in_scope(conn, actor)
        if unit is None or not within_scope(unit["community_id"], allowed):
            raise NotFoundError("property_not_found", ref=ref)
        revoked = store.revoke_plates(conn, int(unit["property_id"]), reason=reason)
        made = _new_plates(conn, pd.DataFrame([unit]), actor=actor)
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="plates.revoke",
            object_type="property",
            object_id=str(unit["property_id"]),
            count=revoked,
            detail={"ref": ref, "reason": reason},
        )
    return files.plates_sheet(made, title=ref)


def plate_unit(opened: Opened, actor: Actor, token: str) -> dict[str, Any]:
    """The unit a scanned plate belongs to (ref, address, room); a revoked or unknown token
    is not found."""
    require(actor, "view_records")
    with opened.db.read() as conn:
        unit = store.plate_unit(conn, fieldkit.plate_hash(token))
        allowed = communities_in_scope(conn, actor)
    if unit is None or not within_scope(unit["community_id"], allowed):
        raise NotFoundError("plate_not_found")
    return {k: unit[k] for k in ("ref", "address", "room")}


# --- proven visits


def prove_by_backcheck(opened: Opened, actor: Actor, sweep_id: int) -> int:
    """Mark the sweep's visits that a record-to-field back-check confirmed (re-checked by
    another team, same outcome and people) as proven. Returns how many were marked."""
    require(actor, "import")
    checked = sweeps.backchecks(opened, actor, sweep_id)["sample"]
    passed = checked["failed"].astype("boolean").eq(False).fillna(False).astype(bool)
    confirmed = checked.loc[passed, "property_id"]
    with opened.db.write() as conn:
        found = sweep_store.sweep_row(conn, sweep_id)
        assert found is not None  # backchecks() found it
        visits = store.sweep_visits_proven(conn, sweep_id, since=found["starts_on"])
        own = visits.loc[
            (visits["sweep_id"] == sweep_id) & visits["property_id"].isin(set(confirmed))
        ]
        latest = own.sort_values("visited_at").drop_duplicates("property_id", keep="last")
        marked = store.add_backcheck_proofs(conn, latest["visit_id"].tolist())
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="sweep.prove_by_backcheck",
            object_type="sweep",
            object_id=str(sweep_id),
            count=marked,
        )
    return marked


def proven_coverage(
    opened: Opened,
    actor: Actor,
    *,
    level: str = "community",
    window_days: int = 90,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Per area of ``level``: rental units, units covered in the window by any completed
    visit and by a proven one, both coverages, and the monthly inspection rate
    (出租房屋月查验率) counting all and proven visits. Small counts suppressed for planners."""
    require(actor, "view_aggregates")
    today = as_of or clock.today()
    if actor.aggregates_only:  # no day or window finer than the disclosure policy allows
        today = disclosure.month_end_on_or_before(today)
        window_days = disclosure.coarse_window(window_days, as_of=today)
    start, end = window_bounds(today, window_days)
    month_start, _ = window_bounds(today, month_to_date_days(today))
    with opened.db.read() as conn:
        areas = load_areas(conn, geometry=False)
        units = store.active_units(conn)
        visits = store.completed_visits(conn, since=min(start, month_start), until=end)
    stamps = pd.to_datetime(visits["visited_at"])
    proven = visits["proven"].astype(bool)

    def units_with(mask: pd.Series) -> set[int]:
        return set(visits.loc[mask, "property_id"].astype(int))

    in_window = stamps >= pd.Timestamp(start)
    in_month = stamps >= pd.Timestamp(month_start)
    flags = units.assign(
        covered=units["property_id"].isin(units_with(in_window)),
        proven_covered=units["property_id"].isin(units_with(in_window & proven)),
        inspected=units["property_id"].isin(units_with(in_month)),
        proven_inspected=units["property_id"].isin(units_with(in_month & proven)),
    )
    table = _per_area(flags, areas, level=level)
    visible = set(areas.loc[in_scope(areas, actor), "id"])
    table = table.loc[table["id"].isin(visible)].drop(columns=["id", "parent_id"])
    table = table.reset_index(drop=True)
    if actor.aggregates_only:
        counts = ["rental_units", "covered", "proven_covered", "inspected", "proven_inspected"]
        hidden = disclosure.protect_table(table, counts)
        table = disclosure.withhold(table, hidden, derived=_PROVEN_DERIVED)
    return table


_PROVEN_DERIVED = {
    "coverage": ("rental_units", "covered"),
    "proven_coverage": ("rental_units", "proven_covered"),
    "inspection_rate": ("rental_units", "inspected"),
    "proven_inspection_rate": ("rental_units", "proven_inspected"),
}


def _per_area(flags: pd.DataFrame, areas: pd.DataFrame, *, level: str) -> pd.DataFrame:
    counts = ["covered", "proven_covered", "inspected", "proven_inspected"]
    community_parent = areas.set_index("id")["parent_id"]
    key = {
        "grid": flags["grid_id"],
        "community": flags["community_id"],
        "street": flags["community_id"].map(community_parent),
    }.get(level)
    if key is None:
        raise InputError("level_unknown", level=level, levels="street, community, grid")
    grouped = (
        flags.assign(area_id=key, rental_units=1)
        .dropna(subset=["area_id"])
        .groupby("area_id")[["rental_units", *counts]]
        .sum()
    )
    chosen = areas.loc[areas["level"] == level, ["id", "code", "name", "level", "parent_id"]]
    table = chosen.merge(grouped, left_on="id", right_index=True, how="left")
    table[["rental_units", *counts]] = table[["rental_units", *counts]].fillna(0).astype(int)
    units = table["rental_units"].replace(0, np.nan)
    table["coverage"] = (table["covered"] / units).round(4)
    table["proven_coverage"] = (table["proven_covered"] / units).round(4)
    table["inspection_rate"] = (table["inspected"] / units).round(4)
    table["proven_inspection_rate"] = (table["proven_inspected"] / units).round(4)
    return table.reset_index(drop=True)


def proven_progress(
    opened: Opened, actor: Actor, sweep_id: int, *, as_of: date | None = None
) -> pd.DataFrame:
    """Per team of a sweep: units assigned, visited (any visit since it began) and visited
    with a proven visit, and the two shares."""
    require(actor, "plan_sweeps" if actor.aggregates_only else "view_records")
    today = as_of or clock.today()
    with opened.db.read() as conn:
        found = sweep_store.sweep_row(conn, sweep_id)
        if found is None:
            raise NotFoundError("sweep_not_found", sweep=sweep_id)
        units = sweep_store.assigned_units(conn, sweep_id, as_of=today)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None:
            units = units.loc[units["community_id"].isin(allowed)]
        visits = store.sweep_visits_proven(conn, sweep_id, since=found["starts_on"])
    until = pd.Timestamp(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    visits = visits.loc[pd.to_datetime(visits["visited_at"]) < until]
    seen = set(visits["property_id"])
    proven = set(visits.loc[visits["proven"].astype(bool), "property_id"])
    table = (
        units.assign(
            visited=units["property_id"].isin(seen), proven=units["property_id"].isin(proven)
        )
        .groupby("team", sort=True)
        .agg(assigned=("property_id", "size"), visited=("visited", "sum"), proven=("proven", "sum"))
        .reset_index()
    )
    table["visited_share"] = (table["visited"] / table["assigned"]).round(3)
    table["proven_share"] = (table["proven"] / table["assigned"]).round(3)
    if actor.aggregates_only:
        table = sweeps.disclosed_sweep_figures(
            table,
            ["assigned", "visited", "proven"],
            unsafe=sweeps.sweep_scope_withheld(opened, actor, sweep_id),
            derived={
                "visited_share": ("assigned", "visited"),
                "proven_share": ("assigned", "proven"),
            },
        )
    return table


def may_review(actor: Actor) -> bool:
    """Whether the review queue is for this actor (registrars and admins)."""
    try:
        require(actor, "import")
    except PermissionDeniedError:
        return False
    return True
