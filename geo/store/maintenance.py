"""Copy a whole database out and back (SQLite's online backup, PostgreSQL's pg_dump and
pg_restore), and the facts an administrator checks: server, size, rows, last import."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import URL, make_url

from geo.errors import ConflictError
from geo.store.database import Database
from geo.store.frames import count_rows
from geo.store.schema import import_batch, metadata

COUNTED_TABLES = (
    "area",
    "property",
    "landlord",
    "person",
    "residence",
    "employment",
    "worksite",
    "visit",
    "sweep",
    "app_user",
    "import_batch",
    "audit",
)


def backend(conn: Connection) -> str:
    """The server and its version, e.g. ``PostgreSQL 15.18 + PostGIS 3.3.2``."""
    if conn.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    if conn.dialect.name == "postgresql":
        server = conn.exec_driver_sql("SHOW server_version").scalar()
        postgis = conn.exec_driver_sql(
            "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
        ).scalar()
        return f"PostgreSQL {str(server).split()[0]}" + (f" + PostGIS {postgis}" if postgis else "")
    return conn.dialect.name


def size_bytes(conn: Connection, url: str) -> int | None:
    """What the database takes on disk (SQLite: the file and its write-ahead log)."""
    if conn.dialect.name == "postgresql":
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        return int(size or 0)
    path = sqlite_file(url)
    if path is None:
        return None
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def row_counts(conn: Connection) -> dict[str, int]:
    return {name: count_rows(conn, metadata.tables[name]) for name in COUNTED_TABLES}


def last_import(conn: Connection) -> dict[str, Any] | None:
    """The newest import batch: when, by whom, what, how many rows went in or not."""
    b = import_batch.c
    row = (
        conn.execute(
            select(
                b.id,
                b.created_at,
                b.user_name,
                b.kind,
                b.filename,
                b.accepted,
                b.rejected,
                b.status,
            )
            .order_by(b.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def dump(db: Database, target: Path) -> None:
    """A consistent copy of the whole database at ``target``, taken while others write:
    SQLite's online backup, or ``pg_dump`` in its custom format."""
    path = sqlite_file(db.url)
    if path is not None:
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return
    _pg_tool("pg_dump", db.url, ["--format=custom", "--no-owner", f"--file={target}"])


def load(db: Database, source: Path) -> None:
    """Replace the database's whole content with a dump made by :func:`dump`.

    SQLite: the copy is checked and then moved over the file in one step. PostgreSQL:
    ``pg_restore`` in one transaction, dropping what is there first."""
    path = sqlite_file(db.url)
    db.dispose()
    if path is not None:
        staged = path.with_name(path.name + ".restoring")
        shutil.copyfile(source, staged)
        with closing(sqlite3.connect(staged)) as check:
            verdict = check.execute("PRAGMA integrity_check").fetchone()
        if verdict != ("ok",):
            staged.unlink()
            raise ConflictError("backup_damaged", detail=str(verdict))
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        staged.replace(path)
        return
    _pg_tool(
        "pg_restore",
        db.url,
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
    )


_COPY_AUDIT = re.compile(r"COPY (?:\w+\.)?audit \(")
"""The start of the audit table's data in pg_restore's script (``COPY public.audit (``)."""


def dump_holds_audit_row(db: Database, source: Path, expected: str) -> bool:
    """True when the dump ``source`` (made by :func:`dump` for ``db``'s backend) holds the
    audit row ``expected`` (``id:hash``) as it was: read from the dump itself, before
    anything is loaded, so a refused backup never touches the database."""
    head_id, head_hash = expected.split(":", 1)
    if sqlite_file(db.url) is not None:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as conn:
            try:
                found = conn.execute(
                    "SELECT hash FROM audit WHERE id = ?", (int(head_id),)
                ).fetchone()
            except sqlite3.DatabaseError:
                return False
        return found is not None and found[0] == head_hash
    script = _pg_tool_output(
        "pg_restore", ["--data-only", "--table=audit", "--file=-", str(source)]
    )
    columns: list[str] | None = None
    for line in script.splitlines():
        if columns is None:
            if _COPY_AUDIT.match(line):
                columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
            continue
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t"), strict=False))
        if row.get("id") == head_id:
            return row.get("hash") == head_hash
    return False


def _pg_tool_output(program: str, args: list[str]) -> str:
    """Run a PostgreSQL client program that reads a file only; returns its stdout."""
    found = shutil.which(program)
    if found is None:
        raise ConflictError("pg_tool_missing", program=program)
    done = subprocess.run([found, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ConflictError("pg_tool_failed", program=program, detail=done.stderr.strip()[-300:])
    return done.stdout


def _pg_tool(program: str, url: str, args: list[str]) -> None:
    """Run a PostgreSQL client program against ``url`` (password through the environment,
    never on the command line)."""
    found = shutil.which(program)
    if found is None:
        raise ConflictError("pg_tool_missing", program=program)
    parsed: URL = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None).render_as_string()
    command = [found, "--dbname", plain, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise ConflictError("pg_tool_failed", program=program, detail=done.stderr.strip()[-300:])
