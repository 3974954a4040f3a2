"""Time the demo district: generate and store it, then compute the per-area statistics.

Prints {"bench": "demo", "scale", "units", "residents", "demo_s", "stats_s"} with the times
of ``gridhouse demo`` and ``gridhouse stats areas`` done through the same services.

    python bench/demo.py [--scale N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from geo.services.access import Actor
from geo.services.setup import load_demo, open_database
from geo.services.statistics import area_statistics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args(argv)
    actor = Actor(name="bench", role="admin")
    with tempfile.TemporaryDirectory() as directory:
        opened = open_database(str(Path(directory) / "bench.sqlite"))
        started = time.perf_counter()
        summary = load_demo(opened, actor, scale=args.scale, as_of=date(2026, 11, 29))
        demo_s = time.perf_counter() - started
        started = time.perf_counter()
        table = area_statistics(opened, actor, level="community", as_of=date(2026, 11, 29))
        stats_s = time.perf_counter() - started
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "demo",
                "scale": args.scale,
                "units": summary["rental_units"],
                "residents": summary["residents"],
                "areas": len(table),
                "demo_s": round(demo_s, 2),
                "stats_s": round(stats_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
