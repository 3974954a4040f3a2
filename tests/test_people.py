"""Unmasking is a separate audited act; retention anonymises and leaves aggregates intact."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from geo.cli import main
from geo.errors import NotFoundError, PermissionDeniedError
from geo.services import people
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.statistics import area_statistics
from tests.conftest import ADMIN, AS_OF, PLANNER


@pytest.fixture
def db(demo_dir, tmp_path):
    for name in ("demo.sqlite", "demo.key"):
        shutil.copy(demo_dir / name, tmp_path / name)
    opened = open_database(str(tmp_path / "demo.sqlite"))
    yield opened
    opened.db.dispose()


def query(opened, sql: str) -> list[tuple]:
    with sqlite3.connect(opened.db.engine.url.database) as conn:
        return conn.execute(sql).fetchall()


def test_unmasking_shows_the_identifiers_that_match_the_masks_and_is_audited(db):
    person_id, masked, phone_masked = query(
        db, "SELECT id, id_masked, phone_masked FROM person LIMIT 1"
    )[0]
    clear = people.unmask_person(db, ADMIN, person_id)
    assert clear["id_number"][:6] == masked[:6] and clear["id_number"][-4:] == masked[-4:]
    assert clear["phone"][:3] == phone_masked[:3] and clear["phone"][-4:] == phone_masked[-4:]
    assert query(db, "SELECT action, object_id FROM audit ORDER BY id DESC LIMIT 1") == [
        ("unmask", str(person_id))
    ]


@pytest.mark.parametrize("role", ["planner", "registrar", "sweeper"])
def test_only_roles_that_may_unmask_can(db, role):
    with pytest.raises(PermissionDeniedError):
        people.unmask_person(db, Actor(name=role, role=role), 1)


def test_retention_anonymises_people_who_left_long_ago_and_keeps_the_counts(db, capsys):
    before = area_statistics(db, ADMIN, as_of=AS_OF)
    left = query(
        db,
        "SELECT count(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM residence r "
        "WHERE r.person_id = p.id AND (r.moved_out IS NULL OR r.moved_out >= "
        "date('now', 'localtime', '-100 days')))",
    )[0][0]
    assert left > 0
    assert main(["--db", db.db.engine.url.database, "retention", "run", "--days", "100"]) == 0
    assert capsys.readouterr().out.count('"anonymised"') == 1
    anonymised = query(
        db,
        "SELECT count(*), count(id_hmac), count(id_cipher), count(phone_cipher), "
        "count(DISTINCT name) FROM person WHERE anonymised_at IS NOT NULL",
    )[0]
    assert anonymised == (left, 0, 0, 0, 1)
    after = area_statistics(db, ADMIN, as_of=AS_OF)
    assert before.equals(after)
    with pytest.raises(NotFoundError):
        person_id = query(db, "SELECT id FROM person WHERE anonymised_at IS NOT NULL LIMIT 1")[0][0]
        people.unmask_person(db, ADMIN, person_id)
    with pytest.raises(PermissionDeniedError):
        people.run_retention(db, PLANNER)
