"""The clock: the one place Gridhouse reads today's date and the time.

Every service, command and page that depends on "today" takes it as ``as_of`` and falls
back to :func:`today`; nothing else in the product calls
``date.today()`` or ``datetime.now()``. Setting ``GRIDHOUSE_TODAY=YYYY-MM-DD`` runs the
app or the command line as of that day (the time of day stays the real one), so a
street office can rehearse a month end and the browser tests work on a fixed day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from geo.settings import ENV_PREFIX, read_day

TODAY_VARIABLE: Final = f"{ENV_PREFIX}TODAY"
"""The setting (:attr:`geo.settings.Settings.today`) read afresh at every call, so a
changed environment is seen at once."""


def today() -> date:
    """The day the product works on: ``GRIDHOUSE_TODAY`` when set, else the local date.

    Raises
    ------
    geo.errors.InputError
        When ``GRIDHOUSE_TODAY`` is set but is not a date written ``YYYY-MM-DD``.
    """
    fixed = read_day()
    if fixed is not None:
        return fixed
    return date.today()  # the one read of the wall calendar


def now() -> datetime:
    """Local wall-clock time (naive), on the day :func:`today` gives."""
    moment = datetime.now()  # the one read of the local wall clock
    return datetime.combine(today(), moment.time())


def utc_now() -> datetime:
    """Coordinated universal time (naive, as stored in the database), on the day
    :func:`today` gives when ``GRIDHOUSE_TODAY`` is set."""
    moment = datetime.now(UTC).replace(tzinfo=None)  # the one read of the UTC clock
    if read_day() is not None:
        return datetime.combine(today(), moment.time())
    return moment


DISPLAY_ZONE: Final = ZoneInfo("Asia/Shanghai")
"""Times are stored in UTC and shown to users in China Standard Time (UTC+8, no daylight
saving), the time of every street office."""


def shown_time(stored_utc: datetime | None) -> datetime | None:
    """A stored UTC time (naive) as China Standard Time (naive, to the second), for display.

    >>> shown_time(datetime(2026, 11, 29, 18, 30, 5, 120))
    datetime.datetime(2026, 11, 30, 2, 30, 5)
    """
    if stored_utc is None:
        return None
    local = stored_utc.replace(tzinfo=UTC).astimezone(DISPLAY_ZONE)
    return local.replace(tzinfo=None, microsecond=0)


def shown_day(stored_utc: datetime) -> date:
    """The China Standard Time day of a stored UTC time (naive): the day a user reads
    beside it, for filters on stored times (a server in UTC is a day behind from 16:00).

    >>> shown_day(datetime(2026, 11, 30, 16, 25))
    datetime.date(2026, 12, 1)
    """
    return stored_utc.replace(tzinfo=UTC).astimezone(DISPLAY_ZONE).date()


def stored_utc(shown: datetime) -> datetime:
    """A China Standard Time moment (naive) as the stored UTC time (naive): the inverse of
    :func:`shown_time`, for filters that users give in their own time.

    >>> stored_utc(datetime(2026, 11, 30, 0, 0))
    datetime.datetime(2026, 11, 29, 16, 0)
    """
    return shown.replace(tzinfo=DISPLAY_ZONE).astimezone(UTC).replace(tzinfo=None)
