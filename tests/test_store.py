"""The store on either backend: schema and migrations, WAL on SQLite, queued writers, the
audit chain, keys, PostGIS columns on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from geo.errors import GridhouseError
from geo.store import audit
from geo.store.database import Database, check_sqlite_file, database_url
from geo.store.database import location as store_database
from geo.store.keys import key_path_for, load_or_create_keys
from geo.store.schema import audit as audit_table
from geo.store.schema import is_postgis_only, metadata, setting
from tests import databases
from tests.databases import postgis_only, sqlite_only


def test_migrations_build_exactly_the_schema_in_the_code(empty_db):
    assert empty_db.db.revision() == Database.head_revision()
    with empty_db.db.read() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, _: not is_postgis_only(name, kind)}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(empty_db):
    with empty_db.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrating_twice_changes_nothing(empty_db):
    empty_db.db.migrate()
    assert empty_db.db.revision() == Database.head_revision()


@sqlite_only
def test_two_writers_queue_instead_of_failing(tmp_path):
    """BEGIN IMMEDIATE: the second writer waits for the first, then both commit."""
    db = Database(str(tmp_path / "w.sqlite"))
    db.migrate()
    started = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with db.write() as conn:
                conn.execute(setting.insert().values(key="a", value="1"))
                started.set()
                time.sleep(0.5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    started.wait(5)
    begun = time.perf_counter()
    with db.write() as conn:
        conn.execute(setting.insert().values(key="b", value="2"))
    waited = time.perf_counter() - begun
    thread.join()
    assert errors == []
    assert waited > 0.3  # it queued behind the first writer
    with db.read() as conn:
        assert sorted(conn.execute(select(setting.c.key)).scalars()) == ["a", "b"]
    db.dispose()


def test_a_reader_is_not_blocked_by_an_open_write(tmp_path):
    db = Database(databases.new_database(tmp_path, "r"))
    db.migrate()
    with db.write() as writer:
        writer.execute(setting.insert().values(key="pending", value="1"))
        begun = time.perf_counter()
        with db.read() as reader:
            seen = reader.execute(select(func.count()).select_from(setting)).scalar()
        assert time.perf_counter() - begun < 1
        assert seen == 0  # the reader sees the last committed state
    db.dispose()


def test_a_failed_write_leaves_nothing_behind(empty_db):
    with pytest.raises(RuntimeError), empty_db.db.write() as conn:
        conn.execute(setting.insert().values(key="half", value="1"))
        raise RuntimeError("crash in the middle")
    with empty_db.db.read() as conn:
        assert conn.execute(select(setting.c.key).where(setting.c.key == "half")).first() is None


def test_audit_chain_verifies_and_names_the_first_edited_or_deleted_row(empty_db):
    with empty_db.db.read() as conn:
        version_before = audit.data_version(conn)
    with empty_db.db.write() as conn:
        for i in range(5):
            audit.append(
                conn, actor="t", role="admin", action=f"test.{i}", count=i, detail={"i": i}
            )
    with empty_db.db.read() as conn:
        assert audit.verify(conn) is None
        assert audit.data_version(conn) == version_before + 5
        ids = list(conn.execute(select(audit_table.c.id).order_by(audit_table.c.id)).scalars())[-5:]
    with empty_db.db.write() as conn:
        conn.execute(text("UPDATE audit SET count = 99 WHERE id = :id"), {"id": ids[2]})
    with empty_db.db.read() as conn:
        assert audit.verify(conn) == ids[2]
    with empty_db.db.write() as conn:
        conn.execute(text("UPDATE audit SET count = 2 WHERE id = :id"), {"id": ids[2]})
        conn.execute(text("DELETE FROM audit WHERE id = :id"), {"id": ids[1]})
    with empty_db.db.read() as conn:
        assert audit.verify(conn) == ids[2]


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "k" / "g.key"
    keys = load_or_create_keys(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_keys(path)
    assert again == keys
    assert keys.unseal(keys.seal("11010519491231002X")) == "11010519491231002X"
    assert keys.digest("a") == again.digest("a") != keys.digest("b")


def test_database_url_and_key_path_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("GRIDHOUSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("GRIDHOUSE_KEY_FILE", raising=False)
    project_data = Path(__file__).resolve().parents[1] / "data"
    assert database_url() == f"sqlite:///{project_data / 'gridhouse.sqlite'}"
    monkeypatch.chdir(tmp_path)  # the default does not depend on the current directory
    assert database_url() == f"sqlite:///{project_data / 'gridhouse.sqlite'}"
    assert database_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path}/x.sqlite"
    assert database_url(configured="sqlite:////srv/g.sqlite") == "sqlite:////srv/g.sqlite"
    assert database_url("sqlite:////other.sqlite", configured="x") == "sqlite:////other.sqlite"
    assert str(key_path_for("sqlite:////srv/g.sqlite")) == "/srv/g.key"
    assert key_path_for("postgresql+psycopg://h/db") == project_data / "gridhouse.key"


def test_creating_the_schema_is_audited_once(tmp_path):
    from geo.services.setup import open_database

    path = databases.new_database(tmp_path, "a")
    first = open_database(path)
    first.db.dispose()
    again = open_database(path)
    with again.db.read() as conn:
        rows = conn.execute(select(audit_table.c.action, audit_table.c.detail)).all()
    again.db.dispose()
    head = Database.head_revision()
    assert rows == [("schema.migrate", f'{{"from": null, "to": "{head}"}}')]


def test_an_old_database_with_data_upgrades_to_the_newest_schema(tmp_path):
    from datetime import datetime

    from geo.store.schema import import_batch

    db = Database(databases.new_database(tmp_path, "old"))
    db.migrate("0001")
    with db.write() as conn:
        conn.execute(
            text(
                "INSERT INTO import_batch (kind, filename, sha256, user_name, rows, accepted,"
                " rejected, status, created_at)"
                " VALUES ('rentals', 'a.csv', 'x', 'u', 1, 1, 0, 'committed', :at)"
            ),
            {"at": datetime(2026, 1, 1)},
        )
    db.migrate()
    assert db.revision() == Database.head_revision() != "0001"
    with db.read() as conn:
        row = conn.execute(select(import_batch.c.inserted, import_batch.c.filename)).one()
    assert tuple(row) == (0, "a.csv")
    db.dispose()


def _schema_objects(db: Database) -> dict[str, set[str]]:
    with db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).all()
    checks = {
        line.strip().rstrip(",")
        for _, _, sql in rows
        if sql
        for line in sql.splitlines()
        if "CHECK" in line
    }
    return {"indexes": {n for t, n, _ in rows if t == "index"}, "checks": checks}


@sqlite_only
def test_rebuilding_tables_with_children_keeps_rows_indexes_and_checks(tmp_path):
    """0004 rebuilds tables that other tables point at: rows, links, indexes and enum
    checks come out as a fresh database has them."""
    old = Database(str(tmp_path / "old.sqlite"))
    old.migrate("0003")
    with old.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO area (id, code, name, level, kind, geometry, area_m2, minx, miny, maxx,"
            " maxy, boundary_version) VALUES (1, 'C1', '一村', 'community', 'village', x'00',"
            " 1.0, 0, 0, 1, 1, 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO property (id, address, kind, status, community_id)"
            " VALUES (7, '一村1号', 'room', 'active', 1)"
        )
        conn.exec_driver_sql("INSERT INTO person (id, name, sex) VALUES (3, '张三', 'F')")
        conn.exec_driver_sql(
            "INSERT INTO residence (person_id, property_id, moved_in) VALUES (3, 7, '2026-01-01')"
        )
    old.migrate()
    fresh = Database(str(tmp_path / "fresh.sqlite"))
    fresh.migrate()
    assert _schema_objects(old) == _schema_objects(fresh)
    assert any("kind = 'room'" in c for c in _schema_objects(old)["checks"])
    with old.read() as conn:
        linked = conn.exec_driver_sql(
            "SELECT p.address, a.code FROM residence r JOIN property p ON p.id = r.property_id"
            " JOIN area a ON a.id = p.community_id"
        ).all()
    assert [tuple(r) for r in linked] == [("一村1号", "C1")]
    with pytest.raises(IntegrityError, match="CHECK constraint failed"), old.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO property (address, kind, status) VALUES ('x', 'castle', 'active')"
        )
    old.dispose()
    fresh.dispose()


@postgis_only
def test_postgis_holds_geometry_in_srid_4326_with_gist_indexes(empty_db):
    with empty_db.db.read() as conn:
        columns = conn.exec_driver_sql(
            "SELECT f_table_name, type, srid FROM geometry_columns ORDER BY f_table_name"
        ).all()
        indexes = conn.exec_driver_sql(
            "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%%USING gist (geom)%%'"
            " ORDER BY tablename"
        ).all()
    assert [tuple(c) for c in columns] == [
        ("area", "GEOMETRY", 4326),
        ("property", "POINT", 4326),
        ("worksite", "POINT", 4326),
    ]
    assert [i[0] for i in indexes] == ["area", "property", "worksite"]


def refusal(url: str) -> tuple[str, dict[str, str]]:
    """The catalogue key and parameters opening ``url`` is refused with."""
    with pytest.raises(GridhouseError) as refused:
        from geo.services.setup import open_database

        open_database(url)
    return refused.value.key, refused.value.params


@sqlite_only
def test_a_location_no_database_can_be_at_is_refused_before_anything_is_made(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n", encoding="utf-8")
    assert refusal(str(junk)) == ("database_not_sqlite", {"path": str(junk)})
    assert refusal(str(tmp_path)) == ("database_is_folder", {"path": str(tmp_path)})
    missing = tmp_path / "nowhere" / "g.sqlite"
    assert refusal(str(missing)) == (
        "database_folder_missing",
        {"folder": str(tmp_path / "nowhere"), "path": str(missing)},
    )
    short = tmp_path / "short.sqlite"
    short.write_bytes(b"SQLite format")
    assert refusal(str(short))[0] == "database_damaged"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.sqlite", "short.sqlite"]


@sqlite_only
def test_a_database_cut_short_is_reported_damaged_at_its_first_query(tmp_path, demo_master):
    cut = tmp_path / "cut.sqlite"
    shutil.copyfile(demo_master, cut)
    os.truncate(cut, cut.stat().st_size // 3)
    check_sqlite_file(database_url(str(cut)))  # its header is whole: SQLite itself finds out
    assert refusal(str(cut)) == ("database_damaged", {"path": str(cut)})
    from geo.services.setup import open_initialised

    with pytest.raises(GridhouseError, match="database_damaged"):
        open_initialised(str(cut))
    assert not cut.with_suffix(".key").exists()


@sqlite_only
def test_a_file_that_may_not_be_read_or_written_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "g.sqlite"
    Database(str(path)).migrate()
    check_sqlite_file(database_url(str(path)))
    store_database._HEADERS_READ.clear()  # as in a new process
    real_open = Path.open

    def unreadable(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    with monkeypatch.context() as patch:  # as root, chmod would not stop the reading
        patch.setattr(Path, "open", unreadable)
        with pytest.raises(GridhouseError, match="database_unreadable"):
            check_sqlite_file(database_url(str(path)))
    with monkeypatch.context() as patch:
        patch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != path)
        with pytest.raises(GridhouseError, match="database_read_only"):
            check_sqlite_file(database_url(str(path)))


@sqlite_only
def test_a_database_open_in_this_process_is_not_opened_again_to_read_its_header(
    tmp_path, monkeypatch
):
    """Closing any descriptor of a file drops the process's POSIX locks on it, SQLite's
    included: a second handle on an open database must not read the file itself."""
    path = tmp_path / "g.sqlite"
    first = Database(str(path))
    first.migrate()
    real_open = Path.open

    def watched(self, *args, **kwargs):
        assert self.resolve() != path.resolve(), "the open database's file was opened again"
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched)
    second = Database(str(path))
    assert second.revision() == first.revision()
    second.dispose()
    first.dispose()


@sqlite_only
def test_only_the_data_folder_is_made_when_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(store_database, "DATA_DIR", tmp_path / "data")
    db = Database(str(tmp_path / "data" / "gridhouse.sqlite"))
    db.migrate()
    db.dispose()
    assert (tmp_path / "data" / "gridhouse.sqlite").is_file()
    with pytest.raises(GridhouseError, match="database_folder_missing"):
        Database(str(tmp_path / "other" / "gridhouse.sqlite"))
    assert not (tmp_path / "other").exists()
