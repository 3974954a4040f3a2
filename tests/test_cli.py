"""The gridhouse command: one JSON line per result, one line and exit 2 per error."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from geo.cli import build_parser
from geo.errors import NotFoundError, PermissionDeniedError
from geo.identifiers import id_check_digit
from geo.services import sweeps
from geo.services.access import Actor
from geo.store.database import Database
from tests import databases
from tests.conftest import AS_OF, PLANNER, ROOT, run_cli

STATS_KEYS = {
    "code",
    "name",
    "level",
    "parent_code",
    "area_km2",
    "population",
    "rental_units",
    "residents",
    "floating_residents",
    "worksites",
    "coverage",
    "overdue_units",
}


def stats(demo_url, *extra: str):
    return run_cli(
        "--db",
        demo_url,
        "stats",
        "areas",
        "--as-of",
        AS_OF.isoformat(),
        *extra,
    )


def test_stats_json_is_one_line_holding_one_object_per_community(demo_url):
    result = stats(demo_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    rows = json.loads(result.stdout)
    assert len(rows) == 52
    assert set(rows[0]) >= STATS_KEYS
    assert {r["level"] for r in rows} == {"community"}
    total = {
        k: sum(r[k] for r in rows)
        for k in ("population", "rental_units", "residents", "floating_residents", "worksites")
    }
    assert abs(total["population"] - 116_000) <= 0.05 * 116_000
    assert abs(total["rental_units"] - 13_000) <= 0.05 * 13_000
    assert abs(total["residents"] - 36_000) <= 0.05 * 36_000
    assert abs(total["floating_residents"] - 32_000) <= 0.05 * 32_000
    assert total["worksites"] == 450
    coverage = [r["coverage"] for r in rows]
    assert min(coverage) == pytest.approx(0.40, abs=0.05)
    assert max(coverage) == pytest.approx(0.95, abs=0.05)
    assert all(0 <= r["coverage"] <= 1 for r in rows)


def test_stats_csv_has_a_header_and_one_row_per_grid(demo_url):
    result = stats(demo_url, "--level", "grid", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) > 100
    assert set(rows[0]) >= STATS_KEYS
    assert all(r["level"] == "grid" for r in rows)


def test_window_changes_coverage(demo_url):
    short = json.loads(stats(demo_url, "--window", "30").stdout)
    long = json.loads(stats(demo_url, "--window", "365").stdout)
    assert sum(r["coverage"] for r in short) < sum(r["coverage"] for r in long)


def test_demo_refuses_a_database_that_already_holds_data(demo_url):
    result = run_cli("--db", demo_url, "demo")
    assert result.returncode == 2
    assert "already holds data" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_is_idempotent_and_reports_the_revision(tmp_path):
    database = databases.new_database(tmp_path, "g")
    for _ in range(2):
        result = run_cli("--db", database, "init")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["revision"] == Database.head_revision()


def test_stats_on_an_empty_database_explains_what_to_do(tmp_path):
    result = run_cli("--db", databases.new_database(tmp_path, "g"), "stats", "areas")
    assert result.returncode == 2
    assert "gridhouse demo" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "areas", "--level", "county"),
        ("demo", "--scale", "0"),
        ("frobnicate",),
        ("stats", "areas", "--window", "-3"),
        ("import", "areas", "x.geojson"),
    ],
)
def test_bad_arguments_exit_2_without_a_traceback(tmp_path, args):
    result = run_cli("--db", databases.new_database(tmp_path, "g"), *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("--db", str(blocker / "g.sqlite"), "init")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


UNINITIALISED_COMMANDS = [
    ("stats", "areas"),
    ("lists", "crowded"),
    ("health",),
    ("backup", "b.tar"),
    ("audit", "verify"),
    ("sweep", "progress", "1"),
    ("import", "undo", "1"),
    ("export", "area-list", "--area", "330110901", "--format", "csv", "--out", "a.csv"),
]


def one_bilingual_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert " | " in lines[0] and re.search(r"[\u4e00-\u9fff]", lines[0]), lines[0]
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("args", UNINITIALISED_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_database_without_a_schema_says_run_init_in_both_languages(tmp_path, args):
    target = databases.new_database(tmp_path, "g")  # a new SQLite file, or an empty PostGIS db
    result = run_cli("--db", target, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    line = one_bilingual_line(result.stderr)
    assert "请先运行 gridhouse init" in line and "run gridhouse init first" in line
    assert "internal error" not in line
    if not databases.POSTGIS:  # nothing made on the way: no file, no key
        assert sorted(p.name for p in tmp_path.iterdir()) == []


@databases.sqlite_only
def test_an_empty_sqlite_file_says_run_init_too(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()
    result = run_cli("--db", str(path), "health")
    assert result.returncode == 2
    assert "gridhouse init" in one_bilingual_line(result.stderr)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("frobnicate",), ("frobnicate", "可选", "choose from")),
        (("stats", "areas", "--level", "county"), ("county", "--level")),
        (("import", "areas", "x.geojson"), ("缺少参数", "missing argument", "--level")),
        (("stats", "areas", "--window", "-3"), ("--window", "-3", ">= 1")),
        (("lists", "crowded", "--as-of", "2026-13-01"), ("YYYY-MM-DD", "2026-13-01")),
        (("stats", "areas", "surplus"), ("无法识别的参数", "surplus")),
        ((), ("缺少参数", "missing argument")),
    ],
)
def test_usage_errors_are_one_line_in_chinese_and_english(tmp_path, args, words):
    result = run_cli("--db", str(tmp_path / "g.sqlite"), *args)
    assert result.returncode == 2
    assert result.stdout == ""
    line = one_bilingual_line(result.stderr)
    assert "usage:" not in result.stderr
    for word in words:
        assert word in line


def test_help_still_prints_the_usage():
    for args in (("--help",), ("sweep", "assign", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("usage: gridhouse")
        assert result.stderr == ""
    assert "--as-of" in run_cli("move-in", "--help").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("lists", "crowded"),
        ("stats", "areas"),
        ("stats", "registration"),
        ("sweep", "assign", "1"),
        ("sweep", "progress", "1"),
        ("sweep", "export", "1", "--format", "csv", "--out", "x"),
        ("export", "area-list", "--area", "1", "--format", "csv", "--out", "x"),
        ("move-in", "P1", "--id", "1", "--on", "2026-11-01"),
        ("move-out", "--id", "1", "--on", "2026-11-01"),
        ("move", "--id", "1", "--to", "P1", "--on", "2026-11-01"),
        ("import", "visits", "v.csv"),
        ("import", "rentals", "r.csv"),
        ("retention", "run"),
        ("batch", "coverage"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_command_that_depends_on_today_takes_as_of(args):
    parsed = build_parser().parse_args([*args, "--as-of", "2026-03-31"])
    assert parsed.as_of == date(2026, 3, 31)


def test_a_move_is_reported_on_the_as_of_day(demo_copy):
    number = "34122119900307002"
    number += id_check_digit(number)
    ref = databases.scalar(demo_copy, "SELECT external_ref FROM property ORDER BY id LIMIT 1")
    result = run_cli(
        "--db", demo_copy, "move-in", ref, "--id", number, "--name", "新来者",
        "--on", "2026-11-20", "--as-of", "2026-11-25",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reported = databases.scalar(
        demo_copy,
        "SELECT r.reported_on FROM residence r JOIN property p ON p.id = r.property_id"
        " WHERE p.external_ref = ? AND r.moved_in = ?",
        (ref, date(2026, 11, 20)),
    )
    assert str(reported) == "2026-11-25"


def test_an_area_list_without_a_sweep_lists_the_area_in_walking_order(demo_copy, tmp_path):
    grid, community_id = databases.rows(
        demo_copy,
        "SELECT a.code, a.parent_id FROM area a WHERE a.level = 'grid' ORDER BY a.code LIMIT 1",
    )[0]
    grid_id = databases.scalar(demo_copy, "SELECT id FROM area WHERE code = ?", (grid,))
    expected = databases.scalar(
        demo_copy,
        "SELECT count(*) FROM property WHERE grid_id = ? AND status = 'active' AND lon IS NOT NULL",
        (grid_id,),
    )
    out = tmp_path / "grid.csv"
    result = run_cli(
        "--db", demo_copy, "export", "area-list", "--area", grid, "--format", "csv",
        "--out", str(out), "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sweep"] is None and summary["units"] == expected > 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [int(r["序号"]) for r in rows] == list(range(1, expected + 1))
    assert {r["任务编号"] for r in rows} == {""} and {r["走访组"] for r in rows} == {""}
    people = [p for r in rows for p in r["登记人员"].split("；") if p]
    assert people and all(re.fullmatch(r"\S\** \*{4}\d{3}[\dX]", p) for p in people)
    assert {r["走访结果"] for r in rows} == {""}
    assert community_id is not None
    for fmt in ("gpx", "pdf", "xlsx", "kml", "geojson"):
        made = run_cli(
            "--db", demo_copy, "export", "area-list", "--area", grid, "--format", fmt,
            "--out", str(tmp_path / f"grid.{fmt}"),
        )  # fmt: skip
        if fmt == "pdf" and made.returncode == 2:  # no Chinese font on this machine
            assert "字体" in one_bilingual_line(made.stderr)
            continue
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["units"] == expected


def test_an_area_list_without_a_sweep_checks_the_role_and_the_scope(demo):
    with pytest.raises(PermissionDeniedError):
        sweeps.area_units_list(demo, PLANNER, "330110901", fmt="csv", as_of=AS_OF)
    elsewhere = Actor(name="cun", role="registrar", areas=frozenset({"330110901201"}))
    with pytest.raises(NotFoundError):
        sweeps.area_units_list(demo, elsewhere, "330110901202", fmt="csv", as_of=AS_OF)


def test_successful_commands_print_nothing_on_stderr(demo_copy, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    for args in (
        ("stats", "areas", "--as-of", AS_OF.isoformat()),
        ("stats", "registration", "--as-of", AS_OF.isoformat()),
        ("lists", "crowded", "--format", "csv", "--as-of", AS_OF.isoformat()),
        ("sweep", "progress", "1", "--as-of", AS_OF.isoformat()),
        ("export", "area-list", "--area", "330110901201", "--format", "gpx",
         "--out", str(tmp_path / "a.gpx")),
        ("import", "areas", str(tmp_path / "missing.geojson"), "--level", "grid"),
        ("health",),
    ):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "geo", "--db", demo_copy, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
            check=False,
        )
        if args[0] == "import":  # an error: its one line, nothing else
            assert result.returncode == 2
            one_bilingual_line(result.stderr)
            continue
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", args


def test_the_default_database_is_in_the_project_data_folder_whatever_the_directory(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GRIDHOUSE_DATABASE_URL", "GRIDHOUSE_KEY_FILE")
    }
    result = subprocess.run(
        [sys.executable, "-m", "geo", "health"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    default = ROOT / "data" / "gridhouse.sqlite"
    assert str(default) in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def sqlite_file_of_an_unknown_revision(path):
    """An SQLite database whose schema revision no Gridhouse knows: upgrading it fails."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    conn.close()


@databases.sqlite_only
def test_an_internal_error_is_logged_beside_the_database_with_its_reference(tmp_path):
    broken = tmp_path / "broken.sqlite"
    sqlite_file_of_an_unknown_revision(broken)
    result = run_cli("--db", str(broken), "health", cwd=ROOT)
    assert result.returncode == 2
    line = one_bilingual_line(result.stderr)
    reference = re.search(r"[0-9a-f]{8}", line.split("|")[1]).group(0)
    log = tmp_path / "gridhouse.log"
    assert str(log) in line and reference in line.split("|")[0]
    text = log.read_text(encoding="utf-8")
    assert reference in text and "Traceback" in text


def truncated_database(demo_master: str, path) -> None:
    shutil.copyfile(demo_master, path)
    os.truncate(path, path.stat().st_size // 2)


def broken_location(kind: str, tmp_path, demo_master: str):
    """A --db value no database can be at or be made at, and the words that must say why."""
    if kind == "text file":
        path = tmp_path / "junk.sqlite"
        path.write_text("name,phone\n张三,13800000000\n", encoding="utf-8")
        return path, ("不是 SQLite 数据库", "not an SQLite database", str(path))
    if kind == "truncated":
        path = tmp_path / "cut.sqlite"
        truncated_database(demo_master, path)
        return path, ("已损坏或不完整", "damaged or incomplete", str(path))
    if kind == "header only":
        path = tmp_path / "cut.sqlite"
        path.write_bytes(b"SQLite format 3\x00\x10\x00")
        return path, ("已损坏或不完整", "damaged or incomplete", str(path))
    if kind == "folder":
        path = tmp_path / "data.sqlite"
        path.mkdir()
        return path, ("是文件夹而不是文件", "a folder, not a file", str(path))
    assert kind == "missing folder"
    path = tmp_path / "no" / "such" / "x.sqlite"
    folder = str(tmp_path / "no" / "such")
    return path, ("文件夹不存在", f"folder does not exist: {folder}")


@databases.sqlite_only
@pytest.mark.parametrize("command", [("health",), ("init",), ("demo",), ("stats", "areas")])
@pytest.mark.parametrize(
    "kind", ["text file", "truncated", "header only", "folder", "missing folder"]
)
def test_a_database_location_that_cannot_hold_a_database_says_why(
    tmp_path, demo_master, kind, command
):
    path, words = broken_location(kind, tmp_path, demo_master)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run_cli("--db", str(path), *command, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    line = one_bilingual_line(result.stderr)
    for word in words:
        assert word in line
    assert "internal error" not in line and "gridhouse init" not in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no key, log or folder made


@databases.sqlite_only
def test_init_makes_a_new_file_in_a_folder_that_exists(tmp_path):
    result = run_cli("--db", str(tmp_path / "new.sqlite"), "init")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.sqlite").is_file() and (tmp_path / "new.key").is_file()


@databases.sqlite_only
@pytest.mark.parametrize("kind", ["text file", "truncated", "missing folder"])
def test_the_app_says_what_the_command_line_says_about_an_unusable_database(
    tmp_path, demo_master, monkeypatch, kind
):
    from streamlit.testing.v1 import AppTest

    path, words = broken_location(kind, tmp_path, demo_master)
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", str(path))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception
    chinese = run_cli("--db", str(path), "health").stderr.split("gridhouse: ")[1].split(" | ")[0]
    shown = [e.value.replace("\\", "") for e in app.error]  # Markdown escapes in the path
    assert shown == [chinese]
    assert words[0] in shown[0]
