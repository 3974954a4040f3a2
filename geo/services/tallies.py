"""The figures kept beside the records (:mod:`geo.store.figures`): proved equal to a
recount, and tallied again from the records when asked. For admins (``setup``)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pandas as pd

from geo import clock
from geo.coverage import WINDOW_DAYS, bounds, month_ends, month_to_date_days
from geo.disclosure import month_end_on_or_before
from geo.errors import InputError
from geo.services.access import Actor, require
from geo.services.auditing import audited
from geo.services.setup import Opened
from geo.store import figures, published
from geo.store.areas import load_areas
from geo.store.stored_settings import get_setting

TREND_MONTHS = 12
"""The month ends checked beside the day: the coverage trends' (the day's and the 11
before)."""


def check_tallies(
    opened: Opened,
    actor: Actor,
    *,
    as_of: date | None = None,
    window_days: int = WINDOW_DAYS,
) -> dict[str, Any]:
    """Compare the tallied figures of every area with a recount from the records, on
    ``as_of`` (default today) in one snapshot.

    Returns ``{"as_of", "window_days", "areas", "agree", "differences": [{community_code,
    community_name, grid_code, grid_name, figure, tallied, recounted, community_id,
    grid_id}], "tallied_s", "recounted_s"}``; ``agree`` is None for a day the tallies do
    not keep (before the newest visit, other than the cut, a planner's last month end).
    The coverage trends' covered units per community at the month ends up to the day
    (:func:`geo.store.figures.trend_differences`) and the proven coverage table's counts
    (:func:`geo.store.figures.proven_differences`) are compared too, when kept (the
    trends' differences have no grid, and the month end in ``figure``). Seconds are wall time;
    the trends' are not in them."""
    require(actor, "setup")
    day = as_of or clock.today()
    within = bounds(day, window_days)
    with opened.db.read() as conn:
        started = time.perf_counter()
        tallied = figures.tallied_counts_by_area(conn, within)
        tallied_s = time.perf_counter() - started
        started = time.perf_counter()
        recounted = figures.recounted_counts_by_area(
            conn, within, local_region=get_setting(conn, "local_region") or ""
        )
        recounted_s = time.perf_counter() - started
        names = load_areas(conn, geometry=False)[["id", "code", "name"]]
        trend = figures.trend_differences(conn, month_ends(day, TREND_MONTHS))
        proven = figures.proven_differences(conn, within, bounds(day, month_to_date_days(day)))
    found = figures.differences(tallied, recounted) if tallied is not None else None
    for more in (trend, proven):
        if found is not None and more is not None:
            rows = found.to_dict("records") + more.to_dict("records")
            found = pd.DataFrame(rows, columns=found.columns)
    if found is not None:
        found = _named(found, names)
    return {
        "as_of": day.isoformat(),
        "window_days": window_days,
        "areas": len(recounted),
        "agree": None if found is None else found.empty,
        "differences": [] if found is None else _plain(found.to_dict("records")),
        "tallied_s": round(tallied_s, 3),
        "recounted_s": round(recounted_s, 3),
    }


def rebuild_tallies(opened: Opened, actor: Actor) -> dict[str, Any]:
    """Tally every area again from the records (audited ``figures.rebuild``); returns
    ``{"communities", "seconds"}``. Needed only after a fault or a change made outside
    Gridhouse: every write keeps them in step."""
    require(actor, "setup")
    started = time.perf_counter()
    with audited(opened, actor, "figures.rebuild") as done:
        figures.tally(done.conn)
        done.count = len(figures.communities_tallied(done.conn))
    return {"communities": done.count, "seconds": round(time.perf_counter() - started, 3)}


def published_month_ends(opened: Opened, actor: Actor) -> list[dict[str, Any]]:
    """What planners see of each month end, as kept (:func:`geo.services.statistics.
    publish_month_end`), newest first: month_end, parts (how many), names (the parts, each
    worksite's workers' homes as one ``worker_homes_*``), first and last published_at
    (UTC)."""
    require(actor, "setup")
    with opened.db.read() as conn:
        kept = published.published_list(conn)
    out: dict[date, dict[str, Any]] = {}
    for part in kept:
        seen = out.setdefault(
            part["month_end"],
            {"month_end": part["month_end"], "parts": 0, "names": set(), "at": []},
        )
        seen["parts"] += 1
        name = str(part["name"])
        seen["names"].add("worker_homes_*" if name.startswith("worker_homes_") else name)
        seen["at"].append(part["published_at"])
    return [
        {
            "month_end": seen["month_end"],
            "parts": seen["parts"],
            "names": sorted(seen["names"]),
            "first_published_at": min(seen["at"]),
            "last_published_at": max(seen["at"]),
        }
        for seen in out.values()
    ]


def withdraw_published(
    opened: Opened, actor: Actor, *, month_end: date | None = None
) -> dict[str, Any]:
    """Forget what planners were shown of ``month_end`` (None: of every month end), so that
    their next look publishes it again from the records (audited ``figures.withdraw``);
    returns ``{"month_end", "parts"}``. For a registry whose history was loaded after a
    planner first looked: the month ends published before it hold none of it. Planners
    who saw both can subtract them, so it is an admin's act on the record. InputError
    when ``month_end`` is not the last day of a month."""
    require(actor, "setup")
    if month_end is not None and month_end_on_or_before(month_end) != month_end:
        raise InputError("value_invalid", name="month_end", value=month_end.isoformat())
    with audited(opened, actor, "figures.withdraw", object_type="month_end") as done:
        done.count = published.withdraw_parts(done.conn, month_end)
        done.object_id = None if month_end is None else month_end.isoformat()
    return {"month_end": month_end, "parts": done.count}


def _named(found: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Each difference with its community's and grid's code and name beside their ids
    (None for units in no community or grid)."""
    code = dict(zip(names["id"], names["code"], strict=True))
    name = dict(zip(names["id"], names["name"], strict=True))
    out = found.copy()
    for level in ("community", "grid"):
        ids = out[f"{level}_id"]
        out[f"{level}_code"] = [None if pd.isna(i) else code.get(int(i)) for i in ids]
        out[f"{level}_name"] = [None if pd.isna(i) else name.get(int(i)) for i in ids]
    first = ["community_code", "community_name", "grid_code", "grid_name", "figure"]
    return out[[*first, "tallied", "recounted", "community_id", "grid_id"]]


def _plain(rows: list[dict[Any, Any]]) -> list[dict[str, Any]]:
    """JSON-ready: area ids as int or None."""
    return [
        {
            str(k): (None if v != v else int(v) if str(k).endswith("_id") else v)
            for k, v in row.items()
        }
        for row in rows
    ]
