"""Accounts and the audit log: users, their signed-in sessions, and the hash-chained audit
rows."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from geo import vocabulary as vocab
from geo.store.schema.base import enum_check, metadata

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
    enum_check("role", vocab.ROLES),
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
