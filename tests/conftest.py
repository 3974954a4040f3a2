"""Shared fixtures: real databases (SQLite files on disk, or PostgreSQL + PostGIS when
``GRIDHOUSE_TEST_BACKEND=postgis``), and the demo district loaded once per run."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from geo.services.access import Actor
from geo.services.setup import Opened, open_database
from tests import databases

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
AS_OF = date(2026, 11, 29)
TRAVEL = "GRIDHOUSE_TEST_TRAVEL"
"""Set to an ISO date-time, the run's clock starts there (see tests/test_clock.py)."""
ADMIN = Actor(name="test-admin", role="admin")
PLANNER = Actor(name="test-planner", role="planner")


def pytest_configure(config: pytest.Config) -> None:
    """With ``GRIDHOUSE_TEST_TRAVEL`` set, move the clock of this process (time-machine: the
    date, datetime and time modules) and of the commands it starts (``GRIDHOUSE_TODAY``)."""
    moment = os.environ.get(TRAVEL)
    if moment:
        import time_machine

        time_machine.travel(datetime.fromisoformat(moment), tick=True).start()
        os.environ["GRIDHOUSE_TODAY"] = moment[:10]


@pytest.fixture(scope="session", autouse=True)
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database backend of this run; on PostGIS its server runs for the whole run."""
    databases.start(tmp_path_factory.mktemp("postgres"))
    yield databases.BACKEND
    databases.stop()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    databases.drop_created()


@pytest.fixture(autouse=True)
def _fresh_app_caches() -> Iterator[None]:
    """Each AppTest starts as a new server process would: no database handle or read cached
    by an earlier test (a handle kept across tests outlived other tests' work on its file)."""
    yield
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The PostGIS run keeps the browser tests for last: run beside the SQLite run
    (``tests.suites``), whose browser tests come early, the two seldom wait for each other."""
    if databases.POSTGIS:
        items.sort(key=lambda item: item.path.name == "test_browser.py")


@pytest.fixture
def browser_turn() -> Iterator[None]:
    """One browser test at a time across the runs ``tests.suites`` starts side by side."""
    path = os.environ.get("GRIDHOUSE_TEST_BROWSER_LOCK")
    if not path:
        yield
        return
    with Path(path).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's AppTest runs app.py as ``__main__`` and leaves it there; worker processes
    that Dask spawns later would import it again and start the app."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    """A directory holding the demo's JSON summary (``demo.json``) and, on SQLite, the demo
    database with its key file, built once per test run by the real command."""
    directory = tmp_path_factory.mktemp("demo")
    target = str(directory / "demo.sqlite")
    if databases.POSTGIS:
        target = databases.server_url("gh_demo_build")
        databases.make_template(databases.server_url(databases.BLANK), "gh_demo_build")
    result = run_cli("--db", target, "demo", "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr
    (directory / "demo.json").write_text(result.stdout, encoding="utf-8")
    (directory / "master").write_text(databases.make_template(target, "gh_demo_master"))
    return directory


@pytest.fixture(scope="session")
def demo_master(demo_dir: Path) -> str:
    """The demo database to copy (no test opens it; on SQLite the file beside demo.json)."""
    return (demo_dir / "master").read_text()


@pytest.fixture(scope="session")
def demo_url(demo_dir: Path, demo_master: str) -> str:
    """The demo database that read-only tests open (``--db`` value, URL or SQLite path)."""
    if not databases.POSTGIS:
        return demo_master
    return databases.make_template(demo_master, "gh_demo")


@pytest.fixture(scope="session")
def demo(demo_url: str) -> Iterator[Opened]:
    """The demo database, opened read-mostly: tests must not change it."""
    opened = open_database(demo_url, create=False)
    yield opened
    opened.db.dispose()


@pytest.fixture
def demo_copy(demo_master: str, tmp_path: Path) -> str:
    """A writable copy of the demo database, for this test only."""
    return databases.copy_database(demo_master, tmp_path)


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Opened]:
    opened = open_database(databases.new_database(tmp_path, "empty", migrated=True))
    yield opened
    opened.db.dispose()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m geo`` as a user would, capturing its output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=300,
        check=False,
    )
