"""How writers take turns: a writer waits for the one before it as long as it takes, asking
for the lock in slices and telling the reporter set with :func:`waits_reported` how long it
has waited so far."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

BUSY_TIMEOUT_MS = 30_000
WAIT_SLICE_MS = 1_000
"""A writer asks for the write lock in slices this long, reporting its wait between them."""
WAIT_REPORT_EVERY_S = 5.0
READ = "gridhouse_read"
"""The execution option that marks a read transaction (it waits for no writer)."""

_ON_WAIT: ContextVar[Callable[[int], None] | None] = ContextVar("gridhouse_on_wait", default=None)


@contextmanager
def waits_reported(report: Callable[[int], None]) -> Iterator[None]:
    """Within the block, a writer of this thread that waits for another one calls
    ``report(seconds waited so far)`` after a second and then every few seconds."""
    token = _ON_WAIT.set(report)
    try:
        yield
    finally:
        _ON_WAIT.reset(token)


class WaitClock:
    """How long a writer has waited, told to the reporter now and then."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.next_report = WAIT_SLICE_MS / 1000

    def tick(self) -> None:
        waited = time.monotonic() - self.started
        report = _ON_WAIT.get()
        if report is not None and waited >= self.next_report:
            report(round(waited))
            self.next_report = waited + WAIT_REPORT_EVERY_S
