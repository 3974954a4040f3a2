"""Commands that read figures and lists: stats and the staff lists."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from typing import Any

from geo import worklists
from geo.cells import neutralise_frame
from geo.cli.usage import (
    CheckFailedError,
    Handler,
    Parser,
    as_of_argument,
    open_db,
    positive_int,
)
from geo.coverage import WINDOW_DAYS
from geo.services import (
    kits,
    statistics,
    sweeps,
    tallies,
)
from geo.services import lists as staff_lists
from geo.services.access import local_operator
from geo.vocabulary import AREA_LEVELS


def add_commands(commands: Any) -> dict[str, Handler]:
    """Register this group's commands under ``commands``; returns their handlers."""
    stats = commands.add_parser("stats", help="statistics")
    what = stats.add_subparsers(dest="what", required=True, parser_class=Parser)
    per_area = what.add_parser("areas", help="per-area counts, coverage and density")
    per_area.add_argument("--level", default="community", choices=AREA_LEVELS.codes)
    per_area.add_argument(
        "--window", type=positive_int, default=WINDOW_DAYS, help="coverage window in days"
    )
    per_area.add_argument(
        "--as-of", type=date.fromisoformat, help="last day of the window (default today)"
    )
    per_area.add_argument("--format", choices=("json", "csv"), default="json")
    proven = what.add_parser(
        "proven", help="coverage and monthly inspection rate, all visits and proven visits only"
    )
    proven.add_argument("--level", default="community", choices=AREA_LEVELS.codes)
    proven.add_argument(
        "--window", type=positive_int, default=WINDOW_DAYS, help="coverage window in days"
    )
    as_of_argument(proven, "last day of the window")
    rates = what.add_parser(
        "registration", help="residence and rental registration rates per community"
    )
    rates.add_argument(
        "--window", type=positive_int, default=WINDOW_DAYS, help="days of field results"
    )
    rates.add_argument("--as-of", type=date.fromisoformat, help="last day (default today)")
    tallies = what.add_parser(
        "tallies",
        help="prove the figures kept beside the records equal a recount (exit 1 if not)",
    )
    tallies.add_argument(
        "--rebuild", action="store_true", help="tally every area again from the records first"
    )
    tallies.add_argument(
        "--window", type=positive_int, default=WINDOW_DAYS, help="coverage window in days"
    )
    as_of_argument(tallies, "the day compared")
    published = what.add_parser(
        "published",
        help="what planners see of each month end, kept from their first look (admins)",
    )
    published.add_argument(
        "--withdraw",
        action="store_true",
        help="forget it (of --month-end, or of every month end): the next look publishes it"
        " again from the records, e.g. after loading history (audited)",
    )
    published.add_argument("--month-end", type=date.fromisoformat, help="one month end only")
    published.add_argument(
        "--publish",
        action="store_true",
        help="publish the last month end now, so no planner waits for it (e.g. from cron on"
        " the 1st)",
    )

    lists = commands.add_parser("lists", help="lists to act on (masked identifiers)")
    lists.add_argument("name", choices=worklists.LISTS)
    lists.add_argument("--area", help="a street or community code (default: everywhere)")
    lists.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    lists.add_argument("--format", choices=("json", "csv"), default="json")
    return {"stats": _stats, "lists": _lists}


def _stats(args: argparse.Namespace) -> Any:
    opened = open_db(args)
    if args.what == "proven":
        return statistics.statistics_records(
            kits.proven_coverage(
                opened,
                local_operator(),
                level=args.level,
                window_days=args.window,
                as_of=args.as_of,
            )
        )
    if args.what == "tallies":
        return _tallies(opened, args)
    if args.what == "published":
        if args.withdraw:
            return tallies.withdraw_published(opened, local_operator(), month_end=args.month_end)
        if args.publish:
            return statistics.publish_month_end(opened, local_operator())
        kept = tallies.published_month_ends(opened, local_operator())
        return [k for k in kept if args.month_end in (None, k["month_end"])]
    if args.what == "registration":
        rates = sweeps.registration_rates(
            opened, local_operator(), window_days=args.window, as_of=args.as_of
        )
        return statistics.statistics_records(rates)
    table = statistics.area_statistics(
        opened, local_operator(), level=args.level, window_days=args.window, as_of=args.as_of
    )
    if args.format == "csv":
        buffer = io.StringIO()  # an area name from a boundary file may read as a formula
        neutralise_frame(table).to_csv(buffer, index=False, lineterminator="\r\n")
        return buffer.getvalue()
    return statistics.statistics_records(table)


def _tallies(opened: Any, args: argparse.Namespace) -> dict[str, Any]:
    actor = local_operator()
    before = None
    if args.rebuild:
        before = tallies.check_tallies(opened, actor, as_of=args.as_of, window_days=args.window)
        tallies.rebuild_tallies(opened, actor)
    result = tallies.check_tallies(opened, actor, as_of=args.as_of, window_days=args.window)
    if before is not None:
        result["differences_before_rebuild"] = len(before["differences"])
    if result["agree"] is False:
        raise CheckFailedError(result, "tallies_differ", count=len(result["differences"]))
    return result


def _lists(args: argparse.Namespace) -> Any:
    opened = open_db(args)
    if args.format == "csv":
        data = staff_lists.staff_list_csv(
            opened, local_operator(), args.name, area=args.area, as_of=args.as_of
        )
        return data.decode("utf-8")  # keeps the BOM that Excel needs
    table = staff_lists.staff_list(
        opened, local_operator(), args.name, area=args.area, as_of=args.as_of
    )
    return {
        "list": args.name,
        "rows": len(table),
        "by_community": worklists.counts_by_community(table).to_dict("records"),
        "items": json.loads(table.to_json(orient="records", date_format="iso", force_ascii=False)),
    }
