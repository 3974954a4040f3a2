"""Resolve what upload rows name: the areas their points lie in, their landlords,
worksites, sweeps and teams, units and people, each replaced by its stored id.

Rows that name nothing known, or lie outside the communities the actor may write in, are
dropped and reported in ``applied.problems`` (one problem a cell). Runs inside the upload's
write transaction: a landlord or team not known yet is added with the batch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.intake import problems_for
from geo.io import arealists
from geo.privacy import mask_phone, sealed_columns
from geo.services.placement import place
from geo.services.scope import within_scope_mask
from geo.services.uploads.model import Applied, Writing
from geo.store import lists as list_store
from geo.store import sweeps as sweep_store
from geo.store import upserts


def placed(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Each row's community and grid from its point (:func:`geo.services.placement.place`);
    rows outside every area or without a point are kept, and counted."""
    if "lon" not in frame:
        return frame
    has = frame["lon"].notna() & frame["lat"].notna()
    community = np.full(len(frame), np.nan)
    grid = np.full(len(frame), np.nan)
    if has.any():
        c, g = place(
            writing.conn,
            frame.loc[has, "lon"].to_numpy(float),
            frame.loc[has, "lat"].to_numpy(float),
            url=writing.url,
        )
        community[has.to_numpy()], grid[has.to_numpy()] = c, g
    out = frame.assign(
        community_id=pd.Series(community, index=frame.index).astype("Int64"),
        grid_id=pd.Series(grid, index=frame.index).astype("Int64"),
    )
    applied.extra["outside_areas"] = int((has & out["community_id"].isna()).sum())
    applied.extra["without_coordinates"] = int((~has).sum())
    return out


def with_landlords(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Each row's landlord id: matched by the HMAC of the phone, else by name among landlords
    without a phone. Unknown landlords are added; a known one's new name is kept (history),
    except that a scoped user's row renaming a landlord of a unit outside their areas is
    refused (:func:`renaming_elsewhere`)."""
    away = renaming_elsewhere(writing, frame)
    applied.problems.append(
        problems_for(frame, away, column="landlord_phone", reason="outside_scope")
    )
    if away.any():
        frame = frame.loc[~away]
    conn, keys, batch_id = writing.conn, writing.keys, writing.batch_id
    empty = pd.Series(None, index=frame.index, dtype=object)
    name = frame.get("landlord_name", empty).astype(object)
    phone = frame.get("landlord_phone", empty).astype(object)
    landlord_id = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    with_phone = phone.notna()
    if with_phone.any():
        owners = pd.DataFrame({"phone": phone[with_phone], "name": name[with_phone]})
        owners = owners.drop_duplicates("phone").set_index("phone")
        sealed = sealed_columns(owners.index.to_series(), keys, prefix="phone", mask=mask_phone)
        owners["phone_hmac"] = sealed["phone_hmac"]
        known = upserts.rows_by_keys(
            conn,
            "landlord",
            ["phone_hmac"],
            owners["phone_hmac"],
            fields=["id", "name", "phone_hmac"],
        )
        existing = upserts.align(owners, known, on=["phone_hmac"])
        new = existing["id"].isna().to_numpy()
        added = owners.loc[new]
        owner_ids = existing["id"].astype("Int64").to_numpy()
        owner_ids[new] = upserts.next_ids(conn, "landlord", int(new.sum()))
        upserts.insert_new(
            conn,
            "landlord",
            pd.DataFrame(
                {
                    "id": owner_ids[new],
                    "name": added["name"].to_numpy(),
                    "phone_hmac": added["phone_hmac"].to_numpy(),
                    "phone_masked": sealed.loc[added.index, "phone_masked"].to_numpy(),
                    "phone_cipher": sealed.loc[added.index, "phone_cipher"].to_numpy(),
                }
            ),
            batch_id=batch_id,
        )
        if (~new).any():
            upserts.update_changed(
                conn,
                "landlord",
                owners.loc[~new, ["name"]].reset_index(drop=True),
                existing.loc[~new].reset_index(drop=True),
                batch_id=batch_id,
            )
        by_phone = pd.Series(owner_ids, index=owners.index)
        landlord_id[with_phone] = phone[with_phone].map(by_phone).astype("Int64")
    name_only = ~with_phone & name.notna()
    if name_only.any():
        wanted = name[name_only].unique().tolist()
        known = upserts.rows_by_keys(conn, "landlord", ["name"], wanted)
        known = known.loc[known["phone_hmac"].isna()]
        missing = [n for n in wanted if n not in set(known["name"])]
        upserts.insert_new(conn, "landlord", pd.DataFrame({"name": missing}), batch_id=batch_id)
        found = upserts.rows_by_keys(conn, "landlord", ["name"], wanted)
        named = found.loc[found["phone_hmac"].isna()].drop_duplicates("name").set_index("name")
        landlord_id[name_only] = name[name_only].map(named["id"]).astype("Int64")
    out = frame.assign(landlord_id=landlord_id)
    return out.drop(columns=[c for c in ("landlord_name", "landlord_phone") if c in out])


def renaming_elsewhere(writing: Writing, frame: pd.DataFrame) -> pd.Series:
    """Rows of a scoped user that would rename a known landlord (matched by phone) who lets
    a unit outside the user's areas (:func:`geo.services.scope.within_scope`): a change to a
    record shown there, refused as a row placed outside the areas is."""
    none = pd.Series(False, index=frame.index)
    if writing.scope is None or "landlord_phone" not in frame or "landlord_name" not in frame:
        return none
    given = frame["landlord_phone"].notna() & frame["landlord_name"].notna()
    if not given.any():
        return none
    digests = frame.loc[given, "landlord_phone"].map(writing.keys.digest)
    known = upserts.rows_by_keys(
        writing.conn,
        "landlord",
        ["phone_hmac"],
        digests.tolist(),
        fields=["id", "name", "phone_hmac"],
    )
    if known.empty:
        return none
    by_hmac = known.drop_duplicates("phone_hmac").set_index("phone_hmac")
    landlord = digests.map(by_hmac["id"])
    renamed = landlord.notna() & (digests.map(by_hmac["name"]) != frame.loc[given, "landlord_name"])
    units = upserts.rows_by_keys(
        writing.conn,
        "property",
        ["landlord_id"],
        landlord[renamed].astype(int).tolist(),
        fields=["landlord_id", "community_id"],
    )
    elsewhere = set(
        units.loc[~within_scope_mask(units["community_id"], writing.scope), "landlord_id"]
    )
    return none.mask(given, renamed & landlord.isin(elsewhere)).astype(bool)


def with_worksites(
    writing: Writing, frame: pd.DataFrame, applied: Applied, *, required: bool = False
) -> pd.DataFrame:
    """Each row's worksite id from its reference (unknown ones refused; ``required``: a row
    without one too, and the row must lie in the actor's areas by its worksite's)."""
    if "worksite_ref" not in frame:
        return frame
    refs = frame["worksite_ref"].dropna()
    found = upserts.rows_by_keys(writing.conn, "worksite", ["external_ref"], refs.tolist())
    ids = frame["worksite_ref"].map(found.set_index("external_ref")["id"])
    unknown = (frame["worksite_ref"].notna() | required) & ids.isna()
    applied.problems.append(
        problems_for(frame, unknown, column="worksite_ref", reason="worksite_unknown")
    )
    out = frame.loc[~unknown].assign(worksite_id=ids[~unknown])
    if required:  # the job is where the worksite is (a dormitory's unit is placed by itself)
        community = out["worksite_ref"].map(found.set_index("external_ref")["community_id"])
        out = in_scope(writing, out, community, applied, column="worksite_ref")
    return out.drop(columns="worksite_ref")


def with_sweeps(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Each visit's sweep (an area list's 任务编号, which must exist) and team: a name is a
    team of that sweep, or a team outside any sweep when the row names no sweep."""
    conn = writing.conn
    sweep_id = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if "sweep" in frame:
        sweep_id = frame["sweep"].astype("Int64")
        known = sweep_store.existing_sweeps(conn, sweep_id.dropna().tolist())
        unknown = sweep_id.notna() & ~sweep_id.isin(known)
        applied.problems.append(
            problems_for(frame, unknown, column="sweep", reason="sweep_unknown")
        )
        frame, sweep_id = frame.loc[~unknown], sweep_id.loc[~unknown]
    out = frame.drop(columns="sweep", errors="ignore").assign(sweep_id=sweep_id)
    if "team" not in out:
        return out
    team_id = pd.Series(pd.NA, index=out.index, dtype="Int64")
    loose = sweep_id.isna() & out["team"].notna()
    ids = upserts.team_ids(conn, out.loc[loose, "team"])
    team_id[loose] = out.loc[loose, "team"].map(ids).astype("Int64")
    for number, rows in out.loc[sweep_id.notna() & out["team"].notna()].groupby(sweep_id):
        named = sweep_store.team_ids_in_sweep(conn, int(number), rows["team"])
        team_id[rows.index] = rows["team"].map(named).astype("Int64")
    return out.assign(team_id=team_id)


def with_properties(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Each row's unit id, by reference or else address and room; unknown units and units
    outside the actor's areas refused."""
    existing = upserts.match(
        writing.conn,
        "property",
        frame,
        ref="property_ref",
        fallback=("address", "room"),
        table_ref="external_ref",
    )
    ids = existing["id"]
    unknown = ids.isna()
    column = "property_ref" if "property_ref" in frame else "address"
    applied.problems.append(problems_for(frame, unknown, column=column, reason="property_unknown"))
    out = frame.loc[~unknown].assign(property_id=ids[~unknown].astype(int))
    community = existing["community_id"][~unknown] if "community_id" in existing else None
    out = in_scope(writing, out, community, applied, column=column)
    return out.drop(columns=[c for c in ("property_ref", "address") if c in out])


def with_listed_properties(writing: Writing, frame: pd.DataFrame, applied: Applied) -> pd.DataFrame:
    """Visits' units, also from an area list that Excel or WPS retyped: matched by 核对码,
    reference, or sweep, address and room (geo.io.arealists.match_returned); the rows whose
    房屋编号 did not match as written are counted by how they were found."""
    wanted = {
        name: frame[name].dropna().astype(str).tolist() if name in frame else []
        for name in ("unit_code", "property_ref", "address", "sweep")
    }
    codes = [arealists.parse_unit_code(c) for c in wanted["unit_code"]]
    sweeps = {int(float(n)) for n in wanted["sweep"] if str(n).replace(".", "", 1).isdigit()}
    units = list_store.units_to_match(
        writing.conn,
        ids=[c for c in codes if c is not None],
        refs=wanted["property_ref"],
        addresses=wanted["address"],
        sweeps=sweeps,
    )
    ids, how = arealists.match_returned(frame, units)
    unknown = ids.isna()
    column = "property_ref" if "property_ref" in frame else "address"
    applied.problems.append(problems_for(frame, unknown, column=column, reason="property_unknown"))
    stored_ref = ids.map(units.set_index("id")["external_ref"]) if len(units) else ids
    given_ref = frame["property_ref"] if "property_ref" in frame else pd.Series(None, frame.index)
    retyped = given_ref.notna() & (given_ref.astype(str) != stored_ref.astype(str))
    applied.extra["matched_by_unit_code"] = int((retyped & (how == "code")).sum())
    applied.extra["matched_by_address"] = int((retyped & (how == "address")).sum())
    out = frame.loc[~unknown].assign(property_id=ids[~unknown].astype(int))
    community = out["property_id"].map(units.set_index("id")["community_id"]) if len(out) else None
    out = in_scope(writing, out, community, applied, column=column)
    return out.drop(columns=[c for c in ("property_ref", "address", "unit_code") if c in out])


def in_scope(
    writing: Writing,
    frame: pd.DataFrame,
    community: pd.Series | None,
    applied: Applied,
    *,
    column: str,
) -> pd.DataFrame:
    """Drop (and report) rows outside the communities a scoped user may write in
    (:func:`geo.services.scope.within_scope`)."""
    if writing.scope is None:
        return frame
    where = community if community is not None else pd.Series(np.nan, index=frame.index)
    outside = ~within_scope_mask(where.reindex(frame.index), writing.scope)
    applied.problems.append(problems_for(frame, outside, column=column, reason="outside_scope"))
    return frame.loc[~outside]


def stored_in_scope(
    writing: Writing,
    frame: pd.DataFrame,
    existing: pd.DataFrame,
    applied: Applied,
    *,
    column: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop (and report, as :func:`in_scope`) rows that would change a stored record lying
    outside the actor's areas now: an update is judged by where the record is, not only by
    where the row would put it. ``existing`` is aligned with ``frame`` (a NaN ``id`` where
    the row is new) and has the stored ``community_id``; both come back filtered."""
    if writing.scope is None or "community_id" not in existing:
        return frame, existing
    matched = existing["id"].notna()
    outside = matched & ~within_scope_mask(existing["community_id"], writing.scope)
    applied.problems.append(problems_for(frame, outside, column=column, reason="outside_scope"))
    return frame.loc[~outside], existing.loc[~outside]


def with_people(
    writing: Writing, frame: pd.DataFrame, applied: Applied, *, required: bool
) -> pd.DataFrame:
    """Each row's person id, by the HMAC of the ID number (unknown people refused when the row
    gives a number, or always when ``required``); the clear number goes no further."""
    keys = writing.keys
    digests = frame["id_number"].map(lambda v: keys.digest(v) if isinstance(v, str) else None)
    found = upserts.rows_by_keys(writing.conn, "person", ["id_hmac"], digests.dropna().tolist())
    ids = digests.map(found.set_index("id_hmac")["id"])
    unknown = (frame["id_number"].notna() | required) & ids.isna()
    applied.problems.append(
        problems_for(frame, unknown, column="id_number", reason="person_unknown")
    )
    # Clear ID numbers go no further than the match.
    return frame.loc[~unknown].assign(person_id=ids[~unknown]).drop(columns="id_number")
