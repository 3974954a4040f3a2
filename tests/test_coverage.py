"""Coverage and overdue (geo.coverage): the rule at its edges, and the database counting the
very same flags as pandas on the same visits (SQLite here, PostGIS in CI)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import insert

from geo import coverage
from geo.coverage import COMPLETED_OUTCOMES, bounds, day_end, flags, unit_coverage
from geo.store.area_counts import unit_counts_by_area
from geo.store.areas import insert_areas
from geo.store.places import unit_places
from geo.store.schema import property_, visit
from geo.store.visits import last_visits
from geo.vocabulary import VISIT_OUTCOMES
from tests.conftest import AS_OF

DAY = date(2026, 3, 31)
WINDOW = 30
OVERDUE = 60
EDGES = bounds(DAY, WINDOW, OVERDUE)
SECOND = timedelta(seconds=1)

# (case, status, visits as (when, outcome), expected covered, attempted, overdue)
CASES: list[tuple[str, str, list[tuple[datetime, str]], bool, bool, bool]] = [
    ("never visited", "active", [], False, False, True),
    ("completed at the window's first instant", "active", [(EDGES.start, "verified")],
     True, True, False),
    ("completed just before the window", "active", [(EDGES.start - SECOND, "changes_found")],
     False, False, False),
    ("vacant counts as completed", "active", [(EDGES.end - SECOND, "vacant")], True, True, False),
    ("only attempts in the window", "active", [(EDGES.start, "nobody_home")], False, True, True),
    ("refused after an old completed visit", "active",
     [(EDGES.overdue_from - SECOND, "verified"), (EDGES.end - SECOND, "refused")],
     False, True, True),
    ("completed exactly at overdue_from", "active", [(EDGES.overdue_from, "verified")],
     False, False, False),
    ("completed just before overdue_from", "active", [(EDGES.overdue_from - SECOND, "verified")],
     False, False, True),
    ("a visit after as_of is not yet", "active", [(EDGES.end, "verified")], False, False, True),
    ("not found is no completed visit", "active", [(EDGES.start, "not_found")], False, True, True),
]  # fmt: skip
INACTIVE = ("inactive units are not counted", "inactive", [(EDGES.start, "verified")])


def test_completed_outcomes_are_visit_outcomes():
    assert set(COMPLETED_OUTCOMES) < set(VISIT_OUTCOMES.codes)


def test_the_edges_of_the_window_and_of_overdue():
    units, last = _frames()
    got = unit_coverage(units, last, as_of=DAY, window_days=WINDOW, overdue_after_days=OVERDUE)
    expected = pd.DataFrame(
        [c[3:] for c in CASES], columns=list(coverage.FLAGS), index=range(len(CASES))
    )
    pd.testing.assert_frame_equal(got[list(coverage.FLAGS)], expected)
    assert got["days_since_completed"].isna().sum() == 4  # never completed up to as_of


def test_a_window_needs_a_whole_day():
    with pytest.raises(ValueError, match="at least 1"):
        bounds(DAY, 0)


def test_the_database_counts_the_flags_pandas_gives(empty_db):
    """Each case in a community of its own: the SQL form of :func:`geo.coverage.flags`
    (``unit_counts_by_area``) gives every unit the flags pandas gives it."""
    with empty_db.db.write() as conn:
        insert_areas(conn, _communities(len(CASES) + 1))
    with empty_db.db.write() as conn:
        codes = {
            code: area_id
            for area_id, code in conn.exec_driver_sql("SELECT id, code FROM area").all()
        }
        for i, (_name, status, visits, *_) in enumerate([*CASES, (*INACTIVE, 0, 0, 0)]):
            unit = conn.execute(
                insert(property_).values(
                    address=f"{i}号", kind="flat", status=status, community_id=codes[f"c{i}"]
                )
            ).inserted_primary_key[0]
            for when, outcome in visits:
                conn.execute(
                    insert(visit).values(property_id=unit, visited_at=when, outcome=outcome)
                )
    with empty_db.db.read() as conn:
        counted = unit_counts_by_area(conn, EDGES)
        units = unit_places(conn)
        last = last_visits(conn, as_of=DAY)
    python = unit_coverage(units, last, as_of=DAY, window_days=WINDOW, overdue_after_days=OVERDUE)
    python = python.join(units["community_id"]).set_index("community_id")
    sql = counted.set_index("community_id")
    assert len(sql) == len(CASES) and (sql["rental_units"] == 1).all()
    for name in coverage.FLAGS:
        column = "overdue_units" if name == "overdue" else name
        pd.testing.assert_series_equal(
            sql[column].astype(bool).sort_index(),
            python[name].sort_index(),
            check_names=False,
        )
    by_case = python.sort_index()[list(coverage.FLAGS)].to_numpy().tolist()
    assert by_case == [list(c[3:]) for c in CASES]


def test_the_database_and_pandas_agree_on_the_demo(demo):
    with demo.db.read() as conn:
        counted = unit_counts_by_area(conn, bounds(AS_OF, 90))
        units = unit_places(conn)
        last = last_visits(conn, as_of=AS_OF)
    python = unit_coverage(units, last, as_of=AS_OF, window_days=90).join(
        units[["community_id", "grid_id"]]
    )
    expected = (
        python.groupby(["community_id", "grid_id"], dropna=False)
        .agg(
            rental_units=("id", "size"),
            covered=("covered", "sum"),
            attempted=("attempted", "sum"),
            overdue_units=("overdue", "sum"),
        )
        .reset_index()
    )
    key = ["community_id", "grid_id"]
    got = counted.sort_values(key).reset_index(drop=True)
    want = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_the_rule_is_written_once_for_both_kinds_of_column():
    """flags() only compares and ors: a pandas column and an SQL expression both work."""
    stamps = pd.Series(pd.to_datetime([EDGES.start, None]))
    got = flags(stamps, stamps, EDGES, missing=pd.isna)
    assert got["covered"].tolist() == [True, False]
    assert got["overdue"].tolist() == [False, True]
    sql = flags(visit.c.visited_at, visit.c.visited_at, EDGES, missing=lambda c: c.is_(None))
    assert "IS NULL" in str(sql["overdue"]) and ">=" in str(sql["covered"])
    assert day_end(DAY) == EDGES.end


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases as unit_coverage takes them (last visits up to the end of DAY)."""
    units = pd.DataFrame({"id": range(len(CASES)), "status": [c[1] for c in CASES]})
    rows = []
    for i, (_name, _status, visits, *_) in enumerate(CASES):
        seen = [(w, o) for w, o in visits if w < EDGES.end]
        done = [w for w, o in seen if o in COMPLETED_OUTCOMES]
        rows.append(
            {
                "property_id": i,
                "last_completed": max(done) if done else None,
                "last_attempt": max(w for w, _ in seen) if seen else None,
            }
        )
    return units, pd.DataFrame(rows)


def _communities(n: int) -> gpd.GeoDataFrame:
    boxes = [shapely.box(120 + i / 100, 30, 120 + i / 100 + 0.005, 30.005) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "code": [f"c{i}" for i in range(n)],
            "name": [f"社区{i}" for i in range(n)],
            "level": "community",
            "area_m2": 250_000.0,
        },
        geometry=boxes,
        crs="EPSG:4326",
    )
