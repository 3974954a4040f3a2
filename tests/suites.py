"""Run the whole test suite on both backends at once: SQLite and PostgreSQL + PostGIS.

``python -m tests.suites [pytest arguments]`` starts two pytest runs side by side (the
machine has cores enough for both; each test is the same on either), shows the SQLite run
as it goes and the PostGIS run's report when it ends, and fails if either fails. The
browser tests of the two runs take turns (:data:`BROWSER_LOCK`), and the PostGIS run keeps
its browser tests for last, so the two seldom wait for each other.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER_LOCK = "GRIDHOUSE_TEST_BROWSER_LOCK"


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="gridhouse-suites-") as scratch:
        shared = {**os.environ, BROWSER_LOCK: str(Path(scratch) / "browser.lock")}
        log = Path(scratch) / "postgis.log"
        command = [sys.executable, "-m", "pytest", *args]
        with log.open("w") as out:
            postgis = subprocess.Popen(
                [*command, f"--basetemp={scratch}/postgis"],
                cwd=ROOT,
                env={**shared, "GRIDHOUSE_TEST_BACKEND": "postgis"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            print("== SQLite ==", flush=True)
            sqlite = subprocess.run(
                [*command, f"--basetemp={scratch}/sqlite"],
                cwd=ROOT,
                env={**shared, "GRIDHOUSE_TEST_BACKEND": "sqlite"},
                check=False,
            ).returncode
            postgis_code = postgis.wait()
        print("== PostgreSQL + PostGIS ==", flush=True)
        print(log.read_text(encoding="utf-8", errors="replace"), end="", flush=True)
    print(f"== SQLite exit {sqlite}, PostGIS exit {postgis_code} ==", flush=True)
    return 0 if sqlite == 0 and postgis_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
