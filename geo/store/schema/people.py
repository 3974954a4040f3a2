"""People and their stays: who lives where, from when until when (``residence``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from geo import vocabulary as vocab
from geo.store.schema.base import enum_check, metadata

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("id_hmac", String(64), unique=True),
    Column("id_cipher", LargeBinary),
    Column("id_masked", String(32)),
    Column("sex", String(1)),
    Column("birth_year", Integer),
    Column("origin", String(6)),
    Column("phone_hmac", String(64)),
    Column("phone_cipher", LargeBinary),
    Column("phone_masked", String(32)),
    Column("permit_no", String(64)),
    Column("permit_expiry", Date),
    Column("anonymised_at", DateTime),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    Column("employer_name", String(200)),  # as declared; matched with worksites on record
    enum_check("sex", vocab.SEXES),
    Index(None, "phone_hmac"),
    Index(None, "batch_id"),
)


residence = Table(
    "residence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("property_id", Integer, ForeignKey("property.id"), nullable=False),
    Column("room", String(32)),
    Column("moved_in", Date, nullable=False),
    Column("moved_out", Date),
    Column("reported_on", Date),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    Column("moved_out_reported_on", Date),
    Index(None, "person_id", "moved_out"),
    Index(None, "property_id", "moved_out"),
    Index(None, "batch_id"),
)
