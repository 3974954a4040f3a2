"""A sweep and its units as the acting user may see them: the sweep found, the areas it
names resolved inside the actor's scope, the candidate units of those areas and the units
assigned to its teams."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from geo.errors import NotFoundError
from geo.services.access import Actor
from geo.services.scope import communities_for, communities_in_scope, communities_within
from geo.store import sweeps as store
from geo.store.areas import load_areas


def found_sweep(conn: Any, sweep_id: int, actor: Actor) -> dict[str, Any]:
    """The sweep's row (``scope``: its area codes); NotFoundError when there is none, or
    when none of its areas is in the actor's areas (``sweep_not_in_scope``: the refusal
    names no area, whatever the sweep's kits, visits or plan). To an actor with an area
    scope a number that names no sweep is refused the same way: which numbers exist
    beyond their areas is not theirs to learn."""
    found = store.sweep_row(conn, sweep_id)
    if found is None:
        scoped = communities_in_scope(conn, actor) is not None
        raise NotFoundError("sweep_not_in_scope" if scoped else "sweep_not_found", sweep=sweep_id)
    if not reaches_scope(conn, actor, list(found["scope"])):
        raise NotFoundError("sweep_not_in_scope", sweep=sweep_id)
    return found


def reaches_scope(conn: Any, actor: Actor, codes: list[str]) -> bool:
    """Whether any of the areas ``codes`` (streets, communities, grids) lies, at least in
    part, in the actor's areas; always for an actor without an area scope."""
    allowed = communities_in_scope(conn, actor)
    if allowed is None:
        return True
    areas = load_areas(conn, geometry=False)
    for code in codes:
        row = areas.loc[areas["code"] == code]
        if row.empty:
            continue
        if row["level"].iloc[0] == "grid":
            if int(row["parent_id"].iloc[0]) in allowed:
                return True
        elif set(communities_within(areas, code)["id"].astype(int)) & allowed:
            return True
    return False


def grids_named(conn: Any, codes: list[str]) -> list[str]:
    """The codes among ``codes`` that name grids (a sweep over parts of a community)."""
    areas = load_areas(conn, geometry=False)
    return sorted(areas.loc[areas["code"].isin(codes) & (areas["level"] == "grid"), "code"])


def scope_ids(conn: Any, actor: Actor, codes: list[str]) -> tuple[set[int], set[int]]:
    """The communities a sweep covers whole and the grids it names on their own, inside the
    actor's scope (a code outside it is not found)."""
    areas = load_areas(conn, geometry=False)
    whole: set[int] = set()
    grids: set[int] = set()
    for code in codes:
        row = areas.loc[areas["code"] == code]
        if row.empty:
            raise NotFoundError("area_not_found", code=code)
        if row["level"].iloc[0] == "grid":
            parent = str(row["parent_code"].iloc[0])
            if int(row["parent_id"].iloc[0]) in (communities_for(conn, actor, parent) or set()):
                grids.add(int(row["id"].iloc[0]))
            else:
                raise NotFoundError("area_not_found", code=code)
        else:
            whole |= set(communities_for(conn, actor, code) or set())
    return whole, grids


def units_in_sweep(conn: Any, actor: Actor, found: dict[str, Any], *, as_of: date) -> pd.DataFrame:
    """The active units of a sweep's areas (inside the actor's scope), with the facts a
    priority needs (see :func:`geo.store.sweeps.candidates`)."""
    whole, grids = scope_ids(conn, actor, found["scope"])
    areas = load_areas(conn, geometry=False).set_index("id")
    parents = set(areas.loc[list(grids), "parent_id"])
    units = store.candidates(conn, as_of=as_of, communities=whole | parents)
    return units.loc[units["community_id"].isin(whole) | units["grid_id"].isin(grids)]


def assigned_in_scope(
    conn: Any,
    actor: Actor,
    sweep_id: int,
    *,
    as_of: date,
    team_id: int | None = None,
    area_ids: set[int] | None = None,
) -> pd.DataFrame:
    """A sweep's units in walking order (see :func:`geo.store.sweeps.assigned_units`), only
    those in the actor's areas."""
    units = store.assigned_units(conn, sweep_id, as_of=as_of, team_id=team_id, area_ids=area_ids)
    allowed = communities_in_scope(conn, actor)
    return units if allowed is None else units.loc[units["community_id"].isin(allowed)]
