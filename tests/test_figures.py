"""The figures kept beside the records follow every kind of write, on each backend.

After each step of a registrar's and an admin's day (a rentals batch, a residents batch,
visits, moves, a unit taken off the market, undo, retention, the local county changed)
the tallied per-area figures equal a recount from the records, the overview reads them
(its headline moves with the step), and ``gridhouse stats tallies`` says so; a tally
spoiled behind Gridhouse's back is found, named and rebuilt.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest

from geo.cli import main
from geo.coverage import bounds
from geo.identifiers import id_check_digit
from geo.services import moves, people, properties, statistics, tallies
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload, undo_batch
from geo.store import figures
from tests import databases
from tests.conftest import ADMIN, AS_OF

REGISTRAR = Actor(name="registrar", role="registrar")
CUT = date(2026, 10, 31)  # the last month end before the demo's newest visit: a planner's day
DAYS = (CUT, AS_OF, AS_OF + timedelta(days=1), AS_OF + timedelta(days=200))


def table(header: list[str], *rows: list[object]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def number(serial: int, region: str = "341221") -> str:
    base = f"{region}1990010{serial % 10}{serial:03d}"[:17]
    return base + id_check_digit(base)


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def upload(opened, kind, data, name):
    result = import_upload(opened, REGISTRAR, kind=kind, data=data, filename=name, as_of=AS_OF)
    assert result.summary.get("batch") and not result.summary.get("rejected"), result.summary
    return result.summary["batch"]


def agree(opened, days=DAYS) -> None:
    """Tallied and recounted figures are equal on each day of ``days`` and two windows."""
    for day in days:
        for window in (90, 7):
            found = tallies.check_tallies(opened, ADMIN, as_of=day, window_days=window)
            assert found["agree"] is True, (day, window, found["differences"][:5])


def headline(opened, field: str) -> int:
    figures_ = statistics.overview_figures(opened, ADMIN, level="community", as_of=AS_OF)
    return int(figures_.headline[field])


def units_in_a_grid(opened, n: int) -> list[tuple[str, str, float, float, str]]:
    return databases.rows(
        opened.db.url,
        "SELECT external_ref, address, lon, lat, kind FROM property WHERE status = 'active'"
        f" AND grid_id IS NOT NULL ORDER BY id LIMIT {n}",
    )


def test_the_tallies_follow_batches_visits_moves_edits_undo_retention_and_settings(db):
    agree(db)  # as the demo left them
    units = units_in_a_grid(db, 3)
    lon, lat = units[0][2], units[0][3]
    rentals = ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数"]
    before = headline(db, "rental_units")
    unit = ["FIG-1", "图一路1号", lon, lat, "整租", 2]
    new = upload(db, "rentals", table(rentals, unit), "r.csv")
    assert headline(db, "rental_units") == before + 1  # read from the tallies, not a cache
    agree(db)

    residents = ["身份证号", "姓名", "房屋编号", "入住日期", "搬离日期"]
    stays = [
        [number(1), "甲", "FIG-1", "2026-11-01", ""],  # floating (another county)
        [number(2), "乙", units[1][0], "2026-11-20", ""],
        [number(3), "丙", units[1][0], "2026-11-29", ""],  # moves in on AS_OF
        [number(4), "丁", units[2][0], "2025-01-01", "2026-11-10"],  # left
    ]
    before = headline(db, "residents")
    stays_batch = upload(db, "residents", table(residents, *stays), "p.csv")
    assert headline(db, "residents") == before + 3
    agree(db)

    visits = ["房屋编号", "走访时间", "走访结果", "身份证号"]
    rows = [
        ["FIG-1", f"{AS_OF} 09:00", "已核实", number(1)],
        [units[1][0], f"{AS_OF} 10:00", "查无此人", number(2)],
        [units[2][0], f"{AS_OF - timedelta(days=100)} 10:00", "无人在家", ""],
    ]
    visits_batch = upload(db, "visits", table(visits, *rows), "v.csv")
    agree(db)

    moves.move_out(db, REGISTRAR, id_number=number(2), on=AS_OF, as_of=AS_OF)
    moves.move_in(
        db, REGISTRAR, property_ref=units[0][0], on=AS_OF - timedelta(days=2),
        id_number=number(5), name="戊", as_of=AS_OF,
    )  # fmt: skip
    agree(db)

    properties.edit_unit(db, REGISTRAR, units[0][0], {"status": "inactive"})  # off the market
    agree(db)

    undo_batch(db, REGISTRAR, visits_batch, force=True)
    agree(db)
    undo_batch(db, REGISTRAR, stays_batch, force=True)
    undo_batch(db, REGISTRAR, new, force=True)
    agree(db)

    people.run_retention(db, ADMIN, days=30, as_of=AS_OF)
    agree(db)

    with db.db.write() as conn:  # another county: who is floating changes everywhere
        conn.exec_driver_sql("UPDATE setting SET value = '341221' WHERE key = 'local_region'")
    agree(db)


def test_the_first_visit_of_a_new_month_moves_the_cut_to_the_month_before(db):
    planner_day = date(2026, 12, 2)  # a planner then sees 30 November
    visits = ["房屋编号", "走访时间", "走访结果"]
    unit = units_in_a_grid(db, 1)[0][0]
    data = table(visits, [unit, "2026-12-01 09:00", "已核实"])
    import_upload(db, REGISTRAR, kind="visits", data=data, filename="d.csv", as_of=planner_day)
    with db.db.read() as conn:
        assert figures.cut_of(figures.newest_visit(conn)) == date(2026, 11, 30)
    agree(db, (date(2026, 11, 30), planner_day))
    assert tallies.check_tallies(db, ADMIN, as_of=CUT)["agree"] is None  # no longer kept
    planner = Actor(name="p", role="planner")
    import time_machine

    with time_machine.travel(datetime(2026, 12, 2, 9, 0), tick=False):
        shown = statistics.overview_figures(db, planner, level="community", as_of=planner_day)
    assert shown.as_of == date(2026, 11, 30)


def test_a_day_before_the_newest_visit_is_counted_from_the_records(db):
    with db.db.read() as conn:
        newest = figures.newest_visit(conn)
        assert newest is not None
        assert figures.tallied_counts_by_area(conn, bounds(newest.date())) is not None
        assert figures.tallied_counts_by_area(conn, bounds(CUT)) is not None
        earlier = newest.date() - timedelta(days=1)
        assert figures.tallied_counts_by_area(conn, bounds(earlier)) is None
    found = tallies.check_tallies(db, ADMIN, as_of=earlier)
    assert found["agree"] is None and found["areas"] > 0
    # the overview still answers for that day, from the records
    assert (
        statistics.overview_figures(db, ADMIN, level="street", as_of=earlier).headline[
            "rental_units"
        ]
        == statistics.overview_figures(db, ADMIN, level="street", as_of=AS_OF).headline[
            "rental_units"
        ]
    )


def test_a_spoiled_tally_is_found_named_and_rebuilt_on_the_command_line(db, capsys):
    with db.db.engine.begin() as conn:  # behind Gridhouse's back: no write transaction
        conn.exec_driver_sql(
            "UPDATE figure_unit_day SET units = units + 5 WHERE kind = 'completed'"
            " AND community_id = (SELECT min(community_id) FROM figure_unit_day)"
        )
        conn.exec_driver_sql(  # the coverage trend's covered units at the cut
            "UPDATE figure_unit_month SET covered = covered + 1"
            f" WHERE month_end = '{CUT.isoformat()}'"
            " AND community_id = (SELECT max(community_id) FROM figure_unit_month)"
        )
    trend = statistics.coverage_trend(db, ADMIN, as_of=AS_OF).set_index("month_end")
    recounted = statistics.coverage_trend(db, ADMIN, as_of=AS_OF, window_days=89)
    code = main(["--db", db.db.url, "stats", "tallies", "--as-of", AS_OF.isoformat()])
    out, err = capsys.readouterr()
    assert code == 1
    found = json.loads(out)
    assert found["agree"] is False
    assert {d["figure"] for d in found["differences"]} >= {
        "rental_units",
        "overdue_units",
        f"covered {CUT.isoformat()}",
    }
    # the trend is read from the tallies (one more unit covered at the cut than counted)
    with db.db.read() as conn:
        counted_at_cut = int(figures.covered_at(conn, [CUT])["covered"].sum())
    assert int(trend.loc[CUT, "covered"]) == counted_at_cut + 1
    assert len(recounted) == len(trend)  # another window is counted from the records
    named = found["differences"][0]
    community = databases.rows(
        db.db.url, "SELECT code, name FROM area WHERE id = ?", (named["community_id"],)
    )[0]
    assert (named["community_code"], named["community_name"]) == tuple(community)
    assert "gridhouse stats tallies --rebuild" in err and len(err.strip().splitlines()) == 1
    code = main(["--db", db.db.url, "stats", "tallies", "--rebuild", "--as-of", str(AS_OF)])
    rebuilt = json.loads(capsys.readouterr().out)
    assert code == 0 and rebuilt["agree"] is True
    assert rebuilt["differences_before_rebuild"] == len(found["differences"])
    actions = databases.rows(db.db.url, "SELECT action FROM audit ORDER BY id DESC LIMIT 1")
    assert actions[0][0] == "figures.rebuild"


def test_only_an_admin_checks_or_rebuilds_the_tallies(db):
    from geo.errors import PermissionDeniedError

    for role in ("planner", "registrar", "sweeper"):
        with pytest.raises(PermissionDeniedError):
            tallies.check_tallies(db, Actor(name="x", role=role), as_of=date(2026, 11, 29))
        with pytest.raises(PermissionDeniedError):
            tallies.rebuild_tallies(db, Actor(name="x", role=role))
