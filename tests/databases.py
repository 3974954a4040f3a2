"""The test databases, on the backend this run tests: SQLite files, or PostgreSQL + PostGIS.

``GRIDHOUSE_TEST_BACKEND=postgis`` runs the whole suite on PostgreSQL: on the server at
``GRIDHOUSE_TEST_POSTGRES_URL`` when given (CI starts one), else on one the run starts
itself in a temporary directory (``tests.pgserver``). Each test database is a database of
its own on that server, made from a template (an empty one with PostGIS, the migrated
schema, or the demo district) and dropped when its test ends.

Tests name databases through :func:`new_database` and :func:`copy_database` and query them
through :func:`rows`, :func:`connect` and :func:`read_sql` (``?`` placeholders, values as
SQLite returns them), never through a backend's own driver.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from geo.services.setup import open_database
from geo.store.database import database_url
from geo.store.maintenance import sqlite_file
from tests import pgserver

BACKEND = os.environ.get("GRIDHOUSE_TEST_BACKEND", "sqlite")
POSTGIS = BACKEND == "postgis"
ENV_SERVER = "GRIDHOUSE_TEST_POSTGRES_URL"
BLANK = "gh_blank"  # PostGIS installed, nothing else
MIGRATED = "gh_migrated"  # the schema at head, empty

sqlite_only = pytest.mark.skipif(POSTGIS, reason="SQLite's own behaviour")
postgis_only = pytest.mark.skipif(not POSTGIS, reason="PostGIS's own behaviour")

_server: dict[str, Any] = {"url": None, "directory": None, "created": [], "kept": []}

if BACKEND not in ("sqlite", "postgis"):
    msg = f"GRIDHOUSE_TEST_BACKEND must be sqlite or postgis, not {BACKEND!r}"
    raise RuntimeError(msg)


def start(directory: Path) -> None:
    """Bring up the PostgreSQL server for this run (when the run tests PostGIS)."""
    if not POSTGIS:
        return
    url = os.environ.get(ENV_SERVER)
    if not url:
        if not pgserver.available():
            # As with Chromium: a failure in CI, which installs them; a skip elsewhere.
            why = "PostgreSQL and PostGIS are not installed (Debian: postgresql-postgis)"
            pytest.exit(why if os.environ.get("CI") else f"PostGIS run skipped: {why}",
                        returncode=1 if os.environ.get("CI") else 0)  # fmt: skip
        url = pgserver.start(directory)
        _server["directory"] = directory
    _server["url"] = url
    os.environ.setdefault("GRIDHOUSE_KEY_FILE", str(directory / "gridhouse.key"))
    for name in (BLANK, MIGRATED):
        _admin(f"DROP DATABASE IF EXISTS {name}")
    _admin(f"CREATE DATABASE {BLANK}")
    execute(server_url(BLANK), "CREATE EXTENSION postgis")
    _admin(f"CREATE DATABASE {MIGRATED} TEMPLATE {BLANK}")
    open_database(server_url(MIGRATED)).db.dispose()


def stop() -> None:
    """Stop the server this run started; on a server given to it, drop what it made."""
    if _server["directory"] is not None:
        pgserver.stop(_server["directory"])
    elif POSTGIS and _server["url"] is not None:
        for name in _server["kept"]:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def server_url(database: str) -> str:
    return make_url(_server["url"]).set(database=database).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    engine = create_engine(server_url("postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def _database_name(url: str) -> str:
    return str(make_url(url).database)


def _new_postgres(template: str, *, per_test: bool = True) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    _server["created" if per_test else "kept"].append(name)  # kept: dropped at the end
    return server_url(name)


def drop_created() -> None:
    """Drop the databases the test that just ended made."""
    while _server["created"]:
        _admin(f"DROP DATABASE IF EXISTS {_server['created'].pop()} WITH (FORCE)")


def new_database(directory: Path, name: str, *, migrated: bool = False) -> str:
    """A new, empty database: an SQLite file ``name.sqlite`` in ``directory``, or a new
    PostgreSQL database with PostGIS (with the schema already in place when ``migrated``)."""
    if not POSTGIS:
        path = str(directory / f"{name}.sqlite")
        if migrated:
            open_database(path).db.dispose()
        return path
    return _new_postgres(MIGRATED if migrated else BLANK)


def copy_database(source: str, directory: Path, *, per_test: bool = True) -> str:
    """A writable copy of ``source`` (its key file beside it on SQLite). On PostgreSQL the
    source must have no open connection: copy from a template such as the demo's master."""
    if not POSTGIS:
        path = sqlite_path(source)
        target = directory / path.name
        for suffix in (".sqlite", ".key"):
            if path.with_suffix(suffix).exists():
                # Copied by another process: closing a descriptor of the source here would
                # drop this process's SQLite locks on it (POSIX), and a command that then
                # closes the file last deletes its write-ahead log under our open handles.
                subprocess.run(
                    ["cp", "--", str(path.with_suffix(suffix)), str(target.with_suffix(suffix))],
                    check=True,
                )
        return str(target)
    return _new_postgres(_database_name(source), per_test=per_test)


def make_template(url: str, name: str) -> str:
    """Copy ``url`` into a database nobody connects to, for :func:`copy_database`."""
    if not POSTGIS:
        return url
    _admin(f"DROP DATABASE IF EXISTS {name}")
    _admin(f"CREATE DATABASE {name} TEMPLATE {_database_name(url)}")
    return server_url(name)


def fingerprint(database: str) -> str:
    """A digest of everything the database holds: the SQLite file (and its write-ahead
    log), or every row of every table on PostgreSQL, hashed by the server."""
    if not POSTGIS:
        path = sqlite_path(database)
        digest = hashlib.sha256(path.read_bytes())
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            digest.update(wal.read_bytes())
        return digest.hexdigest()
    tables = [
        name
        for (name,) in rows(
            database,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
    ]
    digest = "SELECT count(*), sum(hashtextextended(t::text, 0)::numeric) FROM {} t"
    with connect(database) as conn:
        parts = [f"{name}:{conn.execute(digest.format(name)).fetchone()}" for name in tables]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def sqlite_path(database: str) -> Path:
    """The file of an SQLite database given by path or URL."""
    path = sqlite_file(database_url(str(database)))
    assert path is not None, f"not an SQLite file: {database}"
    return path


def rows(database: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (``?`` placeholders) and return its rows as tuples."""
    with connect(database) as conn:
        result = conn.execute(sql, params)
        return result.fetchall() if result.returns_rows else []


def execute(database: str, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement (``?`` placeholders) and commit; return the rows it touched."""
    with connect(database) as conn:
        return conn.execute(sql, params).rowcount


def _plain(value: Any) -> Any:
    """A value as SQLite hands it back, whatever the backend: dates and times as the text
    SQLAlchemy stores there, whole decimals (PostgreSQL's sums) as ints."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S.%f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _plain_row(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_plain(v) for v in row)


class _Result:
    def __init__(self, result: Any) -> None:
        self._result = result
        self.returns_rows = bool(result.returns_rows)
        self.rowcount = int(result.rowcount)

    def keys(self) -> list[str]:
        return list(self._result.keys())

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._result.fetchone()
        return None if row is None else _plain_row(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [_plain_row(r) for r in self._result.fetchall()]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return (_plain_row(r) for r in self._result)


class Connection:
    """A connection that takes ``?`` placeholders on either backend and returns rows as
    ``sqlite3`` does (see :func:`_plain`)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        return _Result(self._conn.exec_driver_sql(_placeholders(sql), tuple(params)))


@contextmanager
def connect(database: str | Path) -> Iterator[Connection]:
    """One transaction on ``database`` (path or URL), committed when the block ends."""
    engine = _engine(str(database))
    try:
        with engine.begin() as conn:
            yield Connection(conn)
    finally:
        engine.dispose()


def read_sql(database: str | Path, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """A query's rows as a DataFrame, like ``pandas.read_sql``."""
    with connect(database) as conn:
        result = conn.execute(sql, params)
        return pd.DataFrame(result.fetchall(), columns=result.keys())


def scalar(database: str, sql: str, params: Sequence[Any] = ()) -> Any:
    return rows(database, sql, params)[0][0]


def _engine(database: str) -> Any:
    return create_engine(database_url(str(database)), poolclass=NullPool)


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s") if POSTGIS else sql
