"""Failure logs hold where the code failed, never with what (geo/logs.py)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.logs import FramesOnlyFormatter, frames_only, owner_only_handler

SECRET_ID = "11010519491231002X"
SECRET_PHONE = "13800138000"


def failing_lookup() -> None:
    raise KeyError(SECRET_PHONE)


def failing_import() -> None:
    try:
        failing_lookup()
    except KeyError as exc:
        raise ValueError(f"row 7: {SECRET_ID}") from exc


def caught() -> BaseException:
    try:
        failing_import()
    except ValueError as exc:
        return exc
    pytest.fail("failing_import did not raise")


def test_a_traceback_keeps_types_files_and_functions_but_no_message():
    text = frames_only(caught())
    assert SECRET_ID not in text and SECRET_PHONE not in text and "row 7" not in text
    assert "builtins.ValueError" in text and "builtins.KeyError" in text
    assert "in failing_import" in text and "in failing_lookup" in text
    assert Path(__file__).name in text


def test_the_cause_comes_first_as_python_prints_it():
    text = frames_only(caught())
    assert text.index("KeyError") < text.index("ValueError")


def test_an_exception_that_is_its_own_context_is_written_once():
    exc = RuntimeError(SECRET_ID)
    exc.__context__ = exc
    text = frames_only(exc)
    assert text.count("RuntimeError") == 1
    assert SECRET_ID not in text


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, list[str]]]:
    written: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(self.format(record))

    handler = Collect()
    handler.setFormatter(FramesOnlyFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("gridhouse.test_logs")
    log.propagate = False
    log.addHandler(handler)
    yield log, written
    log.removeHandler(handler)


def test_a_logged_exception_keeps_the_log_line_and_withholds_the_exception_text(logger):
    log, written = logger
    try:
        failing_import()
    except ValueError:
        log.exception("upload failed")
    (entry,) = written
    assert entry.startswith("ERROR upload failed")
    assert "in failing_lookup" in entry
    assert SECRET_ID not in entry and SECRET_PHONE not in entry


def test_a_traceback_cached_by_another_handler_is_never_reused(logger):
    log, written = logger
    record = log.makeRecord(log.name, logging.ERROR, __file__, 1, "failed", (), None)
    record.exc_info = (ValueError, ValueError(SECRET_ID), None)
    record.exc_text = f"Traceback ... ValueError: {SECRET_ID}"  # as a full formatter left it
    log.handle(record)
    assert SECRET_ID not in written[0]
    assert record.exc_text == f"Traceback ... ValueError: {SECRET_ID}"  # left for the others


def test_a_log_without_an_exception_is_written_as_it_is(logger):
    log, written = logger
    log.warning("disk %s%% full", 91)
    assert written == ["WARNING disk 91% full"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_log_file_is_made_readable_by_its_owner_only_whatever_the_umask(tmp_path):
    path = tmp_path / "logs" / "gridhouse.log"
    old = os.umask(0o000)
    try:
        handler = owner_only_handler(path)
    finally:
        os.umask(old)
    handler.close()
    assert mode(path) == 0o600


def test_an_existing_log_is_narrowed_to_its_owner_and_appended_to(tmp_path):
    path = tmp_path / "gridhouse.log"
    path.write_text("earlier line\n", encoding="utf-8")
    path.chmod(0o644)
    handler = owner_only_handler(path)
    log = logging.getLogger("gridhouse.test_logs.file")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            failing_import()
        except ValueError:
            log.exception("import failed")
    finally:
        log.removeHandler(handler)
        handler.close()
    assert mode(path) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("earlier line\n")
    assert "ERROR import failed" in text and "in failing_lookup" in text
    assert SECRET_ID not in text
