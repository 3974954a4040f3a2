"""Field kits and what comes back from them (issue 19, migration 0010): kits, submissions,
the review queue, proven visits and door plates."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from geo.store.schema.base import enum_check, metadata

kit = Table(
    "kit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sweep_id", Integer, ForeignKey("sweep.id"), nullable=False),
    Column("team_id", Integer, ForeignKey("team.id"), nullable=False),
    Column("format", String(16), nullable=False),
    Column("form_id", String(64), nullable=False, unique=True),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("issued_by", String(100), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    enum_check("format", ("odk", "gpkg")),
    Index(None, "sweep_id", "team_id"),
)
"""A field kit handed to one team of a sweep: its format, issue day and expiry."""


submission = Table(
    "submission",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", String(120), nullable=False, unique=True),
    Column("kit_id", Integer, ForeignKey("kit.id")),
    Column("sweep_id", Integer, ForeignKey("sweep.id")),
    Column("team_id", Integer, ForeignKey("team.id")),
    Column("property_id", Integer, ForeignKey("property.id")),
    Column("visited_at", DateTime),
    Column("submitted_at", DateTime),
    Column("submitter", String(200)),
    Column("outcome", String(16)),
    Column("residents_seen", Integer),
    Column("confirmed", Integer),
    Column("new_residents", Integer),
    Column("note", Text),
    Column("lon", Float),
    Column("lat", Float),
    Column("accuracy_m", Float),
    Column("plate_matches", Boolean, nullable=False, default=False),
    Column("distance_m", Float),
    Column("proven", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(64)),
    Column("visit_id", Integer, ForeignKey("visit.id")),
    Column("imported_by", String(100), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    enum_check("status", ("accepted", "held", "refused", "declined")),
    Index(None, "property_id", "visited_at"),
    Index(None, "visit_id"),
)
"""Every submission that came back from the field, keyed by its own id (re-importing
changes nothing): accepted (its visit stored), held for review, refused with a reason, or
declined by a review."""


review_item = Table(
    "review_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sweep_id", Integer, ForeignKey("sweep.id")),
    Column("property_id", Integer, ForeignKey("property.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("decision", String(16)),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime),
    enum_check("status", ("open", "decided")),
    UniqueConstraint("property_id", "day"),
)
"""A unit whose submissions of one day disagree: kept open until a registrar accepts one,
both or neither."""


visit_proof = Table(
    "visit_proof",
    metadata,
    Column("visit_id", Integer, ForeignKey("visit.id"), primary_key=True),
    Column("how", String(16), nullable=False),
    Column("distance_m", Float),
    Column("recorded_at", DateTime, nullable=False),
    enum_check("how", ("plate_gps", "backcheck")),
)
"""A proven visit: its plate token matched the unit and its GPS point lay near it, or a
back-check confirmed it."""


plate = Table(
    "plate",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("property_id", Integer, ForeignKey("property.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("issued_by", String(100), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_reason", String(32)),
    Index(None, "property_id", "revoked_at"),
)
"""A door plate: the SHA-256 of its random token (the token itself is printed, never
stored), until revoked."""
