"""Import a rentals CSV (GCJ-02, Chinese headers) into the demo district, beside pandas.

Prints {"bench": "ingest", "rows", "gridhouse_s", "pandas_to_sql_s", "stages_s", "accepted",
"rejected"} (medians of ``--repeat`` runs, each on a fresh copy of the database, with every
run listed): gridhouse_s is the whole upload (read, map columns, validate, GCJ-02 -> WGS-84,
assign to areas, seal landlord phones, write in one transaction); stages_s splits it where the
upload reports its progress: "read" (read the file, map its columns, clean its cells),
"validate" (every check, the coordinates converted) and "write" (in the one transaction:
assign to areas, seal the landlords' phones, write the landlords and units, keep the figures,
commit); pandas_to_sql_s is a plain ``pandas.read_csv`` + ``DataFrame.to_sql`` of the same
file into a fresh SQLite table.

    python bench/ingest.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geo.crs import wgs84_to_gcj02
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database
from geo.services.uploads import import_upload

AS_OF = date(2026, 11, 29)
KINDS = np.array(["单间", "整套", "自建房", "群租房", "集体宿舍"])
STAGES = {
    "progress_reading": "read",
    "progress_validating": "validate",
    "progress_writing": "write",
}
"""The upload's progress keys (:func:`~geo.services.uploads.import_upload`), each opening the
stage named, which lasts until the next key."""


def rentals_csv(rows: int, *, seed: int = 3) -> bytes:
    """A realistic rentals file: Chinese headers, GCJ-02 points in the demo street, UTF-8."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(119.915, 119.985, rows)
    lat = rng.uniform(30.02, 30.08, rows)
    glon, glat = wgs84_to_gcj02(lon, lat)
    landlords = rng.integers(0, rows // 3 + 1, rows)
    frame = pd.DataFrame(
        {
            "房屋编号": [f"B-{i:07d}" for i in range(rows)],
            "详细地址": [f"示范村{i % 9 + 1}组{i}号" for i in range(rows)],
            "房间号": rng.integers(101, 120, rows).astype(str),
            "经度": np.round(glon, 6),
            "纬度": np.round(glat, 6),
            "房屋类型": rng.choice(KINDS, rows),
            "房间数": rng.integers(1, 8, rows),
            "建筑面积": np.round(rng.uniform(15, 200, rows), 1),
            "房东姓名": [f"房东{n}" for n in landlords],
            "房东电话": [f"138{n:08d}" for n in landlords],
            "登记日期": "2026-11-01",
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs, each on a fresh copy; medians printed"
    )
    args = parser.parse_args(argv)
    data = rentals_csv(args.rows)
    actor = Actor(name="bench", role="admin")
    ours: list[float] = []
    plain: list[float] = []
    stages: dict[str, list[float]] = {name: [] for name in STAGES.values()}
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory) / "base.sqlite"
        opened = open_database(str(base))
        load_demo(opened, actor, as_of=AS_OF)
        opened.db.dispose()
        for run in range(args.repeat):
            target = Path(directory) / f"g{run}.sqlite"
            shutil.copy(base, target)
            shutil.copy(base.with_suffix(".key"), target.with_suffix(".key"))
            opened = open_database(str(target))
            reached: dict[str, float] = {}

            def note(_fraction: float, key: str, reached: dict[str, float] = reached) -> None:
                reached.setdefault(key, time.perf_counter())

            started = time.perf_counter()
            result = import_upload(
                opened,
                actor,
                kind="rentals",
                data=data,
                filename="b.csv",
                crs="gcj02",
                as_of=AS_OF,
                progress=note,
            )
            ours.append(time.perf_counter() - started)
            ends = [*list(STAGES)[1:], "progress_done"]
            for (begun, name), ended in zip(STAGES.items(), ends, strict=True):
                stages[name].append(reached[ended] - reached[begun])
            opened.db.dispose()
            started = time.perf_counter()
            frame = pd.read_csv(io.BytesIO(data))
            with sqlite3.connect(Path(directory) / f"plain{run}.sqlite") as conn:
                frame.to_sql("rentals", conn, index=False)
            plain.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "bench": "ingest",
                "rows": args.rows,
                "gridhouse_s": round(statistics.median(ours), 3),
                "pandas_to_sql_s": round(statistics.median(plain), 3),
                "stages_s": {k: round(statistics.median(v), 3) for k, v in stages.items()},
                "runs": args.repeat,
                "gridhouse_runs_s": [round(t, 3) for t in ours],
                "pandas_runs_s": [round(t, 3) for t in plain],
                "accepted": result.summary["accepted"],
                "rejected": result.summary["rejected"],
            }
        )
    )


if __name__ == "__main__":
    main()
