"""The disclosure policy holds against an attacker: a planner who tries every way we know
to get a withheld count of the demo back (issue 17 item 3).

Each test plays one recovery against every withheld cell of the demo and fails when any
recovers the true figure: density x area and shares x units, a parent or the headline minus
its visible children (solved as a linear system over the whole tree, the remainders assumed
known), two nearby days or windows, a worksite's worker figures, a sweep planned over a
small area, a team's outline, and clusters asked for with tiny parameters.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import clock, disclosure
from geo.crs import to_metres
from geo.disclosure import WITHHELD
from geo.errors import InputError
from geo.indicators import DERIVED_FROM, PUBLIC_COUNTS
from geo.indicators import PROTECTED_COUNTS as COUNT_COLUMNS
from geo.services import spatial, sweeps
from geo.services.access import Actor
from geo.services.setup import Opened, open_database
from geo.services.statistics import overview_figures
from tests.conftest import ADMIN, AS_OF, PLANNER

LEVELS = ("street", "community", "grid")
TODAY = AS_OF + timedelta(days=1)
"""The day these attacks run on (the demo's day after): a planner's figures are as of the last
month end before it, whatever day the run is on."""
MONTH_END, WINDOW = date(2026, 10, 31), 90


@pytest.fixture(scope="module", autouse=True)
def _on_the_demos_next_day() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(clock.TODAY_VARIABLE, TODAY.isoformat())
        yield


def planner_tables(demo: Opened) -> dict[str, pd.DataFrame]:
    tables = {
        level: overview_figures(demo, PLANNER, level=level, as_of=AS_OF).table.set_index("code")
        for level in LEVELS
    }
    return tables


@pytest.fixture(scope="module")
def seen(demo) -> dict[str, pd.DataFrame]:
    """What the planner sees at every level, and the headline as a row of its own."""
    tables = planner_tables(demo)
    headline = overview_figures(demo, PLANNER, as_of=AS_OF).headline
    tables["headline"] = pd.DataFrame([headline], index=["(headline)"])
    return tables


@pytest.fixture(scope="module")
def truth(demo) -> dict[str, pd.DataFrame]:
    """The same figures as an admin sees them on the planner's day and window."""
    tables = {
        level: overview_figures(
            demo, ADMIN, level=level, as_of=MONTH_END, window_days=WINDOW
        ).table.set_index("code")
        for level in LEVELS
    }
    headline = overview_figures(demo, ADMIN, as_of=MONTH_END, window_days=WINDOW).headline
    tables["headline"] = pd.DataFrame([headline], index=["(headline)"])
    return tables


def withheld_cells(seen: dict[str, pd.DataFrame]) -> Iterator[tuple[str, str, str]]:
    for level, table in seen.items():
        for column in COUNT_COLUMNS:
            for code in table.index[disclosure.is_withheld(table[column])]:
                yield level, str(code), column


def test_the_planner_sees_month_end_figures_and_every_small_count_is_withheld(seen, truth):
    assert date(2026, 10, 31) == MONTH_END
    for level in LEVELS:
        for column in COUNT_COLUMNS:
            small = disclosure.is_small(truth[level][column])
            assert disclosure.is_withheld(seen[level].loc[small[small].index, column]).all()
            shown = ~disclosure.is_withheld(seen[level][column])
            assert (
                seen[level].loc[shown, column].astype(int) == truth[level].loc[shown, column]
            ).all()
    assert len(list(withheld_cells(seen))) > 100


def test_worksites_are_counted_as_the_worksites_layer_shows_them(seen, truth):
    """The fifth tester counted the worksites layer's points inside each grid whose
    worksites the overview withheld (96 of 96): worksites are places of business shown one
    by one, so their counts are shown as they are."""
    for level in (*LEVELS, "headline"):
        for column in PUBLIC_COUNTS:
            assert not disclosure.is_withheld(seen[level][column]).any()
            assert (seen[level][column].astype(int) == truth[level][column]).all()
    small = disclosure.is_small(truth["grid"]["worksites"])
    assert small.any()  # the demo has grids of 1-4 worksites, shown as they are


def test_no_withheld_count_comes_back_from_a_density_or_a_share(seen, truth):
    recovered = []
    for level, code, column in withheld_cells(seen):
        row, true = seen[level].loc[code], int(truth[level].loc[code, column])
        guesses = []
        for figure, inputs in DERIVED_FROM.items():
            if column not in inputs or figure not in row or row[figure] == WITHHELD:
                continue
            value = float(row[figure])
            if figure.endswith("_per_km2"):
                guesses.append(value * float(row["area_km2"]))
            elif figure == "overdue_share" and column == "overdue_units":
                if row["rental_units"] != WITHHELD:
                    guesses.append(value * float(row["rental_units"]))
            elif figure == "overdue_share" and row["overdue_units"] != WITHHELD and value > 0:
                guesses.append(float(row["overdue_units"]) / value)
            elif figure in ("coverage", "attempted_coverage") and value > 0:
                guesses.append(np.nan)  # a rate of a withheld count is itself withheld
        if any(abs(g - true) < 0.5 for g in guesses if not np.isnan(g)):
            recovered.append((level, code, column))
        for figure, inputs in DERIVED_FROM.items():  # and no figure derived from it shows
            if column in inputs and figure in row:
                assert row[figure] == WITHHELD, (level, code, column, figure)
    assert recovered == []


def tree(truth: dict[str, pd.DataFrame]) -> pd.Series:
    """Each node's parent: grids -> communities -> streets -> the headline."""
    parents = {}
    for level in LEVELS:
        for code, parent in truth[level]["parent_code"].items():
            known = any(parent in truth[other].index for other in LEVELS)
            parents[str(code)] = str(parent) if known else "(headline)"
    return pd.Series(parents)


def determined(unknowns: list[str], equations: list[dict[str, int]]) -> set[str]:
    """The unknowns a linear system pins down: those whose unit vector lies in the row
    space of the coefficients (the constants are known to the attacker)."""
    if not unknowns or not equations:
        return set()
    index = {u: i for i, u in enumerate(unknowns)}
    matrix = np.zeros((len(equations), len(unknowns)))
    for row, equation in enumerate(equations):
        for name, coefficient in equation.items():
            matrix[row, index[name]] = coefficient
    rank = np.linalg.matrix_rank(matrix)
    out = set()
    for name, i in index.items():
        unit = np.zeros(len(unknowns))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(name)
    return out


def test_no_withheld_count_comes_back_by_subtraction_over_the_whole_tree(seen, truth):
    """Parent = sum of children + a remainder the attacker is granted (units on no grid):
    every such equation across grids, communities, streets and the headline, solved."""
    parents = tree(truth)
    value = {}
    for level in (*LEVELS, "headline"):
        for code in seen[level].index:
            value[str(code)] = seen[level].loc[code]
    pinned = []
    for column in COUNT_COLUMNS:
        unknowns = [n for n, row in value.items() if row[column] == WITHHELD]
        equations = []
        for head in {*parents.to_numpy()}:
            children = list(parents.index[parents == head])
            members = [head, *children]
            equation = {m: (1 if m == head else -1) for m in members if m in unknowns}
            if equation:
                equations.append(equation)
        pinned += [(n, column) for n in determined(unknowns, equations)]
    assert pinned == []


def test_the_withheld_children_of_a_shown_total_hold_at_least_the_threshold(seen, truth):
    """The second tester's attack: 仁和's worksites 7 = grids *, *, 6 told that the two
    withheld grids hold 1 together. Under every shown total, the withheld children are two
    or more and hold 0 or at least THRESHOLD together (the remainder granted as known)."""
    parents = tree(truth)
    value = {}
    for level in (*LEVELS, "headline"):
        for code in seen[level].index:
            value[str(code)] = (seen[level].loc[code], truth[level].loc[code])
    narrowed = []
    for column in COUNT_COLUMNS:
        for head in {*parents.to_numpy()}:
            if head not in value or value[head][0][column] == WITHHELD:
                continue
            children = [c for c in parents.index[parents == head] if c in value]
            hidden = [c for c in children if value[c][0][column] == WITHHELD]
            together = sum(int(value[c][1][column]) for c in hidden)
            if len(hidden) == 1 or small(together):
                narrowed.append((head, column, hidden, together))
    assert narrowed == []


def test_no_window_shows_a_count_another_withholds(demo):
    """The third tester's attack: overdue units do not depend on the window, but which
    cells were withheld did (50 - 15 - 16 - 18 = 1 over four windows). Every window a
    planner may ask for shows one of two, and each count is withheld alike in both."""
    shown = {}
    for window in (7, 31, 45, 60, 90, 180, 420, 730):
        for level in LEVELS:
            figures = overview_figures(demo, PLANNER, level=level, as_of=AS_OF, window_days=window)
            assert figures.window_days in disclosure.planner_windows(MONTH_END)
            table = figures.table.set_index("code")
            for column in COUNT_COLUMNS:
                shown.setdefault((level, column), []).append(disclosure.is_withheld(table[column]))
    for (level, column), patterns in shown.items():
        for pattern in patterns[1:]:
            assert pattern.equals(patterns[0]), (level, column)


def test_a_month_end_still_to_come_shows_the_last_one(demo):
    """A planner asking for next month's end got today's figures (and tomorrow's)."""
    for day in (date(2026, 11, 30), date(2026, 12, 31), date(2027, 3, 31)):  # on 30 November
        assert overview_figures(demo, PLANNER, as_of=day).as_of == MONTH_END
        hexes = spatial.floating_hexagons(demo, PLANNER, resolution=9, as_of=day)
        same = spatial.floating_hexagons(demo, PLANNER, resolution=9, as_of=MONTH_END)
        assert hexes["count"].sum() == same["count"].sum()


def test_an_earlier_month_end_is_the_trends_alone(demo):
    """The fifth tester's attack: the overview at 30 September beside the coverage trend's
    30 September gave withheld grids back from a community's covered units (684 figures
    the overview withheld were shown by the trend). A planner's overview, hexagons and
    proven table are as of the last month end only; history is the trend, one tree per
    month end."""
    from geo.services import kits

    for day in (date(2026, 9, 30), date(2025, 12, 31)):
        assert overview_figures(demo, PLANNER, as_of=day).as_of == MONTH_END
        earlier = kits.proven_coverage(demo, PLANNER, level="grid", as_of=day)
        assert earlier.equals(kits.proven_coverage(demo, PLANNER, level="grid", as_of=MONTH_END))


def test_a_month_end_that_is_today_waits_for_the_day_to_end(demo, monkeypatch):
    """Today's visits and moves are still being entered: on a month end a planner saw the
    day so far, and two reads that day differed by single changes. The day after, that
    month end is shown."""
    shown = overview_figures(demo, PLANNER, as_of=date(2026, 11, 30))  # on 30 November
    assert shown.as_of == date(2026, 10, 31)
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2026-12-01")
    shown = overview_figures(demo, PLANNER, as_of=date(2026, 12, 1))
    assert shown.as_of == date(2026, 11, 30)
    assert overview_figures(demo, ADMIN, as_of=date(2026, 11, 29)).as_of == date(2026, 11, 29)


def test_the_headline_is_the_root_of_the_same_pattern(seen, truth):
    for column in COUNT_COLUMNS:
        streets = seen["street"][column]
        hidden = disclosure.is_withheld(streets).sum()
        if seen["headline"][column].iloc[0] != WITHHELD:
            assert hidden != 1, column


@pytest.mark.parametrize("days_back", [1, 2, 15])
def test_nearby_days_and_windows_show_the_same_figures(demo, days_back):
    today = overview_figures(demo, PLANNER, level="grid", as_of=AS_OF)
    earlier = overview_figures(demo, PLANNER, level="grid", as_of=AS_OF - timedelta(days=days_back))
    assert today.as_of == earlier.as_of == MONTH_END
    pd.testing.assert_frame_equal(today.table, earlier.table)
    wider = overview_figures(demo, PLANNER, level="grid", as_of=AS_OF, window_days=91)
    pd.testing.assert_frame_equal(today.table, wider.table)
    pd.testing.assert_frame_equal(
        overview_figures(demo, PLANNER, level="grid", as_of=AS_OF, window_days=7).table,
        overview_figures(demo, PLANNER, level="grid", as_of=AS_OF, window_days=8).table,
    )
    admin = overview_figures(demo, ADMIN, level="grid", as_of=AS_OF)
    admin_earlier = overview_figures(
        demo, ADMIN, level="grid", as_of=AS_OF - timedelta(days=days_back)
    )
    assert not admin.table["residents"].equals(admin_earlier.table["residents"])  # days differ
    from geo.services.statistics import coverage_trend

    pd.testing.assert_frame_equal(
        coverage_trend(demo, PLANNER, as_of=AS_OF),
        coverage_trend(demo, PLANNER, as_of=AS_OF - timedelta(days=days_back)),
    )


def test_a_worksites_worker_figures_give_no_small_count_back(demo):
    sites = spatial.worksite_layer(demo, ADMIN, as_of=MONTH_END)
    shown = spatial.worksite_layer(demo, PLANNER, as_of=AS_OF).set_index("id")["workers"]
    small = sites.loc[disclosure.is_small(sites["workers"]), "id"]
    assert (shown.loc[small] == WITHHELD).all()
    ordered = sites.sort_values(["workers", "id"])
    few = ordered.loc[(ordered["workers"] > 0) & (ordered["workers"] < 3 * disclosure.THRESHOLD)]
    tried = [*few["id"], *ordered["id"].iloc[::15]]  # every small one, and a spread of all
    assert len(few) and len(tried) > 40
    leaks = []
    for site in tried:
        true = spatial.worker_homes(demo, ADMIN, int(site), as_of=MONTH_END)
        seen = spatial.worker_homes(demo, PLANNER, int(site), as_of=AS_OF)
        figures = {"workers": true.workers, "housed_here": true.housed_here}
        figures["crowded"] = true.crowded
        figures["unhoused"] = int(true.workers) - int(true.housed_here)
        figures["not_crowded"] = int(true.housed_here) - int(true.crowded)
        got: dict[str, int | str] = {
            "workers": seen.workers,
            "housed_here": seen.housed_here,
            "crowded": seen.crowded,
        }
        if WITHHELD not in (got["workers"], got["housed_here"]):
            got["unhoused"] = int(got["workers"]) - int(got["housed_here"])
        if WITHHELD not in (got["housed_here"], got["crowded"]):
            got["not_crowded"] = int(got["housed_here"]) - int(got["crowded"])
        for name, value in got.items():
            if 0 < int(figures[name]) < disclosure.THRESHOLD and value != WITHHELD:
                leaks.append((int(site), name, value))
        assert (seen.cells["count"] >= disclosure.THRESHOLD).all()
    assert leaks == []


@pytest.fixture
def copy(demo_copy) -> Iterator[Opened]:
    opened = open_database(demo_copy, create=False)
    yield opened
    opened.db.dispose()


def small_and_visible_grids(opened: Opened) -> tuple[list[str], list[tuple[str, str]]]:
    """Grids whose units the planner may not see, and pairs (withheld, visible sibling)."""
    grids = overview_figures(opened, PLANNER, level="grid", as_of=AS_OF).table
    hidden = grids.loc[disclosure.is_withheld(grids["rental_units"])]
    pairs = []
    for code, parent in zip(hidden["code"], hidden["parent_code"], strict=True):
        siblings = grids.loc[
            (grids["parent_code"] == parent) & ~disclosure.is_withheld(grids["rental_units"])
        ]
        if len(siblings):
            pairs.append((str(code), str(siblings["code"].iloc[0])))
    return [str(c) for c in hidden["code"]], pairs


def plan(
    opened: Opened, actor: Actor, areas: list[str], teams: list[str], *, starts_on: date = AS_OF
) -> int:
    """A new sweep over ``areas`` from ``starts_on`` for a week (not yet planned)."""
    return sweeps.create_sweep(
        opened,
        actor,
        name=f"攻击 {starts_on} {' '.join(areas)}",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=7),
        areas=areas,
        teams=teams,
    )


def planned(opened: Opened, areas: list[str], teams: list[str], *, starts_on: date) -> int:
    """A sweep a planner created and planned on its first day."""
    sweep_id = plan(opened, PLANNER, areas, teams, starts_on=starts_on)
    sweeps.plan_sweep(opened, PLANNER, sweep_id, as_of=starts_on)
    return sweep_id


def test_planning_a_sweep_over_a_small_area_does_not_count_its_units(copy):
    hidden, pairs = small_and_visible_grids(copy)
    assert hidden and pairs
    attempts = [[code] for code in hidden[:6]] + [list(pair) for pair in pairs[:6]]
    leaks = []
    for areas in attempts:
        sweep_id = plan(copy, PLANNER, areas, ["一组"])
        try:
            result = sweeps.plan_sweep(copy, PLANNER, sweep_id, as_of=AS_OF)
        except InputError:
            continue  # no unit with coordinates: nothing planned, nothing told
        truth = sweeps.plan_sweep(copy, ADMIN, sweep_id, as_of=AS_OF, replan=True).teams
        listed = sweeps.list_sweeps(copy, PLANNER).set_index("id").loc[sweep_id, "units"]
        progress = sweeps.sweep_progress(copy, PLANNER, sweep_id, as_of=AS_OF)
        outlines = sweeps.team_shapes(copy, PLANNER, sweep_id, as_of=AS_OF)
        for figure in (
            result.teams["units"].iloc[0],
            listed,
            progress["by_team"]["assigned"].iloc[0],
            progress["by_community"]["assigned"].sum() if len(areas) == 1 else WITHHELD,
            outlines["units"].iloc[0] if len(outlines) else WITHHELD,
        ):
            if figure != WITHHELD:
                leaks.append((areas, figure, int(truth["units"].iloc[0])))
    assert leaks == []


def test_sweep_progress_is_as_of_a_month_end_and_its_rows_add_up_safely(copy):
    """The third tester's attacks: progress on 10-01 and 10-02 differed by one day's visits,
    and visited 16 = completed 15 + not_reached * gave the 1 back."""
    communities = community_codes(copy)[:3]
    sweep_id = planned(copy, communities, ["甲队", "乙队"], starts_on=date(2026, 9, 1))
    days = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 30)]
    seen = [sweeps.sweep_progress(copy, PLANNER, sweep_id, as_of=day) for day in days]
    for later in seen[1:]:  # every day of a month shows the last month end's progress
        assert later["by_community"].equals(seen[0]["by_community"])
    # begun a day later: the same month's visits
    later = planned(copy, communities, ["甲队", "乙队"], starts_on=date(2026, 9, 2))
    again = sweeps.sweep_progress(copy, PLANNER, later, as_of=days[0])["by_community"]
    assert again.equals(seen[0]["by_community"])
    grids = overview_figures(copy, PLANNER, level="grid", as_of=AS_OF).table
    some = [str(c) for c in grids.loc[grids["parent_code"] == communities[0], "code"]][:2]
    # some grids of a community: the rest would come back
    part = planned(copy, some, ["甲队"], starts_on=date(2026, 9, 1))
    shown = sweeps.sweep_progress(copy, PLANNER, part, as_of=days[0])
    assert (shown["by_community"][["visited", "completed", "open"]] == WITHHELD).all().all()
    # The fourth tester's attacks (a community's sweep less one over all its grids but one;
    # remaining less open; proven progress beside it): a sweep is a free sum over areas and
    # days, so a planner sees none of its progress counts and no count of its visits.
    from geo.services import kits

    counts = ["visited", "completed", "not_reached", "open"]
    for progress in (seen[0], again_progress := sweeps.sweep_progress(copy, PLANNER, later)):
        for table in (progress["by_team"], progress["by_community"]):
            assert (table[counts] == WITHHELD).all().all()
        assert progress["remaining"] == WITHHELD and progress["days_needed"] == WITHHELD
    assert again_progress["sweep"]["id"] == later
    proven = kits.proven_progress(copy, PLANNER, sweep_id)
    assert (proven[["visited", "proven"]] == WITHHELD).all().all()
    replanned = sweeps.plan_sweep(copy, PLANNER, sweep_id, as_of=AS_OF, replan=True)
    assert replanned.visits_before is None and replanned.imbalance == WITHHELD


def test_a_planners_plan_singles_out_no_unit_and_no_team(copy):
    """The fifth tester's sweep attacks: the first N units by one priority and their
    outline located homes with residents not found (L5); the spread of workloads as N grew
    stopped changing at a withheld grid's units (L7); whether there were visits since a
    chosen day gave one unit's last visit (L9); outlines drawn for the larger teams only
    gave the small one back from the sweep's total (L6), and an outline's presence told a
    withheld grid's small count from its complement (L8)."""
    hidden, pairs = small_and_visible_grids(copy)
    with pytest.raises(InputError) as refused:
        first = plan(copy, PLANNER, [pairs[0][1]], ["一组"], starts_on=AS_OF - timedelta(days=1))
        sweeps.plan_sweep(copy, PLANNER, first, limit=5)
    assert refused.value.key == "disclosure_plan_limit"
    grids = overview_figures(copy, PLANNER, level="grid", as_of=AS_OF).table
    shown = grids.loc[~disclosure.is_withheld(grids["rental_units"])]
    middling = shown.loc[pd.to_numeric(shown["rental_units"]).between(10, 20), "code"]
    for areas in [[str(c)] for c in middling[:4]] + [[code] for code in hidden[:4]]:
        sweep_id = plan(copy, PLANNER, areas, ["一组", "二组", "三组"])
        try:
            result = sweeps.plan_sweep(copy, PLANNER, sweep_id, as_of=AS_OF)
        except InputError:
            continue
        assert result.imbalance == WITHHELD and result.visits_before is None
        teams = result.teams.set_index("team")["units"]
        outlines = sweeps.team_shapes(copy, PLANNER, sweep_id, as_of=AS_OF)
        for team, units in zip(outlines["team"], outlines["units"], strict=True):
            assert teams[team] != WITHHELD and units == teams[team]  # one pattern
        if areas[0] in hidden:
            assert outlines.empty  # a withheld grid draws nothing


def test_team_outlines_cover_at_least_k_units_and_no_corner_is_a_door(copy):
    hidden, _ = small_and_visible_grids(copy)
    sweep_id = plan(copy, PLANNER, [hidden[0]], ["一组", "二组", "三组"])
    try:
        sweeps.plan_sweep(copy, PLANNER, sweep_id, as_of=AS_OF)
    except InputError:
        pytest.skip("the smallest grid has no placed unit")
    assert sweeps.team_shapes(copy, PLANNER, sweep_id, as_of=AS_OF).empty  # teams of < k
    demo_sweep = 1
    units = sweeps.team_shapes(copy, ADMIN, demo_sweep, as_of=AS_OF)
    outlines = sweeps.team_shapes(copy, PLANNER, demo_sweep, as_of=AS_OF)
    assert len(outlines) == len(units)
    routes = units.set_index("team").geometry
    for team, shape in zip(outlines["team"], outlines.geometry, strict=True):
        doors = shapely.get_coordinates(routes[team])
        assert on_the_lattice(shape)  # no corner, nor the centre of any arc, is a door
        inside = shapely.contains_xy(shape, doors[:, 0], doors[:, 1]).sum()
        assert inside >= disclosure.THRESHOLD


def on_the_lattice(shape: shapely.Geometry) -> bool:
    """Whether every corner of a planner's outline is a corner of the squares of
    OUTLINE_CELL_M in the metric CRS: the fifth tester took the centre of three points of a
    padded hull's arcs, and it was a unit, to 0.4 mm, in 49 of 49 corners."""
    corners = shapely.get_coordinates(shape)
    x, y = to_metres(corners[:, 0], corners[:, 1])
    steps = np.r_[x, y] / disclosure.OUTLINE_CELL_M
    return bool(np.allclose(steps, np.round(steps), atol=1e-3))


def shapes_of(clusters: spatial.Clusters) -> pd.DataFrame:
    return pd.DataFrame(clusters.shapes.drop(columns="geometry"))


def test_clusters_with_tiny_parameters_are_refused_and_shown_ones_hold_k(demo):
    # and a second setting: 50 and 55 m, or a minimum of 10 and of 20, grew a cluster by one
    # home (the fifth and sixth testers' L10, N2): a planner has one setting
    for eps, least in ((1.0, 1), (49.0, 10), (150.0, 9), (1.0, 50), (55.0, 10), (150.0, 20)):
        with pytest.raises(InputError) as refused:
            spatial.floating_clusters(demo, PLANNER, eps_m=eps, min_residents=least, as_of=AS_OF)
        assert refused.value.key == "disclosure_cluster_bounds"
    for least in (50.5, float("nan")):  # a minimum that is not a whole number: said so
        with pytest.raises(InputError, match="value_invalid"):
            spatial.floating_clusters(demo, PLANNER, min_residents=least)  # type: ignore[arg-type]
    lowest = spatial.floating_clusters(demo, PLANNER, eps_m=150.0, min_residents=50, as_of=AS_OF)
    as_float = spatial.floating_clusters(demo, PLANNER, min_residents=50.0)  # type: ignore[arg-type]
    assert as_float.shapes.drop(columns="geometry").equals(shapes_of(lowest))
    shapes = lowest.shapes
    assert len(shapes)
    assert all(on_the_lattice(hull) for hull in shapes.geometry)  # no arc around a home
    assert (shapes["residents"] >= disclosure.THRESHOLD).all()
    assert (shapes["units"] >= disclosure.THRESHOLD).all()
    for residents, text in zip(shapes["residents"], shapes["origins"], strict=True):
        for part in filter(None, str(text).split(", ")):
            share = float(part.rsplit(" ", 1)[1].rstrip("%")) / 100
            assert share * residents >= disclosure.THRESHOLD - 0.5 * residents / 100
    earlier = spatial.floating_clusters(
        demo, PLANNER, eps_m=150.0, min_residents=50, as_of=AS_OF - timedelta(days=1)
    )
    assert earlier.shapes.drop(columns="geometry").equals(shapes.drop(columns="geometry"))
    whole = overview_figures(demo, PLANNER, as_of=AS_OF).headline["floating_residents"]
    assert not small(int(whole) - int(shapes["residents"].sum()))  # the residents outside
    # The sixth tester's N3: 32,000 floating residents less 31,999 in the shown clusters gave
    # one isolated home's; the smallest clusters go until those outside are none or many.
    made = gpd.GeoDataFrame({"residents": [30, 12, 6]}, geometry=[None] * 3)
    assert spatial._leaving_no_few(made, total=50)["residents"].tolist() == [30, 12]
    assert spatial._leaving_no_few(made, total=48)["residents"].tolist() == [30, 12, 6]


def test_the_pure_rules_by_hand():
    counts = pd.DataFrame(
        {"n": [30, 12, 18, 3, 9, 6, 12]},
        index=["street", "c1", "c2", "g1", "g2", "g3", "g4"],
    )
    tree_of = {"c1": "street", "c2": "street", "g1": "c1", "g2": "c1", "g3": "c2", "g4": "c2"}
    parent = pd.Series({"street": None, **tree_of})
    hidden = disclosure.protect(counts, parent=parent, columns=["n"])["n"]
    assert hidden["g1"] and hidden["g2"]  # g1 small, g2 its complement in c1
    assert not hidden[["street", "c1", "c2", "g3", "g4"]].any()
    assert disclosure.month_end_on_or_before(date(2026, 3, 1)) == date(2026, 2, 28)
    assert disclosure.coarse_window(120, as_of=date(2026, 2, 28)) == 90
    assert disclosure.coarse_window(30, as_of=date(2026, 2, 28)) == 28
    assert disclosure.planner_day(date(2026, 11, 29)) == date(2026, 10, 31)
    assert disclosure.planner_day(date(2026, 12, 1)) == date(2026, 11, 30)


# --------------------------------------------------------------------------- area filters


def community_codes(demo: Opened) -> list[str]:
    table = overview_figures(demo, ADMIN, level="community", as_of=AS_OF).table
    return sorted(str(code) for code in table["code"])


def shown_per_call(frames: dict[str | None, pd.DataFrame], key: str, figure: str) -> pd.DataFrame:
    """One row per (call, cell) shown: which call (None: all areas), the cell, its figure."""
    return pd.concat(
        [
            pd.DataFrame({"call": area, "cell": frame[key], "shown": frame[figure]})
            for area, frame in frames.items()
        ],
        ignore_index=True,
    )


def recovered_by_difference(rows: pd.DataFrame) -> pd.DataFrame:
    """The attack: per cell, the figure of all areas minus the per-area figures shown; a
    remainder from 1 to THRESHOLD - 1 would be a withheld count given back."""
    whole = rows.loc[rows["call"].isna()].set_index("cell")["shown"]
    parts = rows.loc[rows["call"].notna()].groupby("cell")["shown"].sum()
    rest = whole.reindex(parts.index).dropna() - parts.reindex(whole.index).dropna()
    return rest.loc[(rest > 0) & (rest < disclosure.THRESHOLD)].to_frame("rest")


@pytest.mark.parametrize(
    ("resolution", "day"),
    [(9, AS_OF), (10, AS_OF), (11, AS_OF), (10, date(2026, 11, 30))],
)
def test_hexagons_of_each_community_give_no_withheld_count_back(demo, resolution, day):
    calls: dict[str | None, pd.DataFrame] = {
        area: spatial.floating_hexagons(demo, PLANNER, resolution=resolution, as_of=day, area=area)
        for area in [None, *community_codes(demo)]
    }
    rows = shown_per_call(calls, "cell", "count")
    assert (rows["shown"] >= disclosure.THRESHOLD).all()
    assert rows.groupby("cell")["shown"].nunique().max() == 1  # a cell shows one figure or none
    assert recovered_by_difference(rows).empty
    month_end = disclosure.planner_day(clock.today())
    true = spatial.floating_hexagons(demo, ADMIN, resolution=resolution, as_of=month_end)
    whole = true.set_index("cell")["count"]
    assert (rows.set_index("cell")["shown"] == whole.reindex(rows["cell"]).to_numpy()).all()
    for area, frame in calls.items():  # every shown cell holds homes of the area asked for
        if area is not None:
            assert set(frame["cell"]) <= set(calls[None]["cell"])


def test_no_two_resolutions_give_a_withheld_hexagon_back(demo):
    """The second tester's attack: a hexagon at one resolution minus its shown children at
    a finer one left 1-4 in 209 cells (one child withheld: its true count). For every
    shown hexagon and every finer resolution, the withheld descendants are two or more
    and hold at least THRESHOLD together, or hold nothing."""
    import h3

    month_end = disclosure.month_end_on_or_before(AS_OF)
    shown, true = {}, {}
    for resolution in range(5, 12):
        shown[resolution] = spatial.floating_hexagons(
            demo, PLANNER, resolution=resolution, as_of=AS_OF
        ).set_index("cell")["count"]
        true[resolution] = spatial.floating_hexagons(
            demo, ADMIN, resolution=resolution, as_of=month_end
        ).set_index("cell")["count"]
    assert sum(len(s) for s in shown.values()) > 0
    narrowed = []
    for coarse in range(5, 11):
        for fine in range(coarse + 1, 12):
            cells = true[fine].index
            parents = pd.Series([h3.cell_to_parent(c, coarse) for c in cells], index=cells)
            for head in shown[coarse].index:
                under = parents.index[parents == head]
                assert true[fine].loc[under].sum() == true[coarse].loc[head]  # nested exactly
                hidden = [c for c in under if c not in shown[fine].index]
                held = true[fine].loc[hidden].sum()
                if len(hidden) == 1 or small(held):
                    narrowed.append((head, fine, len(hidden), held))
    assert narrowed == []
    total = true[5].sum()  # the coarsest hexagons add up to the floating residents placed
    hidden_top = true[5].loc[~true[5].index.isin(shown[5].index)]
    assert len(hidden_top) != 1 and not small(hidden_top.sum()), total


def test_a_worksites_homes_less_its_shown_hexagons_leave_none_or_many(demo):
    """The third tester's attack: a worksite's housed workers less the hexagons of their
    homes shown at one resolution gave 1-4 (worksite 160 at resolution 7: 106 - 102).
    Every worksite's homes, every resolution; the service draws what the rule shows."""
    from geo.clusters import H3_RESOLUTIONS, hexagon_cells, hexagon_names, hexagon_tree
    from geo.store import worksites as stored_worksites

    sites = spatial.worksite_layer(demo, PLANNER, as_of=AS_OF)
    narrowed, tried = [], 0
    for site in sites["id"]:
        with demo.db.read() as conn:
            homes = stored_worksites.worker_homes(conn, int(site), as_of=MONTH_END)
        placed = homes.dropna(subset=["lon", "lat"])
        if placed.empty:
            continue
        finest = hexagon_cells(placed["lon"], placed["lat"], resolution=H3_RESOLUTIONS[-1])
        tree = hexagon_tree(finest, placed["workers"].to_numpy())
        hidden = disclosure.protect_levels(
            tree["count"], parent=tree["parent"], level=tree["resolution"]
        ).to_numpy()
        total = tree.loc[tree["resolution"] == H3_RESOLUTIONS[0], "count"].sum()
        if small(total):  # housed_here itself is withheld: no total to subtract from
            continue
        for resolution in H3_RESOLUTIONS:
            at = (tree["resolution"] == resolution).to_numpy()
            rest = total - tree.loc[at & ~hidden, "count"].sum()
            tried += 1
            if small(rest):
                narrowed.append((int(site), resolution, rest))
        if int(site) % 7 == 0:  # the service draws the cells the rule shows
            drawn = spatial.worker_homes(demo, PLANNER, int(site), resolution=9, as_of=AS_OF)
            at = (tree["resolution"] == 9).to_numpy() & ~hidden
            assert set(drawn.cells["cell"]) == set(hexagon_names(tree.index[at])), site
    assert tried > 0
    assert narrowed == []


def test_clusters_of_each_community_are_the_whole_clusters(demo):
    def clusters(area: str | None) -> spatial.Clusters:
        return spatial.floating_clusters(
            demo, PLANNER, eps_m=150.0, min_residents=50, as_of=AS_OF, area=area
        )

    calls = {area: clusters(area) for area in [None, *community_codes(demo)]}
    every = calls[None].shapes.drop(columns="geometry").set_index("cluster")
    for found in calls.values():
        table = found.shapes.drop(columns="geometry").set_index("cluster")
        assert table.equals(every.loc[table.index])  # a cluster is shown whole or not at all
        assert (table["residents"] >= disclosure.THRESHOLD).all()
    rows = shown_per_call(
        {a: c.shapes.drop(columns="geometry") for a, c in calls.items()}, "cluster", "residents"
    )
    assert recovered_by_difference(rows).empty
    totals = pd.Series({area: found.floating_total for area, found in calls.items()})
    hidden = totals.map(lambda v: v == WITHHELD)
    assert hidden.sum() != 1  # the headline minus the shown communities gives none back


# --------------------------------------------------------------------------- rates and shares

RATE_PARTS = {"coverage": "covered", "attempted_coverage": "attempted", "overdue_share": "overdue"}


def small(value: float) -> bool:
    return 0 < abs(value) < disclosure.THRESHOLD


def shown_number(row: pd.Series, column: str) -> float | None:
    value = row.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == WITHHELD:
        return None
    return float(value)


def test_no_shown_rate_gives_a_small_count_or_its_rest_back(seen):
    """Every rate or share a planner sees, at every level and as the headline: rate x units
    is no count from 1 to 4, nor is the rest (units minus it), nor any sum or difference of
    the parts that the rates over the same units give back together."""
    recovered, rates_seen = [], 0
    for level, table in seen.items():
        for code, row in table.iterrows():
            units = shown_number(row, "rental_units")
            parts = {}
            for rate, part in RATE_PARTS.items():
                value = shown_number(row, rate)
                if value is None:
                    continue
                assert units is not None, (level, code, rate)  # a rate of withheld units
                rates_seen += 1
                parts[part] = round(value * units)
            overdue = shown_number(row, "overdue_units")
            if overdue is not None:
                parts.setdefault("overdue", int(overdue))
            terms = [*parts.values(), units or 0]
            for signs in itertools.product((-1, 0, 1), repeat=len(terms)):
                if any(signs[:-1]) and small(float(np.dot(signs, terms))):
                    named = dict(zip([*parts, "units"], terms, strict=True))
                    recovered.append((level, code, named))
            residents = shown_number(row, "residents")
            for part, density in (
                ("floating_residents", "floating_per_km2"),
                ("not_found_residents", None),
            ):
                count = shown_number(row, part)
                if count is None and density is not None:
                    by_density = shown_number(row, density)
                    if by_density is not None:
                        count = round(by_density * float(row["area_km2"]))
                if count is not None and residents is not None and small(residents - count):
                    recovered.append((level, code, part))
    assert rates_seen > 100
    assert recovered == []


def test_the_counts_rates_give_back_do_not_come_back_by_subtraction(seen, truth):
    """Covered and attempted units (rate x units) add up over the tree as counts do: no
    withheld one is pinned down by its parent and its shown siblings."""
    parents = tree(truth)
    value = {}
    for level in (*LEVELS, "headline"):
        for code in seen[level].index:
            value[str(code)] = seen[level].loc[code]
    pinned = []
    for rate in ("coverage", "attempted_coverage"):
        unknowns = [n for n, row in value.items() if rate in row and row[rate] == WITHHELD]
        equations = []
        for head in {*parents.to_numpy()}:
            members = [head, *parents.index[parents == head]]
            equation = {m: (1 if m == head else -1) for m in members if m in unknowns}
            if equation:
                equations.append(equation)
        pinned += [(n, rate) for n in determined(unknowns, equations)]
    assert pinned == []


def test_the_testers_grids_show_no_coverage(seen):
    grids = seen["grid"].set_index("name")
    for name in ("东湖社区第4网格", "文昌社区第1网格", "清泉社区第2网格"):
        if name in grids.index:
            for rate in RATE_PARTS:
                assert grids.loc[name, rate] == WITHHELD, (name, rate)


def test_the_monthly_rate_trend_gives_no_small_count_or_rest_back(demo):
    from geo.services.statistics import coverage_trend

    for window in (0, 30):
        trend = coverage_trend(demo, PLANNER, window_days=window, as_of=AS_OF)
        for _, row in trend.iterrows():
            rate, units = shown_number(row, "coverage"), shown_number(row, "units")
            if rate is not None and units is not None:
                covered = round(rate * units)
                assert not small(covered) and not small(units - covered), row.to_dict()


def test_the_two_trends_give_no_windows_difference_back(demo):
    """The sixth tester's N1: at earlier month ends the 90-day trend's covered units less the
    monthly trend's (units covered in the 90 days but not in the month) were 1-4 in 113
    pairs. At every month end, for the whole and every street and community, the two are
    protected as parts of one tree, so no shown pair differs by 1-4; and a rolling month
    (30 days) is not set beside the calendar month (31): a planner's is the calendar month."""
    from geo.services.statistics import coverage_trend

    codes = [None, *community_codes(demo)]
    pairs = 0
    for code in codes:
        rolling = coverage_trend(demo, PLANNER, window_days=90, as_of=AS_OF, area=code)
        month = coverage_trend(demo, PLANNER, window_days=0, as_of=AS_OF, area=code)
        thirty = coverage_trend(demo, PLANNER, window_days=30, as_of=AS_OF, area=code)
        pd.testing.assert_frame_equal(thirty, month[thirty.columns])
        for (_, wide), (_, narrow) in zip(rolling.iterrows(), month.iterrows(), strict=True):
            units = shown_number(wide, "units")
            rates = shown_number(wide, "coverage"), shown_number(narrow, "coverage")
            if units is None or None in rates:
                continue
            pairs += 1
            assert not small(round(rates[0] * units) - round(rates[1] * units)), (code, wide)
    assert pairs > 100


def test_the_coverage_trend_withholds_what_the_overview_withholds(demo):
    """The second tester's attack: for the communities whose coverage the overview
    withholds, the trend gave covered and units at the same month end (康宁 88/93), and a
    street's trend less its communities' opened a grid. The trend's last point withholds
    what the overview withholds; at every month end, no area's covered count less its
    shown sub-areas' leaves one withheld count, or a few."""
    from geo.services.statistics import coverage_trend

    levels = {lvl: overview_figures(demo, PLANNER, level=lvl, as_of=AS_OF).table for lvl in LEVELS}
    areas = pd.concat([levels["street"], levels["community"]]).set_index("code")
    shown = {None: coverage_trend(demo, PLANNER, as_of=AS_OF)}
    true = {None: coverage_trend(demo, ADMIN, as_of=MONTH_END, window_days=WINDOW)}
    for code in areas.index:
        shown[code] = coverage_trend(demo, PLANNER, as_of=AS_OF, area=code)
        true[code] = coverage_trend(demo, ADMIN, as_of=MONTH_END, window_days=WINDOW, area=code)
    withheld_by_overview = areas.index[disclosure.is_withheld(areas["coverage"])]
    assert len(withheld_by_overview) > 0
    for code in withheld_by_overview:
        assert shown[code]["coverage"].iloc[-1] == WITHHELD, code
        assert shown[code]["covered"].iloc[-1] == WITHHELD, code
    parent = {str(c): (p if p in areas.index else None) for c, p in areas["parent_code"].items()}
    narrowed = []
    for point in range(len(shown[None])):
        for head in [None, *areas.index]:
            if shown[head]["covered"].iloc[point] == WITHHELD:
                continue
            children = [c for c, p in parent.items() if p == head]
            hidden = [c for c in children if shown[c]["covered"].iloc[point] == WITHHELD]
            held = sum(int(true[c]["covered"].iloc[point]) for c in hidden)
            if len(hidden) == 1 or small(held):
                narrowed.append((point, head, hidden, held))
    assert narrowed == []


def test_proven_coverage_withholds_what_the_overview_withholds(seen, truth, demo):
    """The table of proven visits shows coverage per area beside the overview: where the
    overview withholds an area's coverage, so does it; and no area's proven or inspected
    count less its shown sub-areas' leaves one withheld count, or a few."""
    from geo.services import kits

    shown, true = {}, {}
    for level in LEVELS:
        shown[level] = kits.proven_coverage(demo, PLANNER, level=level, as_of=AS_OF)
        shown[level] = shown[level].set_index("code")
        true[level] = kits.proven_coverage(
            demo, ADMIN, level=level, as_of=MONTH_END, window_days=WINDOW
        ).set_index("code")
        overview = seen[level]["coverage"]
        hidden = overview.index[disclosure.is_withheld(overview)]
        assert (shown[level].loc[hidden, "coverage"] == WITHHELD).all(), level
    parents = tree(truth)
    narrowed = []
    for column in ("covered", "proven_covered", "inspected", "proven_inspected"):
        value = {
            str(c): (shown[lv].loc[c, column], true[lv].loc[c, column])
            for lv in LEVELS
            for c in shown[lv].index
        }
        for head in {*parents.to_numpy()}:
            if head not in value or value[head][0] == WITHHELD:
                continue
            children = [c for c in parents.index[parents == head] if c in value]
            hidden = [c for c in children if value[c][0] == WITHHELD]
            held = sum(int(value[c][1]) for c in hidden)
            if len(hidden) == 1 or small(held):
                narrowed.append((column, head, hidden, held))
    assert narrowed == []


def test_the_data_quality_page_shows_a_planner_no_count_of_today(demo):
    """Data quality counts today's units, finer in time than the month-end figures a planner
    sees elsewhere: a planner gets mapped shares only, withheld where the units or those
    off every grid are small, and no small count of unplaced records."""
    planner = spatial.data_quality(demo, PLANNER)
    admin = spatial.data_quality(demo, ADMIN)
    assert {"units", "in_grid"}.isdisjoint(planner["mapped_share"].columns)
    truth = admin["mapped_share"].set_index("code")
    shown = planner["mapped_share"].set_index("code")["mapped_share"]
    rest = truth["units"] - truth["in_grid"]
    telling = truth.index[disclosure.is_small(truth["units"]) | disclosure.is_small(rest)]
    assert (shown.loc[telling] == WITHHELD).all()
    assert (shown.loc[~shown.index.isin(telling)] != WITHHELD).all()
    for key in ("unplaced_units", "unplaced_worksites"):
        assert planner[key] == disclosure.count_or_withheld(admin[key])
    from tests import databases

    units, gridded = databases.rows(demo.db.url, "SELECT count(*), count(grid_id) FROM property")[0]
    assert admin["overall_mapped_share"] == pytest.approx(gridded / units)  # each unit once


def test_the_overall_mapped_share_is_withheld_when_few_units_are_off_the_map(copy):
    """One minus the overall mapped share, times the units, gave back how many units were off
    every grid; a planner sees the share only when those are none or at least THRESHOLD."""
    with copy.db.read() as conn:
        off = (
            conn.exec_driver_sql("SELECT id FROM property WHERE grid_id IS NULL ORDER BY id")
            .scalars()
            .all()
        )
        grid, community = conn.exec_driver_sql(
            "SELECT id, parent_id FROM area WHERE level = 'grid' ORDER BY id LIMIT 1"
        ).one()
    assert len(off) >= disclosure.THRESHOLD  # the demo's share is shown
    assert spatial.data_quality(copy, PLANNER)["overall_mapped_share"] != WITHHELD
    for left in (2, 0):
        with copy.db.write() as conn:
            for unit in off[left:]:
                conn.exec_driver_sql(
                    f"UPDATE property SET grid_id = {grid}, community_id = {community} "
                    f"WHERE id = {unit}"
                )
        admin = spatial.data_quality(copy, ADMIN)["overall_mapped_share"]
        shown = spatial.data_quality(copy, PLANNER)["overall_mapped_share"]
        assert shown == (WITHHELD if left else admin), (left, admin, shown)
        assert admin < 1 if left else admin == 1


def test_registration_rates_give_no_small_count_or_rest_back(demo):
    rates = sweeps.registration_rates(demo, PLANNER, as_of=AS_OF)
    for _, row in rates.iterrows():
        for rate, total in (("residence_rate", "residents_seen"), ("rental_rate", "units_found")):
            value, whole = shown_number(row, rate), shown_number(row, total)
            if value is not None:
                assert whole is not None
                part = round(value * whole)
                assert not small(part) and not small(whole - part), row.to_dict()


def test_the_pure_parts_and_together_rules():
    counts = pd.DataFrame(
        {
            "units": [40, 12, 20],
            "covered": [20, 10, 10],
            "attempted": [30, 10, 10],
            "overdue": [10, 2, 10],
        },
        index=["c", "g1", "g2"],
    )
    parent = pd.Series({"c": None, "g1": "c", "g2": "c"})
    hidden = disclosure.protect(
        counts,
        parent=parent,
        columns=["units", "covered", "attempted", "overdue"],
        parts_of=[("units", "covered"), ("units", "attempted"), ("units", "overdue")],
        together=[("covered", "attempted", "overdue")],
    )
    assert not hidden["units"].any()
    # g1: 12 - 10 = 2 units not covered; the group goes, and g2 with it (siblings)
    assert hidden.loc[["g1", "g2"], ["covered", "attempted", "overdue"]].all().all()
    assert not hidden.loc["c"].any()
    table = pd.DataFrame({"units": [40, 40, 30], "covered": [20, 20, 25], "seen": [22, 30, 25]})
    hidden = disclosure.protect_table(
        table,
        ["units", "covered", "seen"],
        parts_of=[("units", "covered"), ("units", "seen")],
        together=[("covered", "seen")],
    )
    assert hidden.loc[0, ["covered", "seen"]].all()  # 22 - 20: two seen, not covered
    assert (hidden["covered"] == hidden["seen"]).all()


# --------------------------------------------------------------------------- tables


def test_a_column_with_the_marker_beside_numbers_is_shown_as_text(demo):
    import pyarrow as pa

    from pages.tables import numbers_as_text

    rates = sweeps.registration_rates(demo, PLANNER, as_of=AS_OF)
    mixed = pd.DataFrame(
        {
            "registered_seen": pd.Series([33, WITHHELD, None, 40], dtype=object),
            "name": ["a", "b", "c", "d"],
            "n": [1, 2, 3, 4],
        }
    )
    for frame in (rates, mixed):
        shown = numbers_as_text(frame)
        pa.Table.from_pandas(shown)  # what the grid does: no ArrowInvalid, no automatic fix
        for column in frame.columns:
            before, after = frame[column], shown[column]
            if disclosure.is_withheld(before).any() and not disclosure.is_withheld(before).all():
                assert after.dtype == object
                for old, new in zip(before, after, strict=True):
                    if old is None or (not isinstance(old, str) and pd.isna(old)):
                        assert new is None or pd.isna(new)
                    elif isinstance(old, str):
                        assert new == old
                    else:
                        assert isinstance(new, str) and float(new) == float(old)
            else:
                pd.testing.assert_series_equal(before, after)
    assert numbers_as_text(mixed)["registered_seen"].tolist() == ["33", WITHHELD, None, "40"]


def planner_looks(opened: Opened) -> dict[str, pd.DataFrame]:
    """Everything a planner reads of the month end: each level, the headline, both trends,
    proven coverage, floating residents' hexagons and clusters, worksites and the homes of
    the busiest one's workers."""
    from geo.services.statistics import coverage_trend

    looks = {level: overview_figures(opened, PLANNER, level=level).table for level in LEVELS}
    for window in (WINDOW, 30):
        shown = overview_figures(opened, PLANNER, level="grid", window_days=window)
        looks[f"headline {window}"] = pd.DataFrame([shown.headline])
    looks["trend"] = coverage_trend(opened, PLANNER)
    looks["monthly trend"] = coverage_trend(opened, PLANNER, window_days=0)
    from geo.services import kits

    for level in LEVELS:
        looks[f"proven {level}"] = kits.proven_coverage(opened, PLANNER, level=level)
    for resolution in (8, 10):
        hexagons = spatial.floating_hexagons(opened, PLANNER, resolution=resolution)
        looks[f"hexagons {resolution}"] = pd.DataFrame(hexagons.drop(columns="geometry"))
    clusters = spatial.floating_clusters(opened, PLANNER)
    shapes = clusters.shapes
    looks["clusters"] = pd.DataFrame(shapes.drop(columns="geometry")).assign(
        hull=shapes.geometry.to_wkt().to_numpy()
    )
    looks["clustered"] = pd.DataFrame([[clusters.floating_total, clusters.clustered]])
    sites = spatial.worksite_layer(opened, PLANNER)
    looks["worksites"] = pd.DataFrame(sites.drop(columns="geometry"))
    homes = spatial.worker_homes(opened, PLANNER, busiest_worksite(opened)[0], resolution=10)
    looks["worker homes"] = pd.DataFrame(homes.cells.drop(columns="geometry")).assign(
        workers=homes.workers, housed_here=homes.housed_here, crowded=homes.crowded
    )
    return looks


def busiest_worksite(opened: Opened) -> tuple[int, str]:
    """The id and reference of the worksite with the most workers."""
    from tests import databases

    return databases.rows(
        opened.db.url,
        "SELECT w.id, w.external_ref FROM worksite w JOIN employment e ON e.worksite_id = w.id"
        " GROUP BY w.id, w.external_ref ORDER BY count(*) DESC, w.id LIMIT 1",
    )[0]


def late_records(
    opened: Opened, *, site: str | None = None, serials: Iterable[int] = (1, 2, 3)
) -> None:
    """What a registrar types in late for October: people (three) who moved in on
    15 October and work at ``site`` (a worksite's reference; the busiest one) since the
    16th, and a visit on 20 October to a unit not visited since July."""
    from geo.identifiers import id_check_digit
    from geo.services.uploads import import_upload
    from tests import databases

    unit = databases.rows(
        opened.db.url,
        "SELECT p.external_ref FROM property p WHERE p.status = 'active'"
        " AND p.grid_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visit v"
        " WHERE v.property_id = p.id AND v.visited_at >= '2026-07-01')"
        " ORDER BY p.id LIMIT 1",
    )[0][0]
    registrar = Actor(name="late-registrar", role="registrar")

    def number(serial: int) -> str:
        base = f"34122119900101{serial:03d}"
        return base + id_check_digit(base)

    serials = list(serials)
    people = "身份证号,姓名,房屋编号,入住日期\n" + "".join(
        f"{number(n)},迟{n},{unit},2026-10-15\n" for n in serials
    )
    visit = f"房屋编号,走访时间,走访结果\n{unit},2026-10-20 10:00,已核实\n"
    site = site or busiest_worksite(opened)[1]
    jobs = "身份证号,单位编号,入职日期\n" + "".join(
        f"{number(n)},{site},2026-10-16\n" for n in serials
    )
    for kind, data in (("residents", people), ("visits", visit), ("employment", jobs)):
        result = import_upload(
            opened, registrar, kind=kind, data=data.encode(), filename="late.csv", as_of=AS_OF
        )
        assert result.summary.get("batch") and not result.summary.get("rejected"), result.summary


def test_records_entered_late_for_a_month_end_do_not_change_what_planners_see(copy, monkeypatch):
    """The tenth tester's attack: a planner looked at the last month end, a registrar then
    typed in records of that month (moves registered late, a visit entered days after),
    and the planner looked again: the figures of the same month end had changed, and the
    difference of two looks gave the late records' grid back. Each month end is published
    once, the first time a planner looks at it; later records change the records (an
    admin sees them), never what planners see of that month end, then or next month."""
    before = planner_looks(copy)
    truth_before = overview_figures(copy, ADMIN, level="grid", as_of=MONTH_END, window_days=90)
    trend_before = october_covered(copy)
    busiest = busiest_worksite(copy)[0]
    workers_before = spatial.worker_homes(copy, ADMIN, busiest, as_of=MONTH_END).workers
    late_records(copy)
    assert spatial.worker_homes(copy, ADMIN, busiest, as_of=MONTH_END).workers == (
        workers_before + 3  # type: ignore[operator]
    )
    truth_after = overview_figures(copy, ADMIN, level="grid", as_of=MONTH_END, window_days=90)
    assert truth_after.headline["residents"] == truth_before.headline["residents"] + 3
    assert truth_after.headline["coverage"] > truth_before.headline["coverage"]

    after = planner_looks(copy)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)

    # next month, October is a point of the trend: still the figures published then
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2026-12-01")
    later = planner_looks(copy)
    assert overview_figures(copy, PLANNER).as_of == date(2026, 11, 30)
    for name in ("trend", "monthly trend"):
        october = later[name].loc[later[name]["month_end"] == MONTH_END, "covered"]
        shown = before[name].loc[before[name]["month_end"] == MONTH_END, "covered"]
        assert list(october) == list(shown), name
    assert october_covered(copy) == trend_before + 1  # an admin's trend has the late visit


def october_covered(opened: Opened) -> int:
    from geo.services.statistics import coverage_trend

    trend = coverage_trend(opened, ADMIN, as_of=date(2026, 11, 30))
    return int(trend.loc[trend["month_end"] == MONTH_END, "covered"].iloc[0])


def test_an_admin_withdraws_a_month_end_and_the_next_look_publishes_it_again(copy, capsys):
    """A registry whose history was loaded after a planner's first look: the admin withdraws
    the month end on the command line (audited); the next look publishes the records as
    they are then. No other role may, and a planner's look at an empty registry publishes
    nothing (no month end frozen at zero)."""
    import json

    from geo.cli import main
    from geo.errors import PermissionDeniedError
    from geo.services import statistics, tallies
    from tests import databases

    first = overview_figures(copy, PLANNER).headline["residents"]
    late_records(copy)
    assert overview_figures(copy, PLANNER).headline["residents"] == first
    for role in ("planner", "registrar", "sweeper"):
        with pytest.raises(PermissionDeniedError):
            tallies.withdraw_published(copy, Actor(name="x", role=role))
    code = main(["--db", copy.db.url, "stats", "published", "--month-end", str(MONTH_END)])
    (kept,) = json.loads(capsys.readouterr().out)
    assert code == 0 and {"counts_31", "counts_90", "trend", "worker_homes_*"} <= set(kept["names"])
    code = main(
        ["--db", copy.db.url, "stats", "published", "--withdraw", "--month-end", str(MONTH_END)]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["parts"] == kept["parts"]
    action = databases.rows(
        copy.db.url, "SELECT action, object_id FROM audit ORDER BY id DESC LIMIT 1"
    )
    assert tuple(action[0]) == ("figures.withdraw", str(MONTH_END))
    for not_a_month_end in ("2026-10-30", "2026-11-15"):
        argv = ["stats", "published", "--withdraw", "--month-end", not_a_month_end]
        assert main(["--db", copy.db.url, *argv]) == 2
        assert "month_end" in capsys.readouterr().err
    with pytest.raises(PermissionDeniedError):
        statistics.publish_month_end(copy, PLANNER)
    # a scheduled job publishes it again before any planner looks
    assert main(["--db", copy.db.url, "stats", "published", "--publish"]) == 0
    published = json.loads(capsys.readouterr().out)
    assert published["month_end"] == str(MONTH_END) and published["parts"] == kept["parts"]
    (made,) = databases.rows(
        copy.db.url,
        "SELECT actor, object_id, count FROM audit WHERE action = 'figures.publish'"
        " ORDER BY id DESC LIMIT 1",
    )
    # a publication on record (its count: with the trend's earlier month ends, first kept now)
    assert tuple(made[:2]) == ("system", str(MONTH_END)) and made[2] >= kept["parts"]
    assert overview_figures(copy, PLANNER).headline["residents"] == first + 3


def test_a_planners_look_at_an_empty_registry_publishes_nothing(empty_db):
    from geo.errors import NotFoundError
    from geo.services.statistics import coverage_trend
    from tests import databases

    for look in (
        lambda: overview_figures(empty_db, PLANNER),
        lambda: coverage_trend(empty_db, PLANNER),
        lambda: spatial.floating_hexagons(empty_db, PLANNER),
    ):
        with pytest.raises(NotFoundError):
            look()
    assert databases.rows(empty_db.db.url, "SELECT count(*) FROM published_figure")[0][0] == 0


def test_a_worksite_added_since_the_month_end_shows_no_worker_figure(copy):
    """The worksites layer and a worksite's panel show a planner the month end's workers,
    as published: a worksite registered since then had none on record then, and its
    workers (a figure of today) are withheld, not shown as 0 or as today's."""
    from geo.services.uploads import import_upload

    before = spatial.worksite_layer(copy, PLANNER)
    header = "单位编号,单位名称,单位类型,经度,纬度,从业人数\n"
    sites = header + "NEW-1,新建工地,工地,119.95,30.05,40\n"
    result = import_upload(
        copy,
        Actor(name="late-registrar", role="registrar"),
        kind="worksites",
        data=sites.encode(),
        filename="w.csv",
        as_of=AS_OF,
    )
    assert result.summary.get("batch") and not result.summary.get("rejected"), result.summary
    after = spatial.worksite_layer(copy, PLANNER).set_index("name")
    assert len(after) == len(before) + 1
    assert after.loc["新建工地", "workers"] == WITHHELD
    new_id = int(after.loc["新建工地", "id"])
    # the eleventh tester: its workers, moved in before the month end and typed in since,
    # were placed (one hexagon of six, crowded) from the records of the day a planner asked
    late_records(copy, site="NEW-1", serials=range(11, 17))
    assert spatial.worker_homes(copy, ADMIN, new_id, as_of=MONTH_END).housed_here == 6
    homes = spatial.worker_homes(copy, PLANNER, new_id, resolution=11)
    assert (homes.workers, homes.housed_here, homes.crowded) == (WITHHELD,) * 3
    assert homes.cells.empty


def test_a_planners_area_scope_chooses_among_the_whole_registrys_clusters_and_hexagons(copy):
    """The eleventh tester: a planner scoped to one community saw clusters and hexagons of
    their own (DBSCAN over their homes only, hexagons cut at the community's edge), so two
    planners' looks differed by a border home (one resident in one unit, two residents of a
    neighbouring community in a hexagon); and a scoped planner's first look that month
    published their clusters from the records of that day, late records included. Now a
    scope chooses among the month end's clusters and hexagons of the whole registry, as an
    area does: the same figure for every planner."""
    whole_clusters = shapes_of(spatial.floating_clusters(copy, PLANNER)).set_index("cluster")
    whole_cells = {
        r: spatial.floating_hexagons(copy, PLANNER, resolution=r).set_index("cell")["count"]
        for r in (8, 9)
    }
    late_records(copy)  # before any scoped planner's first look
    shown_somewhere = 0
    for code in community_codes(copy):
        scoped = Actor(name=f"planner-{code}", role="planner", areas=frozenset({code}))
        clusters = shapes_of(spatial.floating_clusters(copy, scoped)).set_index("cluster")
        assert clusters.equals(whole_clusters.loc[clusters.index]), code
        for resolution, whole in whole_cells.items():
            cells = spatial.floating_hexagons(copy, scoped, resolution=resolution)
            counts = cells.set_index("cell")["count"]
            assert counts.equals(whole.reindex(counts.index)), (code, resolution)
            shown_somewhere += len(counts)
        total = spatial.floating_clusters(copy, scoped).floating_total
        shown = spatial.floating_clusters(copy, PLANNER, area=code).floating_total
        assert total == shown, code  # the scope's total is its community's, as published
    assert shown_somewhere and len(whole_clusters)


def test_a_month_ends_point_of_the_trend_withholds_what_its_overview_withheld(copy, monkeypatch):
    """The eleventh tester: in December, 31 October is a point of the trend, protected as a
    tree of its own; 53 of its community figures the November overview had withheld were
    shown, and less the grids shown then they gave six withheld grids back. A month end's
    point of the trend now withholds what the overview of that month end withheld."""
    from geo.services.statistics import coverage_trend, overview_withheld

    withheld = {  # what planners were not shown of 31 October in November, per window
        window: overview_withheld(copy, PLANNER, as_of=MONTH_END, window_days=window)
        for window in (WINDOW, 0)
    }
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2026-12-01")
    assert overview_figures(copy, PLANNER).as_of == date(2026, 11, 30)  # published too
    checked = 0
    for code in community_codes(copy):
        for window, pattern in withheld.items():
            if code not in pattern.index:
                continue
            trend = coverage_trend(copy, PLANNER, window_days=window, area=code)
            october = trend.loc[trend["month_end"] == MONTH_END].iloc[0]
            for column in ("units", "covered"):
                hidden = pattern.loc[code, "rental_units" if column == "units" else column]
                if hidden:
                    assert october[column] == WITHHELD, (code, window, column)
                    checked += 1
    assert checked  # the demo has such cells
