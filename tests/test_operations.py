"""Backup and restore on either backend, the refusals that keep data safe, and the health
facts an administrator reads (command line and page)."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo.errors import ConflictError, InputError, PermissionDeniedError
from geo.services import operations, people
from geo.services.setup import open_database
from geo.settings import settings
from geo.store.database import database_url
from geo.store.keys import key_path_for, load_or_create_keys
from tests import databases
from tests.conftest import ADMIN, PLANNER, ROOT, run_cli


def with_key_of(source: str, target: str) -> None:
    """Put the source database's key file where the target looks for its own."""
    have, want = key_path_for(database_url(source)), key_path_for(database_url(target))
    if have != want:
        shutil.copy(have, want)


def test_a_backup_restores_into_an_empty_database_with_every_row_and_key(demo_copy, tmp_path):
    source = open_database(demo_copy)
    person_id, name = databases.rows(demo_copy, "SELECT id, name FROM person ORDER BY id LIMIT 1")[
        0
    ]
    number = people.unmask_person(source, ADMIN, person_id)["id_number"]
    made = run_cli("--db", demo_copy, "backup", str(tmp_path / "demo.backup"))
    assert made.returncode == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["rows"]["person"] > 1000 and manifest["revision"] == source.db.revision()
    source.db.dispose()

    target = databases.new_database(tmp_path, "restored")
    with_key_of(demo_copy, target)
    done = run_cli("--db", target, "restore", str(tmp_path / "demo.backup"))
    assert done.returncode == 0, done.stderr
    actions = [r[0] for r in databases.rows(target, "SELECT action FROM audit ORDER BY id")]
    assert actions[-2:] == ["backup", "restore"]  # the backup holds its own audit row
    restored = open_database(target)
    for table, count in manifest["rows"].items():
        if table != "audit":
            assert databases.scalar(target, f"SELECT count(*) FROM {table}") == count, table
    assert people.unmask_person(restored, ADMIN, person_id)["id_number"] == number
    assert databases.scalar(target, "SELECT name FROM person WHERE id = ?", (person_id,)) == name
    assert operations.health(restored, ADMIN)["audit_ok"] is True
    restored.db.dispose()


def test_restore_refuses_another_key_a_missing_key_a_full_target_and_a_foreign_file(
    demo_copy, tmp_path, monkeypatch
):
    source = open_database(demo_copy)
    backup = tmp_path / "demo.backup"
    operations.backup(source, ADMIN, backup)
    source.db.dispose()

    target = databases.new_database(tmp_path, "target")
    # The key the demo was sealed with: the configured key file (the PostGIS run sets one),
    # else the one beside the SQLite file.
    right = key_path_for(database_url(demo_copy), key_file=settings().key_file)
    monkeypatch.setenv("GRIDHOUSE_KEY_FILE", str(tmp_path / "none.key"))
    with pytest.raises(ConflictError) as missing:
        operations.restore(target, ADMIN, backup)
    assert missing.value.key == "backup_key_missing"
    load_or_create_keys(tmp_path / "other.key")
    monkeypatch.setenv("GRIDHOUSE_KEY_FILE", str(tmp_path / "other.key"))
    with pytest.raises(ConflictError) as wrong:
        operations.restore(target, ADMIN, backup)
    assert wrong.value.key == "backup_other_key"
    monkeypatch.setenv("GRIDHOUSE_KEY_FILE", str(right))
    with pytest.raises(ConflictError) as full:
        operations.restore(demo_copy, ADMIN, backup)  # the source itself holds data
    assert full.value.key == "restore_would_overwrite"
    assert operations.restore(demo_copy, ADMIN, backup, replace=True)["rows"]["property"] > 0
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup")
    with pytest.raises(InputError):
        operations.restore(target, ADMIN, junk)
    with pytest.raises(PermissionDeniedError):
        operations.restore(target, PLANNER, backup)


def test_health_names_the_backend_schema_rows_and_the_last_import(demo_copy):
    from geo.services.uploads import import_upload

    opened = open_database(demo_copy)
    sample = (ROOT / "data" / "samples" / "rentals.csv").read_bytes()
    import_upload(opened, ADMIN, kind="rentals", data=sample, filename="rentals.csv")
    facts = operations.health(opened, ADMIN)
    assert facts["backend"].startswith("PostgreSQL" if databases.POSTGIS else "SQLite")
    if databases.POSTGIS:
        assert "PostGIS" in facts["backend"]
    assert facts["schema_current"] and facts["revision"] == facts["code_revision"]
    assert facts["rows"]["property"] == databases.scalar(demo_copy, "SELECT count(*) FROM property")
    assert facts["last_import"]["filename"] == "rentals.csv"
    assert facts["last_import"]["accepted"] > 0 and facts["size_bytes"] > 1_000_000
    assert facts["audit_ok"] is True
    with pytest.raises(PermissionDeniedError):
        operations.health(opened, PLANNER)
    printed = run_cli("--db", demo_copy, "health")
    assert printed.returncode == 0 and json.loads(printed.stdout)["rows"] == facts["rows"]
    opened.db.dispose()


def test_the_health_page_shows_an_admin_the_database_and_its_rows(demo_url, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_url))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-admin")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/health.py").run()
    assert not app.exception and not app.error
    assert app.title[0].value == "运行状态"
    shown = {m.label: m.value for m in app.metric}
    assert shown["数据库"].startswith("PostgreSQL" if databases.POSTGIS else "SQLite")
    assert shown["审计链"] == "完整"
    rows = app.dataframe[0].value.set_index("表")["行数"]
    assert rows["property"] == databases.scalar(demo_url, "SELECT count(*) FROM property")
