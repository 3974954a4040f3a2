"""Sweeps on the demo district: plans, area lists in every format, the round trip back
through the visits upload, progress, carry-over, back-checks, roles and the command line."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from geo import sweeps as rules
from geo.errors import ConflictError, InputError, PermissionDeniedError
from geo.i18n import message
from geo.routes import Pace, nearest_neighbour_path, path_length_m, project_points
from geo.services import kits, sweeps
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from geo.settings import settings
from geo.store.areas import load_areas
from geo.store.sweeps import assigned_units
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER, run_cli

STREET = "330110901"
SWEEPER = Actor(name="test-sweeper", role="sweeper")


@pytest.fixture(scope="module")
def db(demo_master, tmp_path_factory):
    directory = tmp_path_factory.mktemp("sweeps")
    copy = databases.copy_database(demo_master, directory, per_test=False)
    opened = open_database(copy)
    yield opened
    opened.db.dispose()


def _community(db, index: int = 0) -> str:
    with db.db.read() as conn:
        areas = load_areas(conn, level="community", geometry=False)
    return str(areas["code"].iloc[index])


def _new_sweep(db, areas: list[str], teams: list[str], *, starts_on: date = AS_OF) -> int:
    return sweeps.create_sweep(
        db,
        ADMIN,
        name="测试清查",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=14),
        areas=areas,
        teams=teams,
    )


@pytest.mark.parametrize("teams", [3, 8, 20])
def test_the_demo_street_splits_within_ten_percent_and_routes_beat_nearest_neighbour(db, teams):
    sweep_id = _new_sweep(db, [STREET], [f"第{i}组" for i in range(teams)])
    plan = sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    with db.db.read() as conn:
        units = assigned_units(conn, sweep_id, as_of=AS_OF)
        active = conn.exec_driver_sql(
            "SELECT count(*) FROM property WHERE status = 'active' AND lon IS NOT NULL"
            " AND community_id IS NOT NULL"
        ).scalar()
    assert len(units) == active == plan.teams["units"].sum()
    pace = Pace()
    workloads = []
    for _, team in units.groupby("team_id"):
        team = team.sort_values("position")
        assert team["position"].tolist() == list(range(1, len(team) + 1))
        x, y = project_points(team["lon"], team["lat"])
        walked = path_length_m(x, y, np.arange(len(team)))
        plain = nearest_neighbour_path(x, y, start=0)
        assert walked <= path_length_m(x, y, plain) + 1e-6
        workloads.append(len(team) * pace.visit_minutes + pace.walk_minutes(walked))
    spread = np.abs(np.array(workloads) - np.mean(workloads)).max() / np.mean(workloads)
    assert spread <= 0.10
    assert plan.imbalance == pytest.approx(spread, abs=1e-6)


def test_priority_is_shown_factor_by_factor_and_follows_the_weights(db):
    sweep_id = _new_sweep(db, [_community(db)], ["甲", "乙"])
    plan = sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    ranked = plan.ranked
    assert ranked is not None
    points = ranked[[f"{f}_points" for f in rules.FACTORS]].sum(axis=1)
    assert np.allclose(points, ranked["score"], atol=0.01)
    assert ranked["score"].is_monotonic_decreasing
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    # Weighting only crowding ranks every crowded unit first.
    only_crowding = sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF, weights={"crowded": 1})
    assert only_crowding.ranked is not None
    crowded = only_crowding.ranked["crowded"].astype(bool).to_numpy()
    assert crowded.any() and not crowded[crowded.sum() :].any()
    # The first units by priority, and only those, are planned with --limit.
    limited = sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF, limit=40)
    assert limited.teams["units"].sum() == 40
    with db.db.read() as conn:
        kept = set(assigned_units(conn, sweep_id, as_of=AS_OF)["property_id"])
    assert limited.ranked is not None
    assert kept == set(limited.ranked.head(40)["property_id"])


def test_a_planner_plans_but_sees_no_unit_and_cannot_export(db):
    sweep_id = sweeps.create_sweep(
        db,
        PLANNER,
        name="规划员的任务",
        starts_on=AS_OF,
        ends_on=AS_OF,
        areas=[_community(db, 1)],
        teams=["一组"],
    )
    plan = sweeps.plan_sweep(db, PLANNER, sweep_id, as_of=AS_OF)
    assert plan.ranked is None and plan.teams["units"].sum() > 0
    assert sweeps.sweep_progress(db, PLANNER, sweep_id, as_of=AS_OF)["carry_over"] is None
    with pytest.raises(PermissionDeniedError):
        sweeps.area_list(db, PLANNER, sweep_id, fmt="csv", as_of=AS_OF)
    with pytest.raises(PermissionDeniedError):
        sweeps.create_sweep(
            db, SWEEPER, name="x", starts_on=AS_OF, ends_on=AS_OF, areas=[STREET], teams=["a"]
        )


@pytest.fixture(scope="module")
def small_sweep(db):
    """A community's sweep with two teams, planned, one unit's address a formula."""
    sweep_id = _new_sweep(db, [_community(db, 2)], ["一组", "二组"], starts_on=AS_OF)
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    with db.db.read() as conn:
        first = assigned_units(conn, sweep_id, as_of=AS_OF).query("team == '一组'").iloc[0]
    with databases.connect(db.db.url) as conn:
        conn.execute(
            "UPDATE property SET address = '=1+1' WHERE id = ?", (int(first["property_id"]),)
        )
    return sweep_id


def test_every_format_opens_with_its_standard_reader_in_walking_order(db, small_sweep, tmp_path):
    with db.db.read() as conn:
        units = assigned_units(conn, small_sweep, as_of=AS_OF).query("team == '一组'")
    refs = units.sort_values("position")["external_ref"].tolist()
    files = {
        fmt: sweeps.area_list(db, ADMIN, small_sweep, fmt=fmt, team="一组", as_of=AS_OF)
        for fmt in ("csv", "xlsx", "geojson", "kml", "gpx")
    }
    assert {fmt: n for fmt, (_, n) in files.items()} == dict.fromkeys(files, len(refs))

    sheet = openpyxl.load_workbook(io.BytesIO(files["xlsx"][0])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "任务编号", "走访组", "房屋编号")
    assert rows[0][-4:] == ("走访时间", "走访结果", "见到人数", "备注")
    assert [r[3] for r in rows[1:]] == refs
    formula = sheet.cell(row=2, column=7)
    assert formula.value == "=1+1" and formula.data_type == "s"  # text, never run

    text = files["csv"][0]
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert [r[3] for r in table[1:]] == refs and table[1][6] == "'=1+1"

    for fmt in ("geojson", "kml", "gpx"):
        path = str(tmp_path / f"list.{fmt}")
        Path(path).write_bytes(files[fmt][0])
        layer = {"geojson": None, "kml": "走访点", "gpx": "route_points"}[fmt]
        frame = pyogrio.read_dataframe(path, layer=layer)
        located = units.dropna(subset=["lon"]).sort_values("position")
        assert len(frame) == len(located)
        assert np.allclose(frame.geometry.x, located["lon"], atol=1e-6)
        assert np.allclose(frame.geometry.y, located["lat"], atol=1e-6)
    lines = pyogrio.read_dataframe(path.replace(".gpx", ".kml"), layer="路线")
    assert lines.geometry.iloc[0].geom_type == "LineString"


def test_the_printable_list_embeds_a_chinese_font(db, small_sweep):
    from geo.io.arealists import cjk_font

    with db.db.read() as conn:
        units = assigned_units(conn, small_sweep, as_of=AS_OF).query("team == '一组'")
    refs = units.sort_values("position")["external_ref"].tolist()
    if cjk_font() is None:  # a machine without the fonts-noto-cjk package: a clear refusal
        with pytest.raises(InputError) as refused:
            sweeps.area_list(db, ADMIN, small_sweep, fmt="pdf", team="一组", as_of=AS_OF)
        assert refused.value.key == "pdf_font_missing"
        return
    data, _ = sweeps.area_list(db, ADMIN, small_sweep, fmt="pdf", team="一组", as_of=AS_OF)
    pdf = PdfReader(io.BytesIO(data))
    printed = "".join(p.extract_text() for p in pdf.pages).replace(" ", "").replace("\x00", "")
    assert "测试清查" in printed and refs[-1] in printed and "走访结果" in printed
    # The CJK font travels inside the file (a font program in its descriptor), so the list
    # prints the same on a machine without Chinese fonts.
    fonts = [f.get_object() for f in pdf.pages[1]["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [])]
    descriptors = [d["/FontDescriptor"].get_object() for d in descendants]
    assert any("CJK" in str(f["/BaseFont"]) or "WenQuanYi" in str(f["/BaseFont"]) for f in fonts)
    assert any({"/FontFile2", "/FontFile3"} & set(d.keys()) for d in descriptors)


def test_a_font_file_that_is_not_there_is_named_in_a_clear_refusal(db, small_sweep, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_PDF_FONT", "/nonexistent/font.ttf")
    db = dataclasses.replace(db, settings=settings())  # as a face reads it
    with pytest.raises(InputError) as refused:
        sweeps.area_list(db, ADMIN, small_sweep, fmt="pdf", team="一组", as_of=AS_OF)
    assert refused.value.key == "pdf_font_missing"


def test_a_filled_list_comes_back_through_the_visits_upload_and_moves_progress(db, small_sweep):
    data, _ = sweeps.area_list(db, ADMIN, small_sweep, fmt="xlsx", team="二组", as_of=AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    column = {name: header.index(name) + 1 for name in header}
    outcomes = ["已核实", "无人在家", "拒绝", "空置", "查无此人"]
    for row, outcome in enumerate(outcomes, start=2):
        sheet.cell(row, column["走访时间"], f"{AS_OF.isoformat()} 09:{row:02d}")
        sheet.cell(row, column["走访结果"], outcome)
        sheet.cell(row, column["见到人数"], "1")
    filled = io.BytesIO()
    book.save(filled)
    result = import_upload(
        db, ADMIN, kind="visits", data=filled.getvalue(), filename="back.xlsx", as_of=AS_OF
    )
    summary = result.summary
    assert summary["accepted"] == 5 and summary["rejected"] == 0
    assert summary["not_filled_in"] == sheet.max_row - 1 - 5
    with databases.connect(db.db.url) as conn:
        stored = conn.execute(
            "SELECT v.sweep_id, t.name, t.sweep_id FROM visit v JOIN team t ON t.id = v.team_id"
            " WHERE v.batch_id = ?",
            (summary["batch"],),
        ).fetchall()
    assert set(stored) == {(small_sweep, "二组", small_sweep)}

    progress = sweeps.sweep_progress(db, ADMIN, small_sweep, as_of=AS_OF)
    team = progress["by_team"].set_index("team").loc["二组"]
    with db.db.read() as conn:
        units = assigned_units(conn, small_sweep, as_of=AS_OF)
    visited = databases.read_sql(
        db.db.url,
        "SELECT property_id, outcome, visited_at FROM visit WHERE visited_at >= ?",
        (AS_OF,),
    )
    latest = visited.sort_values("visited_at").drop_duplicates("property_id", keep="last")
    mine = units.loc[units["team"] == "二组"].merge(latest, on="property_id", how="left")
    assert team["assigned"] == len(mine)
    assert team["visited"] == mine["outcome"].notna().sum()
    assert team["visits_recorded"] == 5
    assert team["not_reached"] == mine["outcome"].isin(["nobody_home", "refused"]).sum() >= 2
    carried = progress["carry_over"]
    assert set(carried["state"]) <= {"open", "not_reached"}
    assert (
        progress["remaining"]
        == len(carried)
        == (
            (units.merge(latest, on="property_id", how="left")["outcome"].isna())
            | units.merge(latest, on="property_id", how="left")["outcome"].isin(
                ["nobody_home", "refused"]
            )
        ).sum()
    )
    assert progress["days_needed"] == rules.days_needed(
        len(carried), teams=2, units_per_team_day=sweeps.units_per_team_day(db)
    )
    again = import_upload(
        db, ADMIN, kind="visits", data=filled.getvalue(), filename="back.xlsx", as_of=AS_OF
    )
    assert again.summary.get("duplicate_of") == summary["batch"]


def test_an_unknown_sweep_number_is_a_rejected_row(db):
    text = "房屋编号,走访时间,走访结果,任务编号\nD00-P000001,2026-11-28 10:00,已核实,99999\n"
    result = import_upload(
        db, ADMIN, kind="visits", data=text.encode(), filename="v.csv", as_of=AS_OF
    )
    assert result.summary["rejected"] == 1
    assert result.rejects["reason"].tolist() == ["sweep_unknown"]


def test_back_checks_are_drawn_reproducibly_and_judged_by_lqas(db):
    sweep_id = _new_sweep(
        db, [_community(db, 3)], ["甲", "乙"], starts_on=AS_OF - timedelta(days=5)
    )
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    data, _ = sweeps.area_list(db, ADMIN, sweep_id, fmt="csv", team="甲", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    for row in body:
        row[header.index("走访时间")] = f"{(AS_OF - timedelta(days=3)).isoformat()} 10:00"
        row[header.index("走访结果")] = "已核实"
        row[header.index("见到人数")] = "2"
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    import_upload(
        db, ADMIN, kind="visits", data=out.getvalue().encode(), filename="a.csv", as_of=AS_OF
    )
    rule = rules.Lqas(n=4, d=1)
    first = sweeps.backchecks(db, ADMIN, sweep_id, rule=rule, as_of=AS_OF)
    sample = first["sample"]
    assert len(sample) == min(4, len(body))
    assert first["verdicts"]["verdict"].tolist() == ["pending"]
    again = sweeps.backchecks(db, ADMIN, sweep_id, rule=rule, as_of=AS_OF)
    assert again["sample"]["property_id"].tolist() == sample["property_id"].tolist()
    # Another team re-checks: two disagree (nobody there / different count) -> fail (d = 1).
    refs = sample["external_ref"].tolist()
    recheck = ["房屋编号,走访时间,走访结果,见到人数,走访组"]
    results = ["已核实,2", "查无此人,0", "已核实,5", "已核实,2"]
    for ref, result in zip(refs, results, strict=False):
        recheck.append(f"{ref},{(AS_OF - timedelta(days=1)).isoformat()} 15:00,{result},复核组")
    import_upload(
        db, ADMIN, kind="visits", data="\n".join(recheck).encode(), filename="b.csv", as_of=AS_OF
    )
    judged = sweeps.backchecks(db, ADMIN, sweep_id, rule=rule, as_of=AS_OF)
    verdict = judged["verdicts"].iloc[0]
    assert (verdict["checked"], verdict["failures"], verdict["verdict"]) == (4, 2, "fail")


def test_teams_and_members_are_read_from_lines():
    assert rules.parse_teams("一组：a，b\n二组\n一组: c, a") == {
        "一组": ["a", "b", "c"],
        "二组": [],
    }


def test_lqas_verdicts_by_hand():
    results = pd.DataFrame(
        {
            "community_id": [1] * 3 + [2] * 3 + [3] * 2,
            "failed": [False, False, True, False, True, True, False, None],
        }
    )
    table = rules.lqas_verdicts(results, rules.Lqas(n=3, d=1))
    assert table["verdict"].tolist() == ["pass", "fail", "pending"]
    assert table["failures"].tolist() == [1, 2, 0]


def test_the_command_line_creates_assigns_exports_and_reports(demo_copy, tmp_path):
    db = demo_copy
    created = run_cli(
        "--db", db, "sweep", "create", "--name", "冬季清查", "--areas", STREET,
        "--teams", "一组,二组,三组", "--from", "2026-12-01", "--to", "2026-12-31",
        "--member", "二组=demo-sweeper",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    sweep_id = json.loads(created.stdout)["sweep"]
    with databases.connect(db) as conn:
        members = conn.execute(
            "SELECT t.name, u.name FROM team_member m JOIN team t ON t.id = m.team_id"
            " JOIN app_user u ON u.id = m.user_id WHERE t.sweep_id = ?",
            (sweep_id,),
        ).fetchall()
    assert members == [("二组", "demo-sweeper")]
    assigned = run_cli(
        "--db", db, "sweep", "assign", str(sweep_id), "--as-of", AS_OF.isoformat(),
        "--weight", "overdue=5", "--limit", "900",
    )  # fmt: skip
    plan = json.loads(assigned.stdout)
    assert plan["units"] == 900 and len(plan["teams"]) == 3 and plan["imbalance"] <= 0.1
    out = tmp_path / "list.gpx"
    exported = run_cli(
        "--db", db, "export", "area-list", "--sweep", str(sweep_id), "--team", "二组",
        "--format", "gpx", "--out", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert (
        len(pyogrio.read_dataframe(out, layer="waypoints")) == json.loads(exported.stdout)["units"]
    )
    progress = json.loads(run_cli("--db", db, "sweep", "progress", str(sweep_id)).stdout)
    assert progress["remaining"] == 900
    missing = run_cli("--db", db, "sweep", "assign", "4242")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "4242" in missing.stderr
    bad = run_cli("--db", db, "sweep", "assign", str(sweep_id), "--weight", "luck=3")
    assert bad.returncode == 2 and "--weight" in bad.stderr


def test_field_finds_missing_from_the_registry_fail_a_community_by_lqas(db):
    sweep_id = _new_sweep(db, [STREET], ["甲"])
    with databases.connect(db.db.url) as conn:
        rows = conn.execute(
            "SELECT a.name, p.address, p.room FROM property p JOIN area a ON a.id = p.community_id"
            " WHERE p.status = 'active' ORDER BY a.code, p.id"
        ).fetchall()
    by_community: dict[str, list[tuple[str, str | None]]] = {}
    for name, address, room in rows:
        by_community.setdefault(name, []).append((address, room))
    first, second = list(by_community)[:2]
    lines = ["社区,地址,房间"]
    # Full-width digits and spaces as typed in the field still match the registry.
    wide_one = "\uff11"
    lines += [f"{first},{a.replace('1', wide_one)} ,{r or ''}" for a, r in by_community[first][:3]]
    lines += [f"{first},{first}无此路99号,", f"{first},{first}无此路98号,"]
    lines += [f"{second},{a},{r or ''}" for a, r in by_community[second][:4]]
    result = sweeps.field_backcheck(
        db,
        ADMIN,
        sweep_id,
        data="\n".join(lines).encode(),
        filename="finds.csv",
        rule=rules.Lqas(n=5, d=1),
    )
    verdicts = result["verdicts"].set_index("community")
    assert verdicts.loc[first, ["checked", "failures", "verdict"]].tolist() == [5, 2, "fail"]
    assert verdicts.loc[second, ["checked", "failures", "verdict"]].tolist() == [4, 0, "pass"]
    assert result["sample"]["registered"].sum() == 7


def test_an_area_list_narrows_to_a_community_or_a_grid(db, small_sweep):
    with db.db.read() as conn:
        units = assigned_units(conn, small_sweep, as_of=AS_OF)
        grids = load_areas(conn, level="grid", geometry=False)
    community = _community(db, 2)
    _, everything = sweeps.area_list(db, ADMIN, small_sweep, fmt="csv", as_of=AS_OF)
    _, in_community = sweeps.area_list(
        db, ADMIN, small_sweep, fmt="csv", area=community, as_of=AS_OF
    )
    assert everything == in_community == len(units)
    grid = grids.loc[grids["name"].isin(units["grid"])].iloc[0]
    data, in_grid = sweeps.area_list(
        db, ADMIN, small_sweep, fmt="csv", area=str(grid["code"]), as_of=AS_OF
    )
    assert in_grid == (units["grid"] == grid["name"]).sum() > 0
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert {r[5] for r in rows} == {grid["name"]}


def test_a_sweep_with_kits_issued_is_not_re_planned_unless_asked_and_then_audited(db):
    later = AS_OF + timedelta(days=30)  # no visit can fall in it: only the kit counts
    sweep_id = _new_sweep(db, [_community(db, 4)], ["甲", "乙"], starts_on=later)
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF, limit=30)  # no kit yet: allowed
    kits.issue_kit(db, ADMIN, sweep_id, team="甲", as_of=AS_OF)
    with db.db.read() as conn:
        shares = assigned_units(conn, sweep_id, as_of=AS_OF)[["team", "property_id"]]
    with pytest.raises(ConflictError) as refused:
        sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    line = message(refused.value.key, "en", **refused.value.params)
    assert f"sweep {sweep_id} is under way: 1 field kits issued" in line and "0 visits" in line
    assert "--replan" in line and "Re-plan anyway" in line
    with db.db.read() as conn:  # the shares the kit was cut from are kept
        kept = assigned_units(conn, sweep_id, as_of=AS_OF)[["team", "property_id"]]
    pd.testing.assert_frame_equal(kept, shares)
    forced = sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF, replan=True)
    assert forced.teams["units"].sum() > 30
    row = databases.read_sql(
        db.db.url,
        "SELECT action, detail FROM audit WHERE object_type = 'sweep' AND object_id = ?"
        " ORDER BY id DESC",
        (str(sweep_id),),
    ).iloc[0]
    assert row["action"] == "sweep.replan"
    assert json.loads(row["detail"])["kits"] == 1


def test_a_registrar_of_other_areas_learns_nothing_of_a_sweep_not_theirs(db):
    """Another area's sweep (kits issued, visits recorded) is not listed to a registrar of
    one community, and every refusal says only that it is not in their areas: no kit or
    visit count, no area code."""
    from geo.errors import NotFoundError

    theirs, mine = _community(db, 6), _community(db, 7)
    sweep_id = _new_sweep(db, [theirs], ["甲", "乙"])
    sweeps.plan_sweep(db, ADMIN, sweep_id, as_of=AS_OF)
    kits.issue_kit(db, ADMIN, sweep_id, team="甲", as_of=AS_OF)
    straddling = _new_sweep(db, [theirs, mine], ["丙", "丁", "戊"])
    sweeps.plan_sweep(db, ADMIN, straddling, as_of=AS_OF)
    registrar = Actor(name="test-registrar-mine", role="registrar", areas=frozenset({mine}))
    listed = sweeps.list_sweeps(db, registrar)
    assert sweep_id not in set(listed["id"]) and straddling in set(listed["id"])
    everyone = sweeps.list_sweeps(db, ADMIN).set_index("id")
    assert sweep_id in everyone.index
    # of the sweep over both: only their area, and only their units (not the other's count)
    row = listed.set_index("id").loc[straddling]
    with db.db.read() as conn:
        units = assigned_units(conn, straddling, as_of=AS_OF)
        areas = load_areas(conn, geometry=False).set_index("code")
    theirs_too = int(everyone.loc[straddling, "units"])
    ours = int((units["community_id"] == areas.loc[mine, "id"]).sum())
    assert 0 < ours < theirs_too and int(row["units"]) == ours
    # and only the teams with units in their area (a count of the others' teams is theirs)
    here = units.loc[units["community_id"] == areas.loc[mine, "id"], "team"].nunique()
    assert int(row["teams"]) == here < int(everyone.loc[straddling, "teams"]) == 3
    assert json.loads(row["scope"]) == [mine]
    progress = sweeps.sweep_progress(db, registrar, straddling, as_of=AS_OF)
    assert progress["sweep"]["scope"] == [mine]
    assert int(progress["by_team"]["assigned"].sum()) == ours
    for replan in (False, True):
        for sweep in (sweep_id, straddling):
            with pytest.raises(NotFoundError) as refused:
                sweeps.plan_sweep(db, registrar, sweep, as_of=AS_OF, replan=replan)
            line = message(refused.value.key, "en", **refused.value.params)
            assert line == f"no sweep {sweep} in your areas"
            assert theirs not in str(refused.value.params)
    # a number that names no sweep reads the same: which numbers exist is not theirs
    missing = int(everyone.index.max()) + 1
    with pytest.raises(NotFoundError) as refused:
        sweeps.plan_sweep(db, registrar, missing, as_of=AS_OF)
    assert refused.value.key == "sweep_not_in_scope"
    with pytest.raises(NotFoundError, match="sweep_not_found"):  # an admin is told plainly
        sweeps.plan_sweep(db, ADMIN, missing, as_of=AS_OF)
    with pytest.raises(NotFoundError, match="sweep_not_in_scope"):
        sweeps.sweep_progress(db, registrar, sweep_id)
    with pytest.raises(NotFoundError, match="sweep_not_in_scope"):  # no kit of theirs
        kits.issue_kit(db, registrar, sweep_id, team="乙", as_of=AS_OF)
    with pytest.raises(NotFoundError, match="sweep_not_in_scope"):
        kits.proven_progress(db, registrar, sweep_id, as_of=AS_OF)


def test_the_demo_sweep_under_way_is_re_planned_saying_the_lists_must_be_printed_again(
    demo_copy, tmp_path
):
    """Visits alone do not block a re-plan (re-balancing mid-sweep is ordinary; the visits
    stay with their units), but the command says so, and the audit log records it; once a
    field kit is out, the same command is refused until --replan."""
    db = demo_copy
    visits = databases.read_sql(
        db,
        "SELECT count(*) AS n FROM visit v JOIN sweep s ON s.id = 1"
        " WHERE v.visited_at >= s.starts_on AND v.property_id IN"
        " (SELECT property_id FROM assignment WHERE sweep_id = 1)",
    )["n"].iloc[0]
    assert visits > 0
    kept = "SELECT count(*) AS n FROM visit"
    recorded_before = databases.read_sql(db, kept)["n"].iloc[0]
    planned = run_cli("--db", db, "sweep", "assign", "1", "--as-of", AS_OF.isoformat())
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["units"] > 0
    assert f"the {visits} visits its units had since" in planned.stderr
    assert json.loads(planned.stdout)["visits_before"] == visits
    assert "print or export each team's list again" in planned.stderr
    assert planned.stderr.count("\n") == 1
    assert databases.read_sql(db, kept)["n"].iloc[0] == recorded_before
    audited = databases.read_sql(
        db,
        "SELECT action, detail FROM audit WHERE object_type = 'sweep' AND object_id = '1'"
        " ORDER BY id DESC",
    ).iloc[0]
    assert audited["action"] == "sweep.replan"
    assert json.loads(audited["detail"])["visits"] == visits

    team = databases.read_sql(db, "SELECT name FROM team WHERE sweep_id = 1 ORDER BY id")
    issued = run_cli(
        "--db", db, "sweep", "kit", "1", "--team", team["name"].iloc[0],
        "--out", str(tmp_path / "kit"), "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    shares = "SELECT team_id, property_id, position FROM assignment WHERE sweep_id = 1 ORDER BY 2"
    before = databases.read_sql(db, shares)
    refused = run_cli("--db", db, "sweep", "assign", "1", "--as-of", AS_OF.isoformat())
    assert refused.returncode == 2 and refused.stdout == ""
    assert "1 field kits issued" in refused.stderr and "--replan" in refused.stderr
    assert refused.stderr.count("\n") == 1
    pd.testing.assert_frame_equal(databases.read_sql(db, shares), before)
    forced = run_cli(
        "--db", db, "sweep", "assign", "1", "--as-of", AS_OF.isoformat(), "--replan",
        "--limit", "50",
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["units"] == 50


def test_the_sweeps_page_re_plans_a_sweep_under_way_only_when_ticked(demo_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url
    from tests.conftest import ROOT

    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_copy))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-admin")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/sweeps.py").run()
    assert not app.exception and not app.error
    audited = "SELECT count(*) AS n FROM audit WHERE action = 'sweep.replan'"
    # visits recorded, no kit out: the plan is saved and the page says to print lists again
    app.button(key="sweep_plan").click().run()
    assert not app.exception and not app.error
    assert "计划已保存" in app.success[0].value
    assert [w.value for w in app.warning if "请重新打印或导出各组的清单" in w.value]
    assert databases.read_sql(demo_copy, audited)["n"].iloc[0] == 1
    # a field kit out: refused until ticked
    opened = open_database(demo_copy)
    team = databases.read_sql(demo_copy, "SELECT name FROM team WHERE sweep_id = 1")
    kits.issue_kit(opened, ADMIN, 1, team=team["name"].iloc[0], as_of=AS_OF)
    app.button(key="sweep_plan").click().run()
    assert not app.exception
    assert [e.value for e in app.error if "已发放外业包 1 个" in e.value], "the refusal is shown"
    assert databases.read_sql(demo_copy, audited)["n"].iloc[0] == 1
    app.checkbox(key="sweep_replan").check().run()
    app.button(key="sweep_plan").click().run()
    assert not app.exception and not app.error
    assert "计划已保存" in app.success[0].value
    assert databases.read_sql(demo_copy, audited)["n"].iloc[0] == 2


@pytest.mark.parametrize(
    "weights",
    [["overdue=-5"], ["overdue=nan"], ["overdue=1e308"], ["residents=inf"],
     [f"{f}=0" for f in rules.FACTORS]],
    ids=["negative", "nan", "huge", "infinite", "all zero"],
)  # fmt: skip
def test_nonsense_weights_are_refused_in_one_line_and_nothing_is_planned(demo_copy, weights):
    shares = "SELECT team_id, property_id, position FROM assignment WHERE sweep_id = 1 ORDER BY 2"
    before = databases.read_sql(demo_copy, shares)
    args = [a for w in weights for a in ("--weight", w)]
    refused = run_cli("--db", demo_copy, "sweep", "assign", "1", *args)
    assert refused.returncode == 2 and refused.stdout == "", refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "priority weight" in refused.stderr or "cannot all be 0" in refused.stderr
    pd.testing.assert_frame_equal(databases.read_sql(demo_copy, shares), before)
