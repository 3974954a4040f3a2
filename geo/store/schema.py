"""The Gridhouse tables as SQLAlchemy Core metadata: the data model of ARCHITECTURE.md.

Geometry is kept as WKB in a binary column (:class:`Geometry`), so SQLite needs no extension
and the same schema can carry PostGIS geometry later. Coordinates of points are plain
``lon``/``lat`` columns in WGS-84 with the source system recorded in ``coord_source``.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from geo import vocabulary as vocab
from geo.vocabulary import Vocabulary


class Geometry(TypeDecorator[BaseGeometry]):
    """A shapely geometry stored as WKB bytes."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes(shapely.to_wkb(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        return None if value is None else shapely.from_wkb(bytes(value))


POSTGIS_GEOMETRY = "geom"
"""On PostgreSQL, areas, units and worksites also carry ``geom``: PostGIS geometry (SRID
4326, GiST-indexed) generated from the portable columns by migration 0006, for spatial
filters in SQL. The metadata here leaves it out, so the same tables serve SQLite."""


def is_postgis_only(name: str | None, kind: str) -> bool:
    """Objects PostGIS adds that the portable metadata does not describe (for Alembic)."""
    if kind == "table":
        return name in ("spatial_ref_sys",)
    if kind == "column":
        return name == POSTGIS_GEOMETRY
    return kind == "index" and bool(name) and str(name).endswith(f"_{POSTGIS_GEOMETRY}")


def enum_condition(column: str, values: tuple[str, ...]) -> str:
    """``column = 'a' OR column = 'b' ...``: SQLite builds a temporary table for every row it
    checks against an ``IN (...)`` list, which made bulk inserts a third slower.

    >>> enum_condition("status", ("active", "inactive"))
    "status = 'active' OR status = 'inactive'"
    """
    return " OR ".join(f"{column} = '{v}'" for v in values)


def _enum(column: str, values: Vocabulary | tuple[str, ...]) -> CheckConstraint:
    """The CHECK of a column that holds a vocabulary's codes (and NULL when it may)."""
    if not isinstance(values, Vocabulary):
        return CheckConstraint(enum_condition(column, values), name=column)
    condition = enum_condition(column, values.codes)
    if values.nullable:
        condition += f" OR {column} IS NULL"
    return CheckConstraint(condition, name=column)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

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
    _enum("level", vocab.AREA_LEVELS),
    _enum("kind", vocab.AREA_KINDS),
    Index(None, "level"),
    Index(None, "parent_id"),
)

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
    _enum("status", vocab.BATCH_STATUSES),
    Index(None, "kind", "sha256"),
)

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
    _enum("kind", vocab.WORKSITE_KINDS),
    Index(None, "community_id"),
    Index(None, "grid_id"),
    Index(None, "batch_id"),
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
    _enum("kind", vocab.PROPERTY_KINDS),
    _enum("status", vocab.PROPERTY_STATUSES),
    Index(None, "community_id"),
    Index(None, "grid_id"),
    Index(None, "landlord_id"),
    Index(None, "address", "room"),
    Index(None, "batch_id"),
)

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
    _enum("sex", vocab.SEXES),
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

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("area_scope", Text),
    Column("password_hash", String(200)),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    # Set while the password is a one-time password (an admin gave it): it must be changed
    # at the first sign-in, and signs in nobody after this moment (UTC).
    Column("password_expires", DateTime),
    _enum("role", vocab.ROLES),
)

app_session = Table(
    "app_session",
    metadata,
    Column("id", String(64), primary_key=True),  # random; the cookie carries it, signed
    Column("user_id", Integer, ForeignKey("app_user.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # the account as it was at sign-in
    Column("area_scope", Text),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("ticket_hash", String(64), index=True),  # the one-time ticket for the cookie
    Column("ticket_expires", DateTime),
    Column("ended_at", DateTime),  # signed out, timed out or revoked
    Column("end_reason", String(40)),
)
"""A signed-in session (UTC times): what the browser's session cookie stands for, until it
ends by sign-out, idle timeout or a change of the account."""

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
    _enum("status", vocab.SWEEP_STATUSES),
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
    _enum("outcome", vocab.VISIT_OUTCOMES),
    CheckConstraint("property_id IS NOT NULL OR worksite_id IS NOT NULL", name="target"),
    Index(None, "property_id", "visited_at", "outcome"),  # covers coverage per unit
    Index(None, "person_id", "visited_at"),
    Index(None, "worksite_id", "visited_at"),
    Index(None, "batch_id"),
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

# --- field kits, submissions, review queue, door plates (issue 19, migration 0010)
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
    _enum("format", ("odk", "gpkg")),
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
    _enum("status", ("accepted", "held", "refused", "declined")),
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
    _enum("status", ("open", "decided")),
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
    _enum("how", ("plate_gps", "backcheck")),
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

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32)),
    Column("object_id", String(64)),
    Column("count", Integer),
    Column("detail", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
