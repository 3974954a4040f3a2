"""The lists staff act on, each checked against a computation of its own from the raw
tables (pandas over plain SQL reads)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from geo.cli import main
from geo.errors import NotFoundError, PermissionDeniedError
from geo.services import lists, statistics
from geo.services.access import Actor
from geo.services.setup import open_database
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER

TODAY = pd.Timestamp(AS_OF)


@pytest.fixture(scope="module")
def raw(demo_url):
    tables = {
        name: databases.read_sql(demo_url, f"SELECT * FROM {name}")
        for name in ("property", "residence", "person", "visit")
    }
    stays = tables["residence"]
    units = tables["property"]
    living = stays.loc[
        (pd.to_datetime(stays["moved_in"]) <= TODAY)
        & (stays["moved_out"].isna() | (pd.to_datetime(stays["moved_out"]) > TODAY))
    ].merge(units.loc[units["status"] == "active"], left_on="property_id", right_on="id")
    tables["living"] = living
    return tables


def test_crowded_units_are_those_beyond_either_threshold(demo, raw):
    got = lists.staff_list(demo, ADMIN, "crowded", as_of=AS_OF)
    per_unit = (
        raw["living"]
        .groupby("property_id")
        .agg(
            residents=("person_id", "size"),
            rooms=("rooms", "first"),
            area=("floor_area_m2", "first"),
        )
    )
    expected = per_unit.loc[
        (per_unit["residents"] / per_unit["rooms"] > 2)
        | (per_unit["area"] / per_unit["residents"] < 5)
    ]
    refs = raw["property"].set_index("id").loc[expected.index, "external_ref"]
    assert len(got) > 0 and set(got["external_ref"]) == set(refs)
    assert (
        got["residents_per_room"].is_monotonic_decreasing or got["residents_per_room"].isna().any()
    )


def test_permits_due_are_expired_or_expiring_within_30_days(demo, raw):
    got = lists.staff_list(demo, ADMIN, "permits", as_of=AS_OF)
    people = raw["person"].set_index("id").loc[raw["living"]["person_id"]]
    expiry = pd.to_datetime(people["permit_expiry"])
    due = people.loc[expiry.notna() & ((expiry - TODAY).dt.days <= 30)]
    assert len(got) == len(due) > 0
    assert got["days_left"].is_monotonic_increasing
    assert got["id_masked"].str.contains(r"\*{8}").all()


def test_residents_not_found_follow_their_latest_visit(demo, raw):
    got = lists.staff_list(demo, ADMIN, "not-found", as_of=AS_OF)
    visits = raw["visit"].dropna(subset=["person_id"]).sort_values(["visited_at", "id"])
    latest = visits.groupby("person_id").last()
    missing = set(latest.index[latest["outcome"] == "not_found"])
    expected = raw["living"]["person_id"].isin(missing).sum()
    assert len(got) == expected > 1000
    headline = statistics.overview_figures(demo, ADMIN, as_of=AS_OF).headline
    assert headline["not_found_residents"] <= len(
        got
    )  # units outside every area are not counted there


def test_stale_units_have_residents_and_no_visit_for_180_days(demo, raw):
    got = lists.staff_list(demo, ADMIN, "stale", as_of=AS_OF)
    visits = raw["visit"].dropna(subset=["property_id"])
    last = pd.to_datetime(visits.groupby("property_id")["visited_at"].max())
    occupied = raw["living"]["property_id"].unique()
    since = (TODAY + pd.Timedelta(days=1) - last.reindex(occupied)).dt.days
    expected = since.isna() | (since > 180)
    assert len(got) == expected.sum() > 0


def test_lists_are_for_roles_that_see_records_and_stay_in_their_areas(demo):
    with pytest.raises(PermissionDeniedError):
        lists.staff_list(demo, PLANNER, "crowded", as_of=AS_OF)
    everyone = lists.staff_list(demo, ADMIN, "not-found", as_of=AS_OF)
    community = everyone["community"].iloc[0]
    with databases.connect(demo.db.url) as conn:
        code = conn.execute("SELECT code FROM area WHERE name = ?", (community,)).fetchone()[0]
    scoped = Actor(name="cun", role="registrar", areas=frozenset({code}))
    mine = lists.staff_list(demo, scoped, "not-found", as_of=AS_OF)
    assert set(mine["community"]) == {community}
    assert len(mine) == (everyone["community"] == community).sum()
    with pytest.raises(NotFoundError):
        lists.staff_list(demo, scoped, "not-found", as_of=AS_OF, area="330110901999")


def test_the_cli_prints_a_list_with_counts_by_community_and_exports_csv(
    demo_copy, tmp_path, capsys
):
    db = demo_copy
    args = ["--db", db, "lists", "not-found", "--as-of", AS_OF.isoformat()]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (
        printed["rows"] == len(printed["items"]) == sum(c["count"] for c in printed["by_community"])
    )
    assert main([*args, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeff")
    assert len(pd.read_csv(io.StringIO(text.lstrip("\ufeff")))) == printed["rows"]
    opened = open_database(db)
    with databases.connect(db) as conn:
        last = conn.execute("SELECT action, count FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    opened.db.dispose()
    assert last == ("export.list.not-found", printed["rows"])


def test_a_worker_who_moves_away_appears_among_the_unhoused(demo_copy, tmp_path):
    from geo.services import moves, people

    db = open_database(demo_copy)
    assert lists.staff_list(db, ADMIN, "unhoused-workers", as_of=AS_OF).empty
    with databases.connect(demo_copy) as conn:
        person_id, site = conn.execute(
            "SELECT e.person_id, w.name FROM employment e JOIN worksite w ON w.id = "
            "e.worksite_id JOIN residence r ON r.person_id = e.person_id AND r.moved_out IS NULL "
            "WHERE e.until IS NULL AND r.moved_in < ? LIMIT 1",
            (AS_OF.isoformat(),),
        ).fetchone()
    number = people.unmask_person(db, ADMIN, person_id)["id_number"]
    moves.move_out(db, ADMIN, id_number=number, on=AS_OF)
    unhoused = lists.staff_list(db, ADMIN, "unhoused-workers", as_of=AS_OF)
    assert unhoused["worksite"].tolist() == [site]
    db.db.dispose()


def test_a_list_read_again_is_the_same_and_every_view_is_audited(demo_copy):
    """A list is read once per data version (a city's takes seconds), but each view is
    written to the audit log, a change to the data shows at the next view, and what one
    caller does to its table does not reach the next."""
    from geo.services import moves, people

    db = open_database(demo_copy)

    def views() -> int:
        with databases.connect(demo_copy) as conn:
            return conn.execute("SELECT count(*) FROM audit WHERE action = 'view.list'").fetchone()[
                0
            ]

    before = views()
    first = lists.staff_list(db, ADMIN, "not-found", as_of=AS_OF)
    first["name"] = "changed by a caller"
    again = lists.staff_list(db, ADMIN, "not-found", as_of=AS_OF)
    assert views() == before + 2
    assert len(again) == len(first) > 0 and "changed by a caller" not in set(again["name"])
    with databases.connect(demo_copy) as conn:
        person_id = conn.execute(
            "SELECT r.person_id FROM residence r JOIN person p ON p.id = r.person_id "
            "JOIN property u ON u.id = r.property_id WHERE r.moved_out IS NULL "
            "AND p.name = ? AND p.id_masked = ? AND u.external_ref = ?",
            tuple(again[["name", "id_masked", "external_ref"]].iloc[0]),
        ).fetchone()[0]
    number = people.unmask_person(db, ADMIN, person_id)["id_number"]
    moves.move_out(db, ADMIN, id_number=number, on=AS_OF)
    after = lists.staff_list(db, ADMIN, "not-found", as_of=AS_OF)
    assert len(after) == len(again) - 1
    db.db.dispose()


def test_dormitory_outsiders_work_for_another_worksite_or_none(demo, raw):
    got = lists.staff_list(demo, ADMIN, "dormitory-outsiders", as_of=AS_OF)
    jobs = databases.read_sql(
        demo.db.url,
        "SELECT person_id, worksite_id FROM employment WHERE since <= ? AND "
        "(until IS NULL OR until > ?)",
        (AS_OF, AS_OF),
    )
    dorms = raw["living"].loc[raw["living"]["worksite_id"].notna()]
    employed_there = dorms.merge(
        jobs, left_on=["person_id", "worksite_id"], right_on=["person_id", "worksite_id"]
    )
    assert len(got) == len(dorms) - len(employed_there.drop_duplicates("person_id")) > 0
