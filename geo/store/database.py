"""Open the database, run migrations, and hand out read and write transactions.

One :class:`Database` per URL. SQLite runs in WAL mode with a busy timeout; write
transactions begin IMMEDIATE so two writers queue instead of failing half-way, and reads
begin DEFERRED so they never block a writer. PostgreSQL's writers queue the same way on
one transaction-level advisory lock, and its reads are read-only REPEATABLE READ
snapshots, so a page sees one state of the data whatever commits meanwhile.
"""

from __future__ import annotations

import os
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
from sqlalchemy.types import UserDefinedType

__all__ = [
    "DATA_DIR",
    "Connection",
    "Database",
    "data_folder",
    "database_url",
    "shown_url",
    "sqlite_file_missing",
]

ENV_URL = "GRIDHOUSE_DATABASE_URL"


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


def database_url(explicit: str | None = None) -> str:
    """The URL to use: ``--db`` if given, else $GRIDHOUSE_DATABASE_URL, else
    :data:`DEFAULT_PATH` (``gridhouse.sqlite`` in :data:`DATA_DIR`).

    A bare file path is accepted for SQLite.
    """
    url = explicit or os.environ.get(ENV_URL) or str(DEFAULT_PATH)
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


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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
        """The schema's current Alembic revision, None for an empty database."""
        with self.read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
