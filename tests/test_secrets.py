"""Secrets at rest, tried as an attacker with a copy of the files would: owner-only files
whatever the umask, no identifier in clear in stored reports, no personal data or token in
logs, no database password printed, no key file from a failed connection; the key file is
the data's key (a missing or other key refuses to start), sealing is AES-GCM, migration 0008
re-seals older tokens and `gridhouse keys rotate` re-seals everything, audited."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from geo.errors import ConflictError
from geo.i18n import bilingual
from geo.privacy import TOKEN_VERSION
from geo.services import operations, people
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from geo.settings import settings
from geo.store import audit
from geo.store.database import Database
from geo.store.keys import head_path_for, key_path_for, pending_path, read_keys
from geo.store.schema import person
from tests import databases
from tests.conftest import ADMIN, AS_OF
from tests.test_cli import one_bilingual_line

PERSON_WITH_PHONE = "SELECT id, id_cipher, phone_cipher FROM person WHERE phone_cipher IS NOT NULL"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def with_key_file(path: Path):
    """The settings a face reads, with the key file at ``path``."""
    return settings().model_copy(update={"key_file": path})


def own_key(url: str) -> Path:
    from geo.store.database import database_url

    return key_path_for(database_url(url), key_file=settings().key_file)


# --------------------------------------------------------------------------- files at rest


@pytest.mark.parametrize("mask", [0o022, 0o000])
def test_database_log_key_head_backup_and_log_are_owner_only_whatever_the_umask(tmp_path, mask):
    from geo.cli import _log_failure

    with umask(mask):
        url = databases.new_database(tmp_path, "fresh")
        keys_at = tmp_path / "keys" / "k.key"
        opened = open_database(url, config=with_key_file(keys_at))
        try:
            with opened.db.write() as conn:  # a write: the write-ahead log is there now
                audit.append(conn, actor="t", role="admin", action="test.write")
            written = [keys_at, head_path_for(opened.db.url, keys_at)]
            if not databases.POSTGIS:
                path = databases.sqlite_path(url)
                written += [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            backup = tmp_path / "out" / "b.tar"
            operations.backup(opened, ADMIN, backup)
            written.append(backup)
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                log = _log_failure("abcd1234", str(tmp_path / "fresh.sqlite"))
            assert log is not None
            written.append(log)
            for path in written:
                assert path.exists(), path
                assert mode(path) == 0o600, (path, oct(mode(path)))
        finally:
            opened.db.dispose()


def test_an_existing_database_readable_by_others_is_narrowed_at_open(tmp_path):
    if databases.POSTGIS:
        pytest.skip("an SQLite file's mode")
    url = databases.new_database(tmp_path, "wide", migrated=True)
    path = databases.sqlite_path(url)
    path.chmod(0o644)
    open_database(url).db.dispose()
    assert mode(path) == 0o600


def test_a_stored_rejects_report_holds_no_id_number_or_phone_in_clear(demo_copy):
    bad_id = "110105194912310021"  # the check digit is wrong (X is right)
    bad_phone = "1381234567"  # ten digits
    other_id = "11010519491231002X"
    rows = [
        "身份证号,姓名,手机号,房屋编号,性别,入住日期",
        f"{bad_id},王一,13812345678,D00-P000001,男,2026-10-01",
        f"{other_id},李二,{bad_phone},D00-P000001,男,2026-10-01",
        f"{other_id}5,张三,13912345678,NO-SUCH-UNIT,男,2026-10-01",
    ]
    opened = open_database(demo_copy)
    try:
        result = import_upload(
            opened,
            ADMIN,
            kind="residents",
            data="\n".join(rows).encode(),
            filename="r.csv",
            as_of=AS_OF,
        )
        assert result.summary["rejected"] >= 2
        with opened.db.read() as conn:
            stored = conn.execute(
                text("SELECT rejects_csv FROM import_batch ORDER BY id DESC")
            ).scalar()
        report = gzip.decompress(bytes(stored)).decode("utf-8-sig")
    finally:
        opened.db.dispose()
    for clear in (bad_id, bad_phone, other_id, "13812345678", "13912345678"):
        assert clear not in report, clear
    assert "110" in report and "0021" in report  # masked, still recognisable


def test_the_failure_log_holds_no_personal_data_token_or_password(tmp_path):
    from geo.cli import _log_failure

    token = base64.urlsafe_b64encode(os.urandom(40)).decode()
    secret = "postgresql+psycopg://u:s3cret-pw@db.example/g"
    try:
        try:
            raise ValueError(f"王小明 11010519491231002X 13812345678 {token}")
        except ValueError as inner:
            raise RuntimeError(f"while connecting to {secret}") from inner
    except RuntimeError:
        log = _log_failure("ref00001", str(tmp_path / "x.sqlite"))
    assert log is not None
    written = log.read_text(encoding="utf-8")
    assert "ref00001" in written and "ValueError" in written and "RuntimeError" in written
    for leaked in ("王小明", "11010519491231002X", "13812345678", token, "s3cret-pw"):
        assert leaked not in written


def test_a_database_password_is_never_printed_and_a_failed_connection_writes_no_key(tmp_path):
    key = tmp_path / "never.key"
    unreachable = "postgresql+psycopg://gh:s3cret-pw@127.0.0.1:1/nowhere"
    env = {"GRIDHOUSE_KEY_FILE": str(key)}
    for command in (["init"], ["health"], ["audit", "verify"], ["keys", "rotate"]):
        done = run_cli_env(env, "--db", unreachable, *command)
        assert done.returncode != 0
        assert "s3cret-pw" not in done.stdout + done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not key.exists()
    assert not list(tmp_path.glob("*.audit-head"))


def test_init_prints_the_database_without_its_password(tmp_path):
    if not databases.POSTGIS:
        pytest.skip("a PostgreSQL URL's password")
    url = make_url(databases.new_database(tmp_path, "pw"))
    with_password = url.set(password="s3cret-pw").render_as_string(hide_password=False)
    done = run_cli_env({}, "--db", with_password, "init")
    assert done.returncode == 0, done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert json.loads(done.stdout.splitlines()[0])["database"]


QUERY_SECRETS = ("password", "PASSWORD", "passwd", "Pwd", "sslpassword")
"""Query parameters libpq and the drivers take a password from, in the cases a user types."""


@pytest.mark.parametrize("key", QUERY_SECRETS)
def test_a_password_in_a_query_parameter_is_hidden_wherever_a_url_is_shown(key):
    from geo.store.database import shown_url

    url = f"postgresql+psycopg://bob:S3cretA@127.0.0.1:1/gh?sslmode=prefer&{key}=S3cretQ"
    shown = shown_url(url)
    assert "S3cretQ" not in shown and "S3cretA" not in shown
    assert f"{key}=***" in shown and "sslmode=prefer" in shown and "bob" in shown


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://bob:S3c@ret@127.0.0.1:1/gh",  # an "@" left unescaped
        "postgres://bob:S3c@ret@127.0.0.1:1/gh",  # libpq's own scheme
        "postgresql://bob:S3cret@127.0.0.1:1/gh",
        "postgresql://bob:S3c@ret:xyz@127.0.0.1:1/gh",  # "@" then ":": no parser reads it
        "postgresql://bob:S3c@r:et@127.0.0.1/gh",
    ],
)
def test_a_password_typed_as_people_type_it_is_never_printed(url, tmp_path):
    """Whatever the URL, one line (exit 2) that shows the user and host, never the password
    or a part of it, and no traceback."""
    done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(tmp_path / "k.key")}, "--db", url, "health")
    assert done.returncode == 2, done.stderr
    said = done.stdout + done.stderr
    assert "S3c" not in said and "ret" not in said and "xyz" not in said
    assert "bob:***@127.0.0.1" in done.stderr
    assert "cannot reach" in done.stderr or "cannot read the database URL" in done.stderr
    assert "internal error" not in said and "Traceback" not in said
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_unreachable_server_never_prints_or_logs_a_password_given_as_a_query_parameter(
    tmp_path,
):
    from geo.cli import LOG_NAME, _log_failure
    from geo.store.database.location import DATA_DIR

    key = tmp_path / "never.key"
    log = DATA_DIR / LOG_NAME
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    for name in reversed(QUERY_SECRETS):  # ends with libpq's own spelling, "password"
        unreachable = f"postgresql+psycopg://bob@127.0.0.1:1/gh?{name}=S3cretQ"
        for command in (["health"], ["init"], ["audit", "verify"]):
            done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(key)}, "--db", unreachable, *command)
            assert done.returncode != 0
            assert "S3cretQ" not in done.stdout + done.stderr
    assert "cannot reach" in done.stderr and "password=***" in done.stderr  # shown, masked
    try:
        raise RuntimeError(f"while connecting to {unreachable}")
    except RuntimeError:
        written = _log_failure("ref00002", str(tmp_path / "x.sqlite"))
    assert written is not None and "S3cretQ" not in written.read_text(encoding="utf-8")
    after = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "S3cretQ" not in after[len(before) :]
    assert not key.exists()


def test_init_and_health_show_the_database_without_a_password_given_as_a_query_parameter(
    tmp_path,
):
    if not databases.POSTGIS:
        pytest.skip("a PostgreSQL URL's password")
    url = make_url(databases.new_database(tmp_path, "pwq"))
    secret = str(url.password) if url.password else "S3cretQ"  # a server that asks none ignores it
    typed = (
        url.set(password=None)
        .update_query_dict({"password": secret})
        .render_as_string(hide_password=False)
    )
    env = {"GRIDHOUSE_KEY_FILE": str(tmp_path / "pwq.key")}
    for command in ("init", "health"):
        done = run_cli_env(env, "--db", typed, command)
        assert done.returncode == 0, done.stderr
        assert secret not in done.stdout + done.stderr
        assert "password=***" in json.loads(done.stdout.splitlines()[0])["database"]


def run_cli_env(env: dict[str, str], *args: str):
    import subprocess

    from tests.conftest import ROOT

    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **env},
        timeout=600,
        check=False,
    )


# --------------------------------------------------------------------------- the key is the data's


def test_a_database_with_data_refuses_to_start_without_its_key_and_makes_none(demo_copy, tmp_path):
    missing = tmp_path / "elsewhere" / "gone.key"
    with pytest.raises(ConflictError) as refused:
        open_database(demo_copy, config=with_key_file(missing))
    assert refused.value.key == "key_missing"
    assert not missing.exists()  # never a new key for data
    line = bilingual(refused.value.key, **refused.value.params)
    assert "sealed with a key" in line and "密钥" in line and "\n" not in line
    done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(missing)}, "--db", demo_copy, "lists", "permits")
    assert done.returncode != 0 and not missing.exists()
    assert done.stderr.count("\n") == 1 and "restore the key file" in done.stderr


def test_a_database_refuses_another_key_file(demo_copy, tmp_path):
    other = tmp_path / "other.key"
    open_database(databases.new_database(tmp_path, "o"), config=with_key_file(other)).db.dispose()
    before = other.read_bytes()
    with pytest.raises(ConflictError) as refused:
        open_database(demo_copy, config=with_key_file(other))
    assert refused.value.key == "key_other"
    assert other.read_bytes() == before


def test_an_empty_database_whose_key_is_lost_is_refused_too(tmp_path):
    url = databases.new_database(tmp_path, "e")
    first = tmp_path / "first.key"
    open_database(url, config=with_key_file(first)).db.dispose()  # its check value is stored
    first.unlink()
    with pytest.raises(ConflictError, match="key_missing"):
        open_database(url, config=with_key_file(first))


NOT_KEY_FILES = {
    "empty": b"",
    "random": bytes(range(256))[::-7] * 3,
    "other json": b'{"a": 1}',
    "a list": b"[1, 2]",
    "bad base64": b'{"hmac": "!!", "aead": "?", "audit": "-"}',
    "short sealing key": b'{"hmac": "aGk=", "aead": "aGk=", "audit": "aGk="}',
}


@pytest.mark.parametrize("content", NOT_KEY_FILES.values(), ids=NOT_KEY_FILES.keys())
def test_a_key_file_that_is_not_a_key_file_is_refused_naming_it_and_left_alone(tmp_path, content):
    url = databases.new_database(tmp_path, "k", migrated=True)
    damaged = tmp_path / "damaged.key"
    damaged.write_bytes(content)
    with pytest.raises(ConflictError) as refused:
        open_database(url, config=with_key_file(damaged))
    assert refused.value.key == "key_unreadable"
    assert refused.value.params["path"] == str(damaged)
    assert damaged.read_bytes() == content  # never a new key over it


def test_the_command_line_refuses_an_empty_key_file_in_one_line_and_leaves_it(tmp_path):
    url = databases.new_database(tmp_path, "k", migrated=True)
    empty = tmp_path / "empty.key"
    empty.write_bytes(b"")
    done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(empty)}, "--db", url, "health")
    assert done.returncode == 2, done.stderr
    line = one_bilingual_line(done.stderr)
    assert str(empty) in line and "restore it from a backup" in line and "密钥文件" in line
    assert empty.read_bytes() == b""


def test_a_folder_at_the_key_path_is_refused_in_one_line_naming_it(tmp_path):
    url = databases.new_database(tmp_path, "k", migrated=True)
    folder = tmp_path / "k.key.d"
    folder.mkdir()
    done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(folder)}, "--db", url, "health")
    assert done.returncode == 2, done.stderr
    line = one_bilingual_line(done.stderr)
    assert str(folder) in line and "restore it from a backup" in line
    assert folder.is_dir() and not list(folder.iterdir())  # nothing made in it or over it


def test_a_url_option_the_driver_refuses_is_named_in_one_line_without_its_value(tmp_path):
    key = tmp_path / "never.key"
    url = "postgresql+psycopg://gh@127.0.0.1:1/ghdb?PASSWORD=S3cretQ"
    done = run_cli_env({"GRIDHOUSE_KEY_FILE": str(key)}, "--db", url, "health")
    assert done.returncode == 2, done.stderr
    line = one_bilingual_line(done.stderr)
    assert "PASSWORD" in line and "does not accept" in line and "internal error" not in line
    assert "S3cretQ" not in done.stdout + done.stderr
    assert not key.exists()


def test_a_malformed_dsn_is_refused_without_quoting_it():
    import psycopg
    from sqlalchemy.exc import ProgrammingError

    from geo.store.database.faults import unusable_database

    url = "postgresql+psycopg://gh@127.0.0.1:1/ghdb"
    bad = psycopg.ProgrammingError('invalid dsn: missing "=" after "S3cretQ"')
    fault = unusable_database(ProgrammingError("connect", {}, bad), url)
    assert fault is not None and fault.key == "database_url_invalid"
    assert "S3cretQ" not in bilingual(fault.key, **fault.params)
    other = psycopg.ProgrammingError("the last operation didn't produce a result")
    assert unusable_database(ProgrammingError("select", {}, other), url) is None


def test_a_database_from_before_check_values_is_checked_by_opening_a_sealed_value(
    demo_copy, tmp_path
):
    databases.execute(demo_copy, "DELETE FROM setting WHERE key = 'key_check'")
    other = tmp_path / "other.key"
    open_database(databases.new_database(tmp_path, "o"), config=with_key_file(other)).db.dispose()
    with pytest.raises(ConflictError, match="key_other"):
        open_database(demo_copy, config=with_key_file(other))
    open_database(demo_copy).db.dispose()  # its own key: accepted, check value stored again
    stored = databases.scalar(demo_copy, "SELECT value FROM setting WHERE key = 'key_check'")
    assert stored == read_keys(own_key(demo_copy)).check_value()


# --------------------------------------------------------------------------- sealing


def test_sealed_values_are_aes_gcm_tokens_with_a_version_byte(demo):
    tokens = [bytes(r[1]) for r in databases.rows(demo.db.url, PERSON_WITH_PHONE + " LIMIT 50")]
    assert tokens and all(t[:1] == TOKEN_VERSION for t in tokens)
    assert all(demo.keys.is_sealed_now(t) for t in tokens)


def private_key(demo_copy: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A key file of this test's own (the demo's, copied): on PostGIS every copy of the demo
    shares one key file, which a rotation must not change under the other tests."""
    key = tmp_path / "private" / "own.key"
    key.parent.mkdir()
    key.write_bytes(own_key(demo_copy).read_bytes())
    return key, {"GRIDHOUSE_KEY_FILE": str(key)}


def test_keys_rotate_reseals_every_value_audited_and_the_old_key_opens_nothing(demo_copy, tmp_path):
    key, env = private_key(demo_copy, tmp_path)
    old_file = tmp_path / "old.key"
    old_file.write_bytes(key.read_bytes())
    old = read_keys(key)
    before = {
        r[0]: (bytes(r[1]), bytes(r[2])) for r in databases.rows(demo_copy, PERSON_WITH_PHONE)
    }
    done = run_cli_env(env, "--db", demo_copy, "keys", "rotate")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["resealed"] >= 2 * len(before)
    fresh = read_keys(key)
    assert fresh.aead_key != old.aead_key and fresh.hmac_key == old.hmac_key
    after = {r[0]: (bytes(r[1]), bytes(r[2])) for r in databases.rows(demo_copy, PERSON_WITH_PHONE)}
    for person_id, (id_token, phone_token) in after.items():
        assert fresh.is_sealed_now(id_token) and fresh.is_sealed_now(phone_token)
        assert id_token != before[person_id][0]
        assert fresh.unseal(id_token) == old.unseal(before[person_id][0])
    assert not pending_path(key).exists() and mode(key) == 0o600
    opened = open_database(demo_copy, config=with_key_file(key))
    try:
        person_id = next(iter(after))
        shown = people.unmask_person(opened, ADMIN, person_id)
        assert shown["id_number"] == old.unseal(before[person_id][0])
        found = people.search_people(opened, ADMIN, id_number=shown["id_number"])
        assert person_id in set(found["person_id"] if "person_id" in found else found["id"])
        with opened.db.read() as conn:
            rows = audit.entries(conn, action="keys.rotate")
            assert audit.check(conn)["ok"]
        assert rows and rows[0]["count"] == result["resealed"]
    finally:
        opened.db.dispose()
    with pytest.raises(ConflictError, match="key_other"):
        open_database(demo_copy, config=with_key_file(old_file))


def test_a_rotation_cut_short_after_its_commit_is_finished_at_the_next_start(demo_copy, tmp_path):
    key, env = private_key(demo_copy, tmp_path)
    saved = tmp_path / "before.key"
    saved.write_bytes(key.read_bytes())
    assert run_cli_env(env, "--db", demo_copy, "keys", "rotate").returncode == 0
    # as if the process died between the commit and moving the next key file into place
    pending_path(key).write_bytes(key.read_bytes())
    key.write_bytes(saved.read_bytes())
    opened = open_database(demo_copy, config=with_key_file(key))
    try:
        person_id = databases.rows(demo_copy, PERSON_WITH_PHONE + " LIMIT 1")[0][0]
        assert people.unmask_person(opened, ADMIN, person_id)["id_number"]
    finally:
        opened.db.dispose()
    assert not pending_path(key).exists()


def test_migration_0008_reseals_fernet_tokens_and_rechains_the_audit_log(tmp_path):
    url = databases.new_database(tmp_path, "old")
    key = tmp_path / "old.key"
    hmac_key, fernet_key = os.urandom(32), Fernet.generate_key()
    key.write_text(
        json.dumps({"hmac": base64.b64encode(hmac_key).decode(), "fernet": fernet_key.decode()})
    )
    db = Database(url)
    db.migrate("0007")
    fernet = Fernet(fernet_key)
    with db.write() as conn:
        conn.execute(
            text(
                "INSERT INTO landlord (name, phone_masked, phone_cipher, phone_hmac) "
                "VALUES ('房东', '138****0000', :c, 'h1')"
            ),
            {"c": fernet.encrypt(b"13800000000")},
        )
        prev = "0" * 64
        for i in range(3):  # the plain SHA-256 chain of before
            at = f"2026-11-0{i + 1}T08:00:00.000000"
            fields = {
                "at": at,
                "actor": "old",
                "role": "admin",
                "action": f"old.{i}",
                "object_type": None,
                "object_id": None,
                "count": i,
                "detail": None,
            }
            payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
            digest = hashlib.sha256((prev + payload).encode()).hexdigest()
            conn.execute(
                text(
                    "INSERT INTO audit (at, actor, role, action, count, prev_hash, hash) "
                    "VALUES (:at, 'old', 'admin', :action, :count, :prev, :hash)"
                ),
                {
                    "at": at.replace("T", " "),
                    "action": f"old.{i}",
                    "count": i,
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
    db.dispose()
    opened = open_database(url, config=with_key_file(key))
    try:
        keys = read_keys(key)
        assert keys.legacy_fernet_key == fernet_key and keys.hmac_key == hmac_key
        token = bytes(databases.scalar(url, "SELECT phone_cipher FROM landlord"))
        assert keys.is_sealed_now(token) and keys.unseal(token) == "13800000000"
        with opened.db.read() as conn:
            found = audit.check(conn)
            actions = [r["action"] for r in audit.entries(conn)][::-1]
        assert found["ok"] and found["anchored"], found
        assert actions[:3] == ["old.0", "old.1", "old.2"] and "schema.migrate" in actions
    finally:
        opened.db.dispose()


def test_people_table_tokens_never_hold_the_clear_value(demo):
    with demo.db.read() as conn:
        row = conn.execute(select(person.c.id_cipher, person.c.id_masked).limit(1)).first()
    number = demo.keys.unseal(row.id_cipher)
    assert number.encode() not in bytes(row.id_cipher)


def test_the_sealing_bench_prints_its_case():
    import subprocess

    from tests.conftest import ROOT

    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sealing.py"), "--values", "2000", "--repeat", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    case = json.loads(done.stdout)
    assert case["bench"] == "sealing" and case["values"] == 2000
    assert case["seal_s"] > 0 and case["unseal_s"] > 0


def test_two_starts_at_once_never_end_with_two_keys(tmp_path):
    from geo.store.keys import create_keys

    path = tmp_path / "k.key"
    first, second = create_keys(path), create_keys(path)
    assert first == second == read_keys(path)
    legacy = json.dumps(
        {
            "hmac": base64.b64encode(os.urandom(32)).decode(),
            "fernet": Fernet.generate_key().decode(),
        }
    )
    one, two = tmp_path / "one.key", tmp_path / "two.key"
    one.write_text(legacy)
    two.write_text(legacy)
    assert read_keys(one) == read_keys(two)  # an old key file is completed the same way twice
