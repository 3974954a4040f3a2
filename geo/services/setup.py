"""Create a database and fill it with the demo district."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo import clock
from geo.areas import areas_m2
from geo.demo import LOCAL_REGION, DemoDistrict, fill_area_list, generate_district
from geo.errors import ConflictError
from geo.privacy import Keys, mask_id, mask_phone, sealed_columns
from geo.services.access import Actor, require
from geo.services.accounts import ensure_demo_accounts
from geo.services.auditing import record
from geo.services.placement import bump_boundary_version, place
from geo.settings import Settings, settings
from geo.stays import STAY_COLUMNS
from geo.store.areas import insert_areas
from geo.store.database import (
    Database,
    check_sqlite_file,
    data_folder,
    database_url,
    shown_url,
    sqlite_file_missing,
)
from geo.store.frames import count_rows, id_map, insert_frame
from geo.store.keys import key_path_for, open_keys, record_key_check
from geo.store.schema import (
    area,
    employment,
    landlord,
    person,
    property_,
    residence,
    team,
    visit,
    worksite,
)
from geo.store.stored_settings import get_setting, put_setting

SYSTEM = Actor(name="system", role="admin")
"""The actor of what Gridhouse does by itself (schema upgrades on start)."""


@dataclass(frozen=True)
class Opened:
    """A database ready for use, with the keys that protect its identifiers."""

    db: Database
    keys: Keys
    settings: Settings
    """The configuration the face that opened it read (:func:`geo.settings.settings`)."""


def configured_url(config: Settings | None = None) -> str:
    """The database URL from the configuration (``GRIDHOUSE_DATABASE_URL``, else the
    default: ``gridhouse.sqlite`` in the data folder, :data:`geo.store.database.DATA_DIR`,
    whatever the current directory). The app and the command line both start here."""
    return resolved_url(None, config)


def resolved_url(url: str | None, config: Settings | None = None) -> str:
    """``url`` (``--db``) when given, else the configured one, as a full URL."""
    return database_url(url, configured=(config or settings()).database_url)


def log_folder(url: str | None = None, config: Settings | None = None) -> Path:
    """Where a database's failure log goes: beside an SQLite file, else the data folder."""
    return data_folder(resolved_url(url, config))


def _keys(db: Database, config: Settings) -> Keys:
    """The database's keys from the configured key file, checked against the database (a
    missing or other key file is refused; a key is made only for a database holding nothing
    sealed), with its audit chain bound to them (:func:`geo.store.keys.open_keys`)."""
    return open_keys(db, key_path_for(db.url, key_file=config.key_file))


def open_initialised(url: str | None = None, *, config: Settings | None = None) -> Opened:
    """Open a database that holds Gridhouse's schema (brought to the newest revision, as
    every start does). A database without one, a new SQLite file or an empty PostgreSQL
    database, is refused with a ConflictError that says to run ``gridhouse init``; nothing is
    created (no file, no key). A location no database can be at (see
    :func:`geo.store.database.check_sqlite_file`: a missing folder, a folder, a file that is
    no SQLite database, damaged or not readable) is refused first, naming the path.
    ``config`` defaults to :func:`geo.settings.settings`."""
    config = config or settings()
    resolved = resolved_url(url, config)
    check_sqlite_file(resolved)
    if sqlite_file_missing(resolved):
        raise ConflictError("database_uninitialised", url=shown_url(resolved))
    db = Database(resolved)
    try:
        if db.revision() is None:
            raise ConflictError("database_uninitialised", url=shown_url(resolved))
        keys = _keys(db, config)
        _migrate(db, actor=SYSTEM, keys=keys)
    except BaseException:
        db.dispose()
        raise
    return Opened(db=db, keys=keys, settings=config)


def open_database(
    url: str | None = None, *, create: bool = True, config: Settings | None = None
) -> Opened:
    """Open the database and load or create its key file; with ``create``, bring the schema
    to the newest revision first (audited when it changes). A location no database can be
    at, or a damaged SQLite file, is refused with a GridhouseError that names it (the same
    checks as :func:`open_initialised`), before any key is made. ``config`` defaults to
    :func:`geo.settings.settings`."""
    config = config or settings()
    db = Database(resolved_url(url, config))
    try:
        db.revision()  # the first query: a damaged file or an unreachable server says so here
        keys = _keys(db, config)
        if create:
            _migrate(db, actor=SYSTEM, keys=keys)
    except BaseException:
        db.dispose()
        raise
    return Opened(db=db, keys=keys, settings=config)


def initialise(opened: Opened, actor: Actor) -> dict[str, Any]:
    """Bring the schema up to date; idempotent. Returns the database URL and revision."""
    require(actor, "setup")
    return {
        "database": shown_url(opened.db.url),
        "revision": _migrate(opened.db, actor=actor, keys=opened.keys),
    }


def _migrate(db: Database, *, actor: Actor, keys: Keys) -> str | None:
    before = db.revision()
    db.migrate(keys=keys)
    after = db.revision()
    record_key_check(db, keys)
    if after != before:
        with db.write() as conn:
            record(
                conn,
                actor,
                "schema.migrate",
                detail={"from": before, "to": after},
            )
    return after


def is_empty(opened: Opened) -> bool:
    with opened.db.read() as conn:
        return count_rows(conn, area) == 0


def load_demo(
    opened: Opened,
    actor: Actor,
    *,
    scale: int = 1,
    seed: int = 2026,
    as_of: date | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """Generate the demo district and store it in one transaction (an empty database only).

    ``progress(percent, step)`` hears each step as it starts: ``generate`` (10), ``store``
    (35), ``accounts`` (80), ``sweep`` (90); the shares follow the time each step takes."""
    require(actor, "setup")
    step = progress or (lambda percent, name: None)
    if not is_empty(opened):
        raise ConflictError("database_not_empty", url=shown_url(opened.db.url))
    step(10, "generate")
    demo = generate_district(seed=seed, scale=scale, as_of=as_of or clock.today())
    step(35, "store")
    with opened.db.write() as conn:
        if count_rows(conn, area):  # another session loaded it meanwhile
            raise ConflictError("database_not_empty", url=shown_url(opened.db.url))
        counts = _store_demo(conn, demo, keys=opened.keys, url=opened.db.url)
        put_setting(conn, "local_region", LOCAL_REGION)
        put_setting(conn, "demo", f"seed={seed};scale={scale};as_of={demo.as_of.isoformat()}")
        record(
            conn,
            actor,
            "demo.load",
            count=counts["rental_units"],
            detail=counts,
        )
    step(80, "accounts")
    ensure_demo_accounts(opened)
    step(90, "sweep")
    counts |= _demo_sweep(opened, actor, demo, seed=seed)
    return {"scale": scale, "seed": seed, "as_of": demo.as_of.isoformat(), **counts}


def _demo_sweep(opened: Opened, actor: Actor, demo: DemoDistrict, *, seed: int) -> dict[str, int]:
    """Start the demo's sweep as staff would, through the services: create it with its teams
    and members, plan it on its first day, hand out the area list, and take back the list
    the teams filled in so far through the visits upload."""
    from geo.services import sweeps, uploads  # they build on this module

    spec = demo.sweep
    sweep_id = sweeps.create_sweep(
        opened,
        actor,
        name=spec.name,
        starts_on=spec.starts_on,
        ends_on=spec.ends_on,
        areas=list(spec.areas),
        teams=list(spec.teams),
        members={team: list(users) for team, users in spec.teams.items()},
    )
    sweeps.plan_sweep(opened, actor, sweep_id, as_of=spec.starts_on, limit=spec.limit)
    data, units = sweeps.area_list(opened, actor, sweep_id, fmt="csv", as_of=spec.starts_on)
    listed = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    filled = fill_area_list(listed, spec, as_of=demo.as_of, seed=seed)
    result = uploads.import_upload(
        opened,
        actor,
        kind="visits",
        data=filled.to_csv(index=False).encode("utf-8-sig"),
        filename=f"sweep-{sweep_id}-visits.csv",
        as_of=demo.as_of,
    )
    return {
        "sweep": sweep_id,
        "sweep_units": units,
        "sweep_visits": int(result.summary["accepted"]),
    }


def _store_demo(conn: Any, demo: DemoDistrict, *, keys: Keys, url: str) -> dict[str, int]:
    areas = demo.areas.copy()
    areas["area_m2"] = areas_m2(areas.geometry)
    insert_areas(conn, areas)
    bump_boundary_version(conn)

    worksites = _placed(conn, demo.worksites, url=url)
    contact = sealed_columns(
        worksites["contact_phone"], keys, prefix="contact_phone", mask=mask_phone
    )
    worksites = worksites.join(contact.drop(columns="contact_phone_hmac"))
    worksites["coord_source"] = "wgs84"
    worksites["status"] = "active"
    insert_frame(
        conn,
        worksite,
        worksites[
            [
                "external_ref",
                "name",
                "kind",
                "address",
                "lon",
                "lat",
                "coord_source",
                "declared_workers",
                "contact_name",
                "contact_phone_masked",
                "contact_phone_cipher",
                "status",
                "community_id",
                "grid_id",
            ]
        ],
    )
    worksite_ids = id_map(conn, worksite, "external_ref")

    units = _placed(conn, demo.properties, url=url)
    units["worksite_id"] = units["worksite_ref"].map(worksite_ids)
    units["coord_source"] = "wgs84"
    owners = units.drop_duplicates("landlord_phone")[["landlord_name", "landlord_phone"]]
    sealed = sealed_columns(owners["landlord_phone"], keys, prefix="phone", mask=mask_phone)
    insert_frame(conn, landlord, sealed.assign(name=owners["landlord_name"]))
    landlord_ids = pd.Series(id_map(conn, landlord, "phone_hmac"))
    by_phone = pd.Series(
        sealed["phone_hmac"].map(landlord_ids).to_numpy(), index=owners["landlord_phone"]
    )
    units["landlord_id"] = units["landlord_phone"].map(by_phone)
    insert_frame(
        conn,
        property_,
        units[
            [
                "external_ref",
                "address",
                "lon",
                "lat",
                "coord_source",
                "kind",
                "rooms",
                "floor_area_m2",
                "max_occupants",
                "landlord_id",
                "status",
                "community_id",
                "grid_id",
                "worksite_id",
                "registered_on",
            ]
        ],
    )
    unit_ids = id_map(conn, property_, "external_ref")

    people = demo.persons.join(
        sealed_columns(demo.persons["id_number"], keys, prefix="id", mask=mask_id)
    ).join(sealed_columns(demo.persons["phone"], keys, prefix="phone", mask=mask_phone))
    insert_frame(
        conn,
        person,
        people[
            [
                "name",
                "id_hmac",
                "id_cipher",
                "id_masked",
                "sex",
                "birth_year",
                "origin",
                "phone_hmac",
                "phone_cipher",
                "phone_masked",
                "permit_no",
                "permit_expiry",
            ]
        ],
    )
    person_ids = pd.Series(id_map(conn, person, "id_hmac"))
    person_of_key = pd.Series(person_ids.reindex(people["id_hmac"]).to_numpy(), index=people["key"])

    stays = demo.residences.assign(
        person_id=demo.residences["person_key"].map(person_of_key),
        property_id=demo.residences["property_ref"].map(unit_ids),
    )
    insert_frame(
        conn,
        residence,
        stays[list(STAY_COLUMNS)],
    )
    jobs = demo.employments.assign(
        person_id=demo.employments["person_key"].map(person_of_key),
        worksite_id=demo.employments["worksite_ref"].map(worksite_ids),
    )
    insert_frame(
        conn, employment, jobs[["person_id", "worksite_id", "since", "until", "reported_on"]]
    )
    insert_frame(conn, team, demo.teams[["name"]])
    team_ids = id_map(conn, team, "name")
    visits = demo.visits.assign(
        property_id=demo.visits["property_ref"].map(unit_ids),
        worksite_id=demo.visits["worksite_ref"].map(worksite_ids),
        person_id=demo.visits["person_key"].map(person_of_key),
        team_id=demo.visits["team"].map(team_ids),
    )
    insert_frame(
        conn,
        visit,
        visits[
            [
                "property_id",
                "worksite_id",
                "person_id",
                "team_id",
                "visited_at",
                "outcome",
                "residents_seen",
            ]
        ],
    )
    current = stays["moved_out"].isna()
    return {
        "areas": len(areas),
        "communities": int((areas["kind"] == "community").sum()),
        "villages": int((areas["kind"] == "village").sum()),
        "grids": int((areas["level"] == "grid").sum()),
        "rental_units": len(units),
        "persons": len(people),
        "residents": int(current.sum()),
        "worksites": len(worksites),
        "visits": len(visits),
        "unplaced_units": int(units["community_id"].isna().sum()),
    }


def _placed(conn: Any, frame: pd.DataFrame, *, url: str) -> pd.DataFrame:
    community, grid = place(
        conn, frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), url=url
    )
    out = frame.copy()
    out["community_id"] = pd.Series(community, index=out.index).astype("Int64")
    out["grid_id"] = pd.Series(grid, index=out.index).astype("Int64")
    return out


def is_demo(opened: Opened) -> bool:
    """True for a database made by the demo generator (its data is synthetic)."""
    with opened.db.read() as conn:
        return get_setting(conn, "demo") is not None
