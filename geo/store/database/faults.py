"""A failure of the disk, the file or the server under a database, turned into the
GridhouseError that names its cause and what to do (:func:`unusable_database`)."""

from __future__ import annotations

import errno
import re
import sqlite3
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from geo.errors import ConflictError, GridhouseError
from geo.store.database.location import data_folder, shown_url


def unusable_database(exc: BaseException, url: str) -> GridhouseError | None:
    """The error to report for a failure of the disk, the file or the server under a
    database, naming the cause and what to do; None for any other failure (a bug).

    SQLite: a file that is no database or is damaged (truncated, overwritten: SQLite finds
    out when it reads the pages concerned), a full disk, a file or folder that became read
    only, an I/O error. PostgreSQL: a server that cannot be reached or refuses the sign-in,
    a database that does not exist, a full disk, a value longer than its column, a URL
    with a connection option the driver does not accept (named, its value never shown:
    it may be a password). Any face:
    a full disk met while writing a file (``OSError`` ENOSPC)."""
    shown = shown_url(url)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ConflictError("disk_full", path=str(data_folder(url)))
    if not isinstance(exc, DBAPIError):
        return None
    if isinstance(exc.orig, sqlite3.DatabaseError):
        code = (getattr(exc.orig, "sqlite_errorcode", None) or 0) & 0xFF
        fault = _SQLITE_FAULTS.get(code)
        return None if fault is None else fault(url)
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    if state in _POSTGRES_FAULTS:
        return ConflictError(_POSTGRES_FAULTS[state], url=shown)
    if not state and isinstance(exc, ProgrammingError):
        return _url_option_fault(str(exc.orig))
    if not state and isinstance(exc, OperationalError):  # libpq says why in words only
        return ConflictError(_connection_fault(str(exc.orig)), url=shown)
    if state.startswith(("08", "57P")):
        return ConflictError("database_unreachable", url=shown)  # lost, shut down
    if state.startswith("28"):
        return ConflictError("database_sign_in_refused", url=shown)
    if state.startswith("53"):
        return ConflictError("database_server_full", url=shown)
    return None


_UNKNOWN_OPTION = re.compile(r'invalid connection option "([^"]*)"')


def _url_option_fault(text: str) -> GridhouseError | None:
    """The error for a URL libpq refused before connecting (``invalid connection option
    "X"``, ``invalid dsn: ...``): the option is named, no value is shown (libpq's wording
    of a malformed one may quote it). None for any other ProgrammingError (a bug)."""
    unknown = _UNKNOWN_OPTION.search(text)
    if unknown:
        return ConflictError("database_url_option_unknown", option=unknown.group(1))
    if text.startswith("invalid dsn"):
        return ConflictError("database_url_invalid")
    return None


def _connection_fault(text: str) -> str:
    """The key for a failed PostgreSQL connection, from libpq's message: the server
    answered and refused (no such database, a sign-in refused), or it was not reached."""
    if "FATAL" not in text:
        return "database_unreachable"  # refused, unknown host, timed out
    if "database" in text and "does not exist" in text:
        return "database_missing"
    if "authentication" in text or "role" in text or "pg_hba.conf" in text:
        return "database_sign_in_refused"
    return "database_unreachable"


_SQLITE_FAULTS: dict[int, Callable[[str], GridhouseError | None]] = {
    sqlite3.SQLITE_CORRUPT: lambda u: ConflictError("database_damaged", path=shown_url(u)),
    sqlite3.SQLITE_NOTADB: lambda u: ConflictError("database_damaged", path=shown_url(u)),
    sqlite3.SQLITE_FULL: lambda u: ConflictError("disk_full", path=str(data_folder(u))),
    sqlite3.SQLITE_READONLY: lambda u: ConflictError("database_read_only", path=shown_url(u)),
    sqlite3.SQLITE_IOERR: lambda u: ConflictError("database_io_error", path=shown_url(u)),
    sqlite3.SQLITE_CANTOPEN: lambda u: ConflictError("database_read_only", path=shown_url(u)),
}


_POSTGRES_FAULTS = {
    "3D000": "database_missing",  # the server holds no database of that name
    "53100": "database_server_full",  # disk full
    "22001": "value_too_long_db",  # a value longer than its column
}
