"""Conditions the queries share, phrased once: who lives where on a day, who works where,
which units lie in some communities."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import and_

from geo.store.schema import employment, property_, residence


def living_on(as_of: date) -> Any:
    """Stays current on ``as_of`` in an active unit."""
    return and_(
        residence.c.moved_in <= as_of,
        residence.c.moved_out.is_(None) | (residence.c.moved_out > as_of),
        property_.c.status == "active",
    )


def employed_on(as_of: date) -> Any:
    """Jobs current on ``as_of``."""
    return and_(
        employment.c.since <= as_of,
        employment.c.until.is_(None) | (employment.c.until > as_of),
    )


def units_within(communities: Collection[int] | None) -> list[Any]:
    """Units in these communities (no condition when None)."""
    return [] if communities is None else [property_.c.community_id.in_(sorted(communities))]
