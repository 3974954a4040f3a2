"""The floating-resident rule (geo.indicators.is_floating), written once, gives the same answer
as a pandas column and as the database's SQL (``geo.store.residents.floating``), on SQLite here
and PostGIS in CI."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import insert, select

from geo.indicators import is_floating
from geo.store.residents import floating
from geo.store.schema import person

LOCAL = "330110"
ORIGINS = [LOCAL, "330111", "341221", "3301", "", None, LOCAL]


def test_the_database_finds_the_floating_residents_pandas_finds(empty_db):
    with empty_db.db.write() as conn:
        conn.execute(
            insert(person), [{"name": f"人{i}", "origin": o} for i, o in enumerate(ORIGINS)]
        )
    with empty_db.db.read() as conn:
        rows = conn.execute(select(person.c.origin, floating(LOCAL)).order_by(person.c.id)).all()
    in_sql = [bool(flag) for _origin, flag in rows]
    in_pandas = is_floating(pd.Series([r[0] for r in rows], dtype=object), local_region=LOCAL)
    assert in_sql == in_pandas.tolist() == [False, True, True, True, True, False, False]
