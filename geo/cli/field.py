"""Commands for the field: sweeps, field kits, door plates and area lists."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from geo import sweeps as sweep_rules
from geo.cli.usage import (
    Handler,
    Parser,
    as_of_argument,
    check_output,
    notice,
    open_db,
    positive_int,
    write_output,
    writing,
)
from geo.errors import InputError, NotFoundError
from geo.io import arealists
from geo.io.private_files import write_private
from geo.services import (
    kits,
    setup,
    statistics,
    sweeps,
)
from geo.services.access import local_operator


def add_commands(commands: Any) -> dict[str, Handler]:
    """Register this group's commands under ``commands``; returns their handlers."""
    sweep = commands.add_parser("sweep", help="door-to-door sweeps (清查任务)")
    sweep_commands = sweep.add_subparsers(dest="action", required=True, parser_class=Parser)
    create = sweep_commands.add_parser("create", help="a new sweep over some areas")
    create.add_argument("--name", required=True)
    create.add_argument("--areas", required=True, help="comma-separated area codes")
    create.add_argument("--teams", required=True, help="comma-separated team names")
    create.add_argument("--from", dest="starts_on", type=date.fromisoformat, required=True)
    create.add_argument("--to", dest="ends_on", type=date.fromisoformat, required=True)
    create.add_argument(
        "--member", action="append", default=[], metavar="TEAM=USER", help="a team member"
    )
    assign = sweep_commands.add_parser(
        "assign", help="rank the units and split them among the teams, with walking routes"
    )
    assign.add_argument("sweep", type=positive_int)
    assign.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    assign.add_argument("--limit", type=positive_int, help="only the first N units by priority")
    assign.add_argument(
        "--replan",
        action="store_true",
        help="re-plan a sweep under way (visits recorded or kits issued): re-cuts the teams'"
        " shares, so issued kits no longer match; audited",
    )
    assign.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="FACTOR=W",
        help=f"priority weight, factors: {', '.join(sweep_rules.FACTORS)}",
    )
    progress = sweep_commands.add_parser("progress", help="visited, not reached, days left")
    progress.add_argument("sweep", type=positive_int)
    progress.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    sweep_export = sweep_commands.add_parser("export", help="a team's area list (see export)")
    _area_list_arguments(sweep_export, sweep_required=True)
    _field_kit_arguments(sweep_commands)

    _plates_arguments(commands)
    export = commands.add_parser("export", help="files for the field")
    export_what = export.add_subparsers(dest="what", required=True, parser_class=Parser)
    area_list = export_what.add_parser(
        "area-list",
        help="a sweep team's units, or (--area without --sweep) an area's units, in walking order",
    )
    _area_list_arguments(area_list, sweep_required=False)
    return {"sweep": _sweep, "plates": _plates, "export": _export}


def _field_kit_arguments(sweep_commands: Any) -> None:
    """``sweep kit|results|review|prove`` and ``plates`` (issue 19: the field round trip)."""
    kit = sweep_commands.add_parser("kit", help="a team's field kit (ODK form or GeoPackage)")
    kit.add_argument("sweep", type=positive_int)
    kit.add_argument("--team", required=True)
    kit.add_argument("--format", choices=kits.KIT_FORMATS, default="odk")
    kit.add_argument("--out", type=Path, required=True, help="the folder to write the kit into")
    kit.add_argument("--expires", type=date.fromisoformat, help="default: the sweep's last day")
    as_of_argument(kit, "the issue day")
    results = sweep_commands.add_parser(
        "results", help="import submissions: ODK Central's CSV/zip export or a kit's GeoPackage"
    )
    results.add_argument("file", type=Path)
    review = sweep_commands.add_parser(
        "review", help="conflicting visits: list them, or settle one with --decide"
    )
    review.add_argument("--decide", type=positive_int, metavar="ITEM")
    review.add_argument("--accept", choices=kits.DECISIONS)
    review.add_argument("--keep", help="with --accept one: the submission id to keep")
    prove = sweep_commands.add_parser("prove", help="mark visits a back-check confirmed as proven")
    prove.add_argument("sweep", type=positive_int)


def _plates_arguments(commands: Any) -> None:
    plates = commands.add_parser("plates", help="door plates with QR codes (门牌二维码)")
    action = plates.add_subparsers(dest="action", required=True, parser_class=Parser)
    printing = action.add_parser("print", help="a printable sheet of plates for an area")
    printing.add_argument("--area", required=True, help="a street, community or grid code")
    printing.add_argument("--out", type=Path, required=True, help="the HTML sheet to write")
    printing.add_argument("--reissue", action="store_true", help="revoke and remake every plate")
    revoke = action.add_parser("revoke", help="revoke a unit's plate and issue a new one")
    revoke.add_argument("property", help="the unit's reference")
    revoke.add_argument("--reason", choices=kits.PLATE_REASONS, required=True)
    revoke.add_argument("--out", type=Path, required=True, help="the HTML sheet to write")


def _area_list_arguments(command: argparse.ArgumentParser, *, sweep_required: bool) -> None:
    if sweep_required:
        command.add_argument("sweep", type=positive_int)
    else:
        command.add_argument(
            "--sweep",
            type=positive_int,
            help="default: with --area, the area's units without a sweep; else the newest sweep",
        )
    command.add_argument("--area", help="only this street, community or grid code")
    command.add_argument("--team", help="only this team (default: every team)")
    command.add_argument("--format", choices=arealists.FORMATS, required=True)
    command.add_argument("--out", type=Path, required=True, help="the file to write")
    command.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")


def _sweep(args: argparse.Namespace) -> Any:
    if args.action == "kit":
        check_output(args.out, folder=True)
    elif args.action == "export":
        check_output(args.out, suggest=f"area-list.{args.format}")
    opened = open_db(args)
    actor = local_operator()
    if args.action == "create":
        sweep_id = sweeps.create_sweep(
            opened,
            actor,
            name=args.name,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            areas=[a.strip() for a in args.areas.split(",") if a.strip()],
            teams=[t.strip() for t in args.teams.split(",") if t.strip()],
            members=_members(args.member),
        )
        return {"sweep": sweep_id}
    if args.action == "assign":
        weights = dict(sweep_rules.DEFAULT_WEIGHTS)
        for item in args.weight:
            factor, sep, value = item.partition("=")
            if not sep or factor not in sweep_rules.FACTORS:
                raise InputError("value_invalid", name="--weight", value=item)
            try:
                weights[factor] = float(value)
            except ValueError as exc:
                raise InputError("value_invalid", name="--weight", value=item) from exc
        plan = sweeps.plan_sweep(
            opened,
            actor,
            args.sweep,
            as_of=args.as_of,
            weights=weights,
            limit=args.limit,
            replan=args.replan,
        )
        if plan.visits_before:
            notice(
                "sweep_replanned_after_visits",
                sweep=plan.sweep_id,
                visits=plan.visits_before,
                starts_on=plan.starts_on,
            )
        return {
            "sweep": plan.sweep_id,
            "units": int(plan.teams["units"].sum()),
            "imbalance": (
                plan.imbalance if isinstance(plan.imbalance, str) else round(plan.imbalance, 4)
            ),
            "visits_before": plan.visits_before,
            "teams": plan.teams.to_dict("records"),
        }
    if args.action == "progress":
        result = sweeps.sweep_progress(opened, actor, args.sweep, as_of=args.as_of)
        return {
            "sweep": args.sweep,
            "remaining": result["remaining"],
            "days_needed": result["days_needed"],
            "by_team": result["by_team"].to_dict("records"),
            "by_community": result["by_community"].to_dict("records"),
            "proven_by_team": kits.proven_progress(
                opened, actor, args.sweep, as_of=args.as_of
            ).to_dict("records"),
        }
    if args.action in ("kit", "results", "review", "prove"):
        return _field(opened, args)
    return _export_area_list(opened, args)


def _field(opened: setup.Opened, args: argparse.Namespace) -> Any:
    actor = local_operator()
    if args.action == "kit":
        kit = kits.issue_kit(
            opened,
            actor,
            args.sweep,
            team=args.team,
            fmt=args.format,
            expires_on=args.expires,
            as_of=args.as_of,
        )
        with writing(args.out):
            args.out.mkdir(parents=True, exist_ok=True)
        for name, data in kit.files.items():
            write_output(args.out / name, data)
        return {
            "kit": kit.stamp.kit_id,
            "sweep": kit.stamp.sweep_id,
            "team": kit.stamp.team,
            "format": args.format,
            "units": kit.units,
            "issued_on": kit.stamp.issued_on,
            "expires_on": kit.stamp.expires_on,
            "files": sorted(kit.files),
            "out": str(args.out),
        }
    if args.action == "results":
        if not args.file.is_file():
            raise NotFoundError("file_not_found", path=str(args.file))
        return kits.import_submissions(
            opened, actor, data=args.file.read_bytes(), filename=args.file.name
        )
    if args.action == "prove":
        return {"sweep": args.sweep, "proven": kits.prove_by_backcheck(opened, actor, args.sweep)}
    if args.decide is not None:
        if args.accept is None:
            raise InputError("usage_required", arguments="--accept", prog="gridhouse sweep review")
        return kits.decide_review(opened, actor, args.decide, decision=args.accept, keep=args.keep)
    return statistics.statistics_records(kits.review_queue(opened, actor))


def _plates(args: argparse.Namespace) -> Any:
    check_output(args.out, suggest="plates.html")
    opened = open_db(args)
    actor = local_operator()
    # A sheet holds the only copy of each plate's token: owner-only, whatever the umask.
    if args.action == "print":
        sheet, made, skipped = kits.print_plates(opened, actor, args.area, reissue=args.reissue)
        with writing(args.out):
            write_private(args.out, sheet)
        return {"area": args.area, "plates": made, "skipped": skipped, "file": str(args.out)}
    sheet = kits.revoke_plate(opened, actor, args.property, reason=args.reason)
    with writing(args.out):
        write_private(args.out, sheet)
    return {"property": args.property, "reason": args.reason, "file": str(args.out)}


def _members(items: list[str]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for item in items:
        team, sep, user = item.partition("=")
        if not sep or not team.strip() or not user.strip():
            raise InputError("value_invalid", name="--member", value=item)
        members.setdefault(team.strip(), []).append(user.strip())
    return members


def _export(args: argparse.Namespace) -> Any:
    check_output(args.out, suggest=f"area-list.{args.format}")
    return _export_area_list(open_db(args), args)


def _export_area_list(opened: setup.Opened, args: argparse.Namespace) -> Any:
    actor = local_operator()
    sweep_id = args.sweep
    if sweep_id is None and args.area is not None:  # the area's units, no sweep needed
        if args.team is not None:
            raise InputError("value_invalid", name="--team", value=args.team)
        data, units = sweeps.area_units_list(
            opened, actor, args.area, fmt=args.format, as_of=args.as_of
        )
        write_output(args.out, data)
        return {
            "sweep": None,
            "area": args.area,
            "format": args.format,
            "units": units,
            "file": str(args.out),
        }
    if sweep_id is None:
        known = sweeps.list_sweeps(opened, actor)
        if known.empty:
            raise InputError(
                "usage_required", arguments="--sweep | --area", prog="gridhouse export area-list"
            )
        sweep_id = int(known["id"].iloc[0])
    data, units = sweeps.area_list(
        opened, actor, sweep_id, fmt=args.format, team=args.team, area=args.area, as_of=args.as_of
    )
    write_output(args.out, data)
    return {"sweep": sweep_id, "format": args.format, "units": units, "file": str(args.out)}
