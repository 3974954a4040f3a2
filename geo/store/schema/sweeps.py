"""Sweeps and visits: the field campaigns, their teams and assignments, every visit to a
unit or worksite, and the units found on the ground in a back-check."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from geo import vocabulary as vocab
from geo.store.schema.base import enum_check, metadata

sweep = Table(
    "sweep",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("scope", Text, nullable=False),
    Column("status", String(16), nullable=False, default="planned"),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    enum_check("status", vocab.SWEEP_STATUSES),
)


team = Table(
    "team",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sweep_id", Integer, ForeignKey("sweep.id")),
    Column("name", String(100), nullable=False),
    UniqueConstraint("sweep_id", "name"),
)


team_member = Table(
    "team_member",
    metadata,
    Column("team_id", Integer, ForeignKey("team.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id"), primary_key=True),
)


assignment = Table(
    "assignment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sweep_id", Integer, ForeignKey("sweep.id"), nullable=False),
    Column("team_id", Integer, ForeignKey("team.id"), nullable=False),
    Column("property_id", Integer, ForeignKey("property.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    UniqueConstraint("sweep_id", "property_id"),
    Index(None, "team_id", "position"),
)


visit = Table(
    "visit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("property_id", Integer, ForeignKey("property.id")),
    Column("worksite_id", Integer, ForeignKey("worksite.id")),
    Column("person_id", Integer, ForeignKey("person.id")),
    Column("sweep_id", Integer, ForeignKey("sweep.id")),
    Column("team_id", Integer, ForeignKey("team.id")),
    Column("visited_at", DateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("residents_seen", Integer),
    Column("note", Text),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    enum_check("outcome", vocab.VISIT_OUTCOMES),
    CheckConstraint("property_id IS NOT NULL OR worksite_id IS NOT NULL", name="target"),
    Index(None, "property_id", "visited_at", "outcome"),  # covers coverage per unit
    Index(None, "person_id", "visited_at"),
    Index(None, "worksite_id", "visited_at"),
    Index(None, "batch_id"),
)


field_find = Table(
    "field_find",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sweep_id", Integer, ForeignKey("sweep.id"), nullable=False),
    Column("community", String(200), nullable=False),
    Column("address", String(500), nullable=False),
    Column("room", String(32)),
    Column("registered", Boolean, nullable=False),
    Column("checked_on", Date, nullable=False),
    Column("user_name", String(100), nullable=False),
    Index(None, "sweep_id"),
    Index(None, "checked_on"),
)
"""Rental units a team found on the ground in a field-to-record back-check (倒查), and
whether the registry had them: what the rental registration rate counts."""
