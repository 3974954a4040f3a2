"""Registration rates from field results, declared employers not on record, and reports of
leaving (move-outs, departures) on time, on a copy of the demo district."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from geo import clock, disclosure
from geo.identifiers import id_check_digit
from geo.services import lists, sweeps
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER, run_cli

VILLAGE = "330110901201"


@pytest.fixture(scope="module")
def db(demo_master, tmp_path_factory):
    directory = tmp_path_factory.mktemp("registration")
    copy = databases.copy_database(demo_master, directory, per_test=False)
    opened = open_database(copy)
    yield opened
    opened.db.dispose()


def _expected_residence_rates(path: str, since: date, until: date) -> dict[str, tuple[int, int]]:
    """Per community name: (seen, registered and seen), from the raw tables row by row."""
    with databases.connect(path) as conn:
        visits = conn.execute(
            "SELECT v.property_id, v.visited_at, v.residents_seen, a.name FROM visit v"
            " JOIN property p ON p.id = v.property_id JOIN area a ON a.id = p.community_id"
            " WHERE v.outcome IN ('verified', 'changes_found', 'vacant')"
            " AND v.residents_seen IS NOT NULL AND v.visited_at >= ? AND v.visited_at < ?",
            (since.isoformat(), (until + timedelta(days=1)).isoformat()),
        ).fetchall()
        stays = conn.execute("SELECT property_id, moved_in, moved_out FROM residence").fetchall()
    latest: dict[int, tuple[str, int, str]] = {}
    for unit, at, seen, community in visits:
        if unit not in latest or at > latest[unit][0]:
            latest[unit] = (at, seen, community)
    living: dict[int, list[tuple[str, str | None]]] = {}
    for unit, moved_in, moved_out in stays:
        living.setdefault(unit, []).append((moved_in, moved_out))
    out: dict[str, tuple[int, int]] = {}
    for unit, (at, seen, community) in latest.items():
        day = datetime.fromisoformat(at).date()
        registered = sum(
            1
            for moved_in, moved_out in living.get(unit, [])
            if date.fromisoformat(moved_in) <= day
            and (moved_out is None or date.fromisoformat(moved_out) > day)
        )
        total, both = out.get(community, (0, 0))
        out[community] = (total + seen, both + min(seen, registered))
    return out


def test_residence_and_rental_registration_rates_follow_the_field(db, monkeypatch):
    sweep_id = sweeps.create_sweep(
        db, ADMIN, name="登记率", starts_on=AS_OF - timedelta(days=7), ends_on=AS_OF,
        areas=[VILLAGE], teams=["一组"],
    )  # fmt: skip
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    data, _ = sweeps.area_list(db, ADMIN, sweep_id, fmt="csv", team="一组", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:6]
    for extra, row in enumerate(body):  # teams see more people than registered, and fewer
        row[header.index("走访时间")] = f"{(AS_OF - timedelta(days=2)).isoformat()} 10:00"
        row[header.index("走访结果")] = "已核实"
        row[header.index("见到人数")] = str(max(0, int(row[header.index("登记人数")]) + extra - 2))
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    result = import_upload(
        db, ADMIN, kind="visits", data=out.getvalue().encode(), filename="r.csv", as_of=AS_OF
    )
    assert result.summary["accepted"] == 5
    # Field to record: two units on record, one the registry lacks.
    registered = [(row[header.index("地址")], row[header.index("房间")]) for row in body[:2]]
    community = body[0][header.index("社区")]
    finds = ["社区,地址,房间"] + [f"{community},{a},{r}" for a, r in registered]
    finds.append(f"{community},{community}新发现88号,")
    sweeps.field_backcheck(
        db, ADMIN, sweep_id, data="\n".join(finds).encode(), filename="finds.csv", as_of=AS_OF
    )
    table = sweeps.registration_rates(db, ADMIN, window_days=30, as_of=AS_OF).set_index("community")
    expected = _expected_residence_rates(db.db.url, AS_OF - timedelta(days=29), AS_OF)
    for name, (seen, both) in expected.items():
        assert (table.loc[name, "residents_seen"], table.loc[name, "registered_seen"]) == (
            seen,
            both,
        )
    assert table.loc[community, "residence_rate"] < 1
    assert table.loc[community, ["units_found", "units_registered"]].tolist() == [3, 2]
    assert table.loc[community, "rental_rate"] == pytest.approx(2 / 3)
    # The same finds again replace, not add.
    sweeps.field_backcheck(
        db, ADMIN, sweep_id, data="\n".join(finds).encode(), filename="finds.csv", as_of=AS_OF
    )
    again = sweeps.registration_rates(db, ADMIN, window_days=30, as_of=AS_OF)
    assert again.set_index("community").loc[community, "units_found"] == 3
    # A planner gets the last month end before today, whatever day is asked: two days
    # after the finds this month's finds are not in it yet, two days of one month give the
    # same table, and no small count shows.
    monkeypatch.setenv(clock.TODAY_VARIABLE, AS_OF.isoformat())
    planner = sweeps.registration_rates(db, PLANNER, window_days=30, as_of=AS_OF)
    rows = planner.set_index("community")
    assert community not in rows.index or pd.isna(rows.loc[community, "units_found"])
    earlier = sweeps.registration_rates(
        db, PLANNER, window_days=30, as_of=AS_OF - timedelta(days=3)
    )
    pd.testing.assert_frame_equal(planner, earlier)
    for column in ("residents_seen", "registered_seen", "units_found", "units_registered"):
        assert not disclosure.is_small(planner[column]).any()
    # nor by subtraction: seen but not registered, found but not in the registry
    for total, part in (("residents_seen", "registered_seen"), ("units_found", "units_registered")):
        shown = planner[[total, part]].apply(pd.to_numeric, errors="coerce").dropna()
        assert not disclosure.is_small(shown[total] - shown[part]).any(), (total, part)
    printed = run_cli(
        "--db", db.db.url, "stats", "registration", "--window", "30",
        "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert community in {row["community"] for row in json.loads(printed.stdout)}


def _id_number(serial: int) -> str:
    body = f"51102119900101{serial:03d}"
    return body + id_check_digit(body)


def test_declared_employers_not_on_record_are_listed(db):
    with databases.connect(db.db.url) as conn:
        worksite = conn.execute("SELECT name FROM worksite LIMIT 1").fetchone()[0]
        ref = conn.execute(
            "SELECT p.external_ref FROM property p JOIN area a ON a.id = p.community_id"
            " WHERE a.code = ? AND p.status = 'active' LIMIT 1",
            (VILLAGE,),
        ).fetchone()[0]
    lines = ["身份证号,姓名,房屋编号,入住日期,工作单位"]
    lines.append(f"{_id_number(11)},雇员甲,{ref},2026-10-01,{worksite[:2]} {worksite[2:]}")
    lines.append(f"{_id_number(12)},雇员乙,{ref},2026-10-01,查无此厂有限公司")
    lines.append(f"{_id_number(13)},雇员丙,{ref},2026-10-01,")
    result = import_upload(
        db, ADMIN, kind="residents", data="\n".join(lines).encode(), filename="e.csv", as_of=AS_OF
    )
    assert result.summary["accepted"] == 3
    table = lists.staff_list(db, ADMIN, "unknown-employers", area=VILLAGE, as_of=AS_OF)
    assert table["name"].tolist() == ["雇员乙"]
    assert table["employer_name"].tolist() == ["查无此厂有限公司"]
    assert "id_masked" in table and not table["id_masked"].str.contains(_id_number(12)).any()


def test_move_outs_are_reported_and_counted_late_like_move_ins(db, tmp_path):
    with databases.connect(db.db.url) as conn:
        ref, landlord = conn.execute(
            "SELECT p.external_ref, l.name FROM property p JOIN landlord l ON l.id = p.landlord_id"
            " JOIN area a ON a.id = p.community_id WHERE a.code = ? LIMIT 1",
            (VILLAGE,),
        ).fetchone()
    lines = ["身份证号,姓名,房屋编号,入住日期,登记日期,搬离日期,退租登记日期"]
    # Moved out on Monday 2026-11-02, reported on Monday 2026-11-09: 5 working days later.
    lines.append(f"{_id_number(21)},离开甲,{ref},2026-09-01,2026-09-01,2026-11-02,2026-11-09")
    before = lists.staff_list(db, ADMIN, "late-reports", area=VILLAGE, as_of=AS_OF)
    import_upload(
        db, ADMIN, kind="residents", data="\n".join(lines).encode(), filename="o.csv", as_of=AS_OF
    )
    after = lists.staff_list(db, ADMIN, "late-reports", area=VILLAGE, as_of=AS_OF)

    def late_of(table):
        rows = table.loc[table["reporter"].str.startswith(landlord), "late"]
        return int(rows.sum())

    assert late_of(after) == late_of(before) + 1
    with databases.connect(db.db.url) as conn:
        reported = conn.execute(
            "SELECT r.moved_out_reported_on FROM residence r JOIN person p ON p.id = r.person_id"
            " WHERE p.name = '离开甲'"
        ).fetchone()
    assert reported == ("2026-11-09",)
