"""Small smoke runs of every benchmark, so they keep working (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import AS_OF, ROOT, run_cli
from tests.databases import POSTGIS, postgis_only

own_sqlite_files = pytest.mark.skipif(
    POSTGIS, reason="the bench builds SQLite files of its own: the PostGIS run adds nothing"
)


def run_bench(name: str, *args: str, own_keys: bool = True) -> list[dict]:
    """Run ``bench/name.py``; with ``own_keys`` its SQLite files keep keys beside them."""
    env = dict(os.environ)
    if own_keys:
        env.pop("GRIDHOUSE_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@own_sqlite_files
def test_assign_bench_prints_its_cases_and_agrees_with_sjoin():
    cases = run_bench(
        "assign", "--points", "2000", "5000", "--polygons", "30", "--build-polygons", "30",
        "--chunked", "20000", "--repeat", "1",
    )  # fmt: skip
    assigned = [c for c in cases if c["bench"] == "assign"]
    assert [c["points"] for c in assigned] == [2000, 5000]
    for case in assigned:
        assert case["polygons"] == 30
        assert case["agree"] is True and case["agreement"] == 1.0
        assert case["gridhouse_s"] > 0 and case["sjoin_s"] > 0
        assert "s" in case["duckdb"] or case["duckdb"]["skipped"]
    (build,) = [c for c in cases if c["bench"] == "assign_build"]
    assert build["polygons"] == 30 and build["build_s"] > 0
    (chunked,) = [c for c in cases if c["bench"] == "assign_chunked"]
    assert chunked["points"] == 20000 and chunked["seconds"] > 0 and chunked["peak_mb"] > 0


@own_sqlite_files
def test_ingest_bench_prints_its_case_with_every_row_accepted():
    (case,) = run_bench("ingest", "--rows", "2000", "--repeat", "1")
    assert case["bench"] == "ingest"
    assert case["rows"] == 2000
    assert case["accepted"] == 2000 and case["rejected"] == 0
    assert case["gridhouse_s"] > 0 and case["pandas_to_sql_s"] > 0


@own_sqlite_files
def test_demo_bench_prints_its_case():
    (case,) = run_bench("demo", "--scale", "1")
    assert case["bench"] == "demo"
    assert case["units"] == 13_000 and case["areas"] == 52


@own_sqlite_files
def test_maps_bench_prints_its_case():
    (case,) = run_bench("maps", "--scale", "1", "--naive-cap", "500")
    assert case["bench"] == "maps" and case["overview_level"] == "community"
    assert case["units"] == 13_000
    assert 0 < case["payload_bytes"] <= case["payload_bytes_communities"]
    assert case["clusters"] > 0 and case["naive_points"] == 500
    assert case["build_warm_s"] > 0 and case["cluster_cold_s"] > 0


@own_sqlite_files
def test_search_bench_prints_its_case():
    (case,) = run_bench("search", "--scale", "1", "--repeat", "3")
    assert case["bench"] == "search" and case["units"] == 13_000
    assert case["id_lookup_s"] > 0 and case["phone_lookup_s"] > 0 and case["address_search_s"] > 0


def test_sweep_bench_prints_a_plan_no_longer_than_nearest_neighbour(demo_copy):
    (case,) = run_bench(
        "sweep", "--db", demo_copy, "--units", "1500", "--teams", "4",
        "--list-units", "300", own_keys=False,  # the demo copy's key is the configured one
    )  # fmt: skip
    assert case["bench"] == "sweep"
    assert (case["units"], case["teams"], case["xlsx_units"]) == (1500, 4, 300)
    assert case["imbalance"] <= 0.1
    assert case["route_km"] <= case["nearest_neighbour_km"]
    assert case["plan_s"] > 0 and case["xlsx_5000_s"] > 0


def test_scale_bench_prints_dask_beside_one_process_and_they_agree():
    (case,) = run_bench("scale", "--points", "20000", "--polygons", "40", "--partitions", "4")
    assert case["bench"] == "scale" and (case["points"], case["polygons"]) == (20_000, 40)
    assert case["equal"] is True
    assert case["dask_s"] > 0 and case["single_s"] > 0


@postgis_only
def test_stats_bench_prints_postgis_beside_sqlite_on_the_same_district(demo_url, tmp_path):
    sqlite = str(tmp_path / "demo.sqlite")
    built = run_cli("--db", sqlite, "demo", "--as-of", AS_OF.isoformat())
    assert built.returncode == 0, built.stderr
    (case,) = run_bench(
        "scale", "--points", "0", "--sqlite", sqlite, "--postgis", demo_url,
        "--scale", "1", "--repeat", "1", own_keys=False,
    )  # fmt: skip
    assert case["bench"] == "stats" and case["scale"] == 1
    assert case["units"] > 10_000
    assert case["sqlite_s"] > 0 and case["postgis_s"] > 0


@own_sqlite_files
def test_concurrency_bench_lands_every_import_once_with_readers_answering():
    (case,) = run_bench(
        "concurrency", "--rows", "300", "--importers", "3", "--movers", "2", "--moves", "1"
    )
    assert case["bench"] == "concurrency" and case["importers"] == 3 and case["rows"] == 300
    assert case["landed"] is True and case["failed"] == []
    assert case["reader_runs"] >= 3 and case["rows_per_s"] > 0


PAGES = {
    "overview", "clusters", "worksites", "quality", "upload", "people", "property", "lists",
    "sweeps", "review", "admin", "health", "account",
}  # fmt: skip


def test_pages_bench_times_every_page_and_the_overview_clicks(demo_copy):
    cases = run_bench("page_times", "--db", demo_copy, "--roles", "demo-admin", own_keys=False)
    *pages, summary = cases
    opened = [c for c in pages if "cold_s" in c]
    assert {c["page"] for c in opened} == PAGES  # the admin sees every page
    assert all(c["cold_s"] > 0 and c["warm_s"] > 0 and c["cold_cpu_s"] >= 0 for c in opened)
    assert all(c["title"] for c in opened)  # each page drew its heading
    clicks = [c["action"] for c in pages if "action" in c]
    assert clicks == ["metric_switch", "level_switch", "drill_down", "back", "after_import"]
    assert all(c["s"] > 0 for c in pages if "action" in c)
    assert sum(c["errors"] for c in pages) == 0
    assert summary["cases"] == len(pages) and summary["peak_rss_mb"] > 0


def test_no_bench_script_shadows_a_package_of_the_project():
    """Tests put bench/ on the import path to reuse its generators; a script named like one
    of the project's packages (pages, geo, tests) would then be imported in its place."""
    packages = {
        p.name for p in ROOT.iterdir() if p.is_dir() and p.name != "bench" and any(p.glob("*.py"))
    } | {p.stem for p in ROOT.glob("*.py")}
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")}
    assert {"pages", "geo", "app"} <= packages and not scripts & packages, scripts & packages


def test_tallies_bench_prints_its_case_with_both_ways_agreeing():
    (case,) = run_bench("tallies", "--scale", "1")
    assert case["bench"] == "tallies" and case["agree"] is True
    assert case["units"] > 10_000 and case["communities"] > 0
    assert case["recounted"] == []  # a planner's last month end is kept too
