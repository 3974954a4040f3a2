"""Time building a team's field kit (ODK and GeoPackage) through the app's services.

Prints {"bench": "kits", "units", "residents", "odk_s", "odk_first_s", "gpkg_s"}: one team's
kit of ``--units`` units in walking order (read the share and its residents, mask them,
write the XLSForm, convert it with pyxform, write the lists, record and audit the kit), the
median of three calls after a first one (odk_first_s, which also loads pyxform); gpkg_s the
same for the GeoPackage kit. The target: a kit of 5,000 units in under 5 s.

    python bench/kits.py                          # demo at scale 1 (13,000 units), 5,000 units
    python bench/kits.py --db existing-demo.sqlite --units 500
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from geo.services import kits, sweeps
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database
from geo.store.areas import load_areas

ADMIN = Actor(name="bench", role="admin")
AS_OF = date(2026, 11, 29)


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """First call's seconds, the median of the next three, and the last result."""
    times, result = [], None
    for _ in range(4):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:]), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing demo database (else one is built)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--units", type=int, default=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        opened = open_database(args.db or str(Path(directory) / "kits.sqlite"))
        if args.db is None:
            load_demo(opened, ADMIN, scale=args.scale, as_of=AS_OF)
        with opened.db.read() as conn:
            streets = load_areas(conn, level="street", geometry=False)["code"].tolist()
        sweep = sweeps.create_sweep(
            opened,
            ADMIN,
            name="kits",
            starts_on=AS_OF,
            ends_on=AS_OF,
            areas=streets,
            teams=["一组"],
        )
        sweeps.plan_sweep(opened, ADMIN, sweep, as_of=AS_OF, limit=args.units)

        def odk() -> kits.Kit:
            return kits.issue_kit(opened, ADMIN, sweep, team="一组", fmt="odk", as_of=AS_OF)

        def gpkg() -> kits.Kit:
            return kits.issue_kit(opened, ADMIN, sweep, team="一组", fmt="gpkg", as_of=AS_OF)

        odk_first, odk_s, kit = _timed(odk)
        _, gpkg_s, _ = _timed(gpkg)
        residents = kit.files["residents.csv"].count(b"\n") - 1
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "kits",
                "units": kit.units,
                "residents": residents,
                "odk_s": round(odk_s, 3),
                "odk_first_s": round(odk_first, 3),
                "gpkg_s": round(gpkg_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
