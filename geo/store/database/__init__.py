"""Open the database, run migrations, and hand out read and write transactions.

One :class:`Database` per URL. SQLite runs in WAL mode; write transactions begin
IMMEDIATE so two writers queue instead of failing half-way, and reads begin DEFERRED so
they never block a writer and never wait for one. PostgreSQL's writers queue the same way
on one transaction-level advisory lock, and its reads are read-only REPEATABLE READ
snapshots, so a page sees one state of the data whatever commits meanwhile.

A writer waits its turn as long as it takes (never "database is locked"); while it waits,
the reporter set with :func:`waits_reported` hears how long so far, so the command line
and the upload page can say "waiting for another import (N s)". Opening a database
migrates only when its schema is behind the code's: read-only commands and pages take no
write lock. A failure of the disk or the server comes out of :meth:`Database.read` and
:meth:`Database.write` as a GridhouseError naming the cause (:func:`unusable_database`).

One module per concern: :mod:`.location` (where the database is, checks of an SQLite file),
:mod:`.transactions` (:class:`Database`), :mod:`.locking` (writers taking turns),
:mod:`.sqlite` and :mod:`.postgis` (each backend's specifics), :mod:`.faults` (failures
named).
"""

from sqlalchemy import Connection

from geo.store.database.faults import unusable_database
from geo.store.database.location import (
    DATA_DIR,
    DEFAULT_PATH,
    check_sqlite_file,
    data_folder,
    database_url,
    shown_url,
    sqlite_file_missing,
)
from geo.store.database.locking import waits_reported
from geo.store.database.transactions import Database

__all__ = [
    "DATA_DIR",
    "DEFAULT_PATH",
    "Connection",
    "Database",
    "check_sqlite_file",
    "data_folder",
    "database_url",
    "shown_url",
    "sqlite_file_missing",
    "unusable_database",
    "waits_reported",
]
