"""Per-area indicators: counts (units, residents, worksites) and rates (coverage, density).

Counts are extensive and add up from grids to communities to the street; rates are
intensive and are recomputed from their counts at each level, never averaged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INDICATOR_COLUMNS = (
    "code",
    "name",
    "level",
    "parent_code",
    "area_km2",
    "population",
    "rental_units",
    "residents",
    "floating_residents",
    "worksites",
    "coverage",
    "attempted_coverage",
    "overdue_units",
    "residents_per_km2",
)


def is_floating(origin: pd.Series, *, local_region: str) -> pd.Series:
    """A resident is floating when their hukou region is not the street's own county.

    >>> is_floating(pd.Series(["330110", "341221", None]), local_region="330110").tolist()
    [False, True, False]
    """
    known = origin.notna()
    return known & ~origin.fillna("").astype(str).str.startswith(local_region)


def area_at_level(
    areas: pd.DataFrame, community_id: pd.Series, grid_id: pd.Series, *, level: str
) -> pd.Series:
    """The id of the area at ``level`` that holds each record, from its community and grid.

    ``areas`` has columns id and parent_id. A record outside every area gets NaN.
    """
    if level == "grid":
        return grid_id
    if level == "community":
        return community_id
    parent = areas.set_index("id")["parent_id"]
    return community_id.map(parent)


def area_indicators(
    areas: pd.DataFrame,
    *,
    level: str,
    units: pd.DataFrame,
    residents: pd.DataFrame,
    worksites: pd.DataFrame,
    local_region: str,
) -> pd.DataFrame:
    """One row per area of ``level`` with the columns of :data:`INDICATOR_COLUMNS`.

    Parameters
    ----------
    areas : every area: id, code, name, level, parent_id, parent_code, area_m2, population.
    units : active units from :func:`geo.coverage.unit_coverage` joined with their
        community_id and grid_id.
    residents : current residents: community_id, grid_id, origin.
    worksites : active worksites: community_id, grid_id.
    """
    rows = areas.loc[areas["level"] == level].set_index("id")

    def at_level(frame: pd.DataFrame) -> pd.Series:
        return area_at_level(areas, frame["community_id"], frame["grid_id"], level=level)

    unit_area = at_level(units)
    floating = is_floating(residents["origin"], local_region=local_region)
    resident_area = at_level(residents)
    counts = pd.DataFrame(
        {
            "rental_units": unit_area.value_counts(),
            "covered": units["covered"].groupby(unit_area).sum(),
            "attempted": units["attempted"].groupby(unit_area).sum(),
            "overdue_units": units["overdue"].groupby(unit_area).sum(),
            "residents": resident_area.value_counts(),
            "floating_residents": floating.groupby(resident_area).sum(),
            "worksites": at_level(worksites).value_counts(),
        }
    )
    out = rows.join(counts, how="left")
    for column in (
        "rental_units",
        "covered",
        "attempted",
        "overdue_units",
        "residents",
        "floating_residents",
        "worksites",
    ):
        out[column] = out[column].fillna(0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        units_n = out["rental_units"].where(out["rental_units"] > 0)
        out["coverage"] = out["covered"] / units_n
        out["attempted_coverage"] = out["attempted"] / units_n
    out["area_km2"] = out["area_m2"] / 1e6
    out["residents_per_km2"] = out["residents"] / out["area_km2"].where(out["area_km2"] > 0)
    out["population"] = out["population"].astype("Int64")
    return (
        out.reset_index(drop=True)[list(INDICATOR_COLUMNS)]
        .sort_values("code")
        .reset_index(drop=True)
    )
