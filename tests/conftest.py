"""Shared fixtures: real SQLite files on disk, and the demo district loaded once per run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from geo.services.access import Actor
from geo.services.setup import Opened, open_database

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
AS_OF = date(2026, 11, 29)
ADMIN = Actor(name="test-admin", role="admin")
PLANNER = Actor(name="test-planner", role="planner")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the demo database (and its key file), built once per test run
    by the real command, whose JSON summary is kept in ``demo.json``."""
    directory = tmp_path_factory.mktemp("demo")
    result = run_cli("--db", str(directory / "demo.sqlite"), "demo", "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr
    (directory / "demo.json").write_text(result.stdout, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def demo(demo_dir: Path) -> Iterator[Opened]:
    """The demo database, opened read-mostly: tests must not change it."""
    opened = open_database(str(demo_dir / "demo.sqlite"), create=False)
    yield opened
    opened.db.dispose()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Opened]:
    opened = open_database(str(tmp_path / "empty.sqlite"))
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
