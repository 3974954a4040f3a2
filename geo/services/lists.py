"""The lists staff act on (crowded units, permits due, residents not found, units not
visited for long) for the user's areas, and their audited export."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import pandas as pd

from geo import clock, worklists
from geo.errors import InputError
from geo.i18n import CATALOGUE, DEFAULT_LANGUAGE, message
from geo.io.exports import excel_csv, typed_xlsx
from geo.reporting import late_by_reporter
from geo.services.access import Actor, require
from geo.services.auditing import record, record_view
from geo.services.kept import Kept
from geo.services.scope import communities_for
from geo.services.setup import Opened
from geo.settings import Settings
from geo.store.audit import data_version
from geo.store.lists import (
    current_people,
    declared_employers,
    dormitory_outsiders,
    hire_reports,
    move_in_reports,
    occupied_units,
    unhoused_workers,
    unit_details,
)

LATE_REPORT_LOOKBACK_DAYS: Final = 365
EXPORT_FORMATS: Final = ("csv", "xlsx")
_LISTS: Final[Kept[pd.DataFrame]] = Kept(most=3)
"""The lists last read (each one's rows are masked and already scoped to its key's
communities)."""


def crowding_thresholds(config: Settings) -> tuple[float, float]:
    """(residents per room, m2 per resident) from configuration (default 2 and 5)."""
    return config.crowded_per_room, config.crowded_m2_per_person


def staff_list(
    opened: Opened,
    actor: Actor,
    name: str,
    *,
    area: str | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """One list for the actor's areas (or ``area`` inside them), identifiers masked; the
    view is audited (``view.list``) each time, while the list itself is read once per data
    version, day and set of communities (a city's list of 300,000 residents takes seconds
    to read; switching lists or pressing F5 reads none again)."""
    require(actor, "view_records")
    as_of = as_of or clock.today()
    with opened.db.read() as conn:
        key = (
            opened.db.url,
            data_version(conn),
            name,
            communities_for(conn, actor, area),
            as_of,
            crowding_thresholds(opened.settings),
            opened.settings.report_within_days,
        )
    table = _LISTS.get_or_make(
        key, lambda: _staff_list(opened, actor, name, area=area, as_of=as_of)
    ).copy(deep=False)
    record_view(
        opened,
        actor,
        "view.list",
        object_type="list",
        object_id=name,
        count=len(table),
        detail={"area": area} if area else None,
    )
    return table


def _staff_list(
    opened: Opened,
    actor: Actor,
    name: str,
    *,
    area: str | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    require(actor, "view_records")
    if name not in worklists.LISTS:
        raise InputError("value_invalid", name="list", value=name)
    as_of = as_of or clock.today()
    if name == "late-reports":
        return _late_reports(opened, actor, area=area, as_of=as_of)
    if name == "unknown-employers":
        with opened.db.read() as conn:
            residents, names = declared_employers(
                conn, as_of=as_of, communities=communities_for(conn, actor, area)
            )
        return worklists.unknown_employers(residents, names)
    if name in ("unhoused-workers", "dormitory-outsiders"):
        query = unhoused_workers if name == "unhoused-workers" else dormitory_outsiders
        with opened.db.read() as conn:
            return query(conn, as_of=as_of, communities=communities_for(conn, actor, area))
    with opened.db.read() as conn:
        within = communities_for(conn, actor, area)
        if name in ("crowded", "stale"):
            units = occupied_units(conn, as_of=as_of, communities=within)
        elif name == "permits":
            people = current_people(
                conn,
                as_of=as_of,
                communities=within,
                permit_expiry_by=worklists.permit_due_by(as_of),
            )
        else:  # residents not found: their latest visit up to as_of found them gone
            people = current_people(conn, as_of=as_of, communities=within, not_found=True)
    if name == "crowded":
        per_room, m2 = crowding_thresholds(opened.settings)
        listed = worklists.crowded_units(units, per_room=per_room, m2_per_person=m2)
        return _with_details(opened, listed).drop(columns=["property_id", "last_visit"])
    if name == "stale":
        listed = worklists.stale_units(units, as_of=as_of)
        return _with_details(opened, listed).drop(columns=["property_id"])
    if name == "permits":
        return worklists.permits_due(people, as_of=as_of).drop(columns=["person_id"])
    return people.drop(columns=["person_id"])


_UNIT_COLUMNS = [
    "property_id",
    "external_ref",
    "address",
    "room",
    "community",
    "rooms",
    "floor_area_m2",
    "residents",
    "last_visit",
    "lon",
    "lat",
]


def _with_details(opened: Opened, listed: pd.DataFrame) -> pd.DataFrame:
    """A list of units (property_id and its rule's figures, in the list's order) with what
    staff read of each unit, unit columns first."""
    with opened.db.read() as conn:
        details = unit_details(conn, listed["property_id"].tolist())
    out = listed.merge(details, on="property_id", how="left")
    rest = [c for c in out.columns if c not in _UNIT_COLUMNS]
    return out[[*_UNIT_COLUMNS, *rest]]


def _late_reports(opened: Opened, actor: Actor, *, area: str | None, as_of: date) -> pd.DataFrame:
    """Landlords and employers with move-ins or hires of the last year reported late, per
    community (a landlord with units in two communities is listed in each)."""
    within_days = opened.settings.report_within_days
    since = as_of - timedelta(days=LATE_REPORT_LOOKBACK_DAYS)
    with opened.db.read() as conn:
        within = communities_for(conn, actor, area)
        landlords = move_in_reports(conn, since=since, communities=within)
        employers = hire_reports(conn, since=since, communities=within)
    parts = [
        _late_per_community(frame, as_of=as_of, within=within_days).assign(kind=kind)
        for kind, frame in (("landlord", landlords), ("employer", employers))
    ]
    columns = [
        "kind",
        "community",
        "reporter",
        "reports",
        "late",
        "unreported",
        "most_days_late",
        "mean_days_late",
    ]
    kept = [p for p in parts if len(p)]
    return (pd.concat(kept, ignore_index=True) if kept else parts[0])[columns]


def _late_per_community(reports: pd.DataFrame, *, as_of: date, within: int) -> pd.DataFrame:
    """:func:`late_by_reporter` within each community (column community first), the worst
    first."""
    parts = [
        late_by_reporter(group, as_of=as_of, within=within).assign(community=community)
        for community, group in reports.groupby("community", dropna=False, sort=True)
    ]
    kept = [p for p in parts if len(p)]
    if not kept:
        return late_by_reporter(reports, as_of=as_of, within=within).assign(community=None)
    out = pd.concat(kept, ignore_index=True)
    return out.sort_values(["late", "most_days_late"], ascending=False).reset_index(drop=True)


def staff_list_csv(
    opened: Opened,
    actor: Actor,
    name: str,
    *,
    area: str | None = None,
    as_of: date | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """A list as CSV for Excel (see :func:`staff_list_file`)."""
    return staff_list_file(
        opened, actor, name, fmt="csv", area=area, as_of=as_of, language=language
    )


def staff_list_file(
    opened: Opened,
    actor: Actor,
    name: str,
    *,
    fmt: str = "csv",
    area: str | None = None,
    as_of: date | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """A list as a file for Excel and WPS: CSV (UTF-8 with a BOM) or XLSX (numbers as
    numbers, every other cell text), headed in ``language``; the export is audited (who,
    which list, how many rows)."""
    require(actor, "export")
    if fmt not in EXPORT_FORMATS:
        raise InputError("value_invalid", name="format", value=fmt)
    table = staff_list(opened, actor, name, area=area, as_of=as_of)
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            f"export.list.{name}",
            object_type="area",
            object_id=area,
            count=len(table),
            changes_data=False,
        )
    shown = readable(table, language)
    if fmt == "xlsx":
        return typed_xlsx(shown, sheet=message("lists_sheet", language))
    return excel_csv(shown)


def readable(table: pd.DataFrame, language: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """A list as its readers see it: headers (and the kinds of reporter) in ``language``
    instead of the internal names."""
    shown = table.copy()
    if "kind" in shown:
        shown["kind"] = [
            message(f"lists_kind_{k}", language) if f"lists_kind_{k}" in CATALOGUE else k
            for k in shown["kind"]
        ]
    return shown.rename(
        columns={
            c: message(f"lists_col_{c}", language)
            for c in shown.columns
            if f"lists_col_{c}" in CATALOGUE
        }
    )
