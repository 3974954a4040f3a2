"""PostgreSQL and PostGIS specifics: writers queue on one transaction-level advisory lock,
and reflection knows PostGIS's ``geometry`` type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import UserDefinedType

from geo.store.database.locking import WAIT_SLICE_MS, WaitClock

WRITE_LOCK = 0x6772_6964  # "grid": the advisory lock PostgreSQL writers queue on


def lock_writers(conn: Connection) -> None:
    """Take the writers' advisory lock, waiting as long as it takes, in slices of
    :data:`WAIT_SLICE_MS` (a lock timeout inside a savepoint) with the wait reported."""
    if conn.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK})").scalar():
        return
    clock = WaitClock()
    while True:
        clock.tick()
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {WAIT_SLICE_MS}")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            break
        except OperationalError as exc:
            if str(getattr(exc.orig, "sqlstate", "")) != "55P03":  # lock_not_available
                raise
    conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


class PostGISGeometry(UserDefinedType[Any]):
    """PostGIS's ``geometry``, named so that reflecting a PostGIS table knows the type
    (the portable metadata never reads these columns; migration 0006 makes them)."""

    cache_ok = True

    def __init__(self, *_args: Any, **_kw: Any) -> None:  # reflection passes type and SRID
        super().__init__()

    def get_col_spec(self, **_kw: Any) -> str:
        return "geometry"


def postgresql_engine(url: str) -> Engine:
    """An engine for a PostgreSQL ``url`` whose reflection knows PostGIS's ``geometry``."""
    from sqlalchemy.dialects.postgresql.base import ischema_names

    ischema_names.setdefault("geometry", PostGISGeometry)
    # Room for a queue of writers waiting their turn beside the readers of many sessions.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=45)
