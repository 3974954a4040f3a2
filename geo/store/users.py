"""Accounts as rows: find, add and update users; their signed-in sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from geo import clock
from geo.store.schema import app_session, app_user


def find_user(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(app_user).where(app_user.c.name == name)).mappings().first()
    return None if row is None else dict(row)


def add_user(conn: Connection, **values: Any) -> int:
    statement = app_user.insert().values(**values).returning(app_user.c.id)
    return int(conn.execute(statement).scalar_one())


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(app_user.update().where(app_user.c.id == user_id).values(**values))


def all_users(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(app_user).order_by(app_user.c.name)).mappings()]


def count_active_admins(conn: Connection) -> int:
    statement = select(func.count()).where(app_user.c.role == "admin", app_user.c.active)
    return int(conn.execute(statement).scalar_one())


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(app_user)).scalar_one())


def find_user_by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(app_user).where(app_user.c.id == user_id)).mappings().first()
    return None if row is None else dict(row)


def add_session(conn: Connection, **values: Any) -> None:
    conn.execute(app_session.insert().values(**values))


def find_session(conn: Connection, session_id: str) -> dict[str, Any] | None:
    statement = select(app_session).where(app_session.c.id == session_id)
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def find_session_by_ticket(conn: Connection, ticket_hash: str) -> dict[str, Any] | None:
    statement = select(app_session).where(app_session.c.ticket_hash == ticket_hash)
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def update_session(conn: Connection, session_id: str, **values: Any) -> None:
    conn.execute(app_session.update().where(app_session.c.id == session_id).values(**values))


def end_sessions_of(conn: Connection, user_id: int, *, at: datetime, reason: str) -> int:
    """End every open session of a user; how many there were."""
    statement = (
        app_session.update()
        .where(app_session.c.user_id == user_id, app_session.c.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason, ticket_hash=None)
    )
    return int(conn.execute(statement).rowcount)


def delete_sessions_before(conn: Connection, moment: datetime) -> None:
    """Forget sessions last used before ``moment`` (ended or long idle)."""
    conn.execute(app_session.delete().where(app_session.c.last_seen < moment))


def now() -> datetime:
    return clock.now()
