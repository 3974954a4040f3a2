"""Time every page of the app as its users open it, and the app's peak memory.

Drives app.py with Streamlit's AppTest (the page scripts run for real, without a browser)
on a demo database: each role signs in and opens every page it may see, twice. Prints one
JSON object per measured case:

``{"bench": "pages", "scale", "units", "role", "page", "cold_s", "warm_s", "cold_cpu_s",
"warm_cpu_s", "title", "errors", "peak_rss_mb"}``: ``cold_s`` is the page's first script
run after sign-in with Streamlit's caches empty (the services' results kept per data
version may be there already: ``after_import`` below is the run after a change),
``warm_s`` the next run of the same page (what a rerun costs), ``*_cpu_s`` the CPU time
of the same runs (on a busy machine, what the page itself cost); ``title`` is the heading
the page drew, ``errors`` counts the error boxes and exceptions it showed,
``peak_rss_mb`` is the process's peak memory so far.

``{"bench": "pages", ..., "role", "page": "overview", "action", "s", "cpu_s", "errors"}``:
what the first role's clicks (a planner's, by default) cost on the overview, in order:
``metric_switch`` (another metric on the map), ``level_switch`` (communities to grids),
``drill_down`` (one community's grids, as a click on the map does) and ``back`` (to the
whole district); and for every role ``after_import``: the overview's first run after a
one-row visits import (a new data version: nothing kept from before counts;
``data_changed`` says the import did change it).

``{"bench": "pages", "scale", "units", "cases", "peak_rss_mb", "tour_s"}``: the peak
resident memory of this process (``ru_maxrss``, MB) after the whole tour, and its length.
With ``--scale`` the database is built by another process: the figure is the app's alone.
``units`` are the rental units inside the district's areas.

Signing in writes a session and an audit entry to the database: use a copy.

    python bench/page_times.py --scale 1
    python bench/page_times.py --db demo80.sqlite --roles demo-planner
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# app.py imports pages.common from the project's folder, which comes first on the path.
sys.path.insert(0, str(ROOT))

AS_OF = "2026-11-29"
ROLES = ("demo-planner", "demo-registrar", "demo-admin")
"""Who tours by default: every page is seen by at least one of them (the sweeper's pages
are a subset of the registrar's)."""


def build_demo(directory: Path, scale: int) -> str:
    """A demo database of ``scale`` street offices, built by the command line (another
    process: its memory is not the app's)."""
    path = str(directory / f"demo{scale}.sqlite")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("GRIDHOUSE_KEY_FILE", None)  # the new file's key lives beside it
    command = ["demo", "--scale", str(scale), "--as-of", AS_OF]
    built = subprocess.run(
        [sys.executable, "-m", "geo", "--db", path, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if built.returncode != 0:
        raise SystemExit(built.stderr)
    os.environ.pop("GRIDHOUSE_KEY_FILE", None)
    return path


def unit_count(url: str) -> int:
    from geo.services.access import Actor
    from geo.services.setup import open_database
    from geo.services.statistics import overview_figures

    opened = open_database(url, create=False)
    try:
        figures = overview_figures(opened, Actor(name="bench", role="admin"), level="street")
        return int(figures.headline["rental_units"])
    finally:
        opened.db.dispose()


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cpu_timed(action: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``action`` (the CPU time of every thread of this
    process: on a busy machine it says what the page itself cost)."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - started, time.process_time() - cpu


def problems(app: Any) -> int:
    return len(app.exception) + len(app.error)


def clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def signed_in(role: str, timeout_s: float) -> Any:
    """A new browser session (an AppTest of app.py) with ``role`` signed in."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout_s)
    app.run()
    app.text_input(key="login_name").input(role)
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    if app.exception or app.error:
        msg = f"{role} could not sign in: {[e.value for e in [*app.exception, *app.error]]}"
        raise SystemExit(msg)
    return app


def visible_pages(role: str) -> list[str]:
    """The scripts of the pages ``role`` (a demo account: demo-<role>) finds in its menu."""
    from app import pages_in_order
    from geo.services.access import PERMISSIONS

    allowed = PERMISSIONS[role.removeprefix("demo-")]
    return [script for script, _title, rule in pages_in_order() if rule(allowed)]


def page_cases(app: Any, role: str, pages: list[str]) -> Iterator[dict[str, Any]]:
    for script in pages:
        clear_streamlit_caches()
        cold_s, cold_cpu_s = cpu_timed(lambda script=script: app.switch_page(script).run())
        warm_s, warm_cpu_s = cpu_timed(app.run)
        yield {
            "role": role,
            "page": Path(script).stem,
            "cold_s": round(cold_s, 3),
            "warm_s": round(warm_s, 3),
            "cold_cpu_s": round(cold_cpu_s, 3),
            "warm_cpu_s": round(warm_cpu_s, 3),
            "title": app.title[0].value if app.title else None,
            "errors": problems(app),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }


def overview_cases(app: Any, role: str) -> Iterator[dict[str, Any]]:
    """A planner's clicks on the overview (widget keys of pages/overview.py), each timed
    from the click to the end of the script run it causes."""
    from geo.i18n import LANGUAGES, message

    code_heading, name_heading = (message(k, LANGUAGES[0]) for k in ("col_code", "col_name"))
    app.switch_page("pages/overview.py").run()
    app.run()
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("metric_switch", lambda: app.selectbox(key="overview_metric").select("coverage")),
        ("level_switch", lambda: app.selectbox(key="overview_level").select("grid")),
    ]
    for name, click in steps:
        yield overview_case(app, role, name, *cpu_timed(lambda click=click: click().run()))
    app.selectbox(key="overview_level").select("community").run()
    first = app.dataframe[0].value.iloc[0]
    # What a click on a community in the map does (the map itself needs a browser).
    app.session_state["overview_trail"] = [(first[code_heading], "community", first[name_heading])]
    yield overview_case(app, role, "drill_down", *cpu_timed(app.run))
    back = cpu_timed(lambda: app.button(key="overview_back").click().run())
    yield overview_case(app, role, "back", *back)


def after_import_case(app: Any, role: str, url: str) -> dict[str, Any]:
    """The overview's first run after a registrar imports a one-row visits file (today, at
    a unit in a community): the data version changes, so every kept result is made again
    from the tallies (a real "cold" run; the pages' ``cold_s`` find the service's own
    results of the same data version kept)."""
    from datetime import datetime

    from sqlalchemy import text

    from geo import clock
    from geo.services.access import Actor
    from geo.services.setup import open_database
    from geo.services.uploads import import_upload
    from geo.store.audit import data_version

    opened = open_database(url, create=False)
    today = clock.today()
    try:
        with opened.db.read() as conn:  # a unit not visited today: the row is new
            ref = conn.execute(
                text(
                    "SELECT external_ref FROM property p WHERE status = 'active'"
                    " AND community_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visit v"
                    " WHERE v.property_id = p.id AND v.visited_at >= :since) ORDER BY id LIMIT 1"
                ),
                {"since": datetime.combine(today, datetime.min.time())},
            ).scalar_one()
            before = data_version(conn)
        data = f"房屋编号,走访时间,走访结果\n{ref},{today.isoformat()} 09:00,已核实\n".encode()
        registrar = Actor(name="bench", role="registrar")
        import_upload(opened, registrar, kind="visits", data=data, filename="v.csv", as_of=today)
        with opened.db.read() as conn:
            changed = data_version(conn) != before
    finally:
        opened.db.dispose()
    clear_streamlit_caches()
    app.switch_page("pages/overview.py")
    case = overview_case(app, role, "after_import", *cpu_timed(app.run))
    return case | {"data_changed": changed}


def overview_case(
    app: Any, role: str, action: str, seconds: float, cpu_seconds: float
) -> dict[str, Any]:
    return {
        "role": role,
        "page": "overview",
        "action": action,
        "s": round(seconds, 3),
        "cpu_s": round(cpu_seconds, 3),
        "errors": problems(app),
    }


@contextmanager
def app_database(url: str) -> Iterator[None]:
    """The app reads its database from the configuration, here the environment."""
    from geo.store.database import database_url

    before = os.environ.get("GRIDHOUSE_DATABASE_URL")
    os.environ["GRIDHOUSE_DATABASE_URL"] = database_url(url)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GRIDHOUSE_DATABASE_URL", None)
        else:
            os.environ["GRIDHOUSE_DATABASE_URL"] = before


def tour(
    url: str,
    *,
    scale: int | None,
    roles: list[str],
    timeout_s: float,
    only: list[str] | None = None,
) -> None:
    # AppTest reads widgets outside a script run, which Streamlit warns of on every access.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR
    )
    units = unit_count(url)
    head = {"bench": "pages", "scale": scale, "units": units}
    os.chdir(ROOT)
    started = time.perf_counter()
    cases = 0
    out = sys.stdout

    def report(case: dict[str, Any]) -> None:
        print(json.dumps(head | case), file=out, flush=True)

    # What the pages print (Streamlit writes a page's traceback to stdout) goes to stderr:
    # stdout holds the JSON lines only.
    with app_database(url), redirect_stdout(sys.stderr):
        for role in roles:
            app = signed_in(role, timeout_s)
            pages = [p for p in visible_pages(role) if not only or Path(p).stem in only]
            for case in page_cases(app, role, pages):
                report(case)
                cases += 1
            clicks = role == roles[0] and (not only or "overview" in only)
            for case in overview_cases(app, role) if clicks else ():
                report(case)
                cases += 1
            if not only or "overview" in only:
                report(after_import_case(app, role, url))
                cases += 1
    tour_s = time.perf_counter() - started
    report({"cases": cases, "peak_rss_mb": round(peak_rss_mb(), 1), "tour_s": round(tour_s, 1)})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing demo database (URL or SQLite path)")
    parser.add_argument(
        "--scale", type=int, help="without --db: build a demo of N street offices first; "
        "with it: the database's demo scale, as printed",
    )  # fmt: skip
    parser.add_argument("--roles", nargs="+", default=list(ROLES), choices=ROLES)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per script run")
    parser.add_argument("--pages", nargs="+", help="only these pages (script names: lists ...)")
    args = parser.parse_args(argv)
    if args.db is None and args.scale is None:
        parser.error("give --db or --scale")
    with tempfile.TemporaryDirectory() as directory:
        url = args.db or build_demo(Path(directory), args.scale)
        tour(url, scale=args.scale, roles=args.roles, timeout_s=args.timeout, only=args.pages)


if __name__ == "__main__":
    main()
