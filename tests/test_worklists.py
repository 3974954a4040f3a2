"""The lists staff act on (geo/worklists.py), from small frames whose answers can be counted."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from geo.worklists import (
    counts_by_community,
    crowded_units,
    permits_due,
    stale_units,
    unknown_employers,
)

TODAY = date(2026, 11, 29)


def units(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_a_unit_is_listed_as_crowded_by_residents_per_room_or_by_floor_area():
    table = units(
        external_ref=["roomy", "per-room", "per-area", "unknown-size"],
        residents=[2, 7, 4, 9],
        rooms=[2, 2, 4, None],
        floor_area_m2=[60.0, 80.0, 12.0, None],
    )
    listed = crowded_units(table)
    # 7 in 2 rooms is 3.5 a room; 4 in 12 m2 is 3 m2 each; a unit of no known size is not judged
    assert listed["external_ref"].tolist() == ["per-room", "per-area"]
    assert listed["residents_per_room"].tolist() == [3.5, 1.0]
    assert listed["m2_per_resident"].tolist() == [11.4, 3.0]


def test_exactly_at_the_threshold_is_not_crowded_and_the_thresholds_are_parameters():
    table = units(external_ref=["a"], residents=[4], rooms=[2], floor_area_m2=[20.0])
    assert crowded_units(table).empty  # 2 a room, 5 m2 each: at both limits, beyond neither
    assert crowded_units(table, per_room=1.5)["external_ref"].tolist() == ["a"]
    assert crowded_units(table, m2_per_person=6.0)["external_ref"].tolist() == ["a"]


def test_the_most_crowded_unit_comes_first():
    table = units(
        external_ref=["three", "five", "four"],
        residents=[3, 5, 4],
        rooms=[1, 1, 1],
        floor_area_m2=[float("nan")] * 3,
    )
    assert crowded_units(table)["external_ref"].tolist() == ["five", "four", "three"]


def test_permits_due_lists_expired_and_soon_expiring_soonest_first():
    people = pd.DataFrame(
        {
            "name": ["later", "expired", "soon", "no-permit", "today"],
            "community": ["甲"] * 5,
            "permit_expiry": [
                TODAY + timedelta(days=31),
                TODAY - timedelta(days=3),
                TODAY + timedelta(days=30),
                None,
                TODAY,
            ],
        }
    )
    due = permits_due(people, as_of=TODAY)
    assert due["name"].tolist() == ["expired", "today", "soon"]
    assert due["days_left"].tolist() == [-3, 0, 30]
    assert permits_due(people, as_of=TODAY, days=31)["name"].tolist()[-1] == "later"


def test_a_unit_is_stale_when_no_visit_fell_in_the_last_days_counting_today():
    last = [
        TODAY - timedelta(days=179),  # inside the 180 days that end today
        TODAY - timedelta(days=180),  # one day before them
        None,  # never visited
        TODAY - timedelta(days=400),
    ]
    table = units(external_ref=["recent", "just-out", "never", "long-ago"], last_visit=last)
    stale = stale_units(table, as_of=TODAY, days=180)
    assert stale["external_ref"].tolist() == ["never", "long-ago", "just-out"]
    assert pd.isna(stale["days_since"].iloc[0])
    assert stale["days_since"].iloc[1:].tolist() == [401, 181]


def test_an_employer_is_unknown_when_no_worksite_bears_its_name_in_any_spacing():
    residents = pd.DataFrame(
        {
            "name": ["spaced", "full-width", "unknown", "blank", "employed-elsewhere"],
            "employer_name": ["华兴 纺织厂", "（华兴）纺织厂", "无名小店", "  ", "无名小店"],
            "employed": [False, False, False, False, True],
        }
    )
    sites = pd.Series(["华兴纺织厂", "(华兴)纺织厂", None])
    listed = unknown_employers(residents, sites)
    assert listed["name"].tolist() == ["unknown"]
    assert "employed" not in listed


def test_counts_by_community_count_rows_outside_every_community_as_none():
    table = pd.DataFrame({"community": ["乙村", None, "甲村", "乙村", None, None]})
    counts = counts_by_community(table)
    assert counts.to_dict("records") == [
        {"community": None, "count": 3},
        {"community": "乙村", "count": 2},
        {"community": "甲村", "count": 1},
    ]


@pytest.mark.parametrize("table", [pd.DataFrame({"kind": ["x"]}), pd.DataFrame()])
def test_a_list_without_communities_counts_nothing(table):
    assert counts_by_community(table).empty
