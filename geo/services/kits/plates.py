"""Door plates: printed with random tokens stored only as hashes, revoked and issued
again, and a scanned token traced to its unit."""

from __future__ import annotations

import secrets
from typing import Any, Final

import pandas as pd

from geo import clock, fieldkit
from geo.errors import InputError, NotFoundError
from geo.io import kits as files
from geo.services.access import Actor, in_scope, require
from geo.services.auditing import record
from geo.services.scope import communities_for, communities_in_scope, within_scope
from geo.services.setup import Opened
from geo.store import plates as plate_store
from geo.store.areas import load_areas

PLATE_REASONS: Final = ("damaged", "lost", "reassigned", "other")


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
            units = plate_store.units_for_plates(
                conn, communities=communities_for(conn, actor, parent) or []
            )
            units = units.loc[units["grid_id"] == int(row["id"].iloc[0])]
        else:
            units = plate_store.units_for_plates(
                conn, communities=communities_for(conn, actor, area) or []
            )
        plated = plate_store.active_plates(conn, units["property_id"].tolist())
        if reissue:
            for unit in sorted(plated):
                plate_store.revoke_plates(conn, unit, reason="reassigned")
            todo = units
        else:
            todo = units.loc[~units["property_id"].isin(plated)]
        made = _new_plates(conn, todo, actor=actor)
        record(
            conn,
            actor,
            "plates.print",
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
    plate_store.add_plates(
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
        unit = plate_store.unit_by_ref(conn, ref)
        allowed = communities_in_scope(conn, actor)
        if unit is None or not within_scope(unit["community_id"], allowed):
            raise NotFoundError("property_not_found", ref=ref)
        revoked = plate_store.revoke_plates(conn, int(unit["property_id"]), reason=reason)
        made = _new_plates(conn, pd.DataFrame([unit]), actor=actor)
        record(
            conn,
            actor,
            "plates.revoke",
            object_type="property",
            object_id=unit["property_id"],
            count=revoked,
            detail={"ref": ref, "reason": reason},
        )
    return files.plates_sheet(made, title=ref)


def plate_unit(opened: Opened, actor: Actor, token: str) -> dict[str, Any]:
    """The unit a scanned plate belongs to (ref, address, room); a revoked or unknown token
    is not found."""
    require(actor, "view_records")
    with opened.db.read() as conn:
        unit = plate_store.plate_unit(conn, fieldkit.plate_hash(token))
        allowed = communities_in_scope(conn, actor)
    if unit is None or not within_scope(unit["community_id"], allowed):
        raise NotFoundError("plate_not_found")
    return {k: unit[k] for k in ("ref", "address", "room")}
