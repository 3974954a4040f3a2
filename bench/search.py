"""Time finding people and units at city scale: by ID number and by mobile number (matched
through their indexed HMAC, nothing decrypted) and by words of an address.

Prints {"bench": "search", "residents", "units", "id_lookup_s", "phone_lookup_s",
"address_search_s"}: the median over --repeat searches of different people and addresses,
through the same services the app uses.

    python bench/search.py --db existing-demo.sqlite [--repeat 20]
    python bench/search.py --scale 1            # builds a demo district first
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from geo.services import people, properties
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database

ADMIN = Actor(name="bench", role="admin")


def median_time(calls: list[Callable[[], Any]]) -> float:
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing demo database (else one is built)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = args.db or str(Path(directory) / "search.sqlite")
        opened = open_database(path)
        if args.db is None:
            load_demo(opened, ADMIN, scale=args.scale, as_of=date(2026, 11, 29))
        with sqlite3.connect(opened.db.engine.url.database) as conn:
            residents, units = conn.execute(
                "SELECT (SELECT count(*) FROM residence WHERE moved_out IS NULL), "
                "(SELECT count(*) FROM property)"
            ).fetchone()
            step = max(1, residents // args.repeat)
            sample = [
                r[0]
                for r in conn.execute(
                    "SELECT person_id FROM residence WHERE moved_out IS NULL AND id % ? = 0 "
                    "LIMIT ?",
                    (step, args.repeat),
                )
            ]
            addresses = [
                r[0]
                for r in conn.execute(
                    "SELECT address FROM property WHERE id % ? = 0 LIMIT ?",
                    (max(1, units // args.repeat), args.repeat),
                )
            ]
        clear = [people.unmask_person(opened, ADMIN, p) for p in sample]
        id_s = median_time(
            [
                lambda c=c: people.search_people(opened, ADMIN, id_number=c["id_number"])
                for c in clear
            ]
        )
        phone_s = median_time(
            [
                lambda c=c: people.search_people(opened, ADMIN, phone=c["phone"])
                for c in clear
                if c["phone"]
            ]
        )
        address_s = median_time(
            [lambda a=a: properties.search_units(opened, ADMIN, a[2:8]) for a in addresses]
        )
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "search",
                "residents": residents,
                "units": units,
                "id_lookup_s": round(id_s, 4),
                "phone_lookup_s": round(phone_s, 4),
                "address_search_s": round(address_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
