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
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.types import UserDefinedType

from geo.errors import ConflictError, GridhouseError, InputError, NotFoundError

__all__ = [
    "DATA_DIR",
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


def _data_dir() -> Path:
    """Where Gridhouse keeps its own files when not told otherwise, whatever the current
    directory: the ``data/`` folder of the project that holds this package (a source
    checkout, as ``make run`` installs it), else the per-user data folder
    ($XDG_DATA_HOME/gridhouse, by default ~/.local/share/gridhouse)."""
    project = Path(__file__).resolve().parents[2]
    if (project / "pyproject.toml").is_file() and (project / "app.py").is_file():
        return project / "data"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gridhouse"


DATA_DIR = _data_dir()
"""The one place that decides the default location of the database, key file and logs."""
DEFAULT_PATH = DATA_DIR / "gridhouse.sqlite"
BUSY_TIMEOUT_MS = 30_000
WAIT_SLICE_MS = 1_000
"""A writer asks for the write lock in slices this long, reporting its wait between them."""
WAIT_REPORT_EVERY_S = 5.0
_MIGRATIONS = Path(__file__).with_name("migrations")
_READ = "gridhouse_read"
WRITE_LOCK = 0x6772_6964  # "grid": the advisory lock PostgreSQL writers queue on


def database_url(explicit: str | None = None, *, configured: str | None = None) -> str:
    """The URL to use: ``--db`` if given, else the ``configured`` one
    (:attr:`geo.settings.Settings.database_url`), else
    :data:`DEFAULT_PATH` (``gridhouse.sqlite`` in :data:`DATA_DIR`).

    A bare file path is accepted for SQLite.
    """
    url = explicit or configured or str(DEFAULT_PATH)
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser()}"
    return url


def data_folder(url: str) -> Path:
    """The folder beside a database where its own files go (logs): an SQLite file's folder,
    else :data:`DATA_DIR`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).parent
    return DATA_DIR


def shown_url(url: str) -> str:
    """The URL as it may be shown to a user: an SQLite file's path, else the URL with its
    password hidden."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def sqlite_file_missing(url: str) -> bool:
    """True for an SQLite URL whose file does not exist yet (opening it would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return parsed.database != ":memory:" and not Path(parsed.database).exists()


SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def _sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def check_sqlite_file(url: str) -> None:
    """Refuse, with an error that names the path, an SQLite location no Gridhouse database
    can be at or made at: a folder, a path whose folder does not exist (the data folder
    excepted: Gridhouse makes it), a file it may not read or write (or in a folder it may
    not write: SQLite keeps its journal beside the file), a file that is no SQLite database,
    or one cut short before its first page ends. A file that does not exist yet passes (the
    caller creates it or says to run ``gridhouse init``); so does any other URL. Creates
    nothing. The one check of the location before any connection, for every face."""
    path = _sqlite_path(url)
    if path is None:
        return
    shown = str(path)
    if path.is_dir():
        raise InputError("database_is_folder", path=shown)
    folder = path.parent
    if not folder.is_dir():
        if _is_data_folder(folder):
            return  # Gridhouse's own folder: made when the database is
        raise NotFoundError("database_folder_missing", folder=str(folder), path=shown)
    if not path.exists():
        _HEADERS_READ.add(path.resolve())  # this process makes it: its header is SQLite's
        return
    # The header is read once per file and process, before this process connects to it:
    # closing any descriptor of a file drops every POSIX lock the process holds on it, and
    # SQLite's locks on an open database would go with it (another connection could then
    # check the write-ahead log into the file and delete it under ours: "disk I/O error",
    # writes lost).
    key = path.resolve()
    if key not in _HEADERS_READ:
        _check_header(path, shown)
        _HEADERS_READ.add(key)
    if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        raise ConflictError("database_read_only", path=shown)


def _check_header(path: Path, shown: str) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError as exc:
        raise ConflictError("database_unreadable", path=shown) from exc
    except OSError as exc:  # a device, a broken mount, ...
        raise InputError("database_not_sqlite", path=shown) from exc
    if not header:
        return  # an empty file: SQLite makes a new database in it
    if not header.startswith(SQLITE_MAGIC) and not SQLITE_MAGIC.startswith(header):
        raise InputError("database_not_sqlite", path=shown)
    if len(header) < 100:  # cut short within SQLite's own header
        raise ConflictError("database_damaged", path=shown)


_HEADERS_READ: set[Path] = set()
"""SQLite files whose header this process has read (see :func:`check_sqlite_file`)."""


def _is_data_folder(folder: Path) -> bool:
    return folder.expanduser().absolute() == DATA_DIR.absolute()


def unusable_database(exc: BaseException, url: str) -> GridhouseError | None:
    """The error to report for a failure of the disk, the file or the server under a
    database, naming the cause and what to do; None for any other failure (a bug).

    SQLite: a file that is no database or is damaged (truncated, overwritten: SQLite finds
    out when it reads the pages concerned), a full disk, a file or folder that became read
    only, an I/O error. PostgreSQL: a server that cannot be reached or refuses the sign-in,
    a database that does not exist, a full disk, a value longer than its column. Any face:
    a full disk met while writing a file (``OSError`` ENOSPC)."""
    shown = shown_url(url)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ConflictError("disk_full", path=_folder_of(url))
    if not isinstance(exc, DBAPIError):
        return None
    if isinstance(exc.orig, sqlite3.DatabaseError):
        code = (getattr(exc.orig, "sqlite_errorcode", None) or 0) & 0xFF
        fault = _SQLITE_FAULTS.get(code)
        return None if fault is None else fault(url)
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    if state in _POSTGRES_FAULTS:
        return ConflictError(_POSTGRES_FAULTS[state], url=shown)
    if not state and isinstance(exc, OperationalError):  # libpq says why in words only
        return ConflictError(_connection_fault(str(exc.orig)), url=shown)
    if state.startswith(("08", "57P")):
        return ConflictError("database_unreachable", url=shown)  # lost, shut down
    if state.startswith("28"):
        return ConflictError("database_sign_in_refused", url=shown)
    if state.startswith("53"):
        return ConflictError("database_server_full", url=shown)
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


def _folder_of(url: str) -> str:
    path = _sqlite_path(url)
    return str(path.parent if path is not None else DATA_DIR)


_SQLITE_FAULTS: dict[int, Callable[[str], GridhouseError | None]] = {
    sqlite3.SQLITE_CORRUPT: lambda u: ConflictError("database_damaged", path=shown_url(u)),
    sqlite3.SQLITE_NOTADB: lambda u: ConflictError("database_damaged", path=shown_url(u)),
    sqlite3.SQLITE_FULL: lambda u: ConflictError("disk_full", path=_folder_of(u)),
    sqlite3.SQLITE_READONLY: lambda u: ConflictError("database_read_only", path=shown_url(u)),
    sqlite3.SQLITE_IOERR: lambda u: ConflictError("database_io_error", path=shown_url(u)),
    sqlite3.SQLITE_CANTOPEN: lambda u: ConflictError("database_read_only", path=shown_url(u)),
}
_POSTGRES_FAULTS = {
    "3D000": "database_missing",  # the server holds no database of that name
    "53100": "database_server_full",  # disk full
    "22001": "value_too_long_db",  # a value longer than its column
}


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


class _WaitClock:
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


def _busy(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _begin_sqlite_write(conn: Connection) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock as long as another writer holds it, in
    slices of :data:`WAIT_SLICE_MS` with the wait reported between them."""
    clock = _WaitClock()
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


def _lock_postgres_writers(conn: Connection) -> None:
    """Take the writers' advisory lock, waiting as long as it takes, in slices of
    :data:`WAIT_SLICE_MS` (a lock timeout inside a savepoint) with the wait reported."""
    if conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK})").scalar():
        return
    clock = _WaitClock()
    while True:
        clock.tick()
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {WAIT_SLICE_MS}")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            break
        except OperationalError as exc:
            if str(getattr(exc.orig, "sqlstate", "")) != "55P03":  # lock_not_available
                raise
    conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


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


def _sqlite_engine(url: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None and _is_data_folder(path.parent):
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ):
            conn.exec_driver_sql("BEGIN")
        else:
            _begin_sqlite_write(conn)

    return engine


class PostGISGeometry(UserDefinedType[Any]):
    """PostGIS's ``geometry``, named so that reflecting a PostGIS table knows the type
    (the portable metadata never reads these columns; migration 0006 makes them)."""

    cache_ok = True

    def __init__(self, *_args: Any, **_kw: Any) -> None:  # reflection passes type and SRID
        super().__init__()

    def get_col_spec(self, **_kw: Any) -> str:
        return "geometry"


def _postgresql_engine(url: str) -> Engine:
    from sqlalchemy.dialects.postgresql.base import ischema_names

    ischema_names.setdefault("geometry", PostGISGeometry)
    # Room for a queue of writers waiting their turn beside the readers of many sessions.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=45)


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


class Database:
    """The one engine of a Gridhouse database, with read and write transactions."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        check_sqlite_file(self.url)
        if make_url(self.url).get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(self.url)
        elif make_url(self.url).get_backend_name() == "postgresql":
            self.engine = _postgresql_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)

    @contextmanager
    def write(self, *, references_checked: bool = False) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error.
        It waits for other writers as long as they take (see :func:`waits_reported`).

        ``references_checked``: the caller checks every foreign key it writes itself, set
        by set (``batches.check_references``), so SQLite skips its row-by-row checks, which
        cost a third of a 100,000-row import.
        """
        with self._faults_named():
            if self.engine.dialect.name == "postgresql":
                with self.engine.begin() as conn:
                    # Writers take turns, as on SQLite: an import's look-ups by natural key,
                    # the data version and the audit chain's last hash stay true until it
                    # commits.
                    _lock_postgres_writers(conn)
                    yield conn
                return
            if not references_checked or self.engine.dialect.name != "sqlite":
                with self.engine.begin() as conn:
                    yield conn
                return
            with self._foreign_keys_off() as conn, conn.begin():
                yield conn

    @contextmanager
    def _faults_named(self) -> Iterator[None]:
        """Turn a failure of the disk, file or server (after the rollback) into the
        GridhouseError that names it (:func:`unusable_database`)."""
        try:
            yield
        except (DBAPIError, OSError) as exc:
            found = unusable_database(exc, self.url)
            if found is None:
                raise
            raise found from exc

    @contextmanager
    def _foreign_keys_off(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
            try:
                yield conn
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot that does not block writers."""
        options: dict[str, Any] = {_READ: True}
        if self.engine.dialect.name == "postgresql":
            options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with (
            self._faults_named(),
            self.engine.connect().execution_options(**options) as conn,
            conn.begin(),
        ):
            yield conn

    def migrate(self, revision: str = "head", *, keys: Any = None) -> bool:
        """Bring the schema to ``revision`` (the newest by default), creating it if empty.
        A schema already there is left alone without taking the write lock (so opening a
        database to read never waits for a writer). Returns whether anything changed;
        :attr:`migrated` then holds (from, to). ``keys`` (:class:`geo.privacy.Keys`) go to
        the migrations that re-seal (0008)."""
        before = self.revision()
        target = self.head_revision() if revision == "head" else revision
        if before is not None and before == target:
            return False
        self._upgrade(revision, keys=keys)
        after = self.revision()
        if after != before:
            self.migrated = (before, after)
        return after != before

    migrated: tuple[str | None, str | None] | None = None
    """The last schema change :meth:`migrate` made in this process: (from, to)."""

    def _upgrade(self, revision: str, *, keys: Any = None) -> None:
        config = _alembic_config()
        config.attributes["keys"] = keys
        if self.engine.dialect.name != "sqlite":
            with self.write() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
            return
        # SQLite changes a table by rebuilding it (drop, rename), which its foreign keys would
        # refuse while rows point at it: keys are off for the migration, which must leave
        # every key intact (checked before commit), as SQLite's manual prescribes.
        with self._faults_named(), self._foreign_keys_off() as conn, conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                msg = f"migration left a broken foreign key: {tuple(broken)}"
                raise RuntimeError(msg)

    @staticmethod
    def head_revision() -> str | None:
        """The newest revision the code knows."""
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def revision(self) -> str | None:
        """The schema's current Alembic revision, None for an empty database. The first
        query of every start: a damaged SQLite file, or a PostgreSQL server that cannot be
        reached, is reported as such (a GridhouseError naming it)."""
        try:
            with self.read() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except DBAPIError as exc:
            if self.engine.dialect.name == "postgresql" and isinstance(exc, OperationalError):
                raise ConflictError("database_unreachable", url=shown_url(self.url)) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
