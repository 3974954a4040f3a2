"""The append-only audit log: every row carries a keyed hash (HMAC-SHA256) of itself and
of the row before it, and the newest row's hash is anchored outside the database.

The chain's key and head file come from the key file's folder (:func:`bind`, done when a
database is opened with its keys): someone who can write to the database but not read the
key file can neither rewrite a row and recompute the chain, nor delete the newest rows and
move the head back, without :func:`verify` saying so.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from geo import clock
from geo.io.private_files import write_private
from geo.store.database.locking import READ
from geo.store.database.transactions import after_commit
from geo.store.schema import audit
from geo.store.stored_settings import get_setting, put_setting

GENESIS = "0" * 64
_HASHED = ("at", "actor", "role", "action", "object_type", "object_id", "count", "detail")


@dataclass(frozen=True)
class Anchor:
    """The chain's key and the file that holds its head (``id:hash``)."""

    key: bytes
    head_file: Path

    def read(self) -> tuple[int, str] | None:
        try:
            text = self.head_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        head_id, head_hash = text.split(":", 1)
        return int(head_id), head_hash

    def write(self, head_id: int, head_hash: str) -> None:
        with self.exclusive():
            self.write_held(head_id, head_hash)

    def write_held(self, head_id: int, head_hash: str) -> None:
        """Write the head while :meth:`exclusive` is held."""
        write_private(self.head_file, f"{head_id}:{head_hash}\n".encode("ascii"))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the head file for writing, against every other thread and process (a lock
        file beside it, owner-only): writers anchor one at a time."""
        lock = self.head_file.with_name(self.head_file.name + ".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


@dataclass(frozen=True)
class _AnchorNewest:
    """After a commit that appended audit rows: anchor the newest committed row, read
    afresh while the head file is held, so the head only moves forward whichever of two
    writers that committed one after the other anchors last."""

    engine: Engine

    def __call__(self) -> None:
        anchor = _ANCHORS[self.engine]
        with anchor.exclusive():
            with self.engine.connect().execution_options(**{READ: True}) as conn, conn.begin():
                found = head(conn)
            if found is not None:
                head_id, head_hash = found.split(":", 1)
                anchor.write_held(int(head_id), head_hash)


_ANCHORS: weakref.WeakKeyDictionary[Engine, Anchor] = weakref.WeakKeyDictionary()


def bind(engine: Engine, *, key: bytes, head_file: Path) -> None:
    """Chain the audit rows written through ``engine`` with ``key`` and anchor their head
    in ``head_file``, written once the writer's transaction has committed (never for rows
    a failed commit did not store)."""
    _ANCHORS[engine] = Anchor(key=key, head_file=head_file)


def anchor_of(conn: Connection) -> Anchor:
    """The anchor bound to the connection's engine; an unbound engine has no business
    writing or checking audit rows."""
    found = _ANCHORS.get(conn.engine)
    if found is None:
        msg = "the audit chain is used before the database's keys were opened"
        raise RuntimeError(msg)
    return found


def _row_hash(key: bytes, prev_hash: str, row: dict[str, Any]) -> str:
    fields = {
        k: row[k]
        for k in ("at", "actor", "role", "action", "object_type", "object_id", "count", "detail")
    }
    fields["at"] = fields["at"].isoformat(timespec="microseconds")
    fields["id"] = int(row["id"])
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hmac.new(key, (prev_hash + payload).encode(), "sha256").hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    role: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    count: int | None = None,
    detail: dict[str, Any] | None = None,
    changes_data: bool = True,
) -> int:
    """Write one audit row chained to the last one, and bump the data version unless the
    action only read or signed in (``changes_data=False``: caches stay warm).

    Runs inside the caller's write transaction (of ``Database.write``), so the change and
    its audit row commit together or not at all; the head file follows once it committed.
    """
    anchor = anchor_of(conn)
    last = conn.execute(
        select(audit.c.id, audit.c.hash).order_by(audit.c.id.desc()).limit(1)
    ).first()
    row: dict[str, Any] = {
        "at": clock.utc_now(),
        "actor": actor,
        "role": role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "count": count,
        "detail": None
        if detail is None
        else json.dumps(detail, ensure_ascii=False, sort_keys=True),
    }
    prev = last.hash if last is not None else GENESIS
    row["id"] = (int(last.id) if last is not None else 0) + 1
    row["prev_hash"] = prev
    row["hash"] = _row_hash(anchor.key, prev, row)
    conn.execute(audit.insert().values(**row))
    put_setting(conn, "audit_head", f"{row['id']}:{row['hash']}")
    after_commit(conn, _AnchorNewest(conn.engine))
    if changes_data:
        bump_data_version(conn)
    return int(row["id"])


def verify(conn: Connection) -> int | None:
    """Return the id of the first row that breaks the chain (edited, or after a deletion),
    or of the anchored head when rows at the end were removed or the head moved; None when
    all holds. See :func:`check` for the whole finding."""
    found = check(conn)
    return None if found["ok"] else int(found["first_bad_row"])


def check(conn: Connection) -> dict[str, Any]:
    """What the chain proves: ``ok``, ``rows``, ``first_bad_row`` (when not ok) and
    ``anchored`` (whether a head file outside the database was compared).

    The rows are those of ``conn``'s snapshot. The head file may have moved on since the
    snapshot opened (another writer committed): the rows after the snapshot's newest, up
    to the head, are then read afresh and must continue the chain to it, so a head newer
    than the snapshot is no finding but a newest row deleted since still is. A head file
    behind the newest row (a writer that committed but had not anchored yet) must name a
    row of the chain, with its hash."""
    anchor = anchor_of(conn)
    anchored = anchor.read()
    prev = GENESIS
    last_id = 0
    rows = 0
    at_head: str | None = None
    for row in conn.execute(select(audit).order_by(audit.c.id)).mappings():
        rows += 1
        if row["prev_hash"] != prev or _row_hash(anchor.key, prev, dict(row)) != row["hash"]:
            return {"ok": False, "rows": rows, "first_bad_row": int(row["id"]), "anchored": True}
        prev = row["hash"]
        last_id = int(row["id"])
        if anchored is not None and last_id == anchored[0]:
            at_head = prev
    stored = _stored_head(conn)
    if stored is not None and stored != (last_id, prev):
        return {"ok": False, "rows": rows, "first_bad_row": stored[0], "anchored": True}
    if anchored is None:
        return {"ok": True, "rows": rows, "anchored": rows == 0}
    head_id, head_hash = anchored
    if head_id > last_id:
        at_head, bad = _committed_since(conn.engine, anchor.key, last_id, prev, head_id)
        if bad is not None:
            return {"ok": False, "rows": rows, "first_bad_row": bad, "anchored": True}
    if at_head != head_hash:
        return {"ok": False, "rows": rows, "first_bad_row": head_id, "anchored": True}
    return {"ok": True, "rows": rows, "anchored": True}


def _committed_since(
    engine: Engine, key: bytes, last_id: int, prev: str, head_id: int
) -> tuple[str | None, int | None]:
    """Check the rows committed after a snapshot whose newest row is ``last_id`` (hash
    ``prev``), up to ``head_id``, in a fresh read: (the hash of row ``head_id`` or None
    when it is not there, the first row that breaks the chain or None)."""
    found: str | None = None
    later = select(audit).where(audit.c.id > last_id, audit.c.id <= head_id).order_by(audit.c.id)
    with engine.connect().execution_options(**{READ: True}) as fresh, fresh.begin():
        for row in fresh.execute(later).mappings():
            if row["prev_hash"] != prev or _row_hash(key, prev, dict(row)) != row["hash"]:
                return None, int(row["id"])
            prev = row["hash"]
            if int(row["id"]) == head_id:
                found = prev
    return found, None


def _stored_head(conn: Connection) -> tuple[int, str] | None:
    head = get_setting(conn, "audit_head")
    if head is None:
        return None
    head_id, head_hash = head.split(":", 1)
    return int(head_id), head_hash


def head(conn: Connection) -> str | None:
    """The newest row as ``id:hash`` (what a backup's manifest anchors), None when empty."""
    last = conn.execute(
        select(audit.c.id, audit.c.hash).order_by(audit.c.id.desc()).limit(1)
    ).first()
    return None if last is None else f"{last.id}:{last.hash}"


def reanchor(conn: Connection) -> None:
    """Anchor the head file at the newest row (after a restore checked the chain)."""
    found = head(conn)
    anchor = anchor_of(conn)
    if found is None:
        anchor.head_file.unlink(missing_ok=True)
        return
    head_id, head_hash = found.split(":", 1)
    anchor.write(int(head_id), head_hash)


def rechain(conn: Connection, key: bytes) -> int:
    """Re-chain the rows written with the plain SHA-256 chain (before migration 0008) with
    ``key``, as far as the plain chain holds: a row edited before then stays unchained and
    :func:`verify` names it. Returns how many rows were re-chained."""
    import hashlib

    prev_plain = GENESIS
    prev = GENESIS
    done = 0
    columns = [audit.c[c] for c in ("id", *_HASHED, "prev_hash", "hash")]
    for row in conn.execute(select(*columns).order_by(audit.c.id)).mappings():
        fields = {
            k: row[k]
            for k in (
                "at",
                "actor",
                "role",
                "action",
                "object_type",
                "object_id",
                "count",
                "detail",
            )
        }
        fields["at"] = fields["at"].isoformat(timespec="microseconds")
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        plain = hashlib.sha256((prev_plain + payload).encode()).hexdigest()
        if row["prev_hash"] != prev_plain or plain != row["hash"]:
            break
        new = _row_hash(key, prev, dict(row))
        conn.execute(audit.update().where(audit.c.id == row["id"]).values(prev_hash=prev, hash=new))
        prev_plain, prev = plain, new
        done += 1
        put_setting(conn, "audit_head", f"{row['id']}:{new}")
        after_commit(conn, _AnchorNewest(conn.engine))
    return done


def data_version(conn: Connection) -> int:
    """A counter that grows with every change; caches key on it."""
    return int(get_setting(conn, "data_version") or 0)


def bump_data_version(conn: Connection) -> None:
    put_setting(conn, "data_version", str(data_version(conn) + 1))


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit)).scalar_one())


def entries(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest rows first, filtered by actor name, action prefix and time."""
    statement = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor:
        statement = statement.where(audit.c.actor == actor)
    if action:
        statement = statement.where(audit.c.action.startswith(action, autoescape=True))
    if since is not None:
        statement = statement.where(audit.c.at >= since)
    if until is not None:
        statement = statement.where(audit.c.at < until)
    return [dict(r) for r in conn.execute(statement).mappings()]
