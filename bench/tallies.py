"""The figures kept beside the records: what the overview's counts cost read from the
tallies and recounted from the records, what a write pays to keep them, and whether the two
ways agree.

Prints one JSON object:

``{"bench": "tallies", "scale", "units", "areas", "agree", "tallied_s", "recounted_s",
"overview_cold_s", "overview_cold_planner_s", "publish_s", "recounted", "move_in_s",
"full_tally_s",
"communities"}``: ``tallied_s`` and ``recounted_s`` are the per-(community, grid) counts of
one day read both ways (the same snapshot), ``agree`` whether they are equal;
``overview_cold_*`` the whole overview service call with its cache empty, as an admin and as
a planner (a planner's day is the last month end, read as published: ``recounted`` names the
roles whose day the tallies do not keep, counted from the records); ``publish_s`` a
planner's first look at the month end, which publishes it (every part, once a month);
``move_in_s`` one person's move-in, with the one community it touches tallied again before
it commits; ``full_tally_s`` every community tallied again (``gridhouse stats tallies
--rebuild``). ``recounted`` lists which overview calls fell back to counting the records.

The database is changed (a move-in, a rebuild): give a copy.

    python bench/tallies.py --scale 1
    python bench/tallies.py --db copy-of-demo80.sqlite --as-of 2026-11-29
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 29)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="demo to build (without --db)")
    parser.add_argument("--db", help="an existing database (a copy: it is changed)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = args.db
        if url is None:
            url = str(Path(directory) / "demo.sqlite")
            command = ["demo", "--scale", str(args.scale), "--as-of", args.as_of.isoformat()]
            subprocess.run(
                [sys.executable, "-m", "geo", "--db", url, *command],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        print(json.dumps({"bench": "tallies", "scale": args.scale, **measure(url, args.as_of)}))


def measure(url: str, as_of: date) -> dict[str, object]:
    from geo.coverage import WINDOW_DAYS, bounds
    from geo.identifiers import id_check_digit
    from geo.services import moves, statistics, tallies
    from geo.services.access import Actor
    from geo.services.setup import open_database
    from geo.store.figures import tallied_counts_by_area

    opened = open_database(url, create=False)
    admin = Actor(name="bench", role="admin")
    checked = tallies.check_tallies(opened, admin, as_of=as_of)
    days = {"admin": as_of, "planner": statistics.planner_time(as_of, WINDOW_DAYS)[0]}
    with opened.db.read() as conn:
        recounted = [
            role
            for role, day in days.items()
            if tallied_counts_by_area(conn, bounds(day, WINDOW_DAYS)) is None
        ]
    planner = Actor(name="bench", role="planner")
    tallies.withdraw_published(opened, admin)  # a planner's first look at the month end
    started = time.perf_counter()
    statistics.overview_figures(opened, planner, level="community", as_of=as_of)
    publish_s = time.perf_counter() - started
    cold: dict[str, float] = {}
    for role in days:
        for kept in (statistics._COUNTS, statistics._PARTS, statistics._WITHHELD):
            kept.clear()  # cold: as after an import, nothing cached
        started = time.perf_counter()
        figures = statistics.overview_figures(
            opened, Actor(name="bench", role=role), level="community", as_of=as_of
        )
        cold[role] = round(time.perf_counter() - started, 3)
    units = int(figures.headline["rental_units"])
    with opened.db.read() as conn:
        ref = conn.exec_driver_sql(
            "SELECT external_ref FROM property WHERE status = 'active'"
            " AND community_id IS NOT NULL ORDER BY id LIMIT 1"
        ).scalar_one()
    base = "33011019900101999"
    started = time.perf_counter()
    moves.move_in(
        opened,
        Actor(name="bench", role="registrar"),
        property_ref=ref,
        on=as_of - timedelta(days=1),
        id_number=base + id_check_digit(base),
        name="测试",
        as_of=as_of,
    )
    move_in_s = time.perf_counter() - started
    started = time.perf_counter()
    rebuilt = tallies.rebuild_tallies(opened, admin)
    full_tally_s = time.perf_counter() - started
    after = tallies.check_tallies(opened, admin, as_of=as_of)
    opened.db.dispose()
    return {
        "units": units,
        "areas": checked["areas"],
        "agree": bool(checked["agree"]) and bool(after["agree"]),
        "tallied_s": checked["tallied_s"],
        "recounted_s": checked["recounted_s"],
        "overview_cold_s": cold["admin"],
        "overview_cold_planner_s": cold["planner"],
        "publish_s": round(publish_s, 3),
        "recounted": recounted,
        "move_in_s": round(move_in_s, 3),
        "full_tally_s": round(full_tally_s, 3),
        "communities": rebuilt["communities"],
    }


if __name__ == "__main__":
    main()
