"""Which communities a scoped user may see and change, looked up once per call."""

from __future__ import annotations

import pandas as pd

from geo.errors import NotFoundError
from geo.services.access import Actor, in_scope
from geo.store.database import Connection
from geo.store.records import load_areas


def communities_in_scope(conn: Connection, actor: Actor) -> frozenset[int] | None:
    """The community ids inside the actor's area scope; None for an unscoped actor."""
    if actor.areas is None:
        return None
    areas = load_areas(conn, geometry=False)
    allowed = areas.loc[in_scope(areas, actor) & (areas["level"] == "community"), "id"]
    return frozenset(int(i) for i in allowed)


def communities_within(areas: pd.DataFrame, code: str) -> pd.DataFrame:
    """The community-level rows of ``areas`` (columns id, code, level, parent_code) that are
    ``code`` itself or lie in it (the communities of a street)."""
    communities = areas.loc[areas["level"] == "community"]
    return communities.loc[(communities["code"] == code) | (communities["parent_code"] == code)]


def communities_for(conn: Connection, actor: Actor, area: str | None) -> frozenset[int] | None:
    """The community ids to look at: the actor's scope, narrowed to ``area`` (a street or
    community) when given; None means everything. An area outside the scope is not found."""
    allowed = communities_in_scope(conn, actor)
    if area is None:
        return allowed
    inside = frozenset(
        int(i) for i in communities_within(load_areas(conn, geometry=False), area)["id"]
    )
    if not inside or (allowed is not None and not inside & allowed):
        raise NotFoundError("area_not_found", code=area)
    return inside if allowed is None else inside & allowed
