"""What every table of the schema shares: the one ``MetaData`` (with its naming
convention), the CHECKs that hold a column to a vocabulary of :mod:`geo.vocabulary`, and the
geometry column type.

Geometry is kept as WKB in a binary column (:class:`Geometry`), so SQLite needs no extension
and the same schema can carry PostGIS geometry later. Coordinates of points are plain
``lon``/``lat`` columns in WGS-84 with the source system recorded in ``coord_source``.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    CheckConstraint,
    Dialect,
    LargeBinary,
    MetaData,
)
from sqlalchemy.types import TypeDecorator

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


def enum_check(column: str, values: Vocabulary | tuple[str, ...]) -> CheckConstraint:
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
