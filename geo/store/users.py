"""Accounts as rows: find, add and update users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from geo import clock
from geo.store.schema import app_user


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


def now() -> datetime:
    return clock.now()
