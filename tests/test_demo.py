"""The demo district: deterministic, sized like a real street office, internally consistent."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.areas import sibling_issues
from geo.coverage import inspection_status, month_to_date_days
from geo.demo import LOCAL_REGION, generate_district
from geo.identifiers import id_check_digit
from geo.services import statistics, sweeps
from geo.services.access import Actor
from geo.services.statistics import area_statistics
from geo.store.areas import load_areas
from geo.store.frames import read_frame
from geo.store.schema import person, property_, residence
from tests import databases
from tests.conftest import ADMIN, AS_OF


@pytest.fixture(scope="module")
def generated():
    return generate_district(seed=2026, scale=1, as_of=AS_OF)


def within(value: float, target: float, *, rel: float = 0.05) -> bool:
    return abs(value - target) <= rel * target


def test_the_same_seed_gives_the_same_district_and_another_seed_does_not(generated):
    again = generate_district(seed=2026, scale=1, as_of=AS_OF)
    pd.testing.assert_frame_equal(generated.persons, again.persons)
    pd.testing.assert_frame_equal(generated.visits, again.visits)
    assert all(
        a.equals(b) for a, b in zip(generated.areas.geometry, again.areas.geometry, strict=True)
    )
    other = generate_district(seed=7, scale=1, as_of=AS_OF)
    assert not other.persons["id_number"].equals(generated.persons["id_number"])


def test_demo_summary_matches_the_sizes_of_a_real_street_office(demo_dir):
    summary = json.loads((demo_dir / "demo.json").read_text(encoding="utf-8"))
    assert summary["communities"] == 19
    assert summary["villages"] == 33
    assert within(summary["rental_units"], 13_000)
    assert within(summary["residents"], 36_000)
    assert summary["worksites"] == 450
    assert summary["unplaced_units"] <= 0.01 * summary["rental_units"]


def test_population_floating_share_and_origins(generated):
    communities = generated.areas.loc[generated.areas["level"] == "community"]
    assert within(communities["population"].sum(), 116_000)
    current = generated.residences.loc[generated.residences["moved_out"].isna()]
    origins = generated.persons["origin"].to_numpy()[current["person"]]
    assert within((origins != LOCAL_REGION).sum(), 32_000)
    provinces = {o[:2] for o in origins if o != LOCAL_REGION}
    assert len(provinces) >= 12  # spread over real provinces (Anhui 34, Henan 41, ...)
    assert {"34", "41", "36", "51", "52"} <= provinces


def test_communities_and_grids_tile_the_street_without_gaps_or_overlaps(generated):
    areas = generated.areas
    street = areas.loc[areas["level"] == "street"].geometry.iloc[0]
    communities = areas.loc[areas["level"] == "community"]
    assert sibling_issues(communities, outline=street).empty
    for code, outline in zip(communities["code"], communities.geometry, strict=True):
        grids = areas.loc[areas["parent_code"] == code]
        assert sibling_issues(grids, outline=outline).empty, code
    centre = street.centroid
    assert abs(centre.x - 119.95) < 0.05
    assert abs(centre.y - 30.05) < 0.05


def test_grids_hold_about_300_households_and_add_up_to_their_community(generated):
    areas = generated.areas
    grids = areas.loc[areas["level"] == "grid"]
    households = grids["population"] / 2.8
    assert 200 < households.median() < 400
    sums = grids.groupby("parent_code")["population"].sum()
    communities = areas.loc[areas["level"] == "community"].set_index("code")["population"]
    pd.testing.assert_series_equal(sums.sort_index(), communities.sort_index(), check_names=False)


def test_every_id_number_is_valid_and_unique(generated):
    ids = generated.persons["id_number"]
    assert ids.is_unique
    assert all(id_check_digit(v[:17]) == v[17] for v in ids)
    male = generated.persons["sex"].eq("M").to_numpy()
    assert (np.array([int(v[16]) % 2 for v in ids]) == male).all()


def test_each_person_has_at_most_one_current_home_and_no_overlapping_stays(demo):
    with demo.db.read() as conn:
        stays = read_frame(conn, residence.select())
    current = stays.loc[stays["moved_out"].isna()]
    assert current["person_id"].is_unique
    ordered = stays.sort_values(["person_id", "moved_in"])
    previous_out = ordered.groupby("person_id")["moved_out"].shift()
    overlapping = previous_out.notna() & (
        pd.to_datetime(previous_out) > pd.to_datetime(ordered["moved_in"])
    )
    assert not overlapping.any()


def test_identifiers_are_stored_sealed_and_masked(demo):
    with demo.db.read() as conn:
        people = read_frame(conn, person.select().limit(200))
    assert people["id_masked"].str.fullmatch(r"\d{6}\*{8}\d{3}[\dX]").all()
    assert people["phone_masked"].str.fullmatch(r"1\d{2}\*{4}\d{4}").all()
    assert people["id_hmac"].str.fullmatch(r"[0-9a-f]{64}").all()
    first = people.iloc[0]
    number = demo.keys.unseal(first["id_cipher"])
    assert demo.keys.digest(number) == first["id_hmac"]
    assert number.encode() not in first["id_cipher"]


def test_properties_are_placed_in_the_community_whose_boundary_holds_them(demo):
    with demo.db.read() as conn:
        units = read_frame(conn, property_.select())
        areas = load_areas(conn, level="community")
    sample = units.dropna(subset=["community_id"]).sample(500, random_state=1)
    geometry = areas.set_index("id").geometry
    inside = [
        shapely.intersects_xy(geometry.loc[c], x, y)
        for c, x, y in zip(sample["community_id"], sample["lon"], sample["lat"], strict=True)
    ]
    assert all(inside)


def test_scale_two_lays_two_streets_side_by_side():
    small = generate_district(seed=5, scale=2, as_of=date(2026, 1, 1))
    streets = small.areas.loc[small.areas["level"] == "street"]
    assert len(streets) == 2
    assert not streets.geometry.iloc[0].intersects(streets.geometry.iloc[1])
    assert within(len(small.properties), 26_000)
    assert small.properties["external_ref"].is_unique
    assert small.persons["id_number"].is_unique


def test_the_same_seed_plans_the_same_sweep(generated):
    again = generate_district(seed=2026, scale=1, as_of=AS_OF)
    assert again.sweep == generated.sweep
    assert generated.sweep.starts_on <= AS_OF <= generated.sweep.ends_on
    assert len(generated.sweep.areas) == 2


def test_the_demo_has_a_sweep_in_progress_with_work_for_the_demo_sweeper(demo):
    known = sweeps.list_sweeps(demo, ADMIN)
    assert len(known) == 1
    found = known.iloc[0]
    assert found["starts_on"] <= AS_OF <= found["ends_on"]
    assert found["teams"] == 2 and found["units"] > 100
    teams = databases.rows(
        demo.db.url,
        "SELECT t.name, u.name FROM team_member m JOIN team t ON t.id = m.team_id"
        " JOIN app_user u ON u.id = m.user_id WHERE t.sweep_id = ?",
        (int(found["id"]),),
    )
    assert {team for team, _ in teams} == {"一组", "二组"}  # every team has members
    assert ("一组", "demo-sweeper") in set(teams)
    sweeper = Actor(name="demo-sweeper", role="sweeper")
    progress = sweeps.sweep_progress(demo, sweeper, int(found["id"]), as_of=AS_OF)
    by_team = progress["by_team"].set_index("team")
    assert (by_team["assigned"] > 0).all()
    assert (by_team["visits_recorded"] > 0).all()  # some visits done, by both teams
    assert (by_team["completed"] > 0).all()
    assert by_team["not_reached"].sum() > 0  # nobody home or refused: carried over
    assert by_team["open"].sum() > 0  # still to visit
    carried = progress["carry_over"]
    assert set(carried["state"]) == {"not_reached", "open"}
    assert progress["remaining"] == len(carried) < by_team["assigned"].sum()
    assert progress["days_needed"] >= 1


def test_the_monthly_inspection_rate_spreads_over_every_colour(demo):
    monthly = area_statistics(demo, ADMIN, window_days=month_to_date_days(AS_OF), as_of=AS_OF)
    rates = monthly["coverage"].to_numpy(float)
    statuses = {inspection_status(r) for r in rates}
    assert statuses == {"met", "near", "below"}
    assert rates.max() - rates.min() > 0.4
    assert len(np.unique(np.round(rates, 2))) > 30


def test_every_month_of_the_inspection_chart_has_a_believable_rate(demo):
    trend = statistics.coverage_trend(demo, ADMIN, window_days=0, as_of=AS_OF)
    assert len(trend) == 12
    rates = trend["coverage"].to_numpy(float)
    assert (rates > 0).all()  # no month of the last twelve without inspections
    assert ((rates > 0.5) & (rates < 0.85)).all(), rates
    table = area_statistics(demo, ADMIN, window_days=90, as_of=AS_OF).sort_values("coverage")
    low, high = (
        statistics.coverage_trend(demo, ADMIN, window_days=0, as_of=AS_OF, area=code)
        for code in (table["code"].iloc[0], table["code"].iloc[-1])
    )
    # each community keeps its own level, month after month, and moves a little
    assert (high["coverage"].to_numpy(float) - low["coverage"].to_numpy(float) > 0.3).all()
    assert low["coverage"].std() > 0.005 and high["coverage"].std() > 0.005


def test_the_monthly_history_follows_the_day_it_is_built_for(generated):
    visited = pd.to_datetime(generated.visits["visited_at"])
    assert visited.max() < pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    later = generate_district(seed=2026, scale=1, as_of=date(2027, 3, 15))
    months = pd.to_datetime(later.visits["visited_at"]).dt.to_period("M").value_counts()
    assert (months.loc[pd.period_range("2026-04", "2027-03", freq="M")] > 5_000).all()
