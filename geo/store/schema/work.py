"""Work: worksites and who works at them since when (``employment``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from geo import vocabulary as vocab
from geo.store.schema.base import enum_check, metadata

worksite = Table(
    "worksite",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_ref", String(64), unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("address", String(500)),
    Column("lon", Float),
    Column("lat", Float),
    Column("coord_source", String(32)),
    Column("declared_workers", Integer),
    Column("contact_name", String(100)),
    Column("contact_phone_masked", String(32)),
    Column("contact_phone_cipher", LargeBinary),
    Column("status", String(16), nullable=False, default="active"),
    Column("community_id", Integer, ForeignKey("area.id")),
    Column("grid_id", Integer, ForeignKey("area.id")),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    enum_check("kind", vocab.WORKSITE_KINDS),
    Index(None, "community_id"),
    Index(None, "grid_id"),
    Index(None, "batch_id"),
)


employment = Table(
    "employment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("worksite_id", Integer, ForeignKey("worksite.id"), nullable=False),
    Column("since", Date, nullable=False),
    Column("until", Date),
    Column("reported_on", Date),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    Column("until_reported_on", Date),
    Index(None, "person_id", "until"),
    Index(None, "worksite_id", "until"),
    Index(None, "batch_id"),
)
