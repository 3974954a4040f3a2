"""No time bombs: the product reads the clock in one place, and the date-dependent tests pass
on other days (a later date, across a month end and across a year end)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pytest

from geo import clock
from geo.errors import InputError
from tests import databases
from tests.conftest import ROOT, TRAVEL

CLOCK_READS = re.compile(
    r"\b(?:date\.today|datetime\.(?:now|today|utcnow)|time\.(?:time|localtime|gmtime))\("
)

DATED_SLICE = [
    "tests/test_registration.py",
    "tests/test_statistics.py",
    "tests/test_lists.py",
    "tests/test_moves.py",
    "tests/test_people.py",
    "tests/test_reporting.py",
    "tests/test_sweeps.py",
]
"""The tests of every service that depends on "today": statistics and trends, lists and
their due dates, moves and late reports, retention, sweeps and back-checks."""

MOMENTS = {
    "a later day": "2027-04-14T10:00:00",
    "a month end": "2027-02-28T23:59:00",
    "a year end": "2027-12-31T23:59:00",
}


def test_only_the_clock_module_reads_the_clock():
    offenders = []
    for path in [*ROOT.joinpath("geo").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py")]:
        if path.name == "clock.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CLOCK_READS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_gridhouse_today_sets_the_day_the_product_works_on(monkeypatch):
    monkeypatch.setenv(clock.TODAY_VARIABLE, "2030-02-01")
    assert clock.today() == date(2030, 2, 1)
    assert clock.now().date() == date(2030, 2, 1)
    assert clock.utc_now().date() == date(2030, 2, 1)
    monkeypatch.setenv(clock.TODAY_VARIABLE, "first of May")
    with pytest.raises(InputError, match="GRIDHOUSE_TODAY"):
        clock.today()


@pytest.mark.slow
@pytest.mark.skipif(databases.POSTGIS, reason="the clock is the same on both backends")
@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_the_date_dependent_tests_pass_with_the_clock_moved(moment, tmp_path):
    env = {**os.environ, TRAVEL: moment}
    env.pop("GRIDHOUSE_TEST_BROWSER_LOCK", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path}",
            *DATED_SLICE,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
