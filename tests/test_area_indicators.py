"""Per-area indicators (geo/indicators.py): counts add up level by level, rates are recomputed
from their counts, on a hand-drawn street of two communities and one grid."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.indicators import INDICATOR_COLUMNS, area_indicators, crowded, headline, is_floating

# A street (1 km2) with two communities (0.5 km2 and 0.25 km2); the first holds one grid.
AREAS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "code": ["S", "C2", "C1", "G1"],
        "name": ["街道", "二村", "一村", "一格"],
        "level": ["street", "community", "community", "grid"],
        "parent_id": [None, 1, 1, 3],
        "parent_code": [None, "S", "S", "C1"],
        "area_m2": [1_000_000.0, 250_000.0, 500_000.0, 100_000.0],
        "population": [900, 300, 600, None],
    }
)
COUNTS = pd.DataFrame(
    {
        "community_id": [3, 3, 2, None],
        "grid_id": [4, None, None, None],
        "rental_units": [3, 1, 2, 7],
        "covered": [2, 1, 0, 7],
        "attempted": [3, 1, 1, 7],
        "overdue_units": [1, 0, 2, 7],
        "residents": [10, 5, 4, 70],
        "floating_residents": [6, 1, 2, 70],
        "not_found_residents": [1, 0, 0, 70],
        "worksites": [0, 2, 1, 70],
    }
)


def by_code(level: str) -> dict[str, dict[str, object]]:
    table = area_indicators(AREAS, level=level, counts=COUNTS)
    assert list(table.columns) == list(INDICATOR_COLUMNS)
    return {str(r["code"]): r for r in table.to_dict("records")}


def test_communities_add_up_their_rows_and_rates_come_from_those_counts():
    one = by_code("community")["C1"]
    assert (one["rental_units"], one["residents"], one["worksites"]) == (4, 15, 2)
    assert one["coverage"] == pytest.approx(3 / 4)
    assert one["attempted_coverage"] == pytest.approx(4 / 4)
    assert one["overdue_share"] == pytest.approx(1 / 4)
    assert one["area_km2"] == pytest.approx(0.5)
    assert one["residents_per_km2"] == pytest.approx(30.0)
    assert one["floating_per_km2"] == pytest.approx(14.0)


def test_the_street_adds_up_its_communities_and_ignores_rows_outside_every_area():
    street = by_code("street")["S"]
    assert (street["rental_units"], street["residents"], street["overdue_units"]) == (6, 19, 3)
    assert street["coverage"] == pytest.approx(3 / 6)  # not the mean of 3/4 and 0/2
    assert street["residents_per_km2"] == pytest.approx(19.0)


def test_a_grid_counts_only_the_rows_placed_in_it():
    grid = by_code("grid")["G1"]
    assert (grid["rental_units"], grid["residents"]) == (3, 10)
    assert grid["residents_per_km2"] == pytest.approx(100.0)
    assert pd.isna(grid["population"])


def test_an_area_without_units_has_no_coverage_rather_than_zero():
    counts = COUNTS.loc[COUNTS["community_id"] == 3]
    table = area_indicators(AREAS, level="community", counts=counts)
    empty = table.set_index("code").loc["C2"]
    assert empty["rental_units"] == 0
    assert math.isnan(empty["coverage"])
    assert empty["residents_per_km2"] == 0


def test_areas_come_back_in_code_order():
    table = area_indicators(AREAS, level="community", counts=COUNTS)
    assert table["code"].tolist() == ["C1", "C2"]


def test_a_resident_is_floating_when_their_hukou_is_outside_the_local_county():
    origin = pd.Series(["330110", "330111", "341221", None, "3301"])
    assert is_floating(origin, local_region="330110").tolist() == [
        False,
        True,
        True,
        False,  # origin unknown: not counted as floating
        True,
    ]


@pytest.mark.parametrize(
    ("residents", "rooms", "floor_area_m2", "expected"),
    [
        (4, 2, 40.0, False),  # 2 a room is the limit, not beyond it
        (5, 2, 40.0, True),  # 2.5 a room
        (4, 4, 19.0, True),  # 4.75 m2 each
        (4, 4, 20.0, False),  # 5 m2 each is the limit
        (4, 0, None, False),  # no rooms and no area known: not judged
        (0, 1, 1.0, False),  # nobody lives there
    ],
)
def test_crowding_is_strictly_beyond_either_threshold(residents, rooms, floor_area_m2, expected):
    flagged = crowded(
        pd.Series([residents]), pd.Series([rooms]), pd.Series([floor_area_m2], dtype=float)
    )
    assert flagged.tolist() == [expected]


def test_crowding_thresholds_are_parameters():
    residents, rooms, area = pd.Series([3]), pd.Series([2]), pd.Series([30.0])
    assert not crowded(residents, rooms, area).iloc[0]
    assert crowded(residents, rooms, area, per_room=1.0).iloc[0]
    assert crowded(residents, rooms, area, m2_per_person=12.0).iloc[0]


def test_headline_coverage_is_weighted_by_units_never_averaged():
    table = pd.DataFrame(
        {
            "rental_units": [1, 3],
            "residents": [2, 4],
            "floating_residents": [1, 1],
            "worksites": [1, 0],
            "overdue_units": [1, 1],
            "not_found_residents": [0, 2],
            "coverage": [0.0, 1.0],
            "area_km2": [0.5, 1.5],
        }
    )
    totals = headline(table)
    assert totals["coverage"] == pytest.approx(0.75)
    assert totals["overdue_share"] == pytest.approx(0.5)
    assert (totals["rental_units"], totals["residents"], totals["area_km2"]) == (4, 6, 2.0)


def test_headline_of_areas_without_units_has_no_coverage():
    table = pd.DataFrame(
        {
            "rental_units": [0],
            "residents": [0],
            "floating_residents": [0],
            "worksites": [0],
            "overdue_units": [0],
            "not_found_residents": [0],
            "coverage": [float("nan")],
            "area_km2": [1.0],
        }
    )
    totals = headline(table)
    assert math.isnan(totals["coverage"])
    assert math.isnan(totals["overdue_share"])
