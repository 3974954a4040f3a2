"""Proven visits: a scanned door plate that belongs to the unit and a GPS point within the
configured distance of it. On one small grid of the demo, proven coverage, the proven
monthly inspection rate and the sweep's proven progress equal a count made by hand."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest

from geo import disclosure
from geo.services import kits, sweeps, tallies
from geo.services.setup import open_database
from geo.settings import Settings
from geo.store.sweeps import assigned_units
from tests import databases
from tests.conftest import ADMIN, PLANNER, run_cli
from tests.fieldwork import odk_export, plates_on_sheet
from tests.test_plates import _small_grid

DAY = date(2026, 12, 1)
METRE_LAT = 1 / 111_000  # a metre of latitude, in degrees (near enough at 30 N)


@pytest.fixture(scope="module")
def db_url(demo_master, tmp_path_factory):
    return databases.copy_database(demo_master, tmp_path_factory.mktemp("proven"), per_test=False)


@pytest.fixture(scope="module")
def field(db_url):
    """A sweep of one grid by one team, its plates printed and its kit issued; then seven
    visits come back, of which we know by hand which prove themselves."""
    db = open_database(db_url)
    grid, _ = _small_grid(db, at_least=8)
    sweep = sweeps.create_sweep(
        db, ADMIN, name="门牌试点", starts_on=DAY, ends_on=date(2026, 12, 10),
        areas=[grid], teams=["试点组"],
    )  # fmt: skip
    sweeps.plan_sweep(db, ADMIN, sweep, as_of=DAY)
    sheet, _, _ = kits.print_plates(db, ADMIN, grid)
    token_of = {kits.plate_unit(db, ADMIN, t)["ref"]: t for t, _ in plates_on_sheet(sheet)}
    kit = kits.issue_kit(db, ADMIN, sweep, team="试点组", as_of=DAY)
    with db.db.read() as conn:
        units = assigned_units(conn, sweep, as_of=DAY).sort_values("position")
    u = units.reset_index(drop=True)
    at = datetime(2026, 12, 1, 10, 0)

    def visit(i: int, key: str, *, plate_of: int | None, north_m: float, outcome: str = "verified"):
        return {
            "key": key, "unit": int(u.at[i, "property_id"]), "outcome": outcome, "at": at,
            "plate": token_of[u.at[plate_of, "external_ref"]] if plate_of is not None else "",
            "lon": float(u.at[i, "lon"]), "lat": float(u.at[i, "lat"]) + north_m * METRE_LAT,
        }  # fmt: skip

    rows = [
        visit(0, "p0", plate_of=0, north_m=0),  # proven
        visit(1, "p1", plate_of=1, north_m=20),  # proven: 20 m < 50 m
        visit(2, "p2", plate_of=2, north_m=0, outcome="nobody_home"),  # proven, not completed
        visit(3, "p3", plate_of=3, north_m=200),  # too far
        visit(4, "p4", plate_of=0, north_m=0),  # another unit's plate
        visit(5, "p5", plate_of=None, north_m=0),  # no plate scanned
    ]
    form = kit.files["form.xml"].decode()
    result = kits.import_submissions(db, ADMIN, data=odk_export(form, rows), filename="c.csv")
    yield {"db": db, "grid": grid, "sweep": sweep, "units": u, "form": form, "result": result,
           "row": visit}  # fmt: skip
    db.db.dispose()


def _grid_row(table, grid):
    return table.loc[table["code"] == grid].iloc[0]


def test_proven_coverage_and_inspection_equal_the_hand_count(field):
    db, grid = field["db"], field["grid"]
    assert field["result"]["accepted"] == 6 and field["result"]["proven"] == 3
    table = kits.proven_coverage(db, ADMIN, level="grid", window_days=90, as_of=DAY)
    row = _grid_row(table, grid)
    units = len(field["units"])
    assert row["rental_units"] == units
    # Completed (verified) visits on the day: units 0, 1, 3, 4, 5; proven among them: 0, 1.
    assert (row["inspected"], row["proven_inspected"]) == (5, 2)
    assert row["proven_covered"] == 2 and row["covered"] >= 5
    assert row["proven_coverage"] == pytest.approx(round(2 / units, 4))
    assert row["proven_inspection_rate"] == pytest.approx(round(2 / units, 4))
    assert row["inspection_rate"] == pytest.approx(round(5 / units, 4))
    # Read from the tallies the submissions kept in step, which a recount confirms.
    for day in (DAY, date(2026, 11, 30)):
        checked = tallies.check_tallies(db, ADMIN, as_of=day)
        assert checked["agree"] is True, checked["differences"][:3]
    # The street adds up its grids' proven units (no other proven visit in the demo).
    streets = kits.proven_coverage(db, ADMIN, level="street", as_of=DAY)
    assert streets["proven_covered"].sum() == 2
    # Planners see the same table with small counts hidden.
    # Planners get the last month end (30 November), before these visits, and no small count.
    planned = kits.proven_coverage(db, PLANNER, level="grid", as_of=DAY)
    assert _grid_row(planned, grid)["proven_covered"] in (0, disclosure.WITHHELD)
    month_end = kits.proven_coverage(db, PLANNER, level="grid", as_of=date(2026, 11, 30))
    pd.testing.assert_frame_equal(planned, month_end)
    for column in ("rental_units", "covered", "proven_covered", "inspected", "proven_inspected"):
        assert not disclosure.is_small(planned[column]).any()
    # Nor does a shown count's rest (units - it) give a small count back.
    shown_units = planned["rental_units"] != disclosure.WITHHELD
    for column in ("covered", "proven_covered", "inspected", "proven_inspected"):
        both = shown_units & (planned[column] != disclosure.WITHHELD)
        rest = planned.loc[both, "rental_units"].astype(int) - planned.loc[both, column].astype(int)
        assert not disclosure.is_small(rest).any(), column


def test_sweep_progress_counts_proven_visits_beside_all_visits(field):
    progress = kits.proven_progress(field["db"], ADMIN, field["sweep"], as_of=DAY)
    team = progress.iloc[0]
    assert (team["team"], team["assigned"]) == ("试点组", len(field["units"]))
    assert (team["visited"], team["proven"]) == (6, 3)


def test_the_distance_is_a_setting_in_metres(field, db_url):
    wider = open_database(db_url, config=Settings(proven_within_m=300))
    try:
        again = field["row"](6, "p6", plate_of=6, north_m=200)
        result = kits.import_submissions(
            wider, ADMIN, data=odk_export(field["form"], [again]), filename="c.csv"
        )
        assert result["proven"] == 1
        with wider.db.read() as conn:
            distance = conn.exec_driver_sql(
                "SELECT distance_m FROM submission WHERE submission_id = 'p6'"
            ).scalar()
        assert distance == pytest.approx(200, abs=3)  # metres, measured in a metric CRS
    finally:
        wider.db.dispose()
    row = _grid_row(
        kits.proven_coverage(field["db"], ADMIN, level="grid", as_of=DAY), field["grid"]
    )
    assert row["proven_covered"] == 3


def test_stats_proven_on_the_command_line(field, db_url):
    result = run_cli(
        "--db", db_url, "stats", "proven", "--level", "grid", "--as-of", DAY.isoformat()
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert rows[field["grid"]]["proven_covered"] >= 2
    assert rows[field["grid"]]["rental_units"] == len(field["units"])


def test_a_back_check_that_confirms_a_visit_proves_it(field):
    import csv
    import io
    from datetime import timedelta

    from geo.services.uploads import import_upload
    from geo.store.areas import load_areas

    db = field["db"]
    with db.db.read() as conn:
        community = str(load_areas(conn, level="community", geometry=False)["code"].iloc[3])
    as_of = date(2026, 11, 29)
    sweep = sweeps.create_sweep(
        db, ADMIN, name="复核试点", starts_on=as_of - timedelta(days=5), ends_on=as_of,
        areas=[community], teams=["甲", "乙"],
    )  # fmt: skip
    sweeps.plan_sweep(db, ADMIN, sweep, as_of=as_of)
    data, _ = sweeps.area_list(db, ADMIN, sweep, fmt="csv", team="甲", as_of=as_of)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    for row in body:
        row[header.index("走访时间")] = f"{(as_of - timedelta(days=3)).isoformat()} 10:00"
        row[header.index("走访结果")] = "已核实"
        row[header.index("见到人数")] = "2"
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    import_upload(
        db, ADMIN, kind="visits", data=out.getvalue().encode(), filename="a.csv", as_of=as_of
    )
    sample = sweeps.backchecks(db, ADMIN, sweep, as_of=as_of)["sample"]
    refs = sample["external_ref"].tolist()[:3]
    # Another team re-checks three: two agree, one saw five people instead of two.
    recheck = ["房屋编号,走访时间,走访结果,见到人数,走访组"]
    for ref, result in zip(refs, ["已核实,2", "已核实,2", "已核实,5"], strict=True):
        recheck.append(f"{ref},{(as_of - timedelta(days=1)).isoformat()} 15:00,{result},复核组")
    data = "\n".join(recheck).encode()
    import_upload(db, ADMIN, kind="visits", data=data, filename="b.csv", as_of=as_of)
    assert kits.prove_by_backcheck(db, ADMIN, sweep) == 2
    assert kits.prove_by_backcheck(db, ADMIN, sweep) == 0  # marked once
    with db.db.read() as conn:
        proven = conn.exec_driver_sql(
            "SELECT p.external_ref, v.team_id FROM visit_proof f JOIN visit v ON v.id = f.visit_id"
            f" JOIN property p ON p.id = v.property_id WHERE f.how = 'backcheck'"
            f" AND v.sweep_id = {sweep}"
        ).fetchall()
    assert sorted(r[0] for r in proven) == sorted(refs[:2])
    checked = tallies.check_tallies(db, ADMIN, as_of=DAY)  # the proofs reached the tallies
    assert checked["agree"] is True, checked["differences"][:3]
