"""The figures kept beside the records: tallies per (community, grid) that the overview
reads instead of counting every unit, stay and visit again (issue 21).

They hold no person and no unit, only counts, and nothing in them depends on the day they
are read: each unit is tallied under the day of its latest completed visit and of its latest
visit of any outcome, each stay under its move-in and move-out days, so the figures of any
day after the newest visit are sums over these rows (:mod:`geo.store.figures`).

``figure_dirty`` holds the communities (and the parts of their figures) whose rows changed
in the open write transaction (0 stands for "in no community"); triggers on the records fill
it, and the write transaction tallies those parts again before it commits, so the tallies
never lag the records.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, Text

from geo.store.schema.base import metadata

figure_dirty = Table(
    "figure_dirty",
    metadata,
    Column("community_id", Integer, primary_key=True, autoincrement=False),
    Column("part", String(9), primary_key=True),  # units | stays | visits | worksites
)

figure_new_unit = Table(
    "figure_new_unit",
    metadata,
    Column("property_id", Integer, primary_key=True, autoincrement=False),
)
"""The units inserted in the open write transaction (a trigger fills it): each adds one
never-visited unit to its area's figures before the transaction commits."""

figure_newest = Table(
    "figure_newest",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("visited_at", DateTime),
    Column("cut", Date),
)
"""One row (id 1): the newest visit time ever recorded, and the cut: the last day of the
month before the newest visit's (a planner's day, see :func:`geo.disclosure.planner_time`).
Rows with ``cut`` 1 hold the figures up to the end of that day, rows with ``cut`` 0 the
figures from the newest visit on; any other day is counted from the records."""

figure_unit_day = Table(
    "figure_unit_day",
    metadata,
    Column("cut", Integer, nullable=False),  # 0: from the newest visit on; 1: on the cut
    Column("community_id", Integer),
    Column("grid_id", Integer),
    Column("kind", String(9), nullable=False),  # completed | attempt
    Column("day", Date, nullable=False),  # NEVER_VISITED when there is none
    Column("units", Integer, nullable=False),
    # Covering, in the order the overview sums them: read without touching the table.
    Index("ix_figure_unit_day_read", "cut", "community_id", "grid_id", "kind", "day", "units"),
    Index(None, "community_id"),
)
"""Active units per area by the day of their latest completed visit (``kind`` completed)
and of their latest visit of any outcome (``kind`` attempt)."""

figure_stay_day = Table(
    "figure_stay_day",
    metadata,
    Column("cut", Integer, nullable=False),
    Column("community_id", Integer),
    Column("grid_id", Integer),
    Column("floating", Integer, nullable=False),
    Column("not_found", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("moved_in", Integer, nullable=False),
    Column("moved_out", Integer, nullable=False),
    Index(
        "ix_figure_stay_day_read",
        *("cut", "community_id", "grid_id", "floating", "not_found", "day"),
        *("moved_in", "moved_out"),
    ),
    Index(None, "community_id"),
)
"""Stays in active units per area, floating or not, with the person's latest visit
not_found or not: how many began (``moved_in``) and ended (``moved_out``) on each day. Days
before the newest visit's day when they were tallied are kept as one (``NEVER_VISITED``):
the tallies are read only for days from the newest visit on, which count them all alike."""

figure_visit_day = Table(
    "figure_visit_day",
    metadata,
    Column("community_id", Integer),
    Column("grid_id", Integer),
    Column("day", Date, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("visits", Integer, nullable=False),
    Index(None, "community_id"),
)
"""Visits to units per area, day and outcome."""

figure_worksites = Table(
    "figure_worksites",
    metadata,
    Column("community_id", Integer),
    Column("grid_id", Integer),
    Column("worksites", Integer, nullable=False),
    Index(None, "community_id"),
)
"""Active worksites per area."""

figure_unit_month = Table(
    "figure_unit_month",
    metadata,
    Column("community_id", Integer, nullable=False),
    Column("month_end", Date, nullable=False),
    Column("covered", Integer, nullable=False),
    Column("covered_month", Integer, nullable=False),
    Index(None, "community_id"),
    Index(None, "month_end"),
)
"""Active units per community covered at each closed month end up to the cut (the last
:data:`geo.store.figures.MONTHS_KEPT`): by a completed visit in the default window
(``covered``, :data:`geo.coverage.WINDOW_DAYS`) and in the calendar month
(``covered_month``). The coverage trends read them; a month end with no row has none."""

published_figure = Table(
    "published_figure",
    metadata,
    Column("month_end", Date, primary_key=True),
    Column("name", String(64), primary_key=True),  # counts_<days>, trend, ... (see published)
    Column("body", Text, nullable=False),  # the frame as JSON (pandas' "table" orient)
    Column("published_at", DateTime, nullable=False),  # UTC
)
"""What planners see of each month end, kept as it was the first time one looked
(:mod:`geo.store.published`): the per-(community, grid) counts of each window a planner may
choose and the per-community trend figures, by area code. Records entered later for that
month (a move-in registered a week late) change the records and the tallies, never these,
so two looks at one month end cannot be told apart."""
