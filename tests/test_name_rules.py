"""The same name rules by every way in: area names from a boundary file, sweep and team names,
account names are cleaned as an upload's names are and refused, in one bilingual line, when
they hold a formula or markup or are absurdly long. Also what lists and kits show of names:
each list counted by its community, and a masked name never the whole name."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.cli import main
from geo.privacy import mask_name
from geo.services import lists
from tests import databases
from tests.conftest import ADMIN, AS_OF
from tests.test_cli import one_bilingual_line

HOSTILE = [
    ('=HYPERLINK("http://x","y")', "内容像电子表格公式"),
    ("<img src=x onerror=alert(1)>", "网页标记"),
    ("[点我](javascript:alert(1))", "网页标记"),
    ("王" * 5000, "内容过长"),
]


def _refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main(args) == 2
    out = capsys.readouterr()
    assert out.out == ""
    return one_bilingual_line(out.err)


def _boundaries(tmp_path, names: list[str]) -> str:
    frame = gpd.GeoDataFrame(
        {"name": names, "code": [f"C{i:02d}" for i in range(len(names))]},
        geometry=[
            shapely.box(120 + i * 0.01, 30, 120.01 + i * 0.01, 30.01) for i in range(len(names))
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "areas.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return str(path)


def _import_areas(db: str, path: str) -> list[str]:
    return ["--db", db, "import", "areas", path, "--level", "community", "--code-field", "code"]


@pytest.mark.parametrize(("name", "reason"), HOSTILE, ids=["formula", "tag", "link", "long"])
def test_a_boundary_file_with_a_hostile_area_name_is_refused_naming_the_area(
    tmp_path, capsys, name, reason
):
    db = databases.new_database(tmp_path, "g", migrated=True)
    line = _refused(capsys, _import_areas(db, _boundaries(tmp_path, ["东湖社区", name])))
    assert "C01" in line and reason in line and "nothing was imported" in line
    assert databases.scalar(db, "SELECT count(*) FROM area") == 0


def test_area_names_from_a_boundary_file_are_cleaned_as_an_upload_cleans_names(tmp_path, capsys):
    db = databases.new_database(tmp_path, "g", migrated=True)
    names = ["东湖\u200b社区\u202e", "\uff37\uff45\uff53\uff54  Lake"]
    assert main(_import_areas(db, _boundaries(tmp_path, names))) == 0
    capsys.readouterr()
    stored = databases.read_sql(db, "SELECT name FROM area ORDER BY code")["name"].tolist()
    assert stored == ["东湖社区", "West Lake"]


@pytest.fixture
def street(demo_copy) -> tuple[str, str]:
    code = databases.scalar(demo_copy, "SELECT code FROM area WHERE level = 'street' LIMIT 1")
    return demo_copy, str(code)


def _sweep(db: str, code: str, name: str, teams: str) -> list[str]:
    return [
        "--db", db, "sweep", "create", "--name", name, "--areas", code, "--teams", teams,
        "--from", "2026-12-01", "--to", "2026-12-31",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "teams", "field"),
    [
        ("<script>x</script>", "一组", "任务名称"),
        ("冬季清查", "一组,=1+1", "走访组名称"),
        ("冬季清查", "@SUM(A1)", "走访组名称"),
        ("冬季清查", "<b>二组</b>", "走访组名称"),
    ],
)
def test_a_sweep_or_team_name_that_is_a_formula_or_markup_is_refused(
    street, capsys, name, teams, field
):
    db, code = street
    before = databases.scalar(db, "SELECT count(*) FROM sweep")
    line = _refused(capsys, _sweep(db, code, name, teams))
    assert f"{field}：" in line
    assert databases.scalar(db, "SELECT count(*) FROM sweep") == before


def test_sweep_and_team_names_are_stored_clean_and_members_still_join(street, capsys):
    db, code = street
    args = _sweep(db, code, "冬季\u200b清查\u202e", "一组\u200d,\uff12组")
    assert main([*args, "--member", "一组=demo-sweeper"]) == 0
    sweep_id = json.loads(capsys.readouterr().out)["sweep"]
    assert databases.scalar(db, "SELECT name FROM sweep WHERE id = ?", (sweep_id,)) == "冬季清查"
    members = databases.read_sql(
        db,
        "SELECT t.name AS team, u.name AS member FROM team t LEFT JOIN team_member m"
        " ON m.team_id = t.id LEFT JOIN app_user u ON u.id = m.user_id WHERE t.sweep_id = ?"
        " ORDER BY t.name",
        (sweep_id,),
    )
    assert members.values.tolist() == [["2组", None], ["一组", "demo-sweeper"]]


@pytest.mark.parametrize(
    "name", ["<b>z</b>", "=1+1", "+cmd|' /C calc'!A0", "a" * 500, "\u200b\u202e"]
)
def test_an_account_name_that_is_markup_a_formula_too_long_or_blank_is_refused(
    street, capsys, name
):
    db, _ = street
    before = databases.scalar(db, "SELECT count(*) FROM app_user")
    line = _refused(capsys, ["--db", db, "users", "add", name, "--role", "registrar"])
    assert "账号名：" in line and "account name: " in line
    assert databases.scalar(db, "SELECT count(*) FROM app_user") == before


def test_an_account_name_is_stored_clean_and_found_again_as_typed(street, capsys):
    from geo.services import accounts
    from geo.services.setup import open_database

    db, _ = street
    assert main(["--db", db, "users", "add", "zhao\u200b liu\u202e", "--role", "registrar"]) == 0
    capsys.readouterr()
    assert databases.scalar(db, "SELECT count(*) FROM app_user WHERE name = 'zhao liu'") == 1
    opened = open_database(db)
    try:
        changed = accounts.update_account(opened, ADMIN, "zhao\u2060 liu", active=False)
    finally:
        opened.db.dispose()
    assert changed == {"name": "zhao liu", "changed": ["active"]}


@pytest.mark.parametrize(
    ("team", "reason"),
    [
        ("<script>alert(9)</script>", "markup"),
        ("[甲组](javascript:alert(1))", "markup"),
        ("=1+1", "formula"),
        ("甲" * 101, "too_long"),
    ],
)
def test_a_visits_upload_refuses_a_team_name_under_the_name_rules(street, team, reason):
    from geo.services.setup import open_database
    from geo.services.uploads import import_upload

    db, _ = street
    ref = databases.scalar(db, "SELECT external_ref FROM property ORDER BY id LIMIT 1")
    data = (
        "房屋编号,走访时间,走访结果,见到人数,走访组,备注\n"
        f"{ref},2026-11-25 09:30,已核实,1,{team},x\n"
    ).encode()
    teams = databases.scalar(db, "SELECT count(*) FROM team")
    opened = open_database(db)
    try:
        result = import_upload(
            opened, ADMIN, kind="visits", data=data, filename="visits.csv", as_of=AS_OF
        )
    finally:
        opened.db.dispose()
    assert (result.summary["accepted"], result.summary["rejected"]) == (0, 1)
    refused = result.rejects[["row", "header", "reason"]].to_numpy().tolist()
    assert refused == [[2, "走访组", reason]]
    assert databases.scalar(db, "SELECT count(*) FROM team") == teams


def test_a_team_named_in_a_visits_upload_is_stored_as_a_sweep_s_team_name_is(street):
    from geo.services.setup import open_database
    from geo.services.uploads import import_upload

    db, _ = street
    ref = databases.scalar(db, "SELECT external_ref FROM property ORDER BY id LIMIT 1")
    data = (
        "房屋编号,走访时间,走访结果,见到人数,走访组,备注\n"
        f"{ref},2026-11-25 09:30,已核实,1,\uff17\u200b组\u202e,x\n"
    ).encode()
    opened = open_database(db)
    try:
        result = import_upload(
            opened, ADMIN, kind="visits", data=data, filename="visits.csv", as_of=AS_OF
        )
    finally:
        opened.db.dispose()
    assert result.summary["accepted"] == 1
    assert databases.scalar(db, "SELECT count(*) FROM team WHERE name = '7组'") == 1


# --- each list counted by its community


@pytest.mark.parametrize(
    "name", ["late-reports", "dormitory-outsiders", "unhoused-workers", "permits", "crowded"]
)
def test_every_list_counts_its_rows_by_community(demo, name):
    communities = set(
        databases.read_sql(demo.db.url, "SELECT name FROM area WHERE level = 'community'")["name"]
    )
    table = lists.staff_list(demo, ADMIN, name, as_of=AS_OF)
    assert "community" in table
    assert set(table["community"].dropna()) <= communities


@pytest.mark.parametrize("name", ["late-reports", "dormitory-outsiders"])
def test_the_command_line_counts_late_reporters_and_dormitory_outsiders_by_community(
    demo_url, capsys, name
):
    communities = set(
        databases.read_sql(demo_url, "SELECT name FROM area WHERE level = 'community'")["name"]
    )
    assert main(["--db", demo_url, "lists", name, "--as-of", AS_OF.isoformat()]) == 0
    printed = json.loads(capsys.readouterr().out)
    counted = {row["community"] for row in printed["by_community"]}
    assert counted - {None} and counted <= communities | {None}  # None: outside every one
    assert not counted & {"landlord", "employer"}
    assert sum(row["count"] for row in printed["by_community"]) == printed["rows"] > 0
    per_item: dict[str, int] = {}
    for item in printed["items"]:
        per_item[item["community"]] = per_item.get(item["community"], 0) + 1
    assert {row["community"]: row["count"] for row in printed["by_community"]} == per_item


def test_the_dormitory_outsiders_are_counted_by_the_dormitory_s_community(demo):
    got = lists.staff_list(demo, ADMIN, "dormitory-outsiders", as_of=AS_OF)
    truth = databases.read_sql(
        demo.db.url,
        "SELECT p.external_ref, a.name AS community FROM property p"
        " LEFT JOIN area a ON a.id = p.community_id WHERE p.worksite_id IS NOT NULL",
    )
    expected = dict(zip(truth["external_ref"], truth["community"].fillna(""), strict=True))
    assert got["community"].notna().any()
    assert [expected[r] for r in got["external_ref"]] == got["community"].fillna("").tolist()


# --- a masked name never shows the whole name


@pytest.mark.parametrize("name", ["乙", "张三", "欧阳娜娜", "A", " 乙 "])
def test_a_masked_name_never_shows_the_whole_name(name):
    masked = mask_name(name)
    assert masked != name.strip() and name.strip() not in masked
    assert len(masked) == len(name.strip()) and masked.count("*") >= 1


def test_a_one_character_name_is_a_single_asterisk():
    assert mask_name("乙") == "*"
    assert mask_name("张三") == "张*"
    assert mask_name("") == mask_name(None) == ""
