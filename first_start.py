"""Get the app's database ready before anyone waits for it: its schema brought up to date
(each revision said as it is applied) and, on an empty database, the demo district built.

``make run`` runs this before the server starts, so the first page answers at once; it
prints one line per step on the terminal, in Chinese and English::

    gridhouse: [  0%] 正在打开数据库 … | opening the database …
    gridhouse: [ 10%] 正在生成演示辖区 … | building the demo district …
    gridhouse: [100%] 数据库已就绪（用时 6.1 秒） | the database is ready (6.1 s)

A database that holds data is left as it is (never rebuilt). app.py shows the same steps
on the page when the server was started without this (``streamlit run app.py``).

    python first_start.py [--scale N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from geo.errors import GridhouseError
from geo.i18n import bilingual
from geo.services import setup
from geo.services.access import Actor

Say = Callable[[int, str, dict[str, object]], None]
"""Where a step goes: (percent done, catalogue key, its parameters)."""

DEMO_UNITS_PER_SCALE = 13_000
"""Rental units of one demo street office (geo.demo), for the step's line."""

_MIGRATION_LOG = "alembic.runtime.migration"
"""The schema upgrades log each revision they apply here, at INFO ("Running <step>")."""


class _Revisions(logging.Handler):
    def __init__(self, say: Say) -> None:
        super().__init__(logging.INFO)
        self._say = say

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "Running %s" and isinstance(record.args, tuple) and record.args:
            step = str(record.args[0]).splitlines()[0]  # "upgrade 0009 -> 0010, <title>"
            self._say(5, "startup_revision", {"step": step})


@contextmanager
def revisions_said(say: Say) -> Iterator[None]:
    """Within: each schema revision applied is said as a step (which one, with its title),
    so an upgrade that takes long on a big file shows where it is."""
    logger = logging.getLogger(_MIGRATION_LOG)
    handler, level = _Revisions(say), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def open_ready(say: Say, url: str | None = None) -> setup.Opened:
    """The configured database (or ``url``) opened, its schema brought up to date."""
    say(0, "startup_opening", {})
    with revisions_said(say):
        return setup.open_database(url)


def build_demo(opened: setup.Opened, say: Say, *, scale: int = 1) -> bool:
    """Build the demo district on an empty database; False (and nothing done) when it
    holds areas already, also when another process built it meanwhile."""
    if not setup.is_empty(opened):
        return False
    say(10, "startup_demo", {"scale": scale, "units": DEMO_UNITS_PER_SCALE * scale})
    try:
        setup.load_demo(
            opened,
            Actor(name="app:first-start", role="admin"),
            scale=scale,
            progress=lambda percent, step: say(percent, f"startup_demo_{step}", {}),
        )
    except GridhouseError as exc:
        if exc.key != "database_not_empty":  # another process was quicker
            raise
        return False
    return True


def _print_step(percent: int, key: str, params: dict[str, object]) -> None:
    print(f"gridhouse: [{percent:3d}%] {bilingual(key, **params)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="demo street offices to build")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        opened = open_ready(_print_step)
        try:
            built = build_demo(opened, _print_step, scale=args.scale)
        finally:
            opened.db.dispose()
    except GridhouseError as exc:
        sys.stderr.write(f"gridhouse: {bilingual(exc.key, **exc.params)}\n")
        return 2
    seconds = round(time.perf_counter() - started, 1)
    _print_step(100, "startup_built" if built else "startup_ready", {"seconds": seconds})
    return 0


if __name__ == "__main__":
    sys.exit(main())
