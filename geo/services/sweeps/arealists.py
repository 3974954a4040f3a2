"""Area lists: a sweep team's (or a street's, community's or grid's) units in walking
order as a file to print or carry, residents masked."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geo import clock
from geo.errors import InputError, NotFoundError
from geo.io import arealists
from geo.privacy import resident_label
from geo.routes import Pace, project_points, split_among_teams
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.setup import Opened
from geo.services.sweeps.units import assigned_in_scope, found_sweep, scope_ids, units_in_sweep
from geo.store import sweeps as store
from geo.store.areas import load_areas


def area_list(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    fmt: str,
    team: str | None = None,
    area: str | None = None,
    as_of: date | None = None,
) -> tuple[bytes, int]:
    """One team's (or every team's) list of a sweep, in walking order, as a file; residents
    masked. Audited. Returns the file and its number of units."""
    require(actor, "export")
    today = as_of or clock.today()
    if fmt not in arealists.FORMATS:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(arealists.FORMATS))
    with opened.db.read() as conn:
        found = found_sweep(conn, sweep_id, actor)
        teams = store.sweep_teams(conn, sweep_id)
        team_id = None
        if team is not None:
            matching = teams.loc[teams["name"] == team, "id"]
            if matching.empty:
                raise NotFoundError("team_not_found", team=team)
            team_id = int(matching.iloc[0])
        area_ids = None
        if area is not None:  # a street or community (its communities), or one grid
            whole, grids = scope_ids(conn, actor, [area])
            area_ids = whole | grids
        units = assigned_in_scope(
            conn, actor, sweep_id, as_of=today, team_id=team_id, area_ids=area_ids
        )
        people = store.people_in_sweep(conn, sweep_id, as_of=today, team_id=team_id)
    items = _list_items(units, people, sweep_id=sweep_id)
    title = f"{found['name']} · {team or '全部走访组'} · {today.isoformat()}"
    data = arealists.write(items, fmt, title=title, font_file=opened.settings.pdf_font)
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            "export.area_list",
            object_type="sweep",
            object_id=sweep_id,
            detail={"format": fmt, "team": team, "area": area, "units": len(items)},
            changes_data=False,
        )
    return data, len(items)


def area_units_list(
    opened: Opened,
    actor: Actor,
    area: str,
    *,
    fmt: str,
    as_of: date | None = None,
    pace: Pace | None = None,
) -> tuple[bytes, int]:
    """The area list of a street, community (village) or grid without a sweep: its active
    units in walking order (grid by grid, routed as one team's share), residents masked,
    the same columns and formats as a sweep's list (任务编号 and 走访组 left blank).
    Audited. Returns the file and its number of units."""
    require(actor, "export")
    today = as_of or clock.today()
    if fmt not in arealists.FORMATS:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(arealists.FORMATS))
    with opened.db.read() as conn:
        # The same units a sweep over the area would rank (a code outside the scope is not found).
        units = units_in_sweep(conn, actor, {"scope": [area]}, as_of=today)
        units = units.loc[units["lon"].notna() & units["lat"].notna()].reset_index(drop=True)
        names = load_areas(conn, geometry=False).set_index("id")["name"]
        people = store.people_in_units(conn, units["property_id"].tolist(), as_of=today)
    if len(units):
        x, y = project_points(units["lon"], units["lat"])
        route = split_among_teams(
            x,
            y,
            teams=1,
            groups=pd.to_numeric(units["grid_id"]).fillna(-1).astype(np.int64).to_numpy(),
            pace=pace or Pace(),
        )
        units = units.assign(position=route.position + 1).sort_values("position")
    else:
        units = units.assign(position=pd.Series(dtype=int))
    units = units.assign(
        team="",
        community=units["community_id"].map(names),
        grid=units["grid_id"].map(names),
    )
    items = _list_items(units, people, sweep_id=None)
    data = arealists.write(
        items, fmt, title=f"{area} · {today.isoformat()}", font_file=opened.settings.pdf_font
    )
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            "export.area_list",
            object_type="area",
            object_id=area,
            detail={"format": fmt, "area": area, "units": len(items)},
            changes_data=False,
        )
    return data, len(items)


def _list_items(units: pd.DataFrame, people: pd.DataFrame, *, sweep_id: int | None) -> pd.DataFrame:
    """The list's rows; each unit's residents as masked names and the last four characters
    of their ID numbers (张三 -> 张* ****1234, :func:`geo.privacy.resident_label`): enough to
    greet and confirm, not to identify."""
    by_unit: dict[int, list[str]] = {}
    for unit, name, id_masked in zip(
        people["property_id"].tolist(),
        people["name"].fillna("").tolist(),
        people["id_masked"].fillna("").tolist(),
        strict=True,
    ):
        who = resident_label(name, id_masked)
        by_unit.setdefault(unit, []).append(who)
    masked = pd.Series({unit: "；".join(names) for unit, names in by_unit.items()}, dtype=object)
    return pd.DataFrame(
        {
            "序号": units["position"].astype(int).to_numpy(),
            "任务编号": "" if sweep_id is None else sweep_id,
            "走访组": units["team"].to_numpy(),
            "房屋编号": units["external_ref"].fillna("").to_numpy(),
            "社区": units["community"].fillna("").to_numpy(),
            "网格": units["grid"].fillna("").to_numpy(),
            "地址": units["address"].to_numpy(),
            "房间": units["room"].fillna("").to_numpy(),
            "登记人数": units["residents"].astype(int).to_numpy(),
            "登记人员": units["property_id"].map(masked).fillna("").to_numpy(),
            "property_id": units["property_id"].to_numpy(),  # its 核对码 (arealists.unit_code)
            "lon": units["lon"].to_numpy(),
            "lat": units["lat"].to_numpy(),
        }
    )
