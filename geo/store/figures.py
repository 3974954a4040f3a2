"""The tallies the overview reads (:mod:`geo.store.schema.figures`): kept in step with the
records in the same write transaction, read as sums, and proved against a recount.

How they follow the records:

1. Triggers on ``property``, ``residence``, ``person``, ``visit``, ``visit_proof``,
   ``worksite`` and the ``local_region`` setting note the communities a change touches in
   ``figure_dirty`` (on SQLite a trigger per row, on PostgreSQL one per statement over its
   transition tables), and keep the newest visit time. They fire for every writer: uploads,
   moves, visits, kit submissions, proofs and reviews, unit edits, undo, retention, boundary
   re-placement.
2. Every write transaction (:meth:`geo.store.database.Database.write`) calls
   :func:`retally` before it commits: the noted parts of the noted communities are counted
   again from the records, by the same rules as the recount, and replace the old rows. A
   change to one community costs a count of that community.
3. :func:`tallied_counts_by_area` reads the per-(community, grid) figures of a day as sums
   over those rows, for any day from the newest visit on and for the cut (:func:`cut_of`, a
   planner's last month end); :func:`recounted_counts_by_area` counts them from the records,
   as the overview did before, for any day. ``gridhouse stats tallies`` compares the two and
   ``--rebuild`` tallies every community again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Integer,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)

from geo import coverage
from geo.coverage import COMPLETED_OUTCOMES
from geo.indicators import COUNT_COLUMNS as INDICATOR_COUNTS
from geo.store.area_counts import (
    resident_counts_by_area,
    unit_counts_by_area,
    worksite_counts_by_area,
)
from geo.store.frames import read_frame
from geo.store.residents import floating
from geo.store.schema import (
    figure_dirty,
    figure_new_unit,
    figure_newest,
    figure_stay_day,
    figure_unit_day,
    figure_unit_month,
    figure_visit_day,
    figure_worksites,
    person,
    property_,
    residence,
    visit,
    visit_proof,
    worksite,
)
from geo.store.stored_settings import get_setting
from geo.store.visits import completed_visit_days, people_not_found

NEVER_VISITED: Final = date(1900, 1, 1)
"""The day a unit never visited is tallied under: before every window, so it is neither
covered nor attempted and always overdue, as :func:`geo.coverage.flags` has it."""

MONTHS_KEPT: Final = 12
"""How many closed month ends, up to the cut, keep each community's covered units
(``figure_unit_month``): a year of the coverage trends."""

KINDS: Final = ("completed", "attempt", "proven")
"""``figure_unit_day.kind``: units by the day of their latest completed visit, latest visit
of any outcome, and latest completed visit with a proof (``visit_proof``)."""

NO_COMMUNITY: Final = 0
"""``figure_dirty``'s mark for records in no community (ids start at 1)."""

COUNT_COLUMNS: Final = (*INDICATOR_COUNTS, "covered", "attempted")
"""The per-(community, grid) counts both ways give: the areas' extensive counts
(:data:`geo.indicators.COUNT_COLUMNS`) and the covered and attempted units their rates are
made of."""

_TABLES: Final = {
    "units": figure_unit_day,
    "stays": figure_stay_day,
    "visits": figure_visit_day,
    "worksites": figure_worksites,
}


# --- what marks a community -------------------------------------------------------------

PARTS: Final = ("units", "stays", "visits", "worksites")
"""The parts of the figures, each tallied on its own (``figure_dirty.part``)."""


@dataclass(frozen=True)
class _Mark:
    """A SELECT of the community ids ``c`` (0 for none) that the changed row touches, in
    each dialect (SQLite's reads the row itself: ``{row}`` is NEW or OLD), and the parts
    it changes there."""

    sqlite: str
    postgresql: str
    parts: tuple[str, ...]


_HOME = "coalesce(p.community_id, 0) AS c FROM property p"
_OWN = _Mark(
    "SELECT coalesce({row}.community_id, 0) AS c",
    "SELECT coalesce(x.community_id, 0) AS c FROM {rows} x",
    (),
)
_UNIT = _Mark(
    f"SELECT {_HOME} WHERE p.id = {{row}}.property_id",
    f"SELECT {_HOME} JOIN {{rows}} x ON p.id = x.property_id",
    (),
)
_STAYS_OF = _Mark(  # the homes of the person the row names
    f"SELECT {_HOME} JOIN residence r ON p.id = r.property_id"
    " WHERE r.person_id = {row}.{person}",
    f"SELECT {_HOME} JOIN residence r ON p.id = r.property_id JOIN {{rows}} x"
    " ON r.person_id = x.{person}",
    (),
)


_PROVEN = _Mark(  # the unit of the visit the proof is for
    f"SELECT {_HOME} JOIN visit v ON p.id = v.property_id WHERE v.id = {{row}}.visit_id",
    f"SELECT {_HOME} JOIN visit v ON p.id = v.property_id JOIN {{rows}} x ON v.id = x.visit_id",
    (),
)


def _marks(mark: _Mark, *parts: str, person: str = "") -> _Mark:
    return _Mark(
        mark.sqlite.replace("{person}", person),
        mark.postgresql.replace("{person}", person),
        parts,
    )


_TOUCHED: Final[dict[str, dict[str, tuple[_Mark, ...]]]] = {
    # A new unit has no stays and no visits yet; a unit leaving its area or the market
    # takes them along; a unit is deleted only after them (undo).
    "property": {
        "INSERT": (),  # noted in figure_new_unit instead: see _NEW_UNITS
        "UPDATE": (_marks(_OWN, "units", "stays", "visits"),),
        "DELETE": (_marks(_OWN, "units"),),
    },
    "worksite": {event: (_marks(_OWN, "worksites"),) for event in ("INSERT", "UPDATE", "DELETE")},
    "residence": {event: (_marks(_UNIT, "stays"),) for event in ("INSERT", "UPDATE", "DELETE")},
    "person": {"UPDATE": (_marks(_STAYS_OF, "stays", person="id"),)},
    # A person's latest visit decides whether they are not found, wherever they live.
    "visit": {
        event: (_marks(_UNIT, "units", "visits"), _marks(_STAYS_OF, "stays", person="person_id"))
        for event in ("INSERT", "UPDATE", "DELETE")
    },
    # A proof makes its visit a proven one (geo.services.kits.proven).
    "visit_proof": {event: (_marks(_PROVEN, "units"),) for event in ("INSERT", "DELETE")},
    "setting": {
        event: (
            _Mark(
                "SELECT DISTINCT coalesce(community_id, 0) AS c FROM property",
                "SELECT DISTINCT coalesce(community_id, 0) AS c FROM property"
                " WHERE EXISTS (SELECT 1 FROM {rows} x WHERE x.key = 'local_region')",
                ("stays",),
            ),
        )
        for event in ("INSERT", "UPDATE", "DELETE")
    },
}

_NEW_UNITS: Final = {
    "sqlite": "INSERT OR IGNORE INTO figure_new_unit (property_id) VALUES (NEW.id);",
    "postgresql": "INSERT INTO figure_new_unit (property_id) SELECT id FROM new_rows"
    " ON CONFLICT DO NOTHING;",
}
"""A new unit has no visit and no stay yet: it only adds one never-visited unit to its
area's figures, which :func:`retally` appends for the units a transaction inserted, without
tallying their communities again (a 100,000-row rentals upload costs a grouped INSERT)."""

_CHANGED: Final = {
    "property": ("status", "community_id", "grid_id"),
    "worksite": ("status", "community_id", "grid_id"),
    "residence": ("property_id", "person_id", "moved_in", "moved_out"),
    "person": ("origin",),
    "visit": ("property_id", "person_id", "visited_at", "outcome"),
    "visit_proof": ("visit_id",),
    "setting": ("key", "value"),
}
"""Per table, the columns whose change can change a figure: an update of any other column
(an address, a phone, the data version) marks nothing."""

_IMAGES: Final = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}


def _noted(select_: str, parts: tuple[str, ...], *, ignore: str, conflict: str) -> list[str]:
    return [
        f"INSERT {ignore}INTO figure_dirty (community_id, part)"
        f" SELECT noted.c, '{part}' FROM ({select_}) AS noted{conflict};"
        for part in parts
    ]


def _sqlite_triggers() -> list[str]:
    """One trigger per table and event, run for each row (``NEW``/``OLD``)."""
    out: list[str] = []
    for table, events in _TOUCHED.items():
        for event, marks in events.items():
            of = f" OF {', '.join(_CHANGED[table])}" if event == "UPDATE" else ""
            body = [
                line
                for image in _IMAGES[event]
                for mark in marks
                for line in _noted(
                    mark.sqlite.replace("{row}", image),
                    mark.parts,
                    ignore="OR IGNORE ",
                    conflict="",
                )
            ]
            if table == "property" and event == "INSERT":
                body.append(_NEW_UNITS["sqlite"])
            if table == "visit" and event != "DELETE":
                body.append(
                    "UPDATE figure_newest SET visited_at = NEW.visited_at"
                    " WHERE visited_at IS NULL OR visited_at < NEW.visited_at;"
                )
            # Only the local_region setting counts; every write bumps data_version.
            image = _IMAGES[event][-1]
            when = f" WHEN {image}.key = 'local_region'" if table == "setting" else ""
            out.append(
                f"CREATE TRIGGER figures_{table}_{event.lower()} AFTER {event}{of} ON {table}"
                f"{when} BEGIN {' '.join(body)} END"
            )
    return out


def _postgresql_triggers() -> list[str]:
    """One trigger per table and event, FOR EACH STATEMENT over its transition tables (so a
    100,000-row import marks its communities once); an update counts only rows whose
    figures' columns changed."""
    out: list[str] = []
    for table, events in _TOUCHED.items():
        key = "key" if table == "setting" else "id"
        for event, marks in events.items():
            name = f"figures_{table}_{event.lower()}"
            if event == "UPDATE":
                changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in _CHANGED[table])
                images = [
                    f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.{key} = n.{key}"
                    f" WHERE {changed})",
                    f"(SELECT o.* FROM old_rows o JOIN new_rows n ON o.{key} = n.{key}"
                    f" WHERE {changed})",
                ]
                referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            elif event == "INSERT":
                images = ["new_rows"]
                referencing = "REFERENCING NEW TABLE AS new_rows"
            else:
                images = ["old_rows"]
                referencing = "REFERENCING OLD TABLE AS old_rows"
            body = [
                line
                for rows in images
                for mark in marks
                for line in _noted(
                    mark.postgresql.replace("{rows}", rows),
                    mark.parts,
                    ignore="",
                    conflict=" ON CONFLICT DO NOTHING",
                )
            ]
            if table == "property" and event == "INSERT":
                body.append(_NEW_UNITS["postgresql"])
            if table == "visit" and event != "DELETE":
                body.append(
                    "UPDATE figure_newest SET visited_at = (SELECT max(visited_at) FROM new_rows)"
                    " WHERE visited_at IS NULL"
                    " OR visited_at < (SELECT max(visited_at) FROM new_rows);"
                )
            out.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {' '.join(body)} RETURN NULL; END $$"
            )
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return out


def create_triggers(conn: Connection) -> None:
    """Create the triggers that note touched communities (migration 0011)."""
    make = _postgresql_triggers if conn.dialect.name == "postgresql" else _sqlite_triggers
    for statement in make():
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection, *, tables: Sequence[str] | None = None) -> None:
    """Drop what :func:`create_triggers` made (a migration's downgrade): on every table, or
    on ``tables`` only (those a later migration added)."""
    for table, events in _TOUCHED.items():
        if tables is not None and table not in tables:
            continue
        for event in events:
            name = f"figures_{table}_{event.lower()}"
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


# --- tallying ---------------------------------------------------------------------------


def _within(column: Any, communities: Sequence[int] | None) -> Any:
    """``column`` in these communities (0 meaning none); everything when None."""
    if communities is None:
        return literal(True)
    ids = [c for c in communities if c != NO_COMMUNITY]
    conditions = [column.in_(ids)] if ids else []
    if NO_COMMUNITY in communities:
        conditions.append(column.is_(None))
    return or_(*conditions) if conditions else literal(False)


def _day(column: Any) -> Any:
    return func.date(column)


def _until(cut: date | None) -> Any:
    """Visits up to the end of the cut (all visits without one)."""
    return literal(True) if cut is None else visit.c.visited_at < coverage.day_end(cut)


def _tally_units(
    conn: Connection, communities: Sequence[int] | None, cuts: Sequence[date | None]
) -> None:
    """Units by the day of their latest completed visit, latest attempt and latest proven
    visit (:data:`KINDS`), up to each of ``cuts`` (None: every visit), read from the visits
    once (one CTE, one INSERT)."""
    p = property_.c
    completed = visit.c.outcome.in_(COMPLETED_OUTCOMES)
    proven = and_(completed, visit_proof.c.visit_id.is_not(None))
    aggregates = []
    for n, cut in enumerate(cuts):
        until = _until(cut)
        aggregates += [
            func.max(case((and_(completed, until), visit.c.visited_at))).label(f"c{n}"),
            func.max(case((until, visit.c.visited_at))).label(f"a{n}"),
            func.max(case((and_(proven, until), visit.c.visited_at))).label(f"p{n}"),
        ]
    latest = (
        select(visit.c.property_id, *aggregates)
        .select_from(
            visit.join(property_, property_.c.id == visit.c.property_id).outerjoin(
                visit_proof, visit_proof.c.visit_id == visit.c.id
            )
        )
        .where(_within(p.community_id, communities))
        .group_by(visit.c.property_id)
        .cte("latest")
    )
    never = literal(NEVER_VISITED, Date)
    parts = []
    for n, cut in enumerate(cuts):
        for kind in KINDS:
            column = latest.c[f"{kind[0]}{n}"]
            day = func.coalesce(_day(column), never)
            parts.append(
                select(
                    literal(0 if cut is None else 1, Integer).label("cut"),
                    p.community_id,
                    p.grid_id,
                    literal(kind).label("kind"),
                    day.label("day"),
                    func.count().label("units"),
                )
                .select_from(property_.outerjoin(latest, latest.c.property_id == p.id))
                .where(p.status == "active", _within(p.community_id, communities))
                .group_by(p.community_id, p.grid_id, day)
            )
    conn.execute(
        insert(figure_unit_day).from_select(
            ["cut", "community_id", "grid_id", "kind", "day", "units"], union_all(*parts)
        )
    )


def _tally_stays(
    conn: Connection,
    communities: Sequence[int] | None,
    local_region: str,
    before: date | None,
    cut: date | None,
) -> None:
    p = property_.c
    r = residence.c
    people = (
        select(r.person_id)
        .select_from(residence.join(property_))
        .where(_within(p.community_id, communities))
        .scalar_subquery()
    )
    missing = people_not_found(visit.c.person_id.in_(people), _until(cut))
    is_floating = case((floating(local_region), 1), else_=0)
    not_found = case((missing.c.person_id.is_not(None), 1), else_=0)
    # A stay that ends before it begins is never current: its end is tallied on its first day.
    ended = case((r.moved_out < r.moved_in, r.moved_in), else_=r.moved_out)
    began: Any = r.moved_in
    if cut is not None:  # read on the cut day only: days up to it are read alike
        before = min(before, cut + timedelta(days=1)) if before else cut + timedelta(days=1)
    if before is not None:  # days before the newest visit's are read alike: kept as one
        never = literal(NEVER_VISITED, Date)
        began = case((r.moved_in < before, never), else_=r.moved_in)
        ended = case((ended < before, never), else_=ended)
    stays = (
        residence.join(property_)
        .join(person)
        .outerjoin(missing, missing.c.person_id == person.c.id)
    )
    where = (p.status == "active", _within(p.community_id, communities))
    events = union_all(
        select(
            p.community_id,
            p.grid_id,
            is_floating.label("floating"),
            not_found.label("not_found"),
            began.label("day"),
            literal(1, Integer).label("moved_in"),
            literal(0, Integer).label("moved_out"),
        )
        .select_from(stays)
        .where(*where),
        select(
            p.community_id,
            p.grid_id,
            is_floating.label("floating"),
            not_found.label("not_found"),
            ended.label("day"),
            literal(0, Integer).label("moved_in"),
            literal(1, Integer).label("moved_out"),
        )
        .select_from(stays)
        .where(*where, r.moved_out.is_not(None)),
    ).subquery()
    e = events.c
    rows = select(
        literal(0 if cut is None else 1, Integer),
        e.community_id,
        e.grid_id,
        e.floating,
        e.not_found,
        e.day,
        func.sum(e.moved_in),
        func.sum(e.moved_out),
    ).group_by(e.community_id, e.grid_id, e.floating, e.not_found, e.day)
    conn.execute(
        insert(figure_stay_day).from_select(
            [c.name for c in figure_stay_day.c],
            rows,
        )
    )


def _tally_visits(conn: Connection, communities: Sequence[int] | None) -> None:
    p = property_.c
    day = _day(visit.c.visited_at)
    rows = (
        select(p.community_id, p.grid_id, day, visit.c.outcome, func.count())
        .select_from(visit.join(property_, property_.c.id == visit.c.property_id))
        .where(_within(p.community_id, communities))
        .group_by(p.community_id, p.grid_id, day, visit.c.outcome)
    )
    conn.execute(
        insert(figure_visit_day).from_select(
            ["community_id", "grid_id", "day", "outcome", "visits"], rows
        )
    )


def _tally_worksites(conn: Connection, communities: Sequence[int] | None) -> None:
    c = worksite.c
    rows = (
        select(c.community_id, c.grid_id, func.count())
        .where(c.status == "active", _within(c.community_id, communities))
        .group_by(c.community_id, c.grid_id)
    )
    conn.execute(
        insert(figure_worksites).from_select(["community_id", "grid_id", "worksites"], rows)
    )


def kept_month_ends(cut: date) -> list[date]:
    """The closed month ends whose covered units are kept: the last :data:`MONTHS_KEPT` up
    to the cut, oldest first.

    >>> [d.isoformat() for d in kept_month_ends(date(2026, 10, 31))][-2:]
    ['2026-09-30', '2026-10-31']
    """
    return coverage.month_ends(cut, MONTHS_KEPT)


def covered_at(
    conn: Connection, ends: Sequence[date], communities: Sequence[int] | None = None
) -> pd.DataFrame:
    """Per community with active units (of these communities; all when None) and day of
    ``ends``, counted from the records: month_end, community_id, units, covered (a completed
    visit in the :data:`geo.coverage.WINDOW_DAYS` ending that day) and covered_month (in its
    calendar month up to that day), by :func:`geo.coverage.covered_by_month`'s rule."""
    p = property_.c
    active = and_(
        p.status == "active", p.community_id.is_not(None), _within(p.community_id, communities)
    )
    units = read_frame(conn, select(p.id, p.community_id).where(active))
    columns = ["month_end", "community_id", "units", "covered", "covered_month"]
    if units.empty or not ends:
        return pd.DataFrame(columns=columns)
    since = coverage.window_bounds(min(ends), coverage.WINDOW_DAYS)[0].date()
    visits = completed_visit_days(conn, since=since, as_of=max(ends), units=active)
    groups = pd.Series(units["community_id"].astype("int64").to_numpy(), index=units["id"])
    rolling = coverage.covered_by_month(
        groups, visits, ends=list(ends), window_days=coverage.WINDOW_DAYS
    )
    month = coverage.covered_by_month(groups, visits, ends=list(ends), window_days=0)
    out = rolling.rename(columns={"group": "community_id"})
    out["covered_month"] = month["covered"].to_numpy()  # the same rows, in the same order
    return out[columns].reset_index(drop=True)


def _tally_months(conn: Connection, communities: Sequence[int] | None, ends: list[date]) -> None:
    """Write the covered units of these communities at the kept month ends ``ends``."""
    counted = covered_at(conn, ends, communities)
    counted = counted.loc[(counted["covered"] > 0) | (counted["covered_month"] > 0)]
    rows = [
        {"community_id": int(c), "month_end": end, "covered": int(a), "covered_month": int(b)}
        for end, c, a, b in zip(
            counted["month_end"],
            counted["community_id"],
            counted["covered"],
            counted["covered_month"],
            strict=True,
        )
    ]
    if rows:
        conn.execute(insert(figure_unit_month), rows)


def _months_rolled_over(conn: Connection, before: date | None, cut: date) -> None:
    """The cut moved from ``before`` to ``cut``: the kept month ends after ``before`` are
    counted from the units' rows as they stood (every visit recorded before this
    transaction was on or before the old newest visit's day, so each unit's latest
    completed visit is its latest up to each of those month ends), and month ends no
    longer kept are dropped."""
    ends = kept_month_ends(cut)
    m = figure_unit_month.c
    conn.execute(delete(figure_unit_month).where(m.month_end < ends[0]))
    if before is None:  # no visit before this transaction: nothing was covered
        return
    u = figure_unit_day.c
    for end in ends:
        if end <= before:
            continue
        start = coverage.window_bounds(end, coverage.WINDOW_DAYS)[0].date()
        first = end.replace(day=1)  # after start: a month is shorter than the window
        rows = (
            select(
                u.community_id,
                literal(end, Date),
                func.sum(u.units),
                func.sum(case((u.day >= first, u.units), else_=0)),
            )
            .where(
                u.cut == 0,
                u.kind == "completed",
                u.community_id.is_not(None),
                u.day >= start,
            )
            .group_by(u.community_id)
        )
        conn.execute(
            insert(figure_unit_month).from_select(
                ["community_id", "month_end", "covered", "covered_month"], rows
            )
        )


def cut_of(newest: datetime | None) -> date | None:
    """The cut for this newest visit: the last day of the month before its month (None
    without visits).

    >>> cut_of(datetime(2026, 11, 29, 19, 58)), cut_of(datetime(2026, 12, 1, 8, 0))
    (datetime.date(2026, 10, 31), datetime.date(2026, 11, 30))
    """
    return None if newest is None else newest.date().replace(day=1) - timedelta(days=1)


def tally(
    conn: Connection,
    communities: Sequence[int] | None = None,
    parts: Sequence[str] = PARTS,
) -> None:
    """Count these parts of these communities' figures (every community when None) from the
    records and replace their rows, inside the caller's write transaction: units and stays
    both from the newest visit on and on the cut (:func:`cut_of`)."""
    if communities is None:
        newest = conn.execute(select(func.max(visit.c.visited_at))).scalar_one()
        newest = pd.Timestamp(newest).to_pydatetime() if newest is not None else None
        conn.execute(delete(figure_newest))
        conn.execute(insert(figure_newest).values(id=1, visited_at=newest, cut=cut_of(newest)))
    last, cut = _state(conn)
    before = last.date() if last else None
    cuts = (None, cut) if cut is not None else (None,)
    for part in parts:
        table = _TABLES[part]
        conn.execute(delete(table).where(_within(table.c.community_id, communities)))
        if part == "units":
            _tally_units(conn, communities, cuts)
            month = figure_unit_month.c.community_id
            conn.execute(delete(figure_unit_month).where(_within(month, communities)))
            if cut is not None:
                _tally_months(conn, communities, kept_month_ends(cut))
        elif part == "stays":
            region = get_setting(conn, "local_region") or ""
            for day in cuts:
                _tally_stays(conn, communities, region, before, day)
        elif part == "visits":
            _tally_visits(conn, communities)
        else:
            _tally_worksites(conn, communities)
    if communities is None:
        conn.execute(delete(figure_dirty))
        conn.execute(delete(figure_new_unit))


def _roll_over(conn: Connection) -> None:
    """When the newest visit has entered a later month, the cut moves to the end of the
    month before it. Every visit recorded before this transaction is older than the new
    cut, so each community's figures from the newest visit on, as they stood, are its
    figures on the new cut: copied, and the communities this transaction touched are
    tallied again after."""
    last, cut = _state(conn)
    moved = cut_of(last)
    if moved == cut or moved is None:
        return
    for table in (figure_unit_day, figure_stay_day):
        conn.execute(delete(table).where(table.c.cut == 1))
        columns = [c for c in table.c if c.name != "cut"]
        rows = select(literal(1, Integer), *columns).where(table.c.cut == 0)
        conn.execute(insert(table).from_select(["cut", *[c.name for c in columns]], rows))
    conn.execute(update(figure_newest).values(cut=moved))
    _months_rolled_over(conn, cut, moved)


def retally(conn: Connection) -> int:
    """Tally again the parts of the communities the triggers noted in this transaction
    (see the module's docstring); returns how many communities. Called by every write
    transaction before it commits."""
    noted = conn.execute(select(figure_dirty.c.community_id, figure_dirty.c.part)).all()
    new_units = conn.execute(select(figure_new_unit.c.property_id).limit(1)).first()
    if not noted and new_units is None:
        return 0
    _roll_over(conn)
    by_part: dict[str, list[int]] = {}
    for community, part in noted:
        by_part.setdefault(part, []).append(int(community))
    for part, communities in by_part.items():
        tally(conn, communities, (part,))
    if new_units is not None:
        _add_new_units(conn, by_part.get("units", []))
    conn.execute(delete(figure_dirty))
    return len({community for community, _ in noted})


def _add_new_units(conn: Connection, tallied: Sequence[int]) -> None:
    """Append, for the units this transaction inserted, one never-visited unit per kind and
    cut to their areas' rows (reads sum the rows), except in the communities tallied again
    just now, which counted them already; then forget them. The new units are counted per
    area once, and the counts written for every kind and cut."""
    p = property_.c
    _, cut = _state(conn)
    ids = [c for c in tallied if c != NO_COMMUNITY]
    elsewhere = or_(p.community_id.not_in(ids), p.community_id.is_(None)) if ids else literal(True)
    outside = and_(elsewhere, p.community_id.is_not(None)) if NO_COMMUNITY in tallied else elsewhere
    new = select(figure_new_unit.c.property_id)  # SQLite walks the units by their ids
    counted = conn.execute(
        select(p.community_id, p.grid_id, func.count())
        .where(p.id.in_(new), p.status == "active", outside)
        .group_by(p.community_id, p.grid_id)
    ).all()
    rows = [
        {
            "cut": which,
            "community_id": community,
            "grid_id": grid,
            "kind": kind,
            "day": NEVER_VISITED,
            "units": units,
        }
        for which in ((0, 1) if cut is not None else (0,))
        for kind in KINDS
        for community, grid, units in counted
    ]
    if rows:
        conn.execute(insert(figure_unit_day), rows)
    conn.execute(delete(figure_new_unit))


def communities_tallied(conn: Connection) -> list[int | None]:
    """The communities with tallied units (None: units in no community)."""
    column = figure_unit_day.c.community_id
    return [c for c in conn.execute(select(column).distinct()).scalars()]


# --- reading ----------------------------------------------------------------------------


def _state(conn: Connection) -> tuple[datetime | None, date | None]:
    """The newest visit time the tallies have seen and their cut (None, None without
    visits)."""
    row = conn.execute(select(figure_newest.c.visited_at, figure_newest.c.cut)).first()
    if row is None or row[0] is None:
        return None, None
    cut = row[1] if row[1] is None or isinstance(row[1], date) else date.fromisoformat(row[1])
    return pd.Timestamp(row[0]).to_pydatetime(), cut


def newest_visit(conn: Connection) -> datetime | None:
    """The newest visit time the tallies have seen (None without visits)."""
    return _state(conn)[0]


def _kept_as(conn: Connection, end: datetime) -> int | None:
    """Which rows of ``figure_unit_day`` and ``figure_stay_day`` hold the day that ends at
    ``end``: 0 for a day from the newest visit on, 1 for the cut; None for another day."""
    newest, cut = _state(conn)
    if newest is None or newest < end:
        return 0
    return 1 if (end - timedelta(days=1)).date() == cut else None


def tallied_counts_by_area(conn: Connection, within: coverage.Bounds) -> pd.DataFrame | None:
    """The per-(community, grid) counts of :data:`COUNT_COLUMNS` on the day that ends at
    ``within.end``, summed from the tallies: for a day from the newest visit on, or the cut
    (a planner's last month end). None for any other day (the tallies hold each unit's latest
    visit, not its latest visit before any past day: :func:`recounted_counts_by_area` then
    counts from the records)."""
    found = tallied_counts_by_windows(conn, [within])
    return None if found is None else found[0]


def tallied_counts_by_windows(
    conn: Connection, windows: Sequence[coverage.Bounds]
) -> list[pd.DataFrame] | None:
    """:func:`tallied_counts_by_area` for several windows ending on one day (each with the
    same ``end`` and ``overdue_from``), in one read of the tallies: one frame per window,
    in their order. A planner's overview needs the calendar month and 90 days at once."""
    within = windows[0]
    if any((w.end, w.overdue_from) != (within.end, within.overdue_from) for w in windows):
        raise ValueError("the windows must end on one day")
    which = _kept_as(conn, within.end)
    if which is None:
        return None
    as_of = (within.end - timedelta(days=1)).date()
    overdue_from = within.overdue_from.date()

    def total(condition: Any, column: Any) -> Any:
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    u = figure_unit_day.c
    per_window = [
        column
        for i, window in enumerate(windows)
        for column in (
            total(and_(u.kind == "completed", u.day >= window.start.date()), u.units).label(
                f"covered_{i}"
            ),
            total(and_(u.kind == "attempt", u.day >= window.start.date()), u.units).label(
                f"attempted_{i}"
            ),
        )
    ]
    units = (
        select(
            u.community_id,
            u.grid_id,
            total(u.kind == "completed", u.units).label("rental_units"),
            total(and_(u.kind == "completed", u.day < overdue_from), u.units).label(
                "overdue_units"
            ),
            *per_window,
        )
        .where(u.cut == which)
        .group_by(u.community_id, u.grid_id)
    )
    s = figure_stay_day.c
    current = s.day <= as_of

    def living(*also: Any) -> Any:
        return total(and_(current, *also), s.moved_in - s.moved_out)

    stays = (
        select(
            s.community_id,
            s.grid_id,
            living().label("residents"),
            living(s.floating == 1).label("floating_residents"),
            living(s.not_found == 1).label("not_found_residents"),
        )
        .where(s.cut == which)
        .group_by(s.community_id, s.grid_id)
    )
    w = figure_worksites.c
    sites = select(w.community_id, w.grid_id, func.sum(w.worksites).label("worksites")).group_by(
        w.community_id, w.grid_id
    )
    counted, living_, working = (read_frame(conn, part) for part in (units, stays, sites))
    shared = [c for c in counted.columns if not c.startswith(("covered_", "attempted_"))]
    return [
        _combined(
            [
                counted[shared].assign(
                    covered=counted[f"covered_{i}"], attempted=counted[f"attempted_{i}"]
                ),
                living_,
                working,
            ]
        )
        for i in range(len(windows))
    ]


def tallied_trend(conn: Connection, ends: Sequence[date]) -> pd.DataFrame | None:
    """Per community with active units and day of ``ends``: month_end, community_id,
    units, covered (a completed visit in the :data:`geo.coverage.WINDOW_DAYS` ending that
    day) and covered_month (in its calendar month up to it), summed from the tallies,
    oldest day first: :func:`covered_at`'s counts. None when a day is neither from the
    newest visit on nor a kept month end (:func:`kept_month_ends`): :func:`covered_at`
    then counts them from the records.

    The units are today's active units at every day, as the trends count them."""
    newest, cut = _state(conn)
    stored = [end for end in ends if newest is not None and newest >= coverage.day_end(end)]
    if stored and (cut is None or not set(stored) <= set(kept_month_ends(cut))):
        return None
    u = figure_unit_day.c
    mine = (u.cut == 0, u.kind == "completed", u.community_id.is_not(None))
    counted: list[tuple[date, str, str]] = []  # the days the month table does not keep,
    sums: list[Any] = []  # counted in the one read of the units
    for i, end in enumerate(end for end in ends if end not in stored):
        start = coverage.window_bounds(end, coverage.WINDOW_DAYS)[0].date()
        first = end.replace(day=1)  # after start: a month is shorter than the window
        counted.append((end, f"covered_{i}", f"covered_month_{i}"))
        sums += [
            func.sum(case((u.day >= start, u.units), else_=0)).label(f"covered_{i}"),
            func.sum(case((u.day >= first, u.units), else_=0)).label(f"covered_month_{i}"),
        ]
    units = read_frame(
        conn,
        select(u.community_id, func.sum(u.units).label("units"), *sums)
        .where(*mine)
        .group_by(u.community_id),
    )
    found = [
        units[["community_id"]].assign(
            covered=units[covered], covered_month=units[month], month_end=end
        )
        for end, covered, month in counted
    ]
    if stored:
        m = figure_unit_month.c
        kept = read_frame(
            conn,
            select(m.community_id, m.month_end, m.covered, m.covered_month).where(
                m.month_end.in_(stored)
            ),
        )
        # a driver may give ISO text: as dates, like the days asked
        kept["month_end"] = pd.to_datetime(kept["month_end"]).dt.date
        found.append(kept)
    every = pd.MultiIndex.from_product(
        [list(ends), sorted(int(c) for c in units["community_id"])],
        names=["month_end", "community_id"],
    )
    columns = ["covered", "covered_month"]
    found = [frame for frame in found if not frame.empty]
    summed = (
        pd.concat(found, ignore_index=True)
        .astype({"community_id": "int64"})
        .groupby(["month_end", "community_id"])[columns]
        .sum()
        if found
        else pd.DataFrame(columns=columns, dtype="int64")
    )
    out = pd.DataFrame(index=every).reset_index()
    out["units"] = out["community_id"].map(
        dict(zip(units["community_id"].astype(int), units["units"].astype(int), strict=True))
    )
    for column in columns:
        out[column] = summed[column].reindex(every, fill_value=0).to_numpy().astype("int64")
    return out


PROVEN_COLUMNS: Final = (
    "rental_units",
    "covered",
    "proven_covered",
    "inspected",
    "proven_inspected",
)
"""The proven coverage table's counts per (community, grid): active units, those with a
completed visit and a proven one in the window, and in the calendar month up to the day."""


def tallied_proven_by_area(
    conn: Connection, within: coverage.Bounds, month: coverage.Bounds
) -> pd.DataFrame | None:
    """Per (community_id, grid_id): :data:`PROVEN_COLUMNS` on the day that ends at
    ``within.end`` (``within`` the window, ``month`` the calendar month to that day), summed
    from the tallies; None for a day they do not keep (as :func:`tallied_counts_by_area`)."""
    which = _kept_as(conn, within.end)
    if which is None:
        return None
    u = figure_unit_day.c

    def total(kind: str, since: datetime | None) -> Any:
        inside = u.kind == kind if since is None else and_(u.kind == kind, u.day >= since.date())
        return func.coalesce(func.sum(case((inside, u.units), else_=0)), 0)

    statement = (
        select(
            u.community_id,
            u.grid_id,
            total("completed", None).label("rental_units"),
            total("completed", within.start).label("covered"),
            total("proven", within.start).label("proven_covered"),
            total("completed", month.start).label("inspected"),
            total("proven", month.start).label("proven_inspected"),
        )
        .where(u.cut == which)
        .group_by(u.community_id, u.grid_id)
    )
    return _proven_frame(read_frame(conn, statement))


def recounted_proven_by_area(
    conn: Connection, within: coverage.Bounds, month: coverage.Bounds
) -> pd.DataFrame:
    """The same counts as :func:`tallied_proven_by_area`, counted from the records (any
    day): each active unit's latest completed and latest proven visit up to the day."""
    proven_at = case((visit_proof.c.visit_id.is_not(None), visit.c.visited_at))
    latest = (
        select(
            visit.c.property_id,
            func.max(visit.c.visited_at).label("latest"),
            func.max(proven_at).label("latest_proven"),
        )
        .select_from(visit.outerjoin(visit_proof, visit_proof.c.visit_id == visit.c.id))
        .where(
            visit.c.property_id.is_not(None),
            visit.c.outcome.in_(COMPLETED_OUTCOMES),
            visit.c.visited_at < within.end,
        )
        .group_by(visit.c.property_id)
        .subquery()
    )
    p = property_.c

    def count(column: Any, since: datetime) -> Any:
        return func.coalesce(func.sum(case((column >= since, 1), else_=0)), 0)

    statement = (
        select(
            p.community_id,
            p.grid_id,
            func.count().label("rental_units"),
            count(latest.c.latest, within.start).label("covered"),
            count(latest.c.latest_proven, within.start).label("proven_covered"),
            count(latest.c.latest, month.start).label("inspected"),
            count(latest.c.latest_proven, month.start).label("proven_inspected"),
        )
        .select_from(property_.outerjoin(latest, latest.c.property_id == p.id))
        .where(p.status == "active")
        .group_by(p.community_id, p.grid_id)
    )
    return _proven_frame(read_frame(conn, statement))


def _proven_frame(found: pd.DataFrame) -> pd.DataFrame:
    """community_id, grid_id (None for none) and the counts as int64, areas with units
    only, in order."""
    columns = ["community_id", "grid_id", *PROVEN_COLUMNS]
    if found.empty:
        return pd.DataFrame(columns=columns)
    for column in PROVEN_COLUMNS:
        found[column] = pd.to_numeric(found[column]).fillna(0).astype("int64")
    found = found.loc[found["rental_units"] > 0, columns]
    return found.sort_values(["community_id", "grid_id"], na_position="first").reset_index(
        drop=True
    )


def proven_differences(
    conn: Connection, within: coverage.Bounds, month: coverage.Bounds
) -> pd.DataFrame | None:
    """Where the proven table's tallies and a recount disagree: community_id, grid_id,
    figure, tallied, recounted; None for a day the tallies do not keep."""
    tallied = tallied_proven_by_area(conn, within, month)
    if tallied is None:
        return None
    recounted = recounted_proven_by_area(conn, within, month)
    keys = ["community_id", "grid_id"]
    both = tallied.merge(recounted, on=keys, how="outer", suffixes=("_t", "_r"))
    rows = []
    for column in PROVEN_COLUMNS[2:]:  # the rest are the overview's, checked there
        t = both[f"{column}_t"].fillna(0).astype("int64")
        r = both[f"{column}_r"].fillna(0).astype("int64")
        rows += [
            {
                "community_id": both.at[i, "community_id"],
                "grid_id": both.at[i, "grid_id"],
                "figure": column,
                "tallied": int(t[i]),
                "recounted": int(r[i]),
            }
            for i in both.index[t != r]
        ]
    return pd.DataFrame(rows, columns=[*keys, "figure", "tallied", "recounted"])


def recounted_counts_by_area(
    conn: Connection, within: coverage.Bounds, *, local_region: str
) -> pd.DataFrame:
    """The same counts as :func:`tallied_counts_by_area`, counted from the records (any
    day)."""
    as_of = (within.end - pd.Timedelta(days=1)).date()
    parts = [
        unit_counts_by_area(conn, within),
        resident_counts_by_area(conn, as_of=as_of, local_region=local_region),
        worksite_counts_by_area(conn),
    ]
    return _combined(parts)


def _combined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Parts with columns community_id, grid_id and some counts, as one row per area with
    every count of :data:`COUNT_COLUMNS` (0 where a part has none), empty areas dropped."""
    frames = [part for part in parts if not part.empty]
    if not frames:
        return pd.DataFrame(columns=["community_id", "grid_id", *COUNT_COLUMNS])
    out = (
        pd.concat(frames, ignore_index=True)
        .groupby(["community_id", "grid_id"], dropna=False)
        .sum()
        .reset_index()
    )
    for column in COUNT_COLUMNS:
        values = out[column] if column in out else pd.Series(0, index=out.index)
        out[column] = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
    out = out.loc[out[list(COUNT_COLUMNS)].ne(0).any(axis=1)]
    return (
        out[["community_id", "grid_id", *COUNT_COLUMNS]]
        .sort_values(["community_id", "grid_id"], na_position="first")
        .reset_index(drop=True)
    )


def differences(tallied: pd.DataFrame, recounted: pd.DataFrame) -> pd.DataFrame:
    """Rows where the two ways disagree: community_id, grid_id, figure, tallied, recounted
    (empty when they agree)."""
    keys = ["community_id", "grid_id"]
    both = tallied.merge(recounted, on=keys, how="outer", suffixes=("_t", "_r"))
    rows = []
    for column in COUNT_COLUMNS:
        t = both[f"{column}_t"].fillna(0).astype("int64")
        r = both[f"{column}_r"].fillna(0).astype("int64")
        for i in both.index[t != r]:
            rows.append(
                {
                    "community_id": both.at[i, "community_id"],
                    "grid_id": both.at[i, "grid_id"],
                    "figure": column,
                    "tallied": int(t[i]),
                    "recounted": int(r[i]),
                }
            )
    return pd.DataFrame(rows, columns=[*keys, "figure", "tallied", "recounted"])


def trend_differences(conn: Connection, ends: Sequence[date]) -> pd.DataFrame | None:
    """Where the trends' tallies (:func:`tallied_trend`) and a recount (:func:`covered_at`)
    disagree at the days of ``ends``: community_id, grid_id (None), figure (``units``, or
    ``covered`` / ``covered_month`` and the day, e.g. ``covered 2026-10-31``), tallied,
    recounted; None when the tallies do not keep these days."""
    tallied = tallied_trend(conn, ends)
    if tallied is None:
        return None
    keys = ["month_end", "community_id"]
    both = tallied.merge(covered_at(conn, ends), on=keys, how="outer", suffixes=("_t", "_r"))
    rows = []
    days = [pd.Timestamp(str(d)).date() for d in both["month_end"]]
    for figure in ("units", "covered", "covered_month"):
        t = both[f"{figure}_t"].fillna(0).astype("int64")
        r = both[f"{figure}_r"].fillna(0).astype("int64")
        for i in both.index[t != r]:
            end = days[i]
            if figure == "units" and end != ends[-1]:
                continue  # today's units, the same at every day: named once
            rows.append(
                {
                    "community_id": both.at[i, "community_id"],
                    "grid_id": None,
                    "figure": figure if figure == "units" else f"{figure} {end.isoformat()}",
                    "tallied": int(t[i]),
                    "recounted": int(r[i]),
                }
            )
    return pd.DataFrame(rows, columns=["community_id", "grid_id", "figure", "tallied", "recounted"])
