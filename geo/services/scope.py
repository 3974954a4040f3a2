"""Which communities a scoped user may see and change, looked up once per call; which
import batches they may see, undo and download the rejects of; which area scopes an
account may be given."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.errors import InputError, NotFoundError, PermissionDeniedError
from geo.services.access import Actor, in_scope
from geo.store.areas import load_areas
from geo.store.database import Connection


def communities_in_scope(conn: Connection, actor: Actor) -> frozenset[int] | None:
    """The community ids inside the actor's area scope; None for an unscoped actor."""
    if actor.areas is None:
        return None
    areas = load_areas(conn, geometry=False)
    allowed = areas.loc[in_scope(areas, actor) & (areas["level"] == "community"), "id"]
    return frozenset(int(i) for i in allowed)


def within_scope(community_id: Any, allowed: frozenset[int] | None) -> bool:
    """Whether a record of the community ``community_id`` lies in the actor's areas
    (``allowed`` from :func:`communities_in_scope`; None: everywhere)."""
    return allowed is None or community_id in allowed


def within_scope_mask(communities: pd.Series, allowed: frozenset[int] | None) -> pd.Series:
    """:func:`within_scope` for a column of community ids (a blank one, a record in no
    community, lies outside every scope); aligned with ``communities``."""
    return pd.Series(
        [within_scope(None if pd.isna(c) else int(c), allowed) for c in communities],
        index=communities.index,
        dtype=bool,
    )


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


def check_area_scope(conn: Connection, areas: frozenset[str] | None) -> None:
    """Refuse an account's area scope that would not mean what it says: a blank list (it
    would read as "everywhere") or a code that names no area."""
    if areas is None:
        return
    codes = {a.strip() for a in areas}
    if not codes or "" in codes:
        raise InputError("scope_blank")
    known = set(load_areas(conn, geometry=False)["code"])
    unknown = sorted(codes - known)
    if unknown:
        raise InputError("scope_unknown_codes", codes=", ".join(unknown))


def batch_communities(batch: Mapping[str, Any]) -> list[int | None] | None:
    """The communities a batch wrote in (None for a batch stored before they were kept)."""
    stored = batch.get("communities")
    if stored is None or (isinstance(stored, float) and pd.isna(stored)):
        return None
    return list(json.loads(stored))


def batch_within(batch: Mapping[str, Any], allowed: frozenset[int] | None) -> bool:
    """True when every row a batch wrote lies in ``allowed`` (None: everywhere)."""
    if allowed is None:
        return True
    wrote = batch_communities(batch)
    return wrote is not None and all(c is not None and c in allowed for c in wrote)


def batch_visible(batch: Mapping[str, Any], actor: Actor, allowed: frozenset[int] | None) -> bool:
    """Whether a (scoped) actor may see a batch in the list: their own, or one that wrote
    something and only in their areas."""
    if allowed is None or batch.get("user_name") == actor.name:
        return True
    wrote = batch_communities(batch)
    return bool(wrote) and batch_within(batch, allowed)


def require_batch_known(
    batch: Mapping[str, Any] | None, allowed: frozenset[int] | None, batch_id: int
) -> Mapping[str, Any]:
    """The batch's row; a batch number that names no batch is refused plainly
    (``batch_not_found``) to an unscoped actor, and to a scoped one as a batch outside
    their areas (``batch_outside_areas``), so that which numbers exist elsewhere is not
    theirs to learn."""
    if batch is not None:
        return batch
    if allowed is None:
        raise NotFoundError("batch_not_found", batch=batch_id)
    raise PermissionDeniedError("batch_outside_areas", batch=batch_id)


def require_batch_undoable(
    batch: Mapping[str, Any] | None, actor: Actor, allowed: frozenset[int] | None, batch_id: int
) -> None:
    """Refuse an undo the actor may not make: the batch is unknown, or wrote outside their
    areas ("not in your areas", the other place unnamed). Their own batch that wrote
    nothing may be undone. To a scoped actor an unknown number reads as one outside their
    areas (:func:`require_batch_known`)."""
    batch = require_batch_known(batch, allowed, batch_id)
    if allowed is None or (batch_communities(batch) and batch_within(batch, allowed)):
        return
    if batch.get("user_name") == actor.name and batch_communities(batch) == []:
        return
    raise PermissionDeniedError("batch_outside_areas", batch=batch_id)


def require_rejects_allowed(
    batch: Mapping[str, Any] | None, actor: Actor, allowed: frozenset[int] | None, batch_id: int
) -> None:
    """The rejected rows of a batch go to its uploader and to unscoped users only: rows a
    batch rejected may lie anywhere (that is often why they were rejected)."""
    batch = require_batch_known(batch, allowed, batch_id)
    if allowed is not None and batch.get("user_name") != actor.name:
        raise PermissionDeniedError("batch_outside_areas", batch=batch_id)
