"""Issuing field kits: one team's share of a sweep as an ODK form with its entity list or
a GeoPackage, residents masked, stamped with the sweep, team, issue day and expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import geopandas as gpd
import pandas as pd

from geo import clock, fieldkit
from geo.crs import WGS84
from geo.errors import InputError, NotFoundError
from geo.io import kits as files
from geo.services.access import PERMISSIONS, Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.services.sweeps.units import found_sweep
from geo.store import kits as kit_store
from geo.store import sweeps as sweep_store

KIT_FORMATS: Final = ("odk", "gpkg")


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
        found = found_sweep(conn, sweep_id, actor)  # not another area's sweep
        teams = sweep_store.sweep_teams(conn, sweep_id)
        matching = teams.loc[teams["name"] == team, "id"]
        if matching.empty:
            raise NotFoundError("team_not_found", team=team)
        team_id = int(matching.iloc[0])
        units = sweep_store.assigned_units(conn, sweep_id, as_of=today, team_id=team_id)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None:  # numbered again in walking order: the gaps were others' units
            units = units.loc[units["community_id"].isin(allowed)].sort_values("position")
            units = units.assign(position=range(1, len(units) + 1))
        units = units.loc[units["lon"].notna() & units["lat"].notna()]
        people = sweep_store.people_in_sweep(conn, sweep_id, as_of=today, team_id=team_id)
        people = people.loc[people["property_id"].isin(units["property_id"])]
        roles = kit_store.member_roles(conn, team_id)
        # The outlines of the grids the team's units lie in (stored in WGS-84).
        grids = (
            kit_store.grid_outlines(conn, units["grid_id"].dropna().astype(int).tolist())
            if fmt == "gpkg"
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
        kit_id = kit_store.new_kit(
            conn,
            sweep_id=sweep_id,
            team_id=team_id,
            fmt=fmt,
            issued_on=today,
            expires_on=expiry,
            units=len(unit_table),
            issued_by=actor.name,
        )
        record(
            conn,
            actor,
            "export.kit",
            object_type="sweep",
            object_id=sweep_id,
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
