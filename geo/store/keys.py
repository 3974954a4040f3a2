"""The key file of a database: load it, check it is the one the data was sealed with, create
it (owner-only) only for a database that holds nothing sealed, rotate the sealing key.

The key file holds the matching key (HMAC), the sealing key (AES-256-GCM), the audit chain's
key and, for a database sealed before AES-GCM, the legacy Fernet key. The database stores the
keys' check value (setting ``key_check``); a start with a missing or another key file is
refused, never answered with a new key. Beside the key file, ``<database>.audit-head``
anchors the audit chain (:mod:`geo.store.audit`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from geo.errors import ConflictError
from geo.io.private_files import write_private
from geo.privacy import Keys, SealError
from geo.store import audit
from geo.store.database import DATA_DIR, Database
from geo.store.stored_settings import get_setting, put_setting

KEY_FILE_FORMAT = 2
KEY_CHECK_SETTING = "key_check"
_SEALED_TABLES = ("person", "landlord", "worksite")


def key_path_for(database_url: str, *, key_file: Path | None = None) -> Path:
    """``key_file`` (:attr:`geo.settings.Settings.key_file`) when given, else beside an
    SQLite file (``x.sqlite`` -> ``x.key``), else ``gridhouse.key`` in the data folder
    (:data:`geo.store.database.DATA_DIR`)."""
    if key_file is not None:
        return key_file.expanduser()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".key")
    return DATA_DIR / "gridhouse.key"


def head_path_for(database_url: str, key_path: Path) -> Path:
    """Where the audit chain's head is anchored: beside the key file, named after the
    database (``x.sqlite`` -> ``x.audit-head``; a PostgreSQL database by its name and a
    short digest of its server)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return key_path.with_name(Path(url.database).stem + ".audit-head")
    where = f"{url.host}:{url.port}/{url.database}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:8]
    return key_path.with_name(f"{url.database}-{digest}.audit-head")


def pending_path(path: Path) -> Path:
    """The next key file while a rotation runs (adopted at start if the data moved to it)."""
    return path.with_name(path.name + ".next")


def _encode(keys: Keys) -> bytes:
    payload: dict[str, Any] = {
        "format": KEY_FILE_FORMAT,
        "hmac": base64.b64encode(keys.hmac_key).decode(),
        "aead": base64.b64encode(keys.aead_key).decode(),
        "audit": base64.b64encode(keys.audit_key).decode(),
    }
    if keys.legacy_fernet_key is not None:
        payload["fernet"] = keys.legacy_fernet_key.decode()
    if keys.retired_aead_keys:
        payload["retired"] = [base64.b64encode(k).decode() for k in keys.retired_aead_keys]
    return json.dumps(payload).encode()


def read_keys(path: Path) -> Keys | None:
    """The keys in ``path``, None when there is no such file. A key file written before
    AES-GCM (matching and Fernet keys only) is completed in place with a sealing and an
    audit key, its Fernet key kept to read the old tokens.

    Refused with a ConflictError (``key_unreadable``, naming the path) when the file is
    there but is not a Gridhouse key file (empty, damaged, or other JSON) or cannot be
    read (a directory, no permission: any ``OSError``): it is left as it is, never
    replaced by a new key, since the data may be sealed with the lost one.
    """
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        legacy = "aead" not in data
        keys = _legacy_keys(data) if legacy else _keys(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as damaged:
        # OSError: a directory or a file we may not read; ValueError covers bad UTF-8,
        # JSON and base64 and keys of the wrong length.
        raise ConflictError("key_unreadable", path=str(path)) from damaged
    if legacy:
        write_private(path, _encode(keys))
    return keys


def _legacy_keys(data: dict[str, Any]) -> Keys:
    """Keys from a key file of matching and Fernet keys only. Derived from the old keys,
    not drawn: processes upgrading the same file at once all reach the same keys."""
    hmac_key, fernet = _key(data["hmac"]), str(data["fernet"]).encode()
    if not fernet:
        raise ValueError("no Fernet key")
    return Keys(
        hmac_key=hmac_key,
        aead_key=_derived(hmac_key + fernet, b"gridhouse aead key"),
        audit_key=_derived(hmac_key + fernet, b"gridhouse audit key"),
        legacy_fernet_key=fernet,
    )


def _keys(data: dict[str, Any]) -> Keys:
    fernet = data.get("fernet")
    return Keys(
        hmac_key=_key(data["hmac"]),
        aead_key=_key(data["aead"], sealing=True),
        audit_key=_key(data["audit"]),
        legacy_fernet_key=str(fernet).encode() if fernet else None,
        retired_aead_keys=tuple(_key(k, sealing=True) for k in data.get("retired", ())),
    )


def _key(value: str, *, sealing: bool = False) -> bytes:
    """One key as written by :func:`_encode` (base64); a sealing key is an AES key."""
    key = base64.b64decode(value, validate=True)
    if not key or (sealing and len(key) not in (16, 24, 32)):
        raise ValueError("not a key")
    return key


def _derived(material: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def write_keys(path: Path, keys: Keys) -> None:
    """Write ``keys`` to ``path`` (owner-only)."""
    write_private(path, _encode(keys))


def load_or_create_keys(path: Path) -> Keys:
    """Read the key file, or write a new one readable by its owner only. For a file alone;
    a database's keys come from :func:`open_keys`, which never makes a key for data."""
    keys = read_keys(path)
    return create_keys(path) if keys is None else keys


def create_keys(path: Path) -> Keys:
    """New keys in a new key file (owner-only); when another process made the file first,
    its keys: two starts at once never end with two different keys."""
    keys = Keys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.new")
    write_private(staged, _encode(keys))
    try:
        os.link(staged, path)  # published only if no key file is there
    except FileExistsError:
        found = read_keys(path)
        assert found is not None
        return found
    finally:
        staged.unlink(missing_ok=True)
    return keys


def open_keys(db: Database, path: Path) -> Keys:
    """The keys of the database ``db``, from the key file ``path``, with its audit chain
    bound to them (key and head file).

    Refused with a ConflictError (``key_other`` / ``key_missing``), naming the path, when the
    file's check value is not the one stored with the database (or, for a database from
    before check values, when its first sealed value does not open), or when the file is
    missing and the database holds sealed data or a check value: a new key is made only for
    a database that holds nothing sealed. A rotation cut short is finished here (the data
    already sealed under the next key file adopts it).
    """
    stored, holds_data, sample = _database_facts(db)
    keys = read_keys(path)
    pending = read_keys(pending_path(path)) if pending_path(path).exists() else None
    if stored is not None and pending is not None and pending.check_value() == stored:
        pending_path(path).replace(path)
        keys = pending
    # A next key file whose check is not stored is left alone: a rotation may be running.
    if keys is None:
        if stored is not None or holds_data:
            raise ConflictError("key_missing", path=str(path))
        keys = create_keys(path)
    elif (stored is not None and stored != keys.check_value()) or (
        stored is None and sample is not None and not _opens(keys, sample)
    ):
        raise ConflictError("key_other", path=str(path))
    audit.bind(db.engine, key=keys.audit_key, head_file=head_path_for(db.url, path))
    return keys


def record_key_check(db: Database, keys: Keys) -> None:
    """Store the keys' check value with the database (once, or after a rotation)."""
    with db.read() as conn:
        if get_setting(conn, KEY_CHECK_SETTING) == keys.check_value():
            return
    with db.write() as conn:
        put_setting(conn, KEY_CHECK_SETTING, keys.check_value())


def _database_facts(db: Database) -> tuple[str | None, bool, bytes | None]:
    """The stored check value, whether anything sealed is stored, and one sealed value."""
    if db.revision() is None:
        return None, False, None
    with db.read() as conn:
        stored = get_setting(conn, KEY_CHECK_SETTING)
        sample = None
        holds = False
        for table, column in sealed_columns(conn):
            value = conn.execute(
                text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1")
            ).scalar()
            if value is not None:
                holds = True
                sample = sample or bytes(value)
        present = set(inspect(conn).get_table_names())
        for table in (t for t in _SEALED_TABLES if t in present):
            found = conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
            holds = holds or found is not None
    return stored, holds, sample


def _opens(keys: Keys, token: bytes) -> bool:
    try:
        keys.unseal(token)
    except SealError:
        return False
    return True


def sealed_columns(conn: Connection) -> list[tuple[str, str]]:
    """Every (table, column) holding sealed values: the columns named ``*_cipher``."""
    inspector = inspect(conn)
    return [
        (table, column["name"])
        for table in sorted(inspector.get_table_names())
        for column in inspector.get_columns(table)
        if column["name"].endswith("_cipher")
    ]


def reseal(
    conn: Connection,
    unseal: Callable[[bytes], str],
    seal_many: Callable[[list[str]], list[bytes]],
    *,
    only: Callable[[bytes], bool] = lambda _token: True,
) -> int:
    """Re-seal every sealed value (those ``only`` selects), in the sealed columns and in
    the change log's before-images; returns how many. Runs in the caller's transaction."""
    done = 0
    for table, column in sealed_columns(conn):
        rows = [
            (row_id, bytes(token))
            for row_id, token in conn.execute(
                text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
            )
            if only(bytes(token))
        ]
        if not rows:
            continue
        fresh = seal_many([unseal(token) for _, token in rows])
        conn.execute(
            text(f"UPDATE {table} SET {column} = :token WHERE id = :id"),
            [{"id": row_id, "token": new} for (row_id, _), new in zip(rows, fresh, strict=True)],
        )
        done += len(rows)
    if "change_log" in inspect(conn).get_table_names():
        done += _reseal_change_log(conn, unseal, seal_many, only)
    return done


def _reseal_change_log(
    conn: Connection,
    unseal: Callable[[bytes], str],
    seal_many: Callable[[list[str]], list[bytes]],
    only: Callable[[bytes], bool],
) -> int:
    done = 0
    rows = conn.execute(
        text('SELECT id, "before" FROM change_log WHERE "before" LIKE \'%__bytes__%\'')
    ).all()
    for row_id, before in rows:
        image = json.loads(before)
        changed = False
        for column, value in image.items():
            if column.endswith("_cipher") and isinstance(value, dict) and "__bytes__" in value:
                token = bytes.fromhex(value["__bytes__"])
                if only(token):
                    image[column] = {"__bytes__": seal_many([unseal(token)])[0].hex()}
                    changed = True
                    done += 1
        if changed:
            conn.execute(
                text('UPDATE change_log SET "before" = :b WHERE id = :id'),
                {"id": row_id, "b": json.dumps(image, ensure_ascii=False)},
            )
    return done


def rotate(db: Database, path: Path, keys: Keys, *, actor: str, role: str) -> tuple[Keys, int]:
    """Seal every value under a new sealing key: the next key file is written first (beside
    the key file), then every token is re-sealed, the new check value stored and the
    rotation audited in one transaction, then the next key file replaces the key file (a
    start after a crash in between adopts it, see :func:`open_keys`). Returns the new keys
    and how many values were re-sealed."""
    fresh = keys.rotated()
    write_keys(pending_path(path), fresh)
    with db.write() as conn:
        count = reseal(conn, keys.unseal, fresh.seal_many)
        put_setting(conn, KEY_CHECK_SETTING, fresh.check_value())
        audit.append(
            conn,
            actor=actor,
            role=role,
            action="keys.rotate",
            count=count,
            detail={"check": fresh.check_value()[:12]},
        )
    write_keys(path, fresh)  # the data is sealed under it now (the next file stays till then)
    pending_path(path).unlink(missing_ok=True)
    return fresh, count


def stored_check(conn: Connection) -> str | None:
    """The check value stored with the database (None before any was)."""
    return get_setting(conn, KEY_CHECK_SETTING)
