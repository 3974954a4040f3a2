"""Time planning a sweep and writing a team's XLSX area list, through the app's services.

Prints {"bench": "sweep", "units", "teams", "plan_s", "xlsx_units", "xlsx_5000_s",
"imbalance", "route_km", "nearest_neighbour_km"}: plan_s is the whole plan of a sweep over
``--units`` units (read the candidates, rank by priority, split among ``--teams`` with
balanced workloads, walking routes by nearest neighbour + 2-opt, store the assignment);
xlsx_5000_s is one team's list of ``--list-units`` units as XLSX (read, mask, write, audit),
the median of three calls after a first one (xlsx_first_s, which also loads the writer).
route_km and nearest_neighbour_km compare the stored routes with plain nearest-neighbour
routes through the same units (2-opt never makes one longer).

    python bench/sweep.py                         # demo at scale 4 (52,000 units), 20 teams
    python bench/sweep.py --db existing-demo.sqlite --units 2000 --teams 3 --list-units 500
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from geo.routes import nearest_neighbour_path, path_length_m, project_points
from geo.services import sweeps
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database
from geo.store.areas import load_areas
from geo.store.sweeps import assigned_units

ADMIN = Actor(name="bench", role="admin")
AS_OF = date(2026, 11, 29)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing demo database (else one is built)")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--list-units", type=int, default=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        opened = open_database(args.db or str(Path(directory) / "sweep.sqlite"))
        if args.db is None:
            load_demo(opened, ADMIN, scale=args.scale, as_of=AS_OF)
        with opened.db.read() as conn:
            streets = load_areas(conn, level="street", geometry=False)["code"].tolist()
        teams = [f"第{i + 1}组" for i in range(args.teams)]
        big = sweeps.create_sweep(
            opened, ADMIN, name="bench", starts_on=AS_OF, ends_on=AS_OF, areas=streets, teams=teams
        )
        started = time.perf_counter()
        plan = sweeps.plan_sweep(opened, ADMIN, big, as_of=AS_OF, limit=args.units)
        plan_s = time.perf_counter() - started
        route_km, nearest_km = _route_lengths(opened, big)
        one = sweeps.create_sweep(
            opened,
            ADMIN,
            name="list",
            starts_on=AS_OF,
            ends_on=AS_OF,
            areas=streets,
            teams=["一组"],
        )
        sweeps.plan_sweep(opened, ADMIN, one, as_of=AS_OF, limit=args.list_units)
        times = []
        for _ in range(4):  # the first call also loads the XLSX writer; the app keeps it loaded
            started = time.perf_counter()
            _, listed = sweeps.area_list(opened, ADMIN, one, fmt="xlsx", team="一组", as_of=AS_OF)
            times.append(time.perf_counter() - started)
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "sweep",
                "units": int(plan.teams["units"].sum()),
                "teams": args.teams,
                "plan_s": round(plan_s, 3),
                "xlsx_units": listed,
                "xlsx_5000_s": round(statistics.median(times[1:]), 3),
                "xlsx_first_s": round(times[0], 3),
                "imbalance": round(plan.imbalance, 4),
                "route_km": round(route_km, 1),
                "nearest_neighbour_km": round(nearest_km, 1),
            }
        )
    )


def _route_lengths(opened: object, sweep_id: int) -> tuple[float, float]:
    """Total length of the stored routes and of nearest-neighbour routes from the same first
    units, in km (straight lines in the projected CRS)."""
    from geo.services.setup import Opened

    assert isinstance(opened, Opened)
    with opened.db.read() as conn:
        units = assigned_units(conn, sweep_id, as_of=AS_OF)
    ours = nearest = 0.0
    for _, team in units.groupby("team_id"):
        team = team.sort_values("position")
        x, y = project_points(team["lon"], team["lat"])
        stored = np.arange(len(team))
        ours += path_length_m(x, y, stored)
        nearest += path_length_m(x, y, nearest_neighbour_path(x, y, start=0))
    return ours / 1000, nearest / 1000


if __name__ == "__main__":
    main()
