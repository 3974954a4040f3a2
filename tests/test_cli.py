"""The gridhouse command: one JSON line per result, one line and exit 2 per error."""

from __future__ import annotations

import csv
import io
import json

import pytest

from geo.store.database import Database
from tests import databases
from tests.conftest import AS_OF, run_cli

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
