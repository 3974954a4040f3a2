"""Running Gridhouse: back up and restore a whole database, and its health at a glance.

A backup is one file (a tar archive): ``manifest.json`` (backend, schema revision, row
counts, when, and a check value of the key file) and the database itself (an SQLite copy,
or a ``pg_dump`` archive). The key file is *not* inside: identifiers in the backup stay
sealed. Restore needs the same key file beside the target and refuses any other, and
refuses to overwrite a database that holds data unless told to replace it.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from geo import clock
from geo.errors import ConflictError, InputError, NotFoundError
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.setup import Opened, open_database
from geo.settings import Settings, settings
from geo.store import audit, maintenance
from geo.store.database import Database, database_url, shown_url
from geo.store.database import waits_reported as waits_reported  # for the faces
from geo.store.keys import head_path_for, key_path_for, read_keys

BACKUP_FORMAT = 1
_MANIFEST = "manifest.json"
_DATABASE = "database"


def health(opened: Opened, actor: Actor) -> dict[str, Any]:
    """What an administrator checks: the server and its version, the schema revision
    against the code's, size, rows per table, the last import and the audit chain."""
    require(actor, "setup")
    head = Database.head_revision()
    with opened.db.read() as conn:
        revision = opened.db.revision()
        facts: dict[str, Any] = {
            "database": shown_url(opened.db.url),
            "backend": maintenance.backend(conn),
            "revision": revision,
            "code_revision": head,
            "schema_current": revision == head,
            "size_bytes": maintenance.size_bytes(conn, opened.db.url),
            "data_version": audit.data_version(conn),
            "rows": maintenance.row_counts(conn),
            "last_import": maintenance.last_import(conn),
            "audit_ok": audit.verify(conn) is None,
        }
    return facts


def backup(opened: Opened, actor: Actor, target: Path) -> dict[str, Any]:
    """Write the whole database to ``target`` while others keep working; audited (the
    backup holds its own audit row). Returns the manifest."""
    require(actor, "setup")
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            "backup",
            object_type="file",
            object_id=target.name,
            changes_data=False,
        )
    with opened.db.read() as conn:
        manifest = {
            "format": BACKUP_FORMAT,
            "backend": opened.db.engine.dialect.name,
            "revision": opened.db.revision(),
            "created_at": clock.utc_now().isoformat(timespec="seconds") + "Z",
            "rows": maintenance.row_counts(conn),
            "key_check": opened.keys.check_value(),
            "audit_head": audit.head(conn),
        }
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".part")
    staged.unlink(missing_ok=True)
    staged.touch(mode=0o600)  # owner-only whatever the umask: the backup holds personal data
    staged.chmod(0o600)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / _DATABASE
        maintenance.dump(opened.db, copy)
        with tarfile.open(staged, "w") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(_MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(copy, arcname=_DATABASE)
    staged.replace(target)
    return {**manifest, "file": str(target), "bytes": target.stat().st_size}


def restore(
    url: str,
    actor: Actor,
    source: Path,
    *,
    replace: bool = False,
    config: Settings | None = None,
) -> dict[str, Any]:
    """Put the backup ``source`` in the database at ``url``; audited there afterwards. The
    key file is the configured one (``config``, default :func:`geo.settings.settings`)."""
    require(actor, "setup")
    if not source.is_file():
        raise NotFoundError("file_not_found", path=str(source))
    db = Database(url)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            manifest = _unpack(source, Path(scratch))
            if manifest["backend"] != db.engine.dialect.name:
                raise InputError(
                    "backup_other_backend", made=manifest["backend"], here=db.engine.dialect.name
                )
            key_path = key_path_for(db.url, key_file=(config or settings()).key_file)
            if not key_path.exists():
                raise ConflictError("backup_key_missing", path=str(key_path))
            keys = read_keys(key_path)
            if keys is None or manifest["key_check"] not in (
                keys.check_value(),
                keys.legacy_check_value(),
            ):
                raise ConflictError("backup_other_key", path=str(key_path))
            if not replace and _holds_data(db):
                raise ConflictError("restore_would_overwrite")
            expected = manifest.get("audit_head")
            dumped = Path(scratch) / _DATABASE
            if expected and not maintenance.dump_holds_audit_row(db, dumped, expected):
                raise ConflictError("backup_audit_head")  # checked before anything is loaded
            maintenance.load(db, dumped)
    finally:
        db.dispose()
    # The head file of the database replaced: the restored chain is checked against the
    # backup's manifest instead, and anchored afresh.
    head_path_for(database_url(url), key_path).unlink(missing_ok=True)
    opened = open_database(url)  # a backup of an older schema is brought up to date
    try:
        with opened.db.write() as conn:
            record(
                conn,
                actor,
                "restore",
                object_type="file",
                object_id=source.name,
                detail={"made": manifest["created_at"], "revision": manifest["revision"]},
            )
            rows = maintenance.row_counts(conn)
    finally:
        opened.db.dispose()
    return {"restored": str(source), "made": manifest["created_at"], "rows": rows}


def _unpack(source: Path, into: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r") as archive:
            names = set(archive.getnames())
            if not {_MANIFEST, _DATABASE} <= names:
                raise InputError("backup_unreadable", path=source.name)
            archive.extractall(
                into, members=[archive.getmember(n) for n in (_MANIFEST, _DATABASE)], filter="data"
            )
    except tarfile.TarError as exc:
        raise InputError("backup_unreadable", path=source.name) from exc
    manifest: dict[str, Any] = json.loads((into / _MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != BACKUP_FORMAT:
        raise InputError("backup_unreadable", path=source.name)
    return manifest


def _holds_data(db: Database) -> bool:
    if db.revision() is None:
        return False
    with db.read() as conn:
        counts = maintenance.row_counts(conn)
    return any(counts[t] for t in ("area", "property", "person", "visit"))
