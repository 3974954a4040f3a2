"""Open the database, run migrations, and hand out read and write transactions.

One :class:`Database` per URL. SQLite runs in WAL mode with a busy timeout; write
transactions begin IMMEDIATE so two writers queue instead of failing half-way, and reads
begin DEFERRED so they never block a writer. PostgreSQL's writers queue the same way on
one transaction-level advisory lock, and its reads are read-only REPEATABLE READ
snapshots, so a page sees one state of the data whatever commits meanwhile.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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
_SQLITE_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


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
    """The error to report for a driver failure that says an SQLite file is no database or
    is damaged (truncated, overwritten: SQLite finds out when it reads the pages concerned,
    at the first query for a file cut short); None for any other failure."""
    if not isinstance(exc, DBAPIError) or not isinstance(exc.orig, sqlite3.DatabaseError):
        return None
    if getattr(exc.orig, "sqlite_errorcode", None) not in _SQLITE_DAMAGED:
        return None
    return ConflictError("database_damaged", path=shown_url(url))


def _sqlite_engine(url: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None and _is_data_folder(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

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
        conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get(_READ) else "BEGIN IMMEDIATE"
        )

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
    return create_engine(url, pool_pre_ping=True)


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

        ``references_checked``: the caller checks every foreign key it writes itself, set
        by set (``batches.check_references``), so SQLite skips its row-by-row checks, which
        cost a third of a 100,000-row import.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                # Writers take turns, as on SQLite: an import's look-ups by natural key, the
                # data version and the audit chain's last hash stay true until it commits.
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
                yield conn
            return
        if not references_checked or self.engine.dialect.name != "sqlite":
            with self.engine.begin() as conn:
                yield conn
            return
        with self._foreign_keys_off() as conn, conn.begin():
            yield conn

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
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (the newest by default), creating it if empty."""
        config = _alembic_config()
        if self.engine.dialect.name != "sqlite":
            with self.write() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
            return
        # SQLite changes a table by rebuilding it (drop, rename), which its foreign keys would
        # refuse while rows point at it: keys are off for the migration, which must leave
        # every key intact (checked before commit), as SQLite's manual prescribes.
        with self._foreign_keys_off() as conn, conn.begin():
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
            if (found := unusable_database(exc, self.url)) is not None:
                raise found from exc
            if self.engine.dialect.name == "postgresql" and isinstance(exc, OperationalError):
                raise ConflictError("database_unreachable", url=shown_url(self.url)) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
