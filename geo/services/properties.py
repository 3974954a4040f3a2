"""A rental unit's file (以房管人): the dwelling, its landlord, who lives and lived there,
and its visits; what a registrar opens to check or fix a record."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.errors import InputError, NotFoundError
from geo.services.access import Actor, require
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.store.properties import find_units, property_by_ref, stays_at, visits_to


@dataclass(frozen=True)
class PropertyFile:
    unit: dict[str, Any]
    """the unit's fields, its landlord (masked phone), community, grid and upload batch"""
    stays: pd.DataFrame
    """name, id_masked, phone_masked, room, moved_in, moved_out (newest first)"""
    visits: pd.DataFrame
    """visited_at, outcome, residents_seen, team, note (newest first)"""


def property_file(opened: Opened, actor: Actor, ref: str) -> PropertyFile:
    """The file of the unit with reference ``ref``, for roles that see records, within
    their areas (identifiers masked)."""
    require(actor, "view_records")
    with opened.db.read() as conn:
        unit = property_by_ref(conn, ref.strip())
        allowed = communities_in_scope(conn, actor)
        if unit is None or (allowed is not None and unit["community_id"] not in allowed):
            raise NotFoundError("property_not_found", ref=ref)
        stays = stays_at(conn, unit["id"])
        visits = visits_to(conn, unit["id"])
    return PropertyFile(unit=unit, stays=stays, visits=visits)


def search_units(opened: Opened, actor: Actor, text: str, *, limit: int = 50) -> pd.DataFrame:
    """Units in the actor's areas whose address, room or reference contains every word of
    ``text`` (full-width forms folded, so "３号" finds "3号"): external_ref, address, room,
    community, lon, lat."""
    require(actor, "view_records")
    words = unicodedata.normalize("NFKC", text).split()
    if not words:
        raise InputError("search_empty")
    with opened.db.read() as conn:
        return find_units(
            conn, words=words, communities=communities_in_scope(conn, actor), limit=limit
        )
