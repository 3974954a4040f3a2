"""Area statistics from the service equal an independent computation from the raw tables."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from geo import clock, disclosure
from geo.disclosure import WITHHELD
from geo.errors import NotFoundError, PermissionDeniedError
from geo.services.access import Actor
from geo.services.statistics import area_statistics
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER


def raw_tables(demo) -> dict[str, pd.DataFrame]:
    path = demo.db.url
    return {
        name: databases.read_sql(path, f"SELECT * FROM {name}")
        for name in ("area", "property", "residence", "person", "worksite", "visit")
    }


@pytest.fixture(scope="module")
def raw(demo):
    return raw_tables(demo)


def independent(raw, *, window_days: int) -> pd.DataFrame:
    """Per community, from plain pandas over the raw rows."""
    end = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time())
    start = end - timedelta(days=window_days)
    units = raw["property"].query("status == 'active'")
    visits = raw["visit"].dropna(subset=["property_id"]).copy()
    visits["visited_at"] = pd.to_datetime(visits["visited_at"])
    visits = visits.loc[visits["visited_at"] < end]
    done = visits.loc[visits["outcome"].isin(["verified", "changes_found", "vacant"])]
    last_done = done.groupby("property_id")["visited_at"].max()
    unit_last = units["id"].map(last_done)
    units = units.assign(
        covered=unit_last >= start,
        overdue=unit_last.isna() | (unit_last < end - timedelta(days=90)),
    )
    living = raw["residence"].loc[raw["residence"]["moved_out"].isna()]
    living = living.merge(raw["person"][["id", "origin"]], left_on="person_id", right_on="id")
    living = living.merge(units[["id", "community_id"]], left_on="property_id", right_on="id")
    rows = []
    for community in raw["area"].query("level == 'community'").itertuples():
        mine = units.loc[units["community_id"] == community.id]
        people = living.loc[living["community_id"] == community.id]
        rows.append(
            {
                "code": community.code,
                "rental_units": len(mine),
                "residents": len(people),
                "floating_residents": int((people["origin"] != "330110").sum()),
                "worksites": int((raw["worksite"]["community_id"] == community.id).sum()),
                "coverage": mine["covered"].mean() if len(mine) else np.nan,
                "overdue_units": int(mine["overdue"].sum()),
                "area_km2": community.area_m2 / 1e6,
            }
        )
    return pd.DataFrame(rows).set_index("code").sort_index()


@pytest.mark.parametrize("window_days", [30, 90, 365])
def test_community_statistics_equal_an_independent_computation(demo, raw, window_days):
    ours = area_statistics(demo, ADMIN, level="community", window_days=window_days, as_of=AS_OF)
    expected = independent(raw, window_days=window_days)
    ours = ours.set_index("code").sort_index()
    for column in ("rental_units", "residents", "floating_residents", "worksites", "overdue_units"):
        assert ours[column].astype(int).tolist() == expected[column].tolist(), column
    np.testing.assert_allclose(ours["coverage"].astype(float), expected["coverage"], rtol=1e-12)
    np.testing.assert_allclose(ours["area_km2"].astype(float), expected["area_km2"], rtol=1e-12)


def test_coverage_differs_strongly_between_communities(demo):
    table = area_statistics(demo, ADMIN, level="community", window_days=90, as_of=AS_OF)
    assert table["coverage"].min() < 0.5
    assert table["coverage"].max() > 0.9


def test_counts_add_up_from_grids_to_communities_to_the_street(demo):
    levels = {
        level: area_statistics(demo, ADMIN, level=level, as_of=AS_OF)
        for level in ("street", "community", "grid")
    }
    for column in ("rental_units", "residents", "floating_residents", "worksites"):
        street = int(levels["street"][column].sum())
        assert int(levels["community"][column].sum()) == street
        grids = levels["grid"]
        assert int(grids[column].sum()) <= street  # a unit on a grid sliver may miss a grid
        assert int(grids[column].sum()) >= 0.99 * street
    assert levels["street"]["population"].iloc[0] == levels["community"]["population"].sum()


def test_planners_get_small_counts_withheld_as_of_the_last_month_end(demo):
    """The planner's figures are the admin's of the last month end, with every small count
    withheld and as few others as protect them (see tests/test_disclosure.py)."""
    month_end = disclosure.planner_day(clock.today())
    admin = area_statistics(demo, ADMIN, level="grid", as_of=month_end)
    planner = area_statistics(demo, PLANNER, level="grid", as_of=AS_OF)
    small = disclosure.is_small(admin["floating_residents"])
    assert small.any()
    assert (planner.loc[small, "floating_residents"] == WITHHELD).all()
    shown = planner["floating_residents"] != WITHHELD
    assert (
        planner.loc[shown, "floating_residents"] == admin.loc[shown, "floating_residents"]
    ).all()
    assert (planner["worksites"] == admin["worksites"]).all()  # places of business: shown
    withheld_residents = planner["residents"] == WITHHELD
    assert (planner.loc[withheld_residents, "residents_per_km2"] == WITHHELD).all()


def test_an_actor_scoped_to_one_community_sees_only_it_and_its_grids(demo):
    scoped = Actor(name="x", role="registrar", areas=frozenset({"330110901201"}))
    communities = area_statistics(demo, scoped, level="community", as_of=AS_OF)
    grids = area_statistics(demo, scoped, level="grid", as_of=AS_OF)
    assert communities["code"].tolist() == ["330110901201"]
    assert len(grids) >= 1
    assert (grids["parent_code"] == "330110901201").all()


def test_roles_without_aggregate_rights_are_refused_and_empty_databases_say_so(demo, empty_db):
    with pytest.raises(PermissionDeniedError):
        area_statistics(demo, Actor(name="s", role="sweeper"), as_of=AS_OF)
    with pytest.raises(NotFoundError) as caught:
        area_statistics(empty_db, ADMIN, as_of=AS_OF)
    assert caught.value.key == "database_empty"
