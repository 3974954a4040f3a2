"""Many importers, movers and readers at once on one database: rows per second and the worst wait.

Eight ``gridhouse import rentals`` processes of ``--rows`` rows each start together on the
demo district, beside ``--movers`` clerks moving people (move-in, then a move, in this
process) and ``--readers`` read-only commands run again and again (``audit verify``,
``health``, ``stats areas``) until the imports end. Prints one JSON line:

{"bench": "concurrency", "backend", "importers", "rows" (per import), "movers", "moves",
"gridhouse_s" (wall time until every import landed), "rows_per_s" (imported rows / that),
"worst_wait_s" (the longest wait an importer reported: "waiting for another import (N s)"),
"longest_import_s", "reader_runs", "worst_reader_s" (a read-only command's longest run meanwhile,
beside "reader_alone_s", its longest run with nobody writing: readers take no write lock, so
the difference is the machine's load), "failed" (commands that did not exit 0),
"landed" (every unit of every file stored exactly once)}

    python bench/concurrency.py [--rows 100000] [--importers 8] [--movers 8] [--db URL]

Without ``--db`` it builds the demo in a temporary SQLite file; with a PostgreSQL URL (an
empty database with PostGIS) it loads the demo there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from geo.identifiers import id_check_digit
from geo.services import moves
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database

AS_OF = date(2026, 11, 29)
ROOT = Path(__file__).resolve().parents[1]
READERS = (("audit", "verify"), ("health",), ("stats", "areas"))
_WAITED = re.compile(r"\((\d+) s\)")
_STOPPED = threading.Event()
_STOPPED.set()


def rentals_file(directory: Path, importer: int, rows: int) -> Path:
    """``rows`` new units with references of their own, in the demo street (WGS-84)."""
    rng = np.random.default_rng(importer)
    frame = pd.DataFrame(
        {
            "房屋编号": [f"K{importer}-{i:07d}" for i in range(rows)],
            "详细地址": [f"并发路{importer}号{i}室" for i in range(rows)],
            "经度": np.round(rng.uniform(119.915, 119.985, rows), 6),
            "纬度": np.round(rng.uniform(30.02, 30.08, rows), 6),
            "房屋类型": "单间",
            "房间数": rng.integers(1, 6, rows),
            "房东姓名": [f"房东{i % 50}" for i in range(rows)],
            "房东电话": [f"139{i % 50:08d}" for i in range(rows)],
        }
    )
    path = directory / f"rentals-{importer}.csv"
    frame.to_csv(path, index=False)
    return path


def gridhouse(database: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "geo", "--db", database, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def mover(database: str, clerk: int, count: int, units: list[str], failed: list[str]) -> None:
    """Move ``count`` newcomers in, then each to another unit, through the services."""
    opened = open_database(database, create=False)
    actor = Actor(name=f"clerk{clerk}", role="registrar")
    try:
        for i in range(count):
            number = f"5111021990{clerk % 12 + 1:02d}{i % 28 + 1:02d}{clerk:02d}{i % 10}"
            number += id_check_digit(number)
            home, other = units[(clerk * count + i) * 2 : (clerk * count + i) * 2 + 2]
            moves.move_in(opened, actor, property_ref=home, on=AS_OF - timedelta(days=20),
                          id_number=number, name=f"并发{clerk}-{i}", as_of=AS_OF)  # fmt: skip
            moves.move(opened, actor, id_number=number, to_property_ref=other,
                       on=AS_OF - timedelta(days=5), as_of=AS_OF)  # fmt: skip
    except Exception as exc:  # counted, not raised: the bench reports what failed
        failed.append(f"mover {clerk}: {exc}")
    finally:
        opened.db.dispose()


def reader(database: str, command: tuple[str, ...], stop: threading.Event,
           times: list[float], failed: list[str]) -> None:  # fmt: skip
    while True:
        started = time.perf_counter()
        process = gridhouse(database, *command)
        _out, err = process.communicate()
        times.append(time.perf_counter() - started)
        if process.returncode != 0:
            failed.append(f"{' '.join(command)}: {err.strip()}")
        if stop.is_set():
            return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per import")
    parser.add_argument("--importers", type=int, default=8)
    parser.add_argument("--movers", type=int, default=8)
    parser.add_argument("--moves", type=int, default=5, help="newcomers each mover moves")
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        database = args.db or str(directory / "bench.sqlite")
        opened = open_database(database)
        load_demo(opened, Actor(name="bench", role="admin"), as_of=AS_OF)
        with opened.db.read() as conn:
            units = [
                str(r)
                for r in conn.exec_driver_sql(
                    "SELECT external_ref FROM property WHERE status = 'active' "
                    "AND community_id IS NOT NULL ORDER BY id"
                ).scalars()
            ][: args.movers * args.moves * 2]
            before = int(conn.exec_driver_sql("SELECT count(*) FROM property").scalar_one())
        opened.db.dispose()
        files = [rentals_file(directory, i, args.rows) for i in range(args.importers)]
        alone: list[float] = []  # each reader once with nobody writing, for comparison
        for command in READERS:
            reader(database, command, _STOPPED, alone, [])
        failed: list[str] = []
        reads: list[float] = []
        stop = threading.Event()
        started = time.perf_counter()
        importers = [gridhouse(database, "import", "rentals", str(f)) for f in files]
        helpers = [
            threading.Thread(target=mover, args=(database, c, args.moves, units, failed))
            for c in range(args.movers)
        ]
        helpers += [
            threading.Thread(target=reader, args=(database, c, stop, reads, failed))
            for c in READERS
        ]
        for thread in helpers:
            thread.start()
        waits: list[int] = [0]
        durations: list[float] = []
        inserted = 0
        for process in importers:
            out, err = process.communicate()
            durations.append(time.perf_counter() - started)
            waits += [int(n) for n in _WAITED.findall(err)]
            if process.returncode != 0:
                failed.append(f"import: {err.strip()[-300:]}")
            else:
                inserted += int(json.loads(out)["inserted"])
        wall = time.perf_counter() - started
        stop.set()
        for thread in helpers:
            thread.join()
        opened = open_database(database, create=False)
        with opened.db.read() as conn:
            after = int(conn.exec_driver_sql("SELECT count(*) FROM property").scalar_one())
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "concurrency",
                "backend": "postgresql" if args.db and "postgres" in args.db else "sqlite",
                "importers": args.importers,
                "rows": args.rows,
                "movers": args.movers,
                "moves": args.moves,
                "gridhouse_s": round(wall, 2),
                "rows_per_s": round(inserted / wall, 1),
                "worst_wait_s": max(waits),
                "longest_import_s": round(max(durations), 2),
                "reader_runs": len(reads),
                "worst_reader_s": round(max(reads, default=0.0), 2),
                "reader_alone_s": round(max(alone), 2),
                "failed": failed,
                "landed": inserted == after - before == args.importers * args.rows,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
