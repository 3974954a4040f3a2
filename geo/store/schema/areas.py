"""Areas and rental units: the boundary hierarchy, the settings beside it, landlords and
the rental units (``property``) they let."""

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
    Text,
)

from geo import vocabulary as vocab
from geo.store.schema.base import Geometry, enum_check, metadata

setting = Table(
    "setting",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


area = Table(
    "area",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("level", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", Integer, ForeignKey("area.id")),
    Column("geometry", Geometry, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("population", Integer),
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
    Column("boundary_version", Integer, nullable=False, default=1),
    enum_check("level", vocab.AREA_LEVELS),
    enum_check("kind", vocab.AREA_KINDS),
    Index(None, "level"),
    Index(None, "parent_id"),
)


landlord = Table(
    "landlord",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100)),
    Column("phone_masked", String(32)),
    Column("phone_cipher", LargeBinary),
    Column("phone_hmac", String(64), unique=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    Index(None, "name"),
    Index(None, "batch_id"),
)
"""A landlord (出租人), matched by the HMAC of their phone; owns any number of units."""


property_ = Table(
    "property",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_ref", String(64), unique=True),
    Column("address", String(500), nullable=False),
    Column("room", String(32)),
    Column("lon", Float),
    Column("lat", Float),
    Column("coord_source", String(32)),
    Column("kind", String(32), nullable=False),
    Column("rooms", Integer),
    Column("floor_area_m2", Float),
    Column("max_occupants", Integer),
    Column("landlord_id", Integer, ForeignKey("landlord.id")),
    Column("status", String(16), nullable=False, default="active"),
    Column("community_id", Integer, ForeignKey("area.id")),
    Column("grid_id", Integer, ForeignKey("area.id")),
    Column("worksite_id", Integer, ForeignKey("worksite.id")),
    Column("registered_on", Date),
    Column("batch_id", Integer, ForeignKey("import_batch.id")),
    enum_check("kind", vocab.PROPERTY_KINDS),
    enum_check("status", vocab.PROPERTY_STATUSES),
    Index(None, "community_id"),
    Index(None, "grid_id"),
    Index(None, "landlord_id"),
    Index(None, "address", "room"),
    Index(None, "batch_id"),
)
