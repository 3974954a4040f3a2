"""Per-area statistics for the overview table, the map and ``gridhouse stats areas``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import numpy as np
import pandas as pd

from geo import clock, disclosure
from geo.clusters import H3_RESOLUTIONS, hexagon_cells, hexagon_ints, hexagon_names
from geo.coverage import (
    WINDOW_DAYS,
    bounds,
    covered_by_month,
    inspection_status,
    month_ends,
    month_to_date_days,
)
from geo.digest import content_digest
from geo.errors import InputError, NotFoundError
from geo.indicators import (
    DERIVED_FROM,
    IMPLIED_COUNTS,
    PARTS_OF,
    PROTECTED_COUNTS,
    READ_TOGETHER,
    area_indicators,
    crowded,
    headline,
)
from geo.services.access import Actor, in_scope, require
from geo.services.auditing import record
from geo.services.kept import Kept
from geo.services.scope import communities_within
from geo.services.setup import SYSTEM, Opened
from geo.store.areas import load_areas
from geo.store.audit import data_version
from geo.store.figures import (
    recounted_counts_by_area,
    recounted_proven_by_area,
    tallied_counts_by_windows,
    tallied_proven_by_area,
    tallied_trend,
)
from geo.store.places import unit_places
from geo.store.published import (
    publish_parts,
    published_list,
    published_parts,
    published_stamps,
)
from geo.store.residents import floating_homes
from geo.store.stored_settings import get_setting
from geo.store.visits import completed_visit_days
from geo.store.worksites import worker_homes, worksites_with_workers
from geo.vocabulary import AREA_LEVELS

PROTECTED_COLUMNS = list(PROTECTED_COUNTS)


def inspection_target(opened: Opened) -> float:
    """The monthly inspection rate's target (``GRIDHOUSE_INSPECTION_TARGET``, 0.8 = 80 %)."""
    return opened.settings.inspection_target


@dataclass(frozen=True)
class Overview:
    """The per-area table of one level and the headline figures of the whole visible
    jurisdiction (or of one street or community)."""

    table: pd.DataFrame
    headline: dict[str, Any]
    as_of: date | None = None
    """The day the figures are as of (a month end for roles that see aggregates only)."""
    window_days: int | None = None
    """The window coverage was counted over (coarse for roles that see aggregates only)."""


def overview_figures(
    opened: Opened,
    actor: Actor,
    *,
    level: str = "community",
    window_days: int = WINDOW_DAYS,
    as_of: date | None = None,
    area: str | None = None,
) -> Overview:
    """One row per area of ``level`` the actor may see (only those inside ``area``, a street
    or community, when given), with counts, coverage and density, and the headline totals
    of the visible jurisdiction or of ``area``.

    Roles that see aggregates only get the figures :mod:`geo.disclosure` allows: as of the
    last month end, over a coarse window, small counts and every figure that would give
    one back withheld (see :func:`planner_time`).
    """
    require(actor, "view_aggregates")
    if level not in AREA_LEVELS:
        raise InputError("level_unknown", level=level, levels=", ".join(AREA_LEVELS.codes))
    if window_days < 1:
        raise InputError("value_invalid", name="window", value=window_days)
    as_of = as_of or clock.today()
    if actor.aggregates_only:
        as_of, window_days = planner_time(as_of, window_days)
    areas, counts = _area_counts(
        opened, window_days=window_days, as_of=as_of, published=actor.aggregates_only
    )

    def indicators(at: str) -> pd.DataFrame:
        return area_indicators(areas, level=at, counts=counts)

    visible = set(areas.loc[in_scope(areas, actor), "code"])
    if area is not None and area not in visible:
        raise NotFoundError("area_not_found", code=area)
    table = indicators(level)
    table = table.loc[table["code"].isin(visible)]
    communities = indicators("community")
    communities = communities.loc[communities["code"].isin(visible)]
    if area is not None:
        inside = communities_within(areas, area)["code"]
        communities = communities.loc[communities["code"].isin(inside)]
        table = table.loc[table["code"].isin(inside) | table["parent_code"].isin(inside)]
    totals: dict[str, Any] = headline(communities)
    if actor.aggregates_only:
        withheld = overview_withheld(opened, actor, as_of=as_of, window_days=window_days)
        table = disclosure.withhold(
            table.set_index("code", drop=False), withheld, derived=DERIVED_FROM
        )
        node = _ROOT if area is None else area
        row = pd.DataFrame([totals], index=[node])
        hidden = disclosure.withhold(row, withheld, derived=DERIVED_FROM).iloc[0]
        totals = {str(k): v for k, v in hidden.items()}
    return Overview(table.reset_index(drop=True), totals, as_of=as_of, window_days=window_days)


def withheld_areas(opened: Opened, actor: Actor, codes: list[str]) -> set[str]:
    """Of the area codes, those whose rental units the overview withholds from ``actor``
    (any level): a figure over such an area (a sweep's units) would give them back."""
    if not actor.aggregates_only:
        return set()
    out: set[str] = set()
    for level in AREA_LEVELS.codes:
        table = overview_figures(opened, actor, level=level).table
        shown = table.loc[table["code"].isin(codes)]
        out |= set(shown.loc[disclosure.is_withheld(shown["rental_units"]), "code"])
    return out


def planner_time(as_of: date, window_days: int) -> tuple[date, int]:
    """The day and window a role that sees aggregates only gets instead of the ones asked
    (``as_of`` is not used: there is one): the last month end before today, and the
    calendar month or 90 days (two nearby choices would otherwise differ by one day's
    moves; see :func:`geo.disclosure.planner_day`)."""
    end = disclosure.planner_day(clock.today())
    return end, disclosure.coarse_window(window_days, as_of=end)


_ROOT = ""
"""The headline's node in the disclosure tree: the sum of the visible areas at the top."""


def _withheld_cells(
    areas: pd.DataFrame,
    visible: set[str],
    indicators: Any,
    *,
    given: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which counts of every visible area (and of the headline) a planner may not see: one
    pattern for all levels at once, so no level or drill-down gives another's cells back.

    The counts a rate gives back (covered = coverage x units) are protected as if shown,
    with the rest of each part (units - covered) and the parts read together
    (:data:`geo.indicators.PARTS_OF`, :data:`geo.indicators.READ_TOGETHER`)."""
    levels = [indicators(level) for level in AREA_LEVELS.codes]
    nodes = pd.concat(levels, ignore_index=True)
    nodes = nodes.loc[nodes["code"].isin(visible)].set_index("code")
    for count, rate in IMPLIED_COUNTS.items():
        implied = pd.to_numeric(nodes[rate], errors="coerce") * nodes["rental_units"]
        nodes[count] = implied.round().fillna(0).astype(int)
    columns = [*PROTECTED_COLUMNS, *IMPLIED_COUNTS]
    tops = ~nodes["parent_code"].isin(nodes.index)
    parent = nodes["parent_code"].where(~tops, _ROOT).astype(object)
    communities = nodes.loc[nodes["level"] == "community", columns]
    root = communities.sum().to_frame(_ROOT).T  # the headline: what the visible areas add up to
    counts = pd.concat([nodes[columns], root])
    parent = pd.concat([parent, pd.Series({_ROOT: None}, dtype=object)])
    return disclosure.protect(
        counts,
        parent=parent,
        columns=columns,
        parts_of=PARTS_OF,
        together=READ_TOGETHER,
        withheld=given,
    )


def area_statistics(
    opened: Opened,
    actor: Actor,
    *,
    level: str = "community",
    window_days: int = WINDOW_DAYS,
    as_of: date | None = None,
) -> pd.DataFrame:
    """One row per area of ``level`` the actor may see (see :func:`overview_figures`)."""
    return overview_figures(opened, actor, level=level, window_days=window_days, as_of=as_of).table


def coverage_trend(
    opened: Opened,
    actor: Actor,
    *,
    months: int = 12,
    window_days: int = WINDOW_DAYS,
    as_of: date | None = None,
    area: str | None = None,
) -> pd.DataFrame:
    """Coverage at each of the last ``months`` month ends, for the visible jurisdiction or
    one street or community: month_end, units, covered, coverage (today's active units).

    ``window_days=0`` gives the monthly inspection rate instead (each calendar month up to
    its end), with the target and each month's status (met, near, below).
    """
    require(actor, "view_aggregates")
    as_of = as_of or clock.today()
    monthly = window_days == 0
    if actor.aggregates_only:  # 90 days, or the calendar month at each month end: a rolling
        # month of 30 days beside the calendar month of 31 gave one day's visits back
        as_of, coarse = planner_time(as_of, window_days or 31)
        window_days = 0 if monthly or coarse != WINDOW_DAYS else WINDOW_DAYS
    ends = month_ends(as_of, months)
    published = actor.aggregates_only
    areas, counted = _trend_counts(opened, ends=ends, window_days=window_days, published=published)
    allowed = areas.loc[in_scope(areas, actor) & (areas["level"] == "community"), ["id", "code"]]
    if area is not None:
        allowed = allowed.loc[allowed["code"].isin(communities_within(areas, area)["code"])]
        if allowed.empty:
            raise NotFoundError("area_not_found", code=area)
    mine = counted.loc[counted["community_id"].isin(allowed["id"])]
    summed = mine.groupby("month_end")[["units", "covered"]].sum()
    trend = summed.reindex(ends, fill_value=0).astype("int64").rename_axis("month_end")
    trend = trend.reset_index()
    trend["coverage"] = (trend["covered"] / trend["units"]).where(trend["units"] > 0)
    if monthly:  # calendar months: the monthly inspection rate
        target = inspection_target(opened)
        trend["target"] = target
        trend["status"] = [inspection_status(r, target=target) for r in trend["coverage"]]
    if actor.aggregates_only:
        both = {
            window: _by_community_code(
                _trend_counts(opened, ends=ends, window_days=window, published=True)[1],
                areas,
                actor,
            )
            for window in (WINDOW_DAYS, 0)
        }
        # the month ends whose overview planners were shown (its counts published): what it
        # withheld then stays withheld at that point of the trend (the eleventh tester: a
        # month end's point beside the overview of a month before gave its grids back)
        overviews = _shown_overviews(opened, ends)
        # kept by what they are worked out from: an import that changed no month end's
        # figures (today's visits) costs no tree again; published counts never change
        key = (content_digest(areas, *both.values()), as_of, actor.role, actor.areas, overviews)

        def make() -> dict[int, list[pd.DataFrame]]:
            shown = {
                end: {
                    window: overview_withheld(opened, actor, as_of=end, window_days=window)
                    for window in (WINDOW_DAYS, 0)
                }
                for end in {*(end for end, _ in overviews), ends[-1]}
            }
            return _withheld_trees(actor, counted=both, areas=areas, shown=shown)

        trees = _TREND_TREES.get_or_make(key, make)
        withheld = _withheld_trend(trees[window_days], area=area)
        trend = disclosure.withhold(trend, withheld, derived=_TREND_DERIVED)
    return trend


_TREND_TREES: Kept[dict[int, list[pd.DataFrame]]] = Kept(most=4)
"""Per content of the trend's counts (and what the overview withholds on its last day), day
and scope: a planner's withheld cells of every area at each month end of the trend, per
window (drilling down into an area costs no tree again)."""


def _trend_counts(
    opened: Opened, *, ends: list[date], window_days: int, published: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every area, and per community with active units and day of ``ends``: month_end,
    community_id, units and covered over ``window_days`` (0: the calendar month). Read from
    the tallies (:func:`geo.store.figures.tallied_trend`: the default window and the
    calendar month at once) when they keep these days, else counted from the records; once
    per data version (drilling down, or the monthly rate beside the rolling one, reads
    nothing again).

    ``published``: as planners see them, each month end as it was published
    (:func:`_published`); the units are those published with the last month end."""
    if published:
        return _published_trend(opened, ends=ends, window_days=window_days)
    with opened.db.read() as conn:
        version = data_version(conn)
    areas, tallied = _TREND_TALLIES.get_or_make(
        (opened.db.url, version, tuple(ends)), lambda: _trend_tallies(opened, ends)
    )
    if tallied is not None and window_days in (WINDOW_DAYS, 0):
        column = "covered" if window_days else "covered_month"
        counted = tallied[["month_end", "community_id", "units", column]]
        return areas, counted.rename(columns={column: "covered"})
    key = (opened.db.url, version, tuple(ends), window_days)
    found = _TREND_COUNTS.get(key)
    if found is not None:
        return areas, found
    # at least the default window's visits: another window and the monthly rate of one
    # page share one read
    since = ends[0] - timedelta(days=max(window_days, WINDOW_DAYS))
    units, visits = _trend_inputs(opened, since=since, as_of=ends[-1])
    active = units.loc[(units["status"] == "active") & units["community_id"].notna()]
    groups = pd.Series(
        active["community_id"].astype("int64").to_numpy(), index=active["id"].to_numpy()
    )
    counted = covered_by_month(groups, visits, ends=ends, window_days=window_days)
    return areas, _TREND_COUNTS.put(key, counted.rename(columns={"group": "community_id"}))


_TREND_TALLIES: Kept[tuple[pd.DataFrame, pd.DataFrame | None]] = Kept(most=2)
_TREND_COUNTS: Kept[pd.DataFrame] = Kept(most=4)


def _trend_tallies(opened: Opened, ends: list[date]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    with opened.db.read() as conn:
        return kept_areas(opened, conn), tallied_trend(conn, ends)


_TREND_INPUTS: Kept[tuple[pd.DataFrame, pd.DataFrame]] = Kept(most=2)


def _trend_inputs(opened: Opened, *, since: date, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units and the completed visits from ``since`` to ``as_of`` that a trend the tallies
    do not keep is counted from, read once per data version."""
    with opened.db.read() as conn:
        key = (opened.db.url, data_version(conn), since, as_of)
        found = _TREND_INPUTS.get(key)
        if found is not None:
            return found
        units = unit_places(conn)
        visits = completed_visit_days(conn, since=since, as_of=as_of)
    return _TREND_INPUTS.put(key, (units, visits))


def _by_community_code(counted: pd.DataFrame, areas: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """``counted`` (per community id) for the communities the actor may see, as month_end,
    group (the community's code), units, covered."""
    communities = areas.loc[in_scope(areas, actor) & (areas["level"] == "community")]
    code = dict(zip(communities["id"], communities["code"], strict=True))
    mine = counted.loc[counted["community_id"].isin(code)]
    return mine.assign(group=mine["community_id"].map(code))[
        ["month_end", "group", "units", "covered"]
    ]


def _shown_overviews(opened: Opened, ends: list[date]) -> tuple[tuple[date, str], ...]:
    """Of the month ends ``ends``, those whose overview was published (both windows'
    counts kept: a planner was shown it), each with when, oldest first."""
    wanted = {(end, f"counts_{w}") for end in ends for w in disclosure.planner_windows(end)}
    with opened.db.read() as conn:
        stamps = published_stamps(conn, wanted)
    return tuple(
        (end, max(str(stamps[(end, f"counts_{w}")]) for w in disclosure.planner_windows(end)))
        for end in ends
        if all((end, f"counts_{w}") in stamps for w in disclosure.planner_windows(end))
    )


def _withheld_trees(
    actor: Actor,
    *,
    counted: dict[int, pd.DataFrame],
    areas: pd.DataFrame,
    shown: dict[date, dict[int, pd.DataFrame]],
) -> dict[int, list[pd.DataFrame]]:
    """Which units and covered counts of every visible area (and the whole, ``""``) a
    planner may not see at each month end of a trend, oldest first, per window (90 days;
    0: the calendar month). Each month end's figures of every visible community, street
    and the whole, in both windows, are protected as one tree (:func:`geo.disclosure.protect`:
    no area's trend less its sub-areas' gives a withheld count back, nor one window's less
    the other's: the units covered in the 90 days but not in the month); at a month end
    planners were shown the overview of (the last, and each earlier one published), what
    the overview withholds there is withheld too: one decision per cell, whichever month
    a planner looks in.

    ``counted``: per window, month_end, group (community code), units, covered; ``shown``:
    per month end and window, what :func:`overview_withheld` withholds then."""
    visible = areas.loc[in_scope(areas, actor)]
    streets = visible.loc[visible["level"] == "street"].set_index("code")["parent_code"]
    communities = visible.loc[visible["level"] == "community"].set_index("code")["parent_code"]
    up = communities.where(communities.isin(streets.index), _ROOT)
    parent = pd.concat(
        [up, pd.Series(_ROOT, index=streets.index), pd.Series({_ROOT: None})]
    ).astype(object)
    rolling, month = counted[WINDOW_DAYS], counted[0]
    ends = sorted(rolling["month_end"].unique())
    columns = ["units", "covered", "covered_month"]
    trees: dict[int, list[pd.DataFrame]] = {WINDOW_DAYS: [], 0: []}
    for end in ends:
        at = rolling.loc[rolling["month_end"] == end].set_index("group")[["units", "covered"]]
        at["covered_month"] = month.loc[month["month_end"] == end].set_index("group")["covered"]
        at = at.reindex(communities.index, fill_value=0).fillna(0).astype(int)
        per_street = at.groupby(up.reindex(at.index).to_numpy()).sum()
        whole = at.sum().to_frame(_ROOT).T
        tree = pd.concat([at, per_street.drop(index=_ROOT, errors="ignore"), whole])
        tree = tree.reindex(parent.index, fill_value=0)
        hidden = disclosure.protect(
            tree,
            parent=parent,
            columns=columns,
            parts_of=[
                ("units", "covered"),
                ("units", "covered_month"),
                ("covered", "covered_month"),
            ],
        )
        if end in shown:
            for window, column in ((WINDOW_DAYS, "covered"), (0, "covered_month")):
                overview = shown[end][window]
                hidden["units"] |= overview["rental_units"].reindex(hidden.index, fill_value=False)
                hidden[column] |= overview["covered"].reindex(hidden.index, fill_value=False)
        trees[WINDOW_DAYS].append(hidden[["units", "covered"]])
        trees[0].append(
            hidden[["units", "covered_month"]].rename(columns={"covered_month": "covered"})
        )
    return trees


def _withheld_trend(trees: list[pd.DataFrame], *, area: str | None) -> pd.DataFrame:
    """The withheld units and covered counts of ``area``'s trend (None: the whole), one row
    per month end of ``trees`` (:func:`_withheld_trees`); the units (today's, the same at
    every month end) are withheld at all or none."""
    node = _ROOT if area is None else area
    rows = [
        hidden.loc[node] if node in hidden.index else pd.Series(True, hidden.columns)
        for hidden in trees
    ]
    withheld = pd.DataFrame(rows).reset_index(drop=True).astype(bool)
    withheld["units"] = bool(withheld["units"].any())
    withheld["covered"] |= withheld["units"]
    return withheld


def overview_withheld(
    opened: Opened, actor: Actor, *, as_of: date, window_days: int
) -> pd.DataFrame:
    """What the overview withholds from ``actor`` on ``as_of`` (a month end) over the
    window (0: the calendar month to date): a boolean frame, index the area codes (and
    ``""`` for the whole), columns the counts of :data:`geo.indicators.PROTECTED_COUNTS` and
    the covered and attempted units its rates give back. Another figure over the same
    cells withholds these too (one decision per cell).

    The counts are withheld alike in every window a planner may choose
    (:func:`geo.disclosure.planner_windows`): overdue units do not depend on the window,
    and a cell shown in one window and withheld in another would come back by
    subtraction. Worked out once per data version, day and scope."""
    window = window_days or month_to_date_days(as_of)
    windows: tuple[int, ...] = disclosure.planner_windows(as_of)
    if window not in windows:
        windows = (window,)
    visible_key: Any = None if actor.areas is None else tuple(sorted(actor.areas))
    counted = {
        w: _area_counts(opened, window_days=w, as_of=as_of, published=actor.aggregates_only)
        for w in windows
    }
    # kept by the counts it is worked out from, not the data version: after an import that
    # changed none of them (today's visits, at a planner's month end) nothing is redone
    digest = content_digest(*(part for w in windows for part in counted[w]))
    key = (digest, as_of, windows, visible_key)
    found = _WITHHELD.get_or_make(key, lambda: _withheld_alike(counted, actor))
    return found[window].copy()


_WITHHELD: Kept[dict[int, pd.DataFrame]] = Kept(most=32)
"""Per content of a month end's counts, day, windows and scope: the overview's withheld
cells per window (a trend's month ends each have one)."""


def _withheld_alike(
    counted: dict[int, tuple[pd.DataFrame, pd.DataFrame]], actor: Actor
) -> dict[int, pd.DataFrame]:
    """Each window's withheld cells, the counts withheld alike in all of them: each
    window's pattern is worked out with the counts any window withholds, until none adds
    one."""
    given: pd.DataFrame | None = None
    while True:
        found = {}
        for window, (areas, counts) in counted.items():
            visible = set(areas.loc[in_scope(areas, actor), "code"])
            found[window] = _withheld_cells(
                areas,
                visible,
                lambda at, a=areas, c=counts: area_indicators(a, level=at, counts=c),
                given=given,
            )
        union = None
        for pattern in found.values():
            part = pattern[PROTECTED_COLUMNS]
            union = part if union is None else union | part.reindex_like(union).fillna(False)
        if given is not None and union is not None and union.equals(given):
            return found
        given = union


_TREND_DERIVED = {"coverage": ("units", "covered"), "status": ("units", "covered")}


def current_data_version(opened: Opened) -> int:
    """The counter caches key on: it grows with every audited change."""
    with opened.db.read() as conn:
        return data_version(conn)


_COUNTS: Kept[tuple[pd.DataFrame, pd.DataFrame]] = Kept(most=8)


def kept_areas(opened: Opened, conn: Any) -> pd.DataFrame:
    """Every area without its geometry (:func:`geo.store.areas.load_areas`), read once per
    data version (in the read transaction ``conn`` of ``opened``): the overview's figures,
    trend and proven coverage all start from it. Shared: read it, never change it."""
    key = (opened.db.url, data_version(conn))
    return _AREAS.get_or_make(key, lambda: load_areas(conn, geometry=False))


_AREAS: Kept[pd.DataFrame] = Kept(most=2)


def _area_counts(
    opened: Opened, *, window_days: int, as_of: date, published: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every area, and the counts per (community, grid) that every level adds up from,
    counted in the database once per data version, window and day (then kept in memory:
    drilling down or switching level costs no query).

    ``published``: the counts as planners see them, published once per month end
    (:func:`_published`); ``as_of`` must then be a month end and ``window_days`` one of its
    :func:`geo.disclosure.planner_windows`."""
    if published:
        return _published_counts(opened, window_days=window_days, as_of=as_of)
    with opened.db.read() as conn:
        key = (opened.db.url, data_version(conn), window_days, as_of)
        found = _COUNTS.get(key)
        if found is not None:
            return found
        areas = kept_areas(opened, conn)
        if areas.empty:
            raise NotFoundError("database_empty")
        # a planner's windows are read together (one pass over the tallies for both)
        together = disclosure.planner_windows(as_of)
        windows = [window_days, *(w for w in together if w != window_days)]
        if window_days not in together:
            windows = [window_days]
        tallied = tallied_counts_by_windows(conn, [bounds(as_of, w) for w in windows])
        if tallied is None:  # a day the tallies do not keep: counted from the records
            counts = recounted_counts_by_area(
                conn,
                bounds(as_of, window_days),
                local_region=get_setting(conn, "local_region") or "",
            )
            return _COUNTS.put(key, (areas, counts))
    for window, counts in zip(windows[1:], tallied[1:], strict=True):
        _COUNTS.put((*key[:2], window, as_of), (areas, counts))
    return _COUNTS.put(key, (areas, tallied[0]))


def _published_counts(
    opened: Opened, *, window_days: int, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every area, and the counts per (community, grid) of ``as_of`` (a month end) over
    ``window_days`` as planners see them: as published (:func:`_published`)."""
    if window_days not in disclosure.planner_windows(as_of):
        raise InputError("value_invalid", name="window", value=window_days)
    with opened.db.read() as conn:
        version = data_version(conn)
        areas = kept_areas(opened, conn)
    if areas.empty:
        raise NotFoundError("database_empty")
    key = (opened.db.url, version, window_days, as_of, "published")
    found = _COUNTS.get(key)
    if found is not None:
        return found
    part = _published(opened, [as_of])[(as_of, f"counts_{window_days}")]
    return _COUNTS.put(key, (areas, with_area_ids(part, areas)))


def _published_trend(
    opened: Opened, *, ends: list[date], window_days: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`_trend_counts` as planners see them: each month end's covered units as
    published (:func:`_published`), the units those published with the last month end
    (today's units of the trend: the same at every month end, so no two month ends differ
    by one month's new units)."""
    if window_days not in (WINDOW_DAYS, 0) or not ends:
        raise InputError("value_invalid", name="window", value=window_days)
    with opened.db.read() as conn:
        version = data_version(conn)
        areas = kept_areas(opened, conn)
    both = _PUBLISHED_TRENDS.get_or_make(
        (opened.db.url, version, tuple(ends)), lambda: _both_trends(opened, ends, areas)
    )
    column = "covered" if window_days else "covered_month"
    return areas, both[["month_end", "community_id", "units", column]].rename(
        columns={column: "covered"}
    )


_PUBLISHED_TRENDS: Kept[pd.DataFrame] = Kept(most=2)
"""Per database, data version and month ends: the trends as published, both windows."""


def _both_trends(opened: Opened, ends: list[date], areas: pd.DataFrame) -> pd.DataFrame:
    """month_end, community_id, units, covered, covered_month of each month end of ``ends``
    as published (see :func:`_published_trend`)."""
    parts = _published(opened, ends)
    rows = [parts[(end, "trend")].assign(month_end=end) for end in ends]
    both = with_area_ids(pd.concat(rows, ignore_index=True), areas)
    both = both.dropna(subset=["community_id"]).astype({"community_id": "int64"})
    last = both.loc[both["month_end"] == ends[-1]].set_index("community_id")["units"]
    both["units"] = both["community_id"].map(last).fillna(0).astype("int64")
    both = both.loc[
        both["units"] > 0, ["month_end", "community_id", "units", "covered", "covered_month"]
    ]
    return both.astype({"covered": "int64", "covered_month": "int64"}).reset_index(drop=True)


def _published(opened: Opened, ends: list[date]) -> dict[tuple[date, str], pd.DataFrame]:
    """What planners see of each month end of ``ends`` (by month end and part name): the
    part "trend" (per community code: units, covered over the default window and in the
    calendar month) of each, and of the last one the parts "counts_<days>" and
    "proven_<days>" too (the counts per community and grid code of :func:`_area_counts` and
    :func:`proven_counts`, over each of its :func:`geo.disclosure.planner_windows`),
    "floating_cells" (:func:`published_floating_cells`), "worksite_workers" (per active
    worksite: id, workers employed) with "worker_homes_<id>" of each, and "clusters" (a
    planner's one setting of density clusters over the whole registry,
    :func:`published_clusters`).

    Each month end is published the first time a planner looks at it, all its parts in one
    transaction, and kept (:mod:`geo.store.published`): records entered later for that
    month (a move-in registered late, a visit typed in days after) change the records and
    the tallies, never what planners see of it, so two looks at one month end cannot be
    subtracted to single out the late ones."""
    wanted = {(end, "trend") for end in ends}
    for window in disclosure.planner_windows(ends[-1]):
        wanted |= {(ends[-1], f"counts_{window}"), (ends[-1], f"proven_{window}")}
    wanted |= {(ends[-1], name) for name in ("floating_cells", "worksite_workers", "clusters")}
    return _kept_parts(opened, wanted, lambda missing: _month_end_parts(opened, missing))


def publish_month_end(opened: Opened, actor: Actor) -> dict[str, Any]:
    """Publish the last month end before today now (every part a planner's first look would
    publish, and the trend's month ends), so that no planner waits for it: for a scheduled
    job early on the first of the month. Parts already kept stay as they are. Returns
    ``{"month_end", "parts"}``: the month end and how many parts it has kept now."""
    require(actor, "setup")
    end = disclosure.planner_day(clock.today())
    _published(opened, month_ends(end, 12))
    with opened.db.read() as conn:
        kept = [k for k in published_list(conn) if k["month_end"] == end]
    return {"month_end": end, "parts": len(kept)}


def published_clusters(opened: Opened, *, as_of: date) -> pd.DataFrame:
    """A planner's density clusters of ``as_of`` (a month end) as published
    (:func:`_published`): one setting (:data:`geo.disclosure.CLUSTER_EPS_M`,
    :data:`geo.disclosure.CLUSTER_MIN_RESIDENTS`) over the whole registry, whatever the
    planner's area scope (each scope's own clusters differed by a border home), one row per
    cluster as :func:`geo.services.spatial.whole_clusters` gives them."""
    return _published(opened, [as_of])[(as_of, "clusters")]


def published_worker_homes(opened: Opened, *, as_of: date, worksite_id: int) -> pd.DataFrame | None:
    """A worksite's workers' homes per cell of ``as_of`` (a month end) as published with its
    workers (:func:`_worker_home_parts`); None for a worksite the month end publishes no
    figure of (registered, or given a place, since): nothing of it is made from the records
    after the month end was published."""
    if worksite_id not in published_worksite_workers(opened, as_of=as_of).index:
        return None
    key = (as_of, f"worker_homes_{worksite_id}")
    with opened.db.read() as conn:
        if not published_stamps(conn, {key}):
            return None
    return _kept_parts(opened, {key}, lambda _: {})[key]


def _kept_parts(
    opened: Opened,
    wanted: set[tuple[date, str]],
    make: Callable[[set[tuple[date, str]]], dict[tuple[date, str], pd.DataFrame]],
) -> dict[tuple[date, str], pd.DataFrame]:
    """The parts ``wanted`` (month end, name) as kept, those not kept yet made by ``make``
    (given the missing ones) and kept first, in one write transaction (writers take turns:
    of two first looks, the second finds the first's parts and keeps none), audited
    ``figures.publish`` (by the system: a planner's look or a scheduled job). A part is read
    from the database once per process and publication (it never changes once kept)."""
    with opened.db.read() as conn:
        stamps = published_stamps(conn, wanted)
    missing = wanted - set(stamps)
    if missing:
        made = make(missing)
        with opened.db.write() as conn:
            kept = publish_parts(conn, made, at=clock.utc_now())
            if kept:
                last = max(end for end, _ in made)
                record(
                    conn,
                    SYSTEM,
                    "figures.publish",
                    object_type="month_end",
                    object_id=last.isoformat(),
                    count=kept,
                    detail={"month_ends": sorted({end.isoformat() for end, _ in made})},
                    changes_data=False,
                )
        with opened.db.read() as conn:
            stamps = published_stamps(conn, wanted)
    out: dict[tuple[date, str], pd.DataFrame] = {}
    for key in wanted:
        found = _PARTS.get((opened.db.url, key, stamps[key]))
        if found is not None:
            out[key] = found
    unread = wanted - set(out)
    if unread:
        with opened.db.read() as conn:
            read = published_parts(conn, unread)
        for key in unread:
            out[key] = _PARTS.put((opened.db.url, key, stamps[key]), read[key])
    return out


_PARTS: Kept[pd.DataFrame] = Kept(most=64)
"""Per database, part (month end, name) and when it was published: the part as kept.
Shared: read it, never change it."""


def _month_end_parts(
    opened: Opened, wanted: set[tuple[date, str]]
) -> dict[tuple[date, str], pd.DataFrame]:
    """The parts ``wanted`` (see :func:`_published`) as the records give them now, by area
    code (an area's id may change when boundaries are loaded again; its code does not)."""
    with opened.db.read() as conn:
        areas = kept_areas(opened, conn)
    if areas.empty:
        raise NotFoundError("database_empty")
    code = area_codes(areas)
    out: dict[tuple[date, str], pd.DataFrame] = {}
    trend_ends = sorted(end for end, name in wanted if name == "trend")
    if trend_ends:
        rolling = _trend_counts(opened, ends=trend_ends, window_days=WINDOW_DAYS)[1]
        month = _trend_counts(opened, ends=trend_ends, window_days=0)[1]
        both = rolling.merge(
            month.rename(columns={"covered": "covered_month", "units": "units_month"}),
            on=["month_end", "community_id"],
            how="outer",
        )
        both["units"] = both["units"].fillna(both["units_month"])
        for end in trend_ends:
            at = both.loc[both["month_end"] == end]
            out[(end, "trend")] = pd.DataFrame(
                {
                    "community_code": at["community_id"].map(code).to_numpy(),
                    "units": at["units"].fillna(0).astype("int64").to_numpy(),
                    "covered": at["covered"].fillna(0).astype("int64").to_numpy(),
                    "covered_month": at["covered_month"].fillna(0).astype("int64").to_numpy(),
                }
            )
    for end, name in wanted:
        if name == "floating_cells":
            out[(end, name)] = _floating_cells(opened, end, code)
            continue
        if name == "clusters":
            from geo.services.spatial import whole_clusters  # it builds on this module

            out[(end, name)] = whole_clusters(
                opened,
                None,
                eps_m=disclosure.CLUSTER_EPS_M[0],
                min_residents=disclosure.CLUSTER_MIN_RESIDENTS[0],
                as_of=end,
            )[0]
            continue
        if name == "worksite_workers":
            with opened.db.read() as conn:
                sites = worksites_with_workers(conn, as_of=end)
                homes = worker_homes(conn, None, as_of=end)
            out[(end, name)] = sites[["id", "workers"]].astype("int64").reset_index(drop=True)
            out |= _worker_home_parts(end, sites["id"], worker_cells(homes, code))
            continue
        kind, _, days = name.partition("_")
        if kind in ("counts", "proven"):
            count = _area_counts if kind == "counts" else proven_counts
            frame = count(opened, window_days=int(days), as_of=end)[1].copy()
            if kind == "counts" and not frame["rental_units"].sum():
                # a registry being set up: nothing to publish yet, nothing frozen at zero
                raise NotFoundError("database_empty")
            frame.insert(0, "community_code", frame.pop("community_id").map(code))
            frame.insert(1, "grid_code", frame.pop("grid_id").map(code))
            out[(end, name)] = frame.reset_index(drop=True)
    return out


def proven_counts(
    opened: Opened, *, as_of: date, window_days: int, published: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every area, and per (community_id, grid_id) the active units and those a completed
    visit and a proven one cover in the window ending ``as_of`` and in its calendar month
    (:data:`geo.store.figures.PROVEN_COLUMNS`): read from the tallies when they keep the
    day, else counted from the records. ``published``: as planners see them (see
    :func:`_area_counts`)."""
    if published:
        if window_days not in disclosure.planner_windows(as_of):
            raise InputError("value_invalid", name="window", value=window_days)
        with opened.db.read() as conn:
            areas = kept_areas(opened, conn)
        part = _published(opened, [as_of])[(as_of, f"proven_{window_days}")]
        return areas, with_area_ids(part, areas)
    window = bounds(as_of, window_days)
    month = bounds(as_of, month_to_date_days(as_of))
    with opened.db.read() as conn:
        areas = kept_areas(opened, conn)
        counts = tallied_proven_by_area(conn, window, month)
        if counts is None:
            counts = recounted_proven_by_area(conn, window, month)
    return areas, counts


def published_floating_cells(opened: Opened, *, as_of: date) -> pd.DataFrame:
    """The floating residents' homes on ``as_of`` (a month end) as planners see them, as
    published (:func:`_published`): per H3 cell of the finest resolution
    (:data:`geo.clusters.H3_RESOLUTIONS`) and community, cell (integer), community_id
    (float, NaN for none) and floating (residents). Every planner's hexagon map adds up
    from these."""
    with opened.db.read() as conn:
        version = data_version(conn)
        areas = kept_areas(opened, conn)
    key = (opened.db.url, version, as_of)
    found = _CELLS.get(key)
    if found is not None:
        return found
    part = with_area_ids(_published(opened, [as_of])[(as_of, "floating_cells")], areas)
    part["cell"] = hexagon_ints(part["cell"])
    return _CELLS.put(key, part)


_CELLS: Kept[pd.DataFrame] = Kept(most=2)


def _floating_cells(opened: Opened, as_of: date, code: pd.Series) -> pd.DataFrame:
    """The part "floating_cells" of ``as_of`` as the records give it now: cell (H3, as its
    hex name), community_code (by ``code``, area id to code), floating."""
    with opened.db.read() as conn:
        homes = floating_homes(
            conn, as_of=as_of, local_region=get_setting(conn, "local_region") or ""
        )
    frame = pd.DataFrame(
        {
            "cell": hexagon_names(
                hexagon_cells(homes["lon"], homes["lat"], resolution=H3_RESOLUTIONS[-1])
            ),
            "community_code": homes["community_id"].map(code).astype(object),
            "floating": homes["floating"].astype("int64"),
        }
    )
    summed = frame.groupby(["cell", "community_code"], dropna=False, sort=True)["floating"].sum()
    return summed.reset_index()


def published_worksite_workers(opened: Opened, *, as_of: date) -> pd.Series:
    """The workers of each active worksite on ``as_of`` (a month end) as planners see them,
    as published (:func:`_published`): workers, index the worksite id."""
    part = _published(opened, [as_of])[(as_of, "worksite_workers")]
    return part.set_index("id")["workers"]


def _worker_home_parts(
    end: date, sites: pd.Series, cells: pd.DataFrame
) -> dict[tuple[date, str], pd.DataFrame]:
    """The part "worker_homes_<id>" of every worksite of ``sites`` (ids), from the homes of
    all their workers per cell (:func:`worker_cells`, with a worksite_id column): published
    with the month end and its workers, so a worksite's homes and its workers are figures
    of one moment (none for a worksite with no worker housed on record: an empty part)."""
    columns = [c for c in cells.columns if c != "worksite_id"]
    per_site = {
        int(cast(int, site)): rows[columns].reset_index(drop=True)
        for site, rows in cells.groupby("worksite_id", sort=False)
    }
    empty = pd.DataFrame(
        {c: pd.Series(dtype="int64" if c in ("workers", "crowded") else object) for c in columns}
    )
    return {(end, f"worker_homes_{int(site)}"): per_site.get(int(site), empty) for site in sites}


def worker_cells(found: pd.DataFrame, code: pd.Series | None = None) -> pd.DataFrame:
    """Where workers live, per H3 cell of the finest resolution
    (:data:`geo.clusters.H3_RESOLUTIONS`) and community: cell, community_id, workers,
    crowded (those living in crowded units, :func:`geo.indicators.crowded`); a home without
    a place has the cell 0. ``found``: per unit (and worksite, with a worksite_id column:
    kept first) lon, lat, community_id, rooms, floor_area_m2, workers, residents
    (:func:`geo.store.worksites.worker_homes`).

    With ``code`` (area id to code): as a planner's look publishes them, summed per cell
    (named by its hex string, ``"0"`` for none) and community_code."""
    placed = (found["lon"].notna() & found["lat"].notna()).to_numpy()
    cells = np.zeros(len(found), dtype=np.uint64)
    if placed.any():
        cells[placed] = hexagon_cells(
            found.loc[placed, "lon"], found.loc[placed, "lat"], resolution=H3_RESOLUTIONS[-1]
        )
    is_crowded = crowded(found["residents"], found["rooms"], found["floor_area_m2"])
    frame = pd.DataFrame(
        {
            "cell": cells,
            "community_id": found["community_id"].to_numpy(),
            "workers": found["workers"].astype("int64").to_numpy(),
            "crowded": found["workers"].where(is_crowded, 0).astype("int64").to_numpy(),
        }
    )
    by = []
    if "worksite_id" in found:
        frame.insert(0, "worksite_id", found["worksite_id"].astype("int64").to_numpy())
        by = ["worksite_id"]
    if code is None:
        return frame
    frame["community_id"] = frame["community_id"].map(code).astype(object)
    summed = frame.groupby([*by, "cell", "community_id"], dropna=False, sort=True).sum()
    out = summed.reset_index().rename(columns={"community_id": "community_code"})
    distinct = np.unique(out["cell"].to_numpy())
    named = dict(zip(distinct.tolist(), hexagon_names(distinct), strict=True))
    out["cell"] = [named[c] for c in out["cell"].tolist()]
    return out


def area_codes(areas: pd.DataFrame) -> pd.Series:
    """Each area's code, indexed by its id: figures are published by code
    (:func:`with_area_ids` turns them back)."""
    return pd.Series(areas["code"].to_numpy(), index=areas["id"].to_numpy())


def with_area_ids(part: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """A published part (:func:`_published`) with each area code
    (community_code, grid_code) turned back into today's id (community_id, grid_id: float,
    NaN for none); rows of an area no longer there are left out."""
    ids = pd.Series(areas["id"].to_numpy(), index=areas["code"].to_numpy())
    out = part.copy()
    keep = pd.Series(True, index=out.index)
    for column in ("community_code", "grid_code"):
        if column not in out:
            continue
        named = out[column].notna()
        found = out[column].map(ids)
        keep &= ~named | found.notna()
        out[column] = found.astype("float64")
        out = out.rename(columns={column: column.replace("_code", "_id")})
    return out.loc[keep].reset_index(drop=True)


def statistics_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN -> None, fractions rounded to 4 places, km2 to 3."""
    out = table.copy()
    for column, places in (
        ("coverage", 4),
        ("attempted_coverage", 4),
        ("area_km2", 3),
        ("residents_per_km2", 1),
        ("floating_per_km2", 1),
        ("overdue_share", 4),
        ("residence_rate", 4),
        ("rental_rate", 4),
    ):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(places)
    out = out.astype(object)
    return [
        {
            str(k): (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
            for k, v in row.items()
        }
        for row in out.to_dict("records")
    ]
