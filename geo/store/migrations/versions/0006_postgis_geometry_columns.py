"""PostGIS: geometry columns (SRID 4326) with GiST indexes beside the portable ones

On PostgreSQL each area gets ``geom`` generated from its WKB, and each rental unit and
worksite ``geom`` generated from lon/lat, so spatial filters run in the database. SQLite
keeps the portable columns only; nothing changes there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GEOMETRY = {
    "area": "geometry(Geometry, 4326) GENERATED ALWAYS AS "
    "(ST_SetSRID(ST_GeomFromWKB(geometry), 4326)) STORED",
    "property": "geometry(Point, 4326) GENERATED ALWAYS AS "
    "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED",
    "worksite": "geometry(Point, 4326) GENERATED ALWAYS AS "
    "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for table, definition in GEOMETRY.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN geom {definition}")
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in GEOMETRY:
        op.execute(f"DROP INDEX ix_{table}_geom")
        op.execute(f"ALTER TABLE {table} DROP COLUMN geom")
