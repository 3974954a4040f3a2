"""SQLite specifics: an engine in WAL mode whose reads begin DEFERRED and whose writes
begin IMMEDIATE (queueing for the write lock), a file readable by its owner only, and
foreign keys switched off for work that checks them itself."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from geo.store.database.location import is_data_folder, sqlite_path
from geo.store.database.locking import BUSY_TIMEOUT_MS, READ, WAIT_SLICE_MS, WaitClock


def _busy(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _begin_write(conn: Connection) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock as long as another writer holds it, in
    slices of :data:`WAIT_SLICE_MS` with the wait reported between them."""
    clock = WaitClock()
    conn.exec_driver_sql(f"PRAGMA busy_timeout={WAIT_SLICE_MS}")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not _busy(exc):
                    raise
            clock.tick()
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _owner_only(path: Path) -> None:
    """Make the database file readable by its owner only (0600), whatever the umask: a new
    file is created so before SQLite opens it, whose write-ahead log and shared memory then
    take the file's mode; an existing one (and its log) is narrowed. Nothing is opened on
    an existing file (see :func:`check_sqlite_file` on POSIX locks)."""
    if not path.exists() and path.parent.is_dir():
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        with suppress(FileNotFoundError, PermissionError):
            Path(name).chmod(0o600)


def sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None and is_data_folder(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    if path is not None:
        _owner_only(path)
    # Writers that wait their turn hold a connection meanwhile: no limit on how many (an
    # SQLite connection costs a file handle), so a queue of writers never runs the pool dry.
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, pool_size=5, max_overflow=-1
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-131072")  # 128 MiB: index pages of big imports stay hot
        # Statement journals (one per row whose insert fires a figures trigger) and sorts
        # in memory, not in temporary files: a 100,000-row import's triggers cost a third.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ):
            conn.exec_driver_sql("BEGIN")
        else:
            _begin_write(conn)

    return engine


@contextmanager
def foreign_keys_off(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` with SQLite's foreign-key checks off (they can only be
    switched outside a transaction), on again when the block ends."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
        try:
            yield conn
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
