"""Values the database keeps about itself in the setting table (data version, local
region, audit head ...), read and written as text."""

from __future__ import annotations

from sqlalchemy import Connection, select

from geo.store.schema import setting


def get_setting(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(setting.c.value).where(setting.c.key == key)).scalar()
    return None if value is None else str(value)


def put_setting(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(setting.update().where(setting.c.key == key).values(value=value))
    if updated.rowcount == 0:
        conn.execute(setting.insert().values(key=key, value=value))
