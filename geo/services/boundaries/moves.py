"""Where units and worksites lie before and after a boundary change, and how many move."""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.services.placement import PLACED_LEVELS, index_of, place_with
from geo.store.areas import load_areas
from geo.store.places import point_places


def placements(conn: Any) -> pd.DataFrame:
    """Every unit and worksite with its community and grid ids (table, id, ids, lon, lat)."""
    frames = [point_places(conn, table).assign(table=table) for table in ("property", "worksite")]
    kept = [frame for frame in frames if len(frame)]
    return pd.concat(kept, ignore_index=True) if kept else frames[0]


def placements_now(conn: Any, before: pd.DataFrame) -> pd.DataFrame:
    """Where each point would lie in the boundaries as they stand in this transaction.

    Indexes are built here from the areas of the uncommitted transaction rather than taken
    from the placement cache, which is keyed by the boundary version a dry run never
    commits; the placing itself is :func:`geo.services.placement.place_with`, as for every
    other point.
    """
    lon, lat = before["lon"].to_numpy(float), before["lat"].to_numpy(float)
    indexes = {level: index_of(load_areas(conn, level=level)) for level in PLACED_LEVELS}
    community, grid = place_with(indexes, lon, lat)
    return before.assign(community_id=community, grid_id=grid)


def moves(before: pd.DataFrame, after: pd.DataFrame, areas: pd.DataFrame) -> dict[str, Any]:
    """How many units and worksites change area, and per area how many leave and arrive."""
    keyed_before = before.set_index(["table", "id"])
    keyed_after = after.set_index(["table", "id"]).reindex(keyed_before.index)
    codes = areas.set_index("id")["code"]
    names = areas.set_index("code")["name"]
    rows: dict[tuple[str, str], dict[str, int]] = {}
    moved_any = pd.Series(False, index=keyed_before.index)
    for level, column in (("community", "community_id"), ("grid", "grid_id")):
        old = keyed_before[column].astype(float)
        new = keyed_after[column].astype(float)
        changed = old.fillna(-1) != new.fillna(-1)
        moved_any |= changed
        for ids, direction in ((old, "out"), (new, "in")):
            counted = ids[changed & ids.notna()].map(codes).value_counts()
            for code, n in counted.items():
                entry = rows.setdefault((level, str(code)), {"out": 0, "in": 0})
                entry[direction] += int(n)
    per_area = [
        {"level": level, "code": code, "name": str(names.get(code, "")), **counts}
        for (level, code), counts in sorted(rows.items())
    ]
    tables = moved_any.groupby(level=0).sum()
    return {
        "units": int(tables.get("property", 0)),
        "worksites": int(tables.get("worksite", 0)),
        "per_area": per_area,
    }
