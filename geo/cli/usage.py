"""Usage errors in both languages, the shared argument kinds, and opening ``--db``."""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from geo.errors import GridhouseError, InputError
from geo.i18n import bilingual
from geo.io.private_files import write_private
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
        notice("schema_upgraded", before=before, after=after)
    return opened


def notice(key: str, **params: object) -> None:
    """One line on stderr, Chinese | English, for something done that the user must know
    about (stdout keeps only the command's JSON)."""
    sys.stderr.write(f"gridhouse: {bilingual(key, **params)}\n")


def check_output(
    path: Path,
    *,
    option: str = "--out",
    suggest: str = "output",
    folder: bool = False,
    make_parents: bool = False,
) -> Path:
    """Refuse, before any work, an output path that cannot be written: its folder missing
    (unless ``make_parents``: then the nearest folder that exists must take new folders), a
    folder given for a file (or a file for a folder when ``folder``), or no permission to
    write there. Raises InputError naming the option, the path and what to do (``suggest``:
    a file name to offer inside a folder given for a file); returns the path unchanged.
    Call it at the top of every handler with an output path, before ``open_db``."""
    if folder:
        if path.exists() and not path.is_dir():
            raise InputError("output_not_folder", option=option, path=str(path))
        target = path if path.is_dir() else None
    else:
        if path.is_dir():
            example = str(path / suggest)
            raise InputError("output_is_folder", option=option, path=str(path), example=example)
        target = path if path.exists() else None
    if target is not None:  # it exists: it must take writing (files inside, for a folder)
        wanted = os.W_OK | os.X_OK if folder else os.W_OK
        if not os.access(target, wanted):
            raise InputError(
                "output_not_writable", option=option, path=str(path), folder=str(target)
            )
        return path
    parent = path.absolute().parent
    if make_parents or folder:
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
    if not parent.is_dir():
        raise InputError("output_folder_missing", option=option, path=str(path), folder=str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError("output_not_writable", option=option, path=str(path), folder=str(parent))
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """A write that still fails after the checks (disk full, permissions changed, ...)
    becomes one line naming the path and what to do instead of an internal error."""
    try:
        yield
    except GridhouseError:
        raise
    except OSError as exc:
        raise write_failure(path, exc) from exc


def write_failure(path: Path, exc: OSError) -> InputError:
    """The one-line error for an output that could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InputError("output_write_full", path=str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return InputError("output_write_denied", path=str(path))
    return InputError(
        "output_write_failed", path=str(path), reason=exc.strerror or type(exc).__name__
    )


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (see :func:`writing`) readable by its owner only (0600,
    whatever the umask) and atomically (:func:`geo.io.private_files.write_private`): every
    file the command line writes holds registry data (a rejects report's ID numbers and
    phones, an area list's addresses, a kit's residents), and a write that fails half-way
    leaves no truncated file behind."""
    with writing(path):
        write_private(path, data)


class AuditBrokenError(Exception):
    """The audit chain does not hold (exit code 1)."""


class CheckFailedError(Exception):
    """A check found what it looks for (exit code 1): ``result`` is printed as JSON, the
    catalogue's ``key`` (with ``params``) on stderr."""

    def __init__(self, result: Any, key: str, **params: Any) -> None:
        super().__init__(key)
        self.result, self.key, self.params = result, key, params


Handler = Callable[[argparse.Namespace], Any]
"""A command's handler: the parsed arguments in, the result to print out."""
