"""Failure logs that hold no personal data: where the code failed, never with what.

A traceback's exception messages and a driver error's SQL parameters can carry names, ID
numbers, phones, sealed tokens and database passwords; the log keeps the exception types and
the frames (file, line, function) only, enough to find the fault, and its file is readable by
its owner only, whatever the umask.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def frames_only(exc: BaseException) -> str:
    """A traceback of ``exc`` (and its causes) with every exception message left out.

    >>> try:
    ...     raise ValueError("11010519491231002X")
    ... except ValueError as e:
    ...     text = frames_only(e)
    >>> "ValueError" in text, "1101051949" in text
    (True, False)
    """
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__)
        block = ["Traceback (most recent call last):"]
        block += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in stack]
        block.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)")
        lines[:0] = [*block, ""]
        current = current.__cause__ or current.__context__
    return "\n".join(lines).rstrip()


class FramesOnlyFormatter(logging.Formatter):
    """A formatter whose tracebacks are :func:`frames_only`."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:  # noqa: N802
        return "" if ei[1] is None else frames_only(ei[1])

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached the full traceback on the record: never reuse it.
        cached = record.exc_text
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


def owner_only_handler(path: Path) -> logging.FileHandler:
    """A handler appending to ``path``, created (or narrowed) to mode 0600, that writes
    :class:`FramesOnlyFormatter` records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    path.chmod(0o600)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(FramesOnlyFormatter("%(asctime)s %(levelname)s %(message)s"))
    return handler
