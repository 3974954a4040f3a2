"""Per-area indicators: counts (units, residents, worksites) and rates (coverage, density).

Counts are extensive and add up from grids to communities to the street; rates are
intensive and are recomputed from their counts at each level, never averaged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd


def _text_head(origin: pd.Series, n: int) -> pd.Series:
    """The first ``n`` characters of each origin (empty for a missing one)."""
    head: pd.Series = origin.fillna("").astype(str).str.slice(0, n)
    return head


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
    "overdue_share",
    "not_found_residents",
    "residents_per_km2",
    "floating_per_km2",
)


def is_floating(
    origin: Any,
    *,
    local_region: str,
    known: Callable[[Any], Any] = pd.notna,
    head: Callable[[Any, int], Any] = _text_head,
) -> Any:
    """A resident is floating when their hukou region is known and does not begin with the
    street's own county code (``local_region``, six digits).

    Written once for both kinds of column: a pandas Series of origins with the defaults, or
    an SQL expression with ``known`` giving ``IS NOT NULL`` and ``head`` the SQL ``substr``
    (``geo.store.residents.floating``); only ``&`` and ``!=`` are applied to what they give.

    >>> is_floating(pd.Series(["330110", "341221", None]), local_region="330110").tolist()
    [False, True, False]
    """
    return known(origin) & (head(origin, len(local_region)) != local_region)


COUNT_COLUMNS = (
    "rental_units",
    "residents",
    "floating_residents",
    "worksites",
    "overdue_units",
    "not_found_residents",
)
"""The per-area counts (extensive: they add up)."""

PUBLIC_COUNTS = ("worksites",)
"""Counts every role sees as they are: worksites are places of business that the worksites
layer shows one by one, by name, to planners too; withholding their number per area
protected no one (a tester counted the layer's points inside each withheld grid)."""

PROTECTED_COUNTS = tuple(c for c in COUNT_COLUMNS if c not in PUBLIC_COUNTS)
"""The counts suppressed below the threshold for roles that see aggregates only, with
every figure derived from them (:mod:`geo.disclosure`)."""

DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "coverage": ("rental_units", "covered"),
    "attempted_coverage": ("rental_units", "attempted"),
    "overdue_share": ("rental_units", "overdue_units"),
    "residents_per_km2": ("residents",),
    "floating_per_km2": ("floating_residents",),
}
"""Each rate, share or density and the counts it is computed from: withheld with them (see
:mod:`geo.disclosure`; density x area or share x units would give a withheld count back)."""

IMPLIED_COUNTS: dict[str, str] = {"covered": "coverage", "attempted": "attempted_coverage"}
"""Counts no column shows that a rate gives back (rate x units): count -> its rate."""

PARTS_OF: tuple[tuple[str, str], ...] = (
    ("rental_units", "covered"),
    ("rental_units", "attempted"),
    ("rental_units", "overdue_units"),
    ("residents", "floating_residents"),
    ("residents", "not_found_residents"),
)
"""(total, part) pairs: the part is a subset of the total in each area, so a share of it
(or the two counts side by side) gives back the rest, total - part, as well."""

READ_TOGETHER: tuple[tuple[str, ...], ...] = (("covered", "attempted", "overdue_units"),)
"""Parts of the same units whose shares give one another back (coverage, attempted
coverage and the overdue share of one area's units): withheld together."""

COUNT_INPUTS = (
    "rental_units",
    "covered",
    "attempted",
    "overdue_units",
    "residents",
    "floating_residents",
    "not_found_residents",
    "worksites",
)
"""The counts :func:`area_indicators` adds up from (community, grid) to any level."""


def area_indicators(areas: pd.DataFrame, *, level: str, counts: pd.DataFrame) -> pd.DataFrame:
    """One row per area of ``level`` with the columns of :data:`INDICATOR_COLUMNS`.

    Parameters
    ----------
    areas : every area: id, code, name, level, parent_id, parent_code, area_m2, population.
    counts : rows of (community_id, grid_id) with any of :data:`COUNT_INPUTS` (active units
        and their coverage flags as :func:`geo.coverage.unit_coverage` defines them,
        current residents, floating and not found, active worksites). Rows outside every
        area (NaN community) count for no area.
    """
    rows = areas.loc[areas["level"] == level].set_index("id")
    if level == "grid":
        at_level = counts["grid_id"]
    elif level == "community":
        at_level = counts["community_id"]
    else:
        at_level = counts["community_id"].map(areas.set_index("id")["parent_id"])
    present = [c for c in COUNT_INPUTS if c in counts]
    summed = counts[present].groupby(at_level).sum()
    out = rows.join(summed, how="left")
    for column in COUNT_INPUTS:
        out[column] = out[column].fillna(0).astype(int) if column in out else 0
    with np.errstate(divide="ignore", invalid="ignore"):
        units_n = out["rental_units"].where(out["rental_units"] > 0)
        out["coverage"] = out["covered"] / units_n
        out["attempted_coverage"] = out["attempted"] / units_n
        out["overdue_share"] = out["overdue_units"] / units_n
    out["area_km2"] = out["area_m2"] / 1e6
    km2 = out["area_km2"].where(out["area_km2"] > 0)
    out["residents_per_km2"] = out["residents"] / km2
    out["floating_per_km2"] = out["floating_residents"] / km2
    out["population"] = out["population"].astype("Int64")
    return (
        out.reset_index(drop=True)[list(INDICATOR_COLUMNS)]
        .sort_values("code")
        .reset_index(drop=True)
    )


CROWDED_PER_ROOM: Final = 2.0
"""Default: more residents per room than this is crowded."""
CROWDED_M2_PER_PERSON: Final = 5.0
"""Default: less floor area per resident than this (m2) is crowded."""


def crowded(
    residents: pd.Series,
    rooms: pd.Series,
    floor_area_m2: pd.Series,
    *,
    per_room: float = CROWDED_PER_ROOM,
    m2_per_person: float = CROWDED_M2_PER_PERSON,
) -> pd.Series:
    """A unit is crowded when it has more than ``per_room`` residents per room, or less than
    ``m2_per_person`` of floor area per resident; an unknown size is not judged.

    >>> crowded(pd.Series([5, 2, 3]), pd.Series([2, 1, None]), pd.Series([40, 10, 12])).tolist()
    [True, False, True]
    """
    people = residents.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = people / rooms.astype(float).where(rooms > 0)
        area = floor_area_m2.astype(float) / people.where(people > 0)
    result: pd.Series = (per > per_room).fillna(False) | (area < m2_per_person).fillna(False)
    return result.astype(bool)


def headline(table: pd.DataFrame) -> dict[str, float]:
    """Totals of a per-area table (unsuppressed counts): counts add up, rates are
    recomputed from them (coverage weighted by units, never averaged).

    >>> t = pd.DataFrame({"rental_units": [10, 30], "residents": [1, 2],
    ...     "floating_residents": [1, 1], "worksites": [0, 1], "overdue_units": [5, 0],
    ...     "not_found_residents": [0, 1], "coverage": [0.5, 1.0], "area_km2": [1.0, 1.0]})
    >>> headline(t)["coverage"]
    0.875
    """
    out = {c: float(pd.to_numeric(table[c]).sum()) for c in COUNT_COLUMNS}
    units = pd.to_numeric(table["rental_units"])
    covered = (pd.to_numeric(table["coverage"]).fillna(0) * units).sum()
    out["coverage"] = float(covered / units.sum()) if units.sum() else float("nan")
    out["overdue_share"] = (
        out["overdue_units"] / out["rental_units"] if units.sum() else float("nan")
    )
    out["area_km2"] = float(table["area_km2"].sum())
    return out
