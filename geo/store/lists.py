"""The rows behind the lists staff act on: who lives where now, permits, last visits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from geo.coverage import day_end
from geo.store.conditions import employed_on, living_on, units_within
from geo.store.frames import read_frame
from geo.store.schema import (
    area,
    assignment,
    employment,
    landlord,
    person,
    property_,
    residence,
    visit,
    worksite,
)
from geo.store.upserts import rows_by_keys
from geo.store.visits import people_not_found


def _community() -> Any:
    return area.alias("community")


def occupied_units(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Units with residents on ``as_of``, the facts a list's rule needs: property_id, rooms,
    floor_area_m2, residents, last_visit (any outcome, up to as_of). A list then reads
    the details of the few it keeps (:func:`unit_details`): a city has 800,000 occupied
    units and their addresses are most of the memory."""
    end = day_end(as_of)
    last = (
        select(visit.c.property_id, func.max(visit.c.visited_at).label("last_visit"))
        .where(visit.c.property_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.property_id)
        .subquery()
    )
    p = property_.c
    statement = (
        select(
            p.id.label("property_id"),
            p.rooms,
            p.floor_area_m2,
            func.count().label("residents"),
            func.max(last.c.last_visit).label("last_visit"),
        )
        .select_from(residence.join(property_).outerjoin(last, last.c.property_id == p.id))
        .where(living_on(as_of), *units_within(communities))
        .group_by(p.id)
    )
    return read_frame(conn, statement)


def unit_details(conn: Connection, property_ids: Collection[int]) -> pd.DataFrame:
    """What a list shows of these units: property_id, external_ref, address, room,
    community (its name; None outside every community), lon, lat; in no order."""
    found = rows_by_keys(
        conn,
        property_,
        ["id"],
        property_ids,
        fields=["id", "external_ref", "address", "room", "community_id", "lon", "lat"],
    )
    names = read_frame(conn, select(area.c.id, area.c.name).where(area.c.level == "community"))
    named = dict(zip(names["id"], names["name"], strict=True))
    community = pd.Series([named.get(c) for c in found["community_id"]], dtype=object)
    return found.assign(community=community.to_numpy())[
        ["id", "external_ref", "address", "room", "community", "lon", "lat"]
    ].rename(columns={"id": "property_id"})


def current_people(
    conn: Connection,
    *,
    as_of: date,
    communities: Collection[int] | None = None,
    permit_expiry_by: date | None = None,
    not_found: bool = False,
) -> pd.DataFrame:
    """People living in an active unit on ``as_of``, masked: person_id, name, id_masked,
    phone_masked, permit_no, permit_expiry, external_ref, address, community, moved_in.

    ``permit_expiry_by``: only those whose permit expires on or before that day.
    ``not_found``: only those whose latest visit up to ``as_of`` found them not living
    there (:func:`geo.store.visits.people_not_found`), with its time (visited_at). Both are
    narrowed in the database: a city has millions of residents and a list holds a few."""
    community = _community()
    p = property_.c
    columns = [
        person.c.id.label("person_id"),
        person.c.name,
        person.c.id_masked,
        person.c.phone_masked,
        person.c.permit_no,
        person.c.permit_expiry,
        p.external_ref,
        p.address,
        community.c.name.label("community"),
        residence.c.moved_in,
    ]
    joined = (
        residence.join(property_)
        .join(person)
        .outerjoin(community, community.c.id == p.community_id)
    )
    conditions = [living_on(as_of), *units_within(communities)]
    if permit_expiry_by is not None:
        conditions.append(person.c.permit_expiry <= permit_expiry_by)
    if not_found:
        missing = people_not_found(visit.c.visited_at < day_end(as_of))
        joined = joined.join(missing, missing.c.person_id == person.c.id)
        columns.append(missing.c.visited_at)
    statement = (
        select(*columns)
        .select_from(joined)
        .where(*conditions)
        .order_by(community.c.name.nulls_last(), p.external_ref, person.c.name)
    )
    return read_frame(conn, statement)


def latest_person_visits(conn: Connection, *, as_of: date) -> pd.DataFrame:
    """Each person's latest visit up to ``as_of``: person_id, visited_at, outcome."""
    end = day_end(as_of)
    latest = (
        select(visit.c.person_id, func.max(visit.c.visited_at).label("at"))
        .where(visit.c.person_id.is_not(None), visit.c.visited_at < end)
        .group_by(visit.c.person_id)
        .subquery()
    )
    statement = (
        select(visit.c.person_id, visit.c.visited_at, visit.c.outcome)
        .select_from(
            visit.join(
                latest,
                and_(latest.c.person_id == visit.c.person_id, latest.c.at == visit.c.visited_at),
            )
        )
        .order_by(visit.c.person_id, visit.c.id)
    )
    frame = read_frame(conn, statement)
    return frame.drop_duplicates("person_id", keep="last").reset_index(drop=True)


def move_in_reports(
    conn: Connection, *, since: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Move-ins and move-outs since ``since`` with who had to report them: community (the
    unit's), reporter (the landlord's name and masked phone), event (moved_in or
    moved_out), reported (the report date of that event), change (``in`` or ``out``)."""
    reporter = (landlord.c.name + " " + func.coalesce(landlord.c.phone_masked, "")).label(
        "reporter"
    )
    community = _community()
    frames = [
        read_frame(
            conn,
            select(
                community.c.name.label("community"),
                reporter,
                event.label("event"),
                reported.label("reported"),
            )
            .select_from(
                residence.join(property_)
                .join(landlord)
                .outerjoin(community, community.c.id == property_.c.community_id)
            )
            .where(event >= since, *units_within(communities)),
        ).assign(change=change)
        for change, event, reported in (
            ("in", residence.c.moved_in, residence.c.reported_on),
            ("out", residence.c.moved_out, residence.c.moved_out_reported_on),
        )
    ]
    return pd.concat(frames, ignore_index=True)


def hire_reports(
    conn: Connection, *, since: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Hires and departures since ``since`` with the employer who had to report them:
    community (the worksite's), reporter (worksite name), event (since or until), reported
    (the report date of that event), change (``in`` or ``out``)."""
    community = _community()
    frames = []
    for change, event, reported in (
        ("in", employment.c.since, employment.c.reported_on),
        ("out", employment.c.until, employment.c.until_reported_on),
    ):
        statement = (
            select(
                community.c.name.label("community"),
                worksite.c.name.label("reporter"),
                event.label("event"),
                reported.label("reported"),
            )
            .select_from(
                employment.join(worksite).outerjoin(
                    community, community.c.id == worksite.c.community_id
                )
            )
            .where(event >= since)
        )
        if communities is not None:
            statement = statement.where(worksite.c.community_id.in_(sorted(communities)))
        frames.append(read_frame(conn, statement).assign(change=change))
    return pd.concat(frames, ignore_index=True)


def unhoused_workers(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """People employed on ``as_of`` at a worksite in these communities who live in no unit
    on record: community (the worksite's), worksite, name, id_masked, phone_masked, since."""
    living = (
        select(residence.c.person_id).select_from(residence.join(property_)).where(living_on(as_of))
    )
    community = _community()
    statement = (
        select(
            community.c.name.label("community"),
            worksite.c.name.label("worksite"),
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            employment.c.since,
        )
        .select_from(
            employment.join(worksite)
            .join(person)
            .outerjoin(community, community.c.id == worksite.c.community_id)
        )
        .where(
            employed_on(as_of),
            person.c.id.not_in(living),
        )
        .order_by(community.c.name, worksite.c.name, person.c.name)
    )
    if communities is not None:
        statement = statement.where(worksite.c.community_id.in_(sorted(communities)))
    return read_frame(conn, statement)


def declared_employers(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Current residents who declared an employer (community, external_ref, address, name,
    id_masked, phone_masked, employer_name, employed: holds a job on ``as_of``), and the
    names of every worksite on record."""
    working = select(employment.c.person_id).where(employed_on(as_of))
    community = _community()
    statement = (
        select(
            community.c.name.label("community"),
            property_.c.external_ref,
            property_.c.address,
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            person.c.employer_name,
            person.c.id.in_(working).label("employed"),
        )
        .select_from(
            residence.join(property_)
            .join(person)
            .outerjoin(community, community.c.id == property_.c.community_id)
        )
        .where(living_on(as_of), person.c.employer_name.is_not(None), *units_within(communities))
        .order_by(community.c.name, property_.c.external_ref, person.c.name)
    )
    names = read_frame(conn, select(worksite.c.name))["name"]
    return read_frame(conn, statement), names


def dormitory_outsiders(
    conn: Connection, *, as_of: date, communities: Collection[int] | None = None
) -> pd.DataFrame:
    """Residents of a worksite's dormitory who work for none or another worksite on
    ``as_of``: community (the dormitory's), external_ref, address, dormitory_of, name,
    id_masked, works_at."""
    owner = worksite.alias("owner")
    community = _community()
    job = (
        select(employment.c.person_id, func.min(worksite.c.name).label("works_at"))
        .select_from(employment.join(worksite))
        .where(
            employed_on(as_of),
        )
        .group_by(employment.c.person_id)
        .subquery()
    )
    same = (
        select(employment.c.id)
        .where(
            employment.c.person_id == person.c.id,
            employment.c.worksite_id == property_.c.worksite_id,
            employed_on(as_of),
        )
        .exists()
    )
    p = property_.c
    statement = (
        select(
            community.c.name.label("community"),
            p.external_ref,
            p.address,
            owner.c.name.label("dormitory_of"),
            person.c.name,
            person.c.id_masked,
            job.c.works_at,
        )
        .select_from(
            residence.join(property_)
            .join(person)
            .join(owner, owner.c.id == p.worksite_id)
            .outerjoin(job, job.c.person_id == person.c.id)
            .outerjoin(community, community.c.id == p.community_id)
        )
        .where(living_on(as_of), p.worksite_id.is_not(None), ~same, *units_within(communities))
        .order_by(community.c.name, owner.c.name, p.external_ref, person.c.name)
    )
    return read_frame(conn, statement)


def workers_of(conn: Connection, worksite_id: int, *, as_of: date) -> pd.DataFrame:
    """A worksite's current workers, masked, with where they live now (if here): name,
    id_masked, phone_masked, since, external_ref, address, property_id, community_id (the
    home's; None without one)."""
    home = (
        select(
            residence.c.person_id,
            property_.c.id.label("property_id"),
            property_.c.external_ref,
            property_.c.address,
            property_.c.community_id,
        )
        .select_from(residence.join(property_))
        .where(living_on(as_of))
        .subquery()
    )
    statement = (
        select(
            person.c.name,
            person.c.id_masked,
            person.c.phone_masked,
            employment.c.since,
            home.c.external_ref,
            home.c.address,
            home.c.property_id,
            home.c.community_id,
        )
        .select_from(employment.join(person).outerjoin(home, home.c.person_id == person.c.id))
        .where(employment.c.worksite_id == worksite_id, employed_on(as_of))
        .order_by(person.c.name)
    )
    return read_frame(conn, statement)


def visits_to_worksite(conn: Connection, worksite_id: int) -> pd.DataFrame:
    """The worksite's visits, newest first: visited_at, outcome, residents_seen, note."""
    statement = (
        select(visit.c.visited_at, visit.c.outcome, visit.c.residents_seen, visit.c.note)
        .where(visit.c.worksite_id == worksite_id)
        .order_by(visit.c.visited_at.desc())
    )
    return read_frame(conn, statement)


def units_to_match(
    conn: Connection,
    *,
    ids: Collection[int] = (),
    refs: Collection[str] = (),
    addresses: Collection[str] = (),
    sweeps: Collection[int] = (),
) -> pd.DataFrame:
    """The units a returned list's rows may name: those with one of ``ids``, ``refs`` or
    ``addresses``, and every unit assigned to one of ``sweeps``. Columns id, external_ref,
    address, room, community_id and sweeps (the set of sweeps each unit is assigned to)."""
    from geo.store.upserts import rows_by_keys

    fields = ["id", "external_ref", "address", "room", "community_id"]
    found = [
        rows_by_keys(conn, property_, [column], sorted(set(keys)), fields=fields)
        for column, keys in (("id", ids), ("external_ref", refs), ("address", addresses))
        if keys
    ]
    if sweeps:
        mine = select(assignment.c.property_id).where(assignment.c.sweep_id.in_(sorted(sweeps)))
        statement = select(*(property_.c[f] for f in fields)).where(property_.c.id.in_(mine))
        found.append(read_frame(conn, statement))
    kept = [f for f in found if len(f)]
    if not kept:
        return pd.DataFrame(columns=[*fields, "sweeps"])
    units = pd.concat(kept, ignore_index=True).drop_duplicates("id").reset_index(drop=True)
    placed = rows_by_keys(
        conn,
        assignment,
        ["property_id"],
        units["id"].astype(int).tolist(),
        fields=["property_id", "sweep_id"],
    )
    member: dict[int, set[int]] = {}
    for unit, sweep in zip(
        placed["property_id"].tolist(), placed["sweep_id"].tolist(), strict=True
    ):
        member.setdefault(int(unit), set()).add(int(sweep))
    sets = pd.Series([member.get(int(i), set()) for i in units["id"].tolist()], dtype=object)
    return units.assign(sweeps=sets.to_numpy())
