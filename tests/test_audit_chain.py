"""The audit chain, attacked by someone who can write to the database but not read the key
file: a row rewritten and the chain recomputed, the newest row deleted and the head moved
back, a backup's rows cut short. Each must fail `audit verify`. Views and searches of
records are audited."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import event

from geo.errors import ConflictError
from geo.services import auditing, lists, operations, properties, spatial
from geo.services.setup import open_database
from geo.settings import settings
from geo.store import audit
from geo.store.database import database_url
from geo.store.keys import head_path_for, key_path_for
from tests import databases
from tests.conftest import ADMIN, AS_OF, run_cli


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def append_rows(opened, n: int = 4) -> list[int]:
    with opened.db.write() as conn:
        return [
            audit.append(
                conn, actor="t", role="admin", action=f"test.{i}", count=i, detail={"i": i}
            )
            for i in range(n)
        ]


def chain(opened) -> list[tuple]:
    return databases.rows(
        opened.db.url,
        "SELECT id, at, actor, role, action, object_type, object_id, count, detail, prev_hash, hash"
        " FROM audit ORDER BY id",
    )


def plain_hash(prev: str, row: tuple) -> str:
    """How an attacker recomputes a hash without the key (the old SHA-256 chain, or any
    unkeyed digest of the same fields)."""
    at = str(row[1]).replace(" ", "T")
    fields = dict(
        zip(
            ("at", "actor", "role", "action", "object_type", "object_id", "count", "detail"),
            (at, *row[2:9]),
            strict=True,
        )
    )
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev + payload).encode()).hexdigest()


def verify(opened) -> dict:
    return auditing.verify_audit(opened, ADMIN)


def test_a_fresh_chain_verifies_and_is_anchored_beside_the_key(db):
    ids = append_rows(db)
    found = verify(db)
    assert found["ok"] and found["anchored"] and found["rows"] >= len(ids)
    head = head_path_for(db.db.url, key_path_for(db.db.url, key_file=db.settings.key_file))
    assert head.read_text().strip() == f"{ids[-1]}:{chain(db)[-1][-1]}"


def test_a_row_rewritten_with_the_chain_recomputed_fails_verify(db):
    ids = append_rows(db)
    target = ids[1]
    databases.execute(db.db.url, "UPDATE audit SET count = 99 WHERE id = ?", (target,))
    # the attacker recomputes every hash from the edited row on, and the stored head
    rows = chain(db)
    prev = next(r[-1] for r in rows if r[0] == target - 1)
    for row in (r for r in rows if r[0] >= target):
        new = plain_hash(prev, row)
        databases.execute(
            db.db.url, "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, row[0])
        )
        prev = new
    databases.execute(
        db.db.url, "UPDATE setting SET value = ? WHERE key = 'audit_head'", (f"{ids[-1]}:{prev}",)
    )
    found = verify(db)
    assert not found["ok"] and found["first_bad_row"] == target
    done = run_cli(
        "--db",
        db.db.url if databases.POSTGIS else databases.sqlite_path(db.db.url).as_posix(),
        "audit",
        "verify",
    )
    assert done.returncode == 1 and str(target) in done.stdout


def test_the_newest_row_deleted_and_the_head_moved_back_fails_verify(db):
    ids = append_rows(db)
    rows = chain(db)
    databases.execute(db.db.url, "DELETE FROM audit WHERE id = ?", (ids[-1],))
    databases.execute(
        db.db.url,
        "UPDATE setting SET value = ? WHERE key = 'audit_head'",
        (f"{ids[-2]}:{rows[-2][-1]}",),
    )
    found = verify(db)
    assert not found["ok"] and found["first_bad_row"] == ids[-1]


def test_a_snapshot_older_than_the_anchored_head_is_not_tampering(db):
    """A reader's snapshot opens before another writer commits and anchors a newer head:
    the snapshot's rows are checked, the head beyond them is no finding."""
    append_rows(db, 2)
    with db.db.read() as conn:
        before = audit.count(conn)  # the snapshot opens here
        append_rows(db, 1)  # another connection commits and anchors its head
        found = audit.check(conn)
        assert audit.count(conn) == before
    assert found["ok"] and found["anchored"], found
    assert verify(db)["ok"]


def test_a_commit_that_fails_leaves_the_anchored_head_where_it_was(db):
    ids = append_rows(db, 1)
    head = head_path_for(db.db.url, key_path_for(db.db.url, key_file=db.settings.key_file))
    anchored = head.read_text()
    assert anchored.startswith(f"{ids[-1]}:")

    def refuse(_conn):
        raise RuntimeError("the commit did not land")

    event.listen(db.db.engine, "commit", refuse)
    try:
        with pytest.raises(RuntimeError, match="did not land"):
            append_rows(db, 1)
    finally:
        event.remove(db.db.engine, "commit", refuse)
    assert head.read_text() == anchored
    assert verify(db)["ok"]


def test_the_newest_row_deleted_beyond_an_older_snapshot_still_fails_verify(db):
    """A head newer than the reader's snapshot is checked against what has committed since:
    a row written after the snapshot opened, then deleted, is still found."""
    append_rows(db, 2)
    with db.db.read() as conn:
        audit.count(conn)  # the snapshot opens here
        newest = append_rows(db, 1)[-1]  # committed and anchored after the snapshot
        databases.execute(db.db.url, "DELETE FROM audit WHERE id = ?", (newest,))
        found = audit.check(conn)
    assert not found["ok"] and found["first_bad_row"] == newest, found
    assert verify(db)["first_bad_row"] == newest


def test_a_row_deleted_in_the_middle_fails_verify(db):
    ids = append_rows(db)
    databases.execute(db.db.url, "DELETE FROM audit WHERE id = ?", (ids[1],))
    assert verify(db)["first_bad_row"] == ids[2]


def test_a_chain_recomputed_under_another_key_fails_verify(db, tmp_path):
    ids = append_rows(db)
    other = open_database(
        databases.new_database(tmp_path, "other"),
        config=settings().model_copy(update={"key_file": tmp_path / "other.key"}),
    )
    try:
        # rows written through another database's keys: their HMACs are not this chain's
        with other.db.write() as conn:
            audit.append(conn, actor="x", role="admin", action="forged")
        forged = databases.rows(other.db.url, "SELECT prev_hash, hash FROM audit ORDER BY id DESC")[
            0
        ]
    finally:
        other.db.dispose()
    databases.execute(db.db.url, "UPDATE audit SET hash = ? WHERE id = ?", (forged[1], ids[0]))
    assert verify(db)["first_bad_row"] == ids[0]


def test_a_backup_carries_the_head_and_a_backup_cut_short_is_refused(db, tmp_path):
    if databases.POSTGIS:
        pytest.skip("the archive's database is an SQLite file here (pg_dump on PostGIS)")
    append_rows(db)
    made = operations.backup(db, ADMIN, tmp_path / "b.tar")
    with db.db.read() as conn:
        head = audit.head(conn)
    assert made["audit_head"] and made["audit_head"].split(":")[0] <= head.split(":")[0]
    # the attacker removes the newest audit rows from the archived database
    import sqlite3

    with tarfile.open(tmp_path / "b.tar") as archive:
        manifest = archive.extractfile("manifest.json").read()
        archive.extract("database", tmp_path, filter="data")
    conn = sqlite3.connect(tmp_path / "database")
    with conn:
        conn.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    conn.close()  # the write-ahead log folded back into the file
    with tarfile.open(tmp_path / "cut.tar", "w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        archive.addfile(info, io.BytesIO(manifest))
        archive.add(tmp_path / "database", arcname="database")
    target = databases.new_database(tmp_path, "target")
    key = key_path_for(database_url(target))
    key.write_bytes(key_path_for(db.db.url).read_bytes())
    with pytest.raises(ConflictError, match="backup_audit_head"):
        operations.restore(database_url(target), ADMIN, tmp_path / "cut.tar")
    assert not holds_an_audit_table(target), "a refused backup was loaded"
    restored = operations.restore(database_url(target), ADMIN, tmp_path / "b.tar", replace=True)
    assert restored["rows"]["audit"] > 0
    opened = open_database(target)
    try:
        assert verify(opened)["ok"] and verify(opened)["anchored"]
    finally:
        opened.db.dispose()


def test_unit_searches_property_files_lists_and_worksites_are_audited(db):
    def actions() -> list[tuple]:
        return databases.rows(db.db.url, "SELECT action, object_id, count FROM audit ORDER BY id")

    before = len(actions())
    found = properties.search_units(db, ADMIN, "D00-P00000")
    ref = found["external_ref"].iloc[0]
    properties.property_file(db, ADMIN, ref)
    table = lists.staff_list(db, ADMIN, "permits", as_of=AS_OF)
    sites = spatial.worksite_layer(db, ADMIN, as_of=AS_OF)
    site = int(sites["id"].iloc[0])
    spatial.worksite_file(db, ADMIN, site, as_of=AS_OF)
    new = actions()[before:]
    assert ("units.search", None, len(found)) in new
    assert ("view.property", ref, properties.property_file(db, ADMIN, ref).stays.shape[0]) in new
    assert ("view.list", "permits", len(table)) in new
    assert any(a == "view.worksite" and o == str(site) for a, o, _ in new)
    assert verify(db)["ok"]


def test_the_readme_says_what_verify_proves():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for claim in ("HMAC", "audit-head", "manifest", "does not prove"):
        assert claim in readme, claim


def test_a_backup_whose_rows_do_not_hold_its_manifests_head_is_refused(db, tmp_path):
    """On both backends: the archive's database and its manifest disagree (rows rewritten
    after the backup was made, or a manifest from another backup)."""
    made = operations.backup(db, ADMIN, tmp_path / "b.tar")
    head_id = made["audit_head"].split(":")[0]
    with tarfile.open(tmp_path / "b.tar") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        archive.extract("database", tmp_path, filter="data")
    manifest["audit_head"] = f"{head_id}:{'0' * 64}"
    data = json.dumps(manifest).encode()
    with tarfile.open(tmp_path / "forged.tar", "w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        archive.add(tmp_path / "database", arcname="database")
    target = databases.new_database(tmp_path, "target")
    if not databases.POSTGIS:
        key_path_for(database_url(target)).write_bytes(key_path_for(db.db.url).read_bytes())
    with pytest.raises(ConflictError, match="backup_audit_head"):
        operations.restore(database_url(target), ADMIN, tmp_path / "forged.tar")
    assert not holds_an_audit_table(target), "a refused backup was loaded"


def holds_an_audit_table(target: str) -> bool:
    """Whether anything was loaded into ``target``, a database made empty by the test."""
    if databases.POSTGIS:
        query = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit'"
    elif not Path(target).exists():
        return False
    else:
        query = "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"
    return databases.rows(database_url(target), query)[0][0] > 0
