"""The ``gridhouse`` command: a thin shell over geo.services, like the pages.

Each command prints its result as one JSON line on stdout. Errors, usage errors included,
print one line on stderr, in Chinese and English, and exit with code 2; no traceback or
library warning reaches the terminal (unexpected failures are logged with a reference number
to ``gridhouse.log`` beside the database, see :func:`geo.services.setup.log_folder`).
Every command but ``init``, ``demo`` and ``restore`` needs a database that holds the schema.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from geo.cli import admin, field, figures, records
from geo.cli.usage import EXIT_USAGE, AuditBrokenError, CheckFailedError, Handler, Parser
from geo.errors import GridhouseError
from geo.i18n import bilingual
from geo.logs import owner_only_handler
from geo.services import setup
from geo.settings import settings
from geo.store.database import DEFAULT_PATH, unusable_database, waits_reported
from geo.text import is_unseen

LOG_NAME = "gridhouse.log"
"""The failure log beside the database (see :func:`_log_failure`)."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gridhouse", description="Gridhouse rental registry (以房管人)")
    parser.add_argument(
        "--db",
        help=f"database URL or SQLite file (default: $GRIDHOUSE_DATABASE_URL, else {DEFAULT_PATH})",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    for group in (records, figures, field, admin):
        COMMANDS.update(group.add_commands(commands))
    return parser


COMMANDS: dict[str, Handler] = {}
"""Each command's handler, filled by :func:`build_parser` from the groups."""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings()  # every setting checked before any work: an invalid one is one line
        with waits_reported(_say_waiting):
            result = COMMANDS[args.command](args)
    except GridhouseError as exc:
        sys.stderr.write(f"gridhouse: {bilingual(exc.key, **exc.params)}\n")
        return EXIT_USAGE
    except AuditBrokenError as exc:
        sys.stdout.write(json.dumps({"ok": False, "first_bad_row": exc.args[0]}) + "\n")
        sys.stderr.write(f"gridhouse: {bilingual('audit_broken', row=exc.args[0])}\n")
        return 1
    except CheckFailedError as exc:
        sys.stdout.write(json_line(exc.result))
        sys.stderr.write(f"gridhouse: {bilingual(exc.key, **exc.params)}\n")
        return 1
    except Exception as exc:
        found = unusable_database(exc, setup.resolved_url(args.db))
        if found is not None:  # a file found damaged past its first pages, mid-command
            sys.stderr.write(f"gridhouse: {bilingual(found.key, **found.params)}\n")
            return EXIT_USAGE
        reference = uuid.uuid4().hex[:8]
        log = _log_failure(reference, args.db)
        if log is None:
            line = bilingual("internal_error", ref=reference)
        else:
            line = bilingual("internal_error_log", ref=reference, log=str(log))
        sys.stderr.write(f"gridhouse: {line}\n")
        return EXIT_USAGE
    if isinstance(result, str):
        sys.stdout.write(result)
    else:
        sys.stdout.write(json_line(result))
    return 0


_MAYBE_UNSEEN: Final = re.compile("[^\x20-\x7e\u3400-\u9fff]")
"""Characters worth a look by :func:`geo.text.is_unseen` (printable ASCII and CJK are not)."""


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if not is_unseen(char):
        return char
    code = ord(char)
    if code > 0xFFFF:  # as JSON writes it: a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_line(result: Any) -> str:
    """``result`` as one line of JSON, Chinese as it is, but with every invisible, control or
    bidirectional character written as its ``\\uXXXX`` escape: the value stays exactly what
    it is for a program, and a stored name cannot reorder a terminal's line.

    >>> json_line({"name": chr(0x202E) + "王"}).strip()
    '{"name": "\\\\u202e王"}'
    """
    text = json.dumps(result, ensure_ascii=False, default=str)
    return _MAYBE_UNSEEN.sub(_escaped, text) + "\n"


def _say_waiting(seconds: int) -> None:
    """Another writer holds the database: say how long this one has waited so far."""
    sys.stderr.write(f"gridhouse: {bilingual('waiting_for_writer', seconds=seconds)}\n")
    sys.stderr.flush()


def _quiet_libraries() -> None:
    """No library warning on the terminal: stderr carries only Gridhouse's own one-line
    messages. Warnings (pandas, pyogrio, shapely, dask, ...) are ignored in this process and
    in the worker processes a local Dask cluster starts; log records without a handler of
    their own are dropped instead of printed by logging's last resort."""
    warnings.simplefilter("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())


def _log_failure(reference: str, url: str | None) -> Path | None:
    """Write the traceback to ``gridhouse.log`` beside the database (SQLite: next to the
    file; PostgreSQL: the data folder); returns the log's path, None when it cannot be
    written."""
    try:
        path = setup.log_folder(url) / LOG_NAME
        handler: logging.Handler = owner_only_handler(path)  # no personal data, 0600
    except Exception:  # an unusable URL or folder: the reference alone is reported
        return None
    logger = logging.getLogger("gridhouse.cli")
    logger.addHandler(handler)
    logger.propagate = False
    logger.exception("command failed (reference %s)", reference)
    logger.removeHandler(handler)
    handler.close()
    return path


def run() -> None:
    """The ``gridhouse`` command (and ``python -m geo``)."""
    _quiet_libraries()
    raise SystemExit(main())
