"""The one engine of a database (:class:`Database`): its read and write transactions and
its migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from geo.errors import ConflictError
from geo.store.database.faults import unusable_database
from geo.store.database.location import check_sqlite_file, database_url, shown_url
from geo.store.database.locking import READ
from geo.store.database.postgis import lock_writers, postgresql_engine
from geo.store.database.sqlite import foreign_keys_off, sqlite_engine
from geo.store.figures import retally
from geo.store.schema import figure_dirty

_MIGRATIONS = Path(__file__).parents[1] / "migrations"

AFTER_COMMIT = "gridhouse_after_commit"
"""``conn.info[AFTER_COMMIT]``, inside a write transaction of :class:`Database` (and a
migration): the callables to run once it has committed, in order; never after a rollback
or a commit that fails. Add to it with :func:`after_commit`."""


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the write transaction of ``conn`` has committed (for what must
    not run before the data is there, such as anchoring the audit chain's head outside the
    database); a callback equal to one already added is not added again. Raises
    RuntimeError outside a write transaction of :class:`Database`."""
    pending = conn.info.get(AFTER_COMMIT)
    if pending is None:
        msg = "after_commit outside a write transaction of Database"
        raise RuntimeError(msg)
    if callback not in pending:
        pending.append(callback)


@contextmanager
def _collecting(conn: Connection, pending: list[Callable[[], None]]) -> Iterator[None]:
    """Within the block, :func:`after_commit` on ``conn`` adds to ``pending``."""
    conn.info[AFTER_COMMIT] = pending
    try:
        yield
    finally:
        conn.info.pop(AFTER_COMMIT, None)


@contextmanager
def _then_run(pending: list[Callable[[], None]]) -> Iterator[None]:
    """Run ``pending`` when the block (the whole transaction, its commit included) ends
    without an exception."""
    yield
    for callback in pending:
        callback()


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
            self.engine = sqlite_engine(self.url)
        elif make_url(self.url).get_backend_name() == "postgresql":
            self.engine = postgresql_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)

    @contextmanager
    def write(
        self, *, references_checked: bool = False, tallied: bool = True
    ) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error.
        It waits for other writers as long as they take (see :func:`waits_reported`).
        What :func:`after_commit` adds runs once it has committed.
        Before it commits, the figures of the communities it changed are tallied again
        (:func:`geo.store.figures.retally`), so they never lag the records.

        ``references_checked``: the caller checks every foreign key it writes itself, set
        by set (``batches.check_references``), so SQLite skips its row-by-row checks, which
        cost a third of a 100,000-row import. ``tallied=False`` only for the migrations,
        which may run before the figures' tables exist.
        """
        pending: list[Callable[[], None]] = []
        with self._faults_named(), _then_run(pending):
            if self.engine.dialect.name == "postgresql":
                with self.engine.begin() as conn:
                    # Writers take turns, as on SQLite: an import's look-ups by natural key,
                    # the data version and the audit chain's last hash stay true until it
                    # commits.
                    lock_writers(conn)
                    with _collecting(conn, pending):
                        yield conn
                    if tallied and self._tallies(conn):
                        retally(conn)
                return
            if not references_checked or self.engine.dialect.name != "sqlite":
                with self.engine.begin() as conn:
                    with _collecting(conn, pending):
                        yield conn
                    if tallied and self._tallies(conn):
                        retally(conn)
                return
            with foreign_keys_off(self.engine) as conn, conn.begin():
                with _collecting(conn, pending):
                    yield conn
                if tallied and self._tallies(conn):
                    retally(conn)

    _has_tallies = False

    def _tallies(self, conn: Connection) -> bool:
        """Whether the schema has the figures' tables yet (a database before migration
        0011, written to by an older step of a migration test, has not)."""
        if not self._has_tallies:
            self._has_tallies = inspect(conn).has_table(figure_dirty.name)
        return self._has_tallies

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
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot that does not block writers."""
        options: dict[str, Any] = {READ: True}
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
        the migrations that re-seal (0008).

        A schema at a revision the code does not know (made by a newer Gridhouse) is
        refused with a ConflictError (``database_newer``), nothing changed."""
        before = self.revision()
        target = self.head_revision() if revision == "head" else revision
        if before is not None and before == target:
            return False
        if before is not None and not self._knows(before):
            raise ConflictError("database_newer", revision=before, known=self.head_revision())
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
            with self.write(tallied=False) as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
            return
        # SQLite changes a table by rebuilding it (drop, rename), which its foreign keys would
        # refuse while rows point at it: keys are off for the migration, which must leave
        # every key intact (checked before commit), as SQLite's manual prescribes.
        pending: list[Callable[[], None]] = []
        with (
            self._faults_named(),
            _then_run(pending),
            foreign_keys_off(self.engine) as conn,
            conn.begin(),
            _collecting(conn, pending),
        ):
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                msg = f"migration left a broken foreign key: {tuple(broken)}"
                raise RuntimeError(msg)

    @staticmethod
    def _knows(revision: str) -> bool:
        """Whether ``revision`` is one of the code's migrations."""
        scripts = ScriptDirectory.from_config(_alembic_config())
        return any(found.revision == revision for found in scripts.walk_revisions())

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
