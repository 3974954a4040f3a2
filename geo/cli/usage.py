"""Usage errors in both languages, the shared argument kinds, and opening ``--db``."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

from geo.i18n import bilingual
from geo.services import setup
from geo.settings import settings

EXIT_USAGE = 2

_CHOICE = re.compile(
    r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)$"
)
_VALUE = re.compile(r"argument (?P<argument>.+?): invalid (?P<type>\S+) value: (?P<value>.+)$")
_REQUIRED = re.compile(r"the following arguments are required: (?P<arguments>.+)$")
_ONE_OF = re.compile(r"one of the arguments (?P<arguments>.+) is required$")
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<arguments>.+)$")
_VALUE_KEYS = {"fromisoformat": "usage_date", "positive_int": "usage_positive"}


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line in Chinese and English (exit 2);
    ``--help`` still prints the usual help."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"gridhouse: {usage_message(message, prog=self.prog)}\n")
        raise SystemExit(EXIT_USAGE)


def usage_message(message: str, *, prog: str = "gridhouse") -> str:
    """argparse's English complaint as one line in both languages.

    >>> usage_message("the following arguments are required: --level", prog="gridhouse")
    '缺少参数：--level；用法见 gridhouse --help | missing argument: --level; see gridhouse --help'
    """
    if found := _CHOICE.match(message):
        return bilingual("usage_choice", prog=prog, **found.groupdict())
    if found := _VALUE.match(message):
        key = _VALUE_KEYS.get(found["type"], "usage_value")
        return bilingual(key, prog=prog, argument=found["argument"], value=found["value"])
    if found := _REQUIRED.match(message) or _ONE_OF.match(message):
        return bilingual("usage_required", prog=prog, arguments=found["arguments"])
    if found := _UNRECOGNIZED.match(message):
        return bilingual("usage_unrecognized", prog=prog, arguments=found["arguments"])
    return bilingual("usage_other", prog=prog, detail=message)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be a whole number >= 1, got {text}"
        raise ValueError(msg)  # argparse: "invalid positive_int value: '0'"
    return value


def as_of_argument(command: argparse.ArgumentParser, what: str = "the day") -> None:
    command.add_argument(
        "--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help=f"{what} (default today)"
    )


def open_db(args: argparse.Namespace) -> setup.Opened:
    """The database of ``--db``, which must hold the schema (else: run gridhouse init)."""
    opened = setup.open_initialised(args.db, config=settings())
    if opened.db.migrated is not None:  # the schema was behind the code: say so
        before, after = opened.db.migrated
        sys.stderr.write(f"gridhouse: {bilingual('schema_upgraded', before=before, after=after)}\n")
    return opened


class AuditBrokenError(Exception):
    """The audit chain does not hold (exit code 1)."""


Handler = Callable[[argparse.Namespace], Any]
"""A command's handler: the parsed arguments in, the result to print out."""
