"""Uploads and the history of records: each import batch, and the before-images of the
rows it (or a change outside an import) updated."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from geo import vocabulary as vocab
from geo.store.schema.base import enum_check, metadata

import_batch = Table(
    "import_batch",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("source_crs", String(32)),
    Column("status", String(16), nullable=False, default="committed"),
    Column("created_at", DateTime, nullable=False),
    Column("undone_at", DateTime),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("mapping", Text),
    Column("dropped_columns", Text),
    Column("rejects_csv", LargeBinary),
    Column("communities", Text),
    enum_check("status", vocab.BATCH_STATUSES),
    Index(None, "kind", "sha256"),
)


change_log = Table(
    "change_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    Column("table_name", String(32), nullable=False),
    Column("row_id", Integer, nullable=False),
    Column("before", Text, nullable=False),
    Column("action", String(32)),
    Column("user_name", String(100)),
    Column("changed_at", DateTime),
    Index(None, "batch_id"),
    Index(None, "table_name", "row_id"),
)
"""Before-images of rows an import updated (``batch_id``): the history of a record, and what
undo restores; and every change made outside an import (``batch_id`` null: a correction on
the property file, a move, retention) with its action, user and time, which undo of an
earlier batch will not silently override."""
