"""Per-area statistics for the overview table, the map and ``gridhouse stats areas``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from geo.coverage import unit_coverage
from geo.errors import InputError, NotFoundError
from geo.indicators import area_indicators
from geo.services.access import Actor, in_scope, require, suppress_small_counts
from geo.services.setup import Opened
from geo.store import queries
from geo.store.audit import data_version
from geo.store.database import Connection
from geo.store.records import get_setting, load_areas
from geo.store.schema import AREA_LEVELS

COUNT_COLUMNS = ["rental_units", "residents", "floating_residents", "worksites", "overdue_units"]


def area_statistics(
    opened: Opened,
    actor: Actor,
    *,
    level: str = "community",
    window_days: int = 90,
    as_of: date | None = None,
) -> pd.DataFrame:
    """One row per area of ``level`` the actor may see, with counts, coverage and density.

    Roles that see aggregates only get counts below the threshold as "<5".
    """
    require(actor, "view_aggregates")
    if level not in AREA_LEVELS:
        raise InputError("level_unknown", level=level, levels=", ".join(AREA_LEVELS))
    if window_days < 1:
        raise InputError("value_invalid", name="window", value=window_days)
    as_of = as_of or date.today()
    with opened.db.read() as conn:
        areas = load_areas(conn, geometry=False)
        if areas.empty:
            raise NotFoundError("database_empty")
        table = area_indicators(
            areas,
            level=level,
            units=_units(conn, as_of=as_of, window_days=window_days),
            residents=queries.current_residents(conn, as_of=as_of),
            worksites=queries.active_worksites(conn),
            local_region=get_setting(conn, "local_region") or "",
        )
    visible = areas.loc[in_scope(areas, actor), "code"]
    table = table.loc[table["code"].isin(visible)].reset_index(drop=True)
    if actor.aggregates_only:
        table = suppress_small_counts(table, COUNT_COLUMNS)
    return table


def current_data_version(opened: Opened) -> int:
    """The counter caches key on: it grows with every audited change."""
    with opened.db.read() as conn:
        return data_version(conn)


def _units(conn: Connection, *, as_of: date, window_days: int) -> pd.DataFrame:
    units = queries.unit_places(conn)
    last = queries.last_visits(conn, as_of=as_of)
    flags = unit_coverage(units, last, as_of=as_of, window_days=window_days)
    return flags.join(units[["community_id", "grid_id"]])


def statistics_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN -> None, fractions rounded to 4 places, km2 to 3."""
    out = table.copy()
    for column, places in (
        ("coverage", 4),
        ("attempted_coverage", 4),
        ("area_km2", 3),
        ("residents_per_km2", 1),
    ):
        out[column] = out[column].astype(float).round(places)
    out = out.astype(object)
    return [
        {
            str(k): (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
            for k, v in row.items()
        }
        for row in out.to_dict("records")
    ]
