"""The ``gridhouse`` command: a thin shell over geo.services, like the pages.

Each command prints its result as one JSON line on stdout. Errors, usage errors included,
print one line on stderr, in Chinese and English, and exit with code 2; no traceback or
library warning reaches the terminal (unexpected failures are logged with a reference number
to ``gridhouse.log`` beside the database, see :func:`geo.services.setup.log_folder`).
Every command but ``init``, ``demo`` and ``restore`` needs a database that holds the schema.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import secrets
import sys
import uuid
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from geo import clock, worklists
from geo import sweeps as sweep_rules
from geo.cells import neutralise_frame
from geo.errors import GridhouseError, InputError, NotFoundError
from geo.i18n import bilingual
from geo.io import arealists
from geo.logs import owner_only_handler
from geo.services import (
    accounts,
    auditing,
    batchjobs,
    boundaries,
    keyring,
    kits,
    moves,
    operations,
    people,
    setup,
    statistics,
    sweeps,
    uploads,
)
from geo.services import lists as staff_lists
from geo.services.access import local_operator
from geo.settings import settings
from geo.store.database import DEFAULT_PATH, unusable_database, waits_reported
from geo.vocabulary import AREA_LEVELS, ROLES, UPLOAD_KINDS

LOG_NAME = "gridhouse.log"
EXIT_USAGE = 2

_CHOICE = re.compile(
    r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)$"
)
_VALUE = re.compile(r"argument (?P<argument>.+?): invalid (?P<type>\S+) value: (?P<value>.+)$")
_REQUIRED = re.compile(r"the following arguments are required: (?P<arguments>.+)$")
_ONE_OF = re.compile(r"one of the arguments (?P<arguments>.+) is required$")
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<arguments>.+)$")
_VALUE_KEYS = {"fromisoformat": "usage_date", "_positive_int": "usage_positive"}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line in Chinese and English (exit 2);
    ``--help`` still prints the usual help."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"gridhouse: {usage_message(message, prog=self.prog)}\n")
        raise SystemExit(EXIT_USAGE)


def usage_message(message: str, *, prog: str = "gridhouse") -> str:
    """argparse's English complaint as one line in both languages.

    >>> usage_message("the following arguments are required: --level", prog="gridhouse")
    '缺少参数：--level；用法见 gridhouse --help | missing argument: --level; see gridhouse --help'
    """
    if found := _CHOICE.match(message):
        return bilingual("usage_choice", prog=prog, **found.groupdict())
    if found := _VALUE.match(message):
        key = _VALUE_KEYS.get(found["type"], "usage_value")
        return bilingual(key, prog=prog, argument=found["argument"], value=found["value"])
    if found := _REQUIRED.match(message) or _ONE_OF.match(message):
        return bilingual("usage_required", prog=prog, arguments=found["arguments"])
    if found := _UNRECOGNIZED.match(message):
        return bilingual("usage_unrecognized", prog=prog, arguments=found["arguments"])
    return bilingual("usage_other", prog=prog, detail=message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gridhouse", description="Gridhouse rental registry (以房管人)")
    parser.add_argument(
        "--db",
        help=f"database URL or SQLite file (default: $GRIDHOUSE_DATABASE_URL, else {DEFAULT_PATH})",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("init", help="create or upgrade the database schema")

    demo = commands.add_parser(
        "demo", help="load the synthetic demo district into an empty database"
    )
    demo.add_argument(
        "--scale", type=_positive_int, default=1, help="copies of the street (80 = ~1M units)"
    )
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument(
        "--as-of", type=date.fromisoformat, help="last day of the visit history (default today)"
    )

    importing = commands.add_parser("import", help="import a file")
    kinds = importing.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    areas = kinds.add_parser(
        "areas",
        help="boundaries: GeoJSON, GeoPackage, FileGDB, Shapefile (.shp/.zip), KML/KMZ",
    )
    areas.add_argument("file", type=Path)
    which = areas.add_mutually_exclusive_group(required=True)
    which.add_argument("--level", choices=AREA_LEVELS.codes)
    which.add_argument(
        "--levels", help="several levels from one file's layers: street=L,community=L,grid=L"
    )
    areas.add_argument("--layer", help="the layer (or shapefile in a zip) to read")
    areas.add_argument("--name-field", default="name")
    areas.add_argument("--code-field")
    areas.add_argument("--crs", help="wgs84, gcj02, bd09 or EPSG:n, when the file does not say")
    areas.add_argument(
        "--dry-run", action="store_true", help="report the areas and moves; keep nothing"
    )

    for kind in UPLOAD_KINDS.codes:
        upload = kinds.add_parser(kind, help=f"{kind} from CSV/XLSX (Chinese or English headers)")
        upload.add_argument("file", type=Path)
        upload.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="use COLUMN for FIELD (repeatable; wins over guessing)",
        )
        upload.add_argument(
            "--values",
            action="append",
            default=[],
            metavar="FIELD=SOURCE:TARGET",
            help="read the file's word SOURCE in FIELD as TARGET, a value or word of the field"
            " (repeatable), e.g. kind=公租:单间",
        )
        upload.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="give a field the file lacks one value for every row (repeatable)",
        )
        upload.add_argument(
            "--crs", default="wgs84", help="coordinates: wgs84, gcj02, bd09 or EPSG:n"
        )
        upload.add_argument("--dry-run", action="store_true", help="check and count, keep nothing")
        _as_of(upload, "the day dates are checked against (no date after it)")
        upload.add_argument(
            "--sheet",
            help="the workbook sheet to read when several visible sheets hold data",
        )
        upload.add_argument(
            "--rejects",
            type=Path,
            metavar="OUT.csv",
            help="write the rejected rows here as given, with row number and reasons in front"
            " (CSV, or XLSX when OUT ends in .xlsx); fix them and import the file again",
        )
    undo = kinds.add_parser("undo", help="undo an import batch")
    undo.add_argument("batch", type=int)
    undo.add_argument(
        "--force",
        action="store_true",
        help="undo even though corrections, moves or retention touched its records since"
        " (they are overridden); later batches still have to be undone first",
    )

    users = commands.add_parser("users", help="accounts")
    user_commands = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = user_commands.add_parser("add", help="add a user; prints a one-time password")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES.codes)
    add.add_argument("--areas", help="area codes the user may see, comma-separated (default all)")
    reset = user_commands.add_parser(
        "reset", help="give an account a new one-time password (prints it)"
    )
    reset.add_argument("name")

    audit_log = commands.add_parser("audit", help="the audit log")
    audit_commands = audit_log.add_subparsers(dest="action", required=True, parser_class=_Parser)
    audit_commands.add_parser(
        "verify", help="exit 0 when the chain holds, 1 naming the first bad row"
    )

    key_parser = commands.add_parser("keys", help="the key file that seals identifiers")
    key_commands = key_parser.add_subparsers(dest="action", required=True, parser_class=_Parser)
    key_commands.add_parser(
        "rotate", help="re-seal every identifier under a new sealing key (audited)"
    )

    retention = commands.add_parser("retention", help="anonymise people who left long ago")
    retention_commands = retention.add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    run_retention = retention_commands.add_parser("run", help="anonymise now")
    run_retention.add_argument(
        "--days",
        type=_positive_int,
        help="keep people this long after they moved out "
        "(default $GRIDHOUSE_RETENTION_DAYS or 730)",
    )
    _as_of(run_retention, "the day the N days count back from")

    stats = commands.add_parser("stats", help="statistics")
    what = stats.add_subparsers(dest="what", required=True, parser_class=_Parser)
    per_area = what.add_parser("areas", help="per-area counts, coverage and density")
    per_area.add_argument("--level", default="community", choices=AREA_LEVELS.codes)
    per_area.add_argument(
        "--window", type=_positive_int, default=90, help="coverage window in days"
    )
    per_area.add_argument(
        "--as-of", type=date.fromisoformat, help="last day of the window (default today)"
    )
    per_area.add_argument("--format", choices=("json", "csv"), default="json")
    proven = what.add_parser(
        "proven", help="coverage and monthly inspection rate, all visits and proven visits only"
    )
    proven.add_argument("--level", default="community", choices=AREA_LEVELS.codes)
    proven.add_argument("--window", type=_positive_int, default=90, help="coverage window in days")
    _as_of(proven, "last day of the window")
    rates = what.add_parser(
        "registration", help="residence and rental registration rates per community"
    )
    rates.add_argument("--window", type=_positive_int, default=90, help="days of field results")
    rates.add_argument("--as-of", type=date.fromisoformat, help="last day (default today)")

    moving_in = commands.add_parser("move-in", help="a person moves into a unit")
    moving_in.add_argument("property", help="the unit's reference")
    moving_out = commands.add_parser("move-out", help="a person moves out of their unit")
    moving = commands.add_parser("move", help="a person moves from their unit to another")
    moving.add_argument("--to", required=True, help="the new unit's reference")
    for command in (moving_in, moving_out, moving):
        command.add_argument("--id", required=True, help="the person's resident ID number")
        command.add_argument("--on", required=True, type=date.fromisoformat, help="the day")
    for command in (moving_in, moving):
        command.add_argument("--room")
    for command in (moving_in, moving_out, moving):
        _as_of(command, "the day the move is reported")
    moving_in.add_argument("--name", help="needed for a person not on record yet")
    moving_in.add_argument("--phone")

    lists = commands.add_parser("lists", help="lists to act on (masked identifiers)")
    lists.add_argument("name", choices=worklists.LISTS)
    lists.add_argument("--area", help="a street or community code (default: everywhere)")
    lists.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    lists.add_argument("--format", choices=("json", "csv"), default="json")

    sweep = commands.add_parser("sweep", help="door-to-door sweeps (清查任务)")
    sweep_commands = sweep.add_subparsers(dest="action", required=True, parser_class=_Parser)
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
    assign.add_argument("sweep", type=_positive_int)
    assign.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    assign.add_argument("--limit", type=_positive_int, help="only the first N units by priority")
    assign.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="FACTOR=W",
        help=f"priority weight, factors: {', '.join(sweep_rules.FACTORS)}",
    )
    progress = sweep_commands.add_parser("progress", help="visited, not reached, days left")
    progress.add_argument("sweep", type=_positive_int)
    progress.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")
    sweep_export = sweep_commands.add_parser("export", help="a team's area list (see export)")
    _area_list_arguments(sweep_export, sweep_required=True)
    _field_kit_arguments(sweep_commands)

    saving = commands.add_parser("backup", help="copy the whole database to one file")
    saving.add_argument("file", type=Path)
    restoring = commands.add_parser(
        "restore", help="put a backup into the database (its key file must be in place)"
    )
    restoring.add_argument("file", type=Path)
    restoring.add_argument(
        "--replace", action="store_true", help="overwrite a database that holds data"
    )
    commands.add_parser("health", help="server, schema, size, rows, last import, audit chain")

    jobs = commands.add_parser("batch", help="jobs on a Dask cluster (local by default)")
    job = jobs.add_subparsers(dest="job", required=True, parser_class=_Parser)
    reassign = job.add_parser("reassign", help="re-place every point in its community and grid")
    coverage = job.add_parser("coverage", help="coverage per community over every unit")
    coverage.add_argument("--window", type=_positive_int, default=90, help="days")
    coverage.add_argument("--as-of", type=date.fromisoformat, help="last day (default today)")
    for command in (reassign, coverage):
        command.add_argument(
            "--scheduler",
            help="a Dask scheduler's address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
        )
        command.add_argument("--partitions", type=_positive_int, default=8)
        command.add_argument(
            "--workers", type=_positive_int, default=2, help="processes of a local cluster"
        )

    _plates_arguments(commands)
    export = commands.add_parser("export", help="files for the field")
    export_what = export.add_subparsers(dest="what", required=True, parser_class=_Parser)
    area_list = export_what.add_parser(
        "area-list",
        help="a sweep team's units, or (--area without --sweep) an area's units, in walking order",
    )
    _area_list_arguments(area_list, sweep_required=False)
    return parser


def _field_kit_arguments(sweep_commands: Any) -> None:
    """``sweep kit|results|review|prove`` and ``plates`` (issue 19: the field round trip)."""
    kit = sweep_commands.add_parser("kit", help="a team's field kit (ODK form or GeoPackage)")
    kit.add_argument("sweep", type=_positive_int)
    kit.add_argument("--team", required=True)
    kit.add_argument("--format", choices=kits.KIT_FORMATS, default="odk")
    kit.add_argument("--out", type=Path, required=True, help="the folder to write the kit into")
    kit.add_argument("--expires", type=date.fromisoformat, help="default: the sweep's last day")
    _as_of(kit, "the issue day")
    results = sweep_commands.add_parser(
        "results", help="import submissions: ODK Central's CSV/zip export or a kit's GeoPackage"
    )
    results.add_argument("file", type=Path)
    review = sweep_commands.add_parser(
        "review", help="conflicting visits: list them, or settle one with --decide"
    )
    review.add_argument("--decide", type=_positive_int, metavar="ITEM")
    review.add_argument("--accept", choices=kits.DECISIONS)
    review.add_argument("--keep", help="with --accept one: the submission id to keep")
    prove = sweep_commands.add_parser("prove", help="mark visits a back-check confirmed as proven")
    prove.add_argument("sweep", type=_positive_int)


def _plates_arguments(commands: Any) -> None:
    plates = commands.add_parser("plates", help="door plates with QR codes (门牌二维码)")
    action = plates.add_subparsers(dest="action", required=True, parser_class=_Parser)
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
        command.add_argument("sweep", type=_positive_int)
    else:
        command.add_argument(
            "--sweep",
            type=_positive_int,
            help="default: with --area, the area's units without a sweep; else the newest sweep",
        )
    command.add_argument("--area", help="only this street, community or grid code")
    command.add_argument("--team", help="only this team (default: every team)")
    command.add_argument("--format", choices=arealists.FORMATS, required=True)
    command.add_argument("--out", type=Path, required=True, help="the file to write")
    command.add_argument("--as-of", type=date.fromisoformat, help="the day (default today)")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be a whole number >= 1, got {text}"
        raise ValueError(msg)  # argparse: "invalid _positive_int value: '0'"
    return value


def _as_of(command: argparse.ArgumentParser, what: str = "the day") -> None:
    command.add_argument(
        "--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help=f"{what} (default today)"
    )


def _open(args: argparse.Namespace) -> setup.Opened:
    """The database of ``--db``, which must hold the schema (else: run gridhouse init)."""
    opened = setup.open_initialised(args.db, config=settings())
    if opened.db.migrated is not None:  # the schema was behind the code: say so
        before, after = opened.db.migrated
        sys.stderr.write(f"gridhouse: {bilingual('schema_upgraded', before=before, after=after)}\n")
    return opened


def _init(args: argparse.Namespace) -> Any:
    opened = setup.open_database(args.db, create=False, config=settings())
    result = setup.initialise(opened, local_operator())
    password = accounts.ensure_first_admin(opened)
    if password is not None:
        result.update(admin="admin", one_time_password=password)
    return result


def _demo(args: argparse.Namespace) -> Any:
    opened = setup.open_database(
        args.db, config=settings()
    )  # creates the schema when there is none
    return setup.load_demo(
        opened, local_operator(), scale=args.scale, seed=args.seed, as_of=args.as_of
    )


def _import(args: argparse.Namespace) -> Any:
    opened = _open(args)
    if args.kind == "undo":
        return uploads.undo_batch(opened, local_operator(), args.batch, force=args.force)
    if args.kind in UPLOAD_KINDS:
        return _upload(opened, args)
    return _import_areas(opened, args)


def _import_areas(opened: setup.Opened, args: argparse.Namespace) -> Any:
    levels: dict[str, str | None] = {args.level: args.layer} if args.level else {}
    for part in (args.levels or "").split(","):
        level, _, layer = part.partition("=")
        if part.strip() and (not layer.strip() or level.strip() not in AREA_LEVELS):
            raise InputError("areas_levels_spelling", value=part.strip())
        if part.strip():
            levels[level.strip()] = layer.strip()
    summary = boundaries.import_hierarchy(
        opened,
        local_operator(),
        args.file,
        levels=levels,
        name_field=args.name_field,
        code_field=args.code_field,
        crs=args.crs,
        dry_run=args.dry_run,
    )
    for level in summary.get("levels", [summary]):
        level["notes"] = [
            bilingual(note["key"], **{k: v for k, v in note.items() if k != "key"})
            for note in level.get("notes", [])
        ]
    return summary


def _upload(opened: setup.Opened, args: argparse.Namespace) -> Any:
    if not args.file.is_file():
        raise NotFoundError("file_not_found", path=str(args.file))
    mapping = {}
    for item in args.map:
        field_name, sep, column = item.partition("=")
        if not sep or not field_name or not column:
            raise InputError("value_invalid", name="--map", value=item)
        mapping[field_name.strip()] = column.strip()
    value_maps: dict[str, dict[str, str]] = {}
    for item in args.values:
        field_name, sep, pair = item.partition("=")
        source, colon, target = pair.rpartition(":")
        if not sep or not colon or not field_name.strip() or not source or not target.strip():
            raise InputError("value_invalid", name="--values", value=item)
        value_maps.setdefault(field_name.strip(), {})[source] = target.strip()
    set_fields = {}
    for item in args.set:
        field_name, sep, value = item.partition("=")
        if not sep or not field_name.strip() or not value.strip():
            raise InputError("value_invalid", name="--set", value=item)
        set_fields[field_name.strip()] = value.strip()
    actor = local_operator()
    result = uploads.import_upload(
        opened,
        actor,
        kind=args.kind,
        data=uploads.upload_bytes(opened, args.file),
        filename=args.file.name,
        sheet=args.sheet,
        mapping=mapping,
        value_maps=value_maps,
        set_fields=set_fields,
        crs=args.crs,
        dry_run=args.dry_run,
        today=args.as_of,
    )
    if args.rejects is not None:
        rows = result.rejected_rows
        xlsx = args.rejects.suffix.lower() == ".xlsx"
        args.rejects.write_bytes(uploads.rejects_xlsx(rows) if xlsx else uploads.rejects_csv(rows))
        uploads.record_rejects_export(
            opened,
            actor,
            source=args.file.name,
            rows=len(rows),
            file_format="xlsx" if xlsx else "csv",
        )
    return result.summary


def _stats(args: argparse.Namespace) -> Any:
    opened = _open(args)
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
        neutralise_frame(table).to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    return statistics.statistics_records(table)


def _users(args: argparse.Namespace) -> Any:
    opened = _open(args)
    if args.action == "reset":
        fresh = accounts.reset_password(opened, local_operator(), args.name)
        return {"user": args.name, "one_time_password": fresh}
    password = secrets.token_urlsafe(12)
    # --areas "" is a blank list, refused: it must never read as "everywhere"
    areas = None
    if args.areas is not None:
        areas = frozenset(a.strip() for a in args.areas.split(",") if a.strip())
    accounts.add_account(
        opened, local_operator(), name=args.name, role=args.role, password=password, areas=areas
    )
    return {
        "user": args.name,
        "role": args.role,
        "areas": sorted(areas) if areas else None,
        "one_time_password": password,
    }


def _audit(args: argparse.Namespace) -> Any:
    opened = _open(args)
    result = auditing.verify_audit(opened, local_operator())
    if not result["ok"]:
        raise AuditBrokenError(result["first_bad_row"])
    if not result["anchored"]:
        sys.stderr.write(f"gridhouse: {bilingual('audit_chain_unanchored', rows=result['rows'])}\n")
    return result


def _keys(args: argparse.Namespace) -> Any:
    opened = _open(args)
    result = keyring.rotate_keys(opened, local_operator())
    line = bilingual("keys_rotated", count=result["resealed"], path=result["key_file"])
    sys.stderr.write(f"gridhouse: {line}\n")
    return result


class AuditBrokenError(Exception):
    """The audit chain does not hold (exit code 1)."""


def _lists(args: argparse.Namespace) -> Any:
    opened = _open(args)
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


def _move(args: argparse.Namespace) -> Any:
    opened = _open(args)
    actor = local_operator()
    if args.command == "move-in":
        return moves.move_in(
            opened,
            actor,
            property_ref=args.property,
            on=args.on,
            id_number=args.id,
            name=args.name,
            phone=args.phone,
            room=args.room,
            today=args.as_of,
        )
    if args.command == "move-out":
        return moves.move_out(opened, actor, id_number=args.id, on=args.on, today=args.as_of)
    return moves.move(
        opened,
        actor,
        id_number=args.id,
        to_property_ref=args.to,
        on=args.on,
        room=args.room,
        today=args.as_of,
    )


def _retention(args: argparse.Namespace) -> Any:
    opened = _open(args)
    return people.run_retention(opened, local_operator(), days=args.days, today=args.as_of)


def _sweep(args: argparse.Namespace) -> Any:
    opened = _open(args)
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
            opened, actor, args.sweep, as_of=args.as_of, weights=weights, limit=args.limit
        )
        return {
            "sweep": plan.sweep_id,
            "units": int(plan.teams["units"].sum()),
            "imbalance": round(plan.imbalance, 4),
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
        if args.out.exists() and not args.out.is_dir():
            raise InputError("value_invalid", name="--out", value=str(args.out))
        kit = kits.issue_kit(
            opened,
            actor,
            args.sweep,
            team=args.team,
            fmt=args.format,
            expires_on=args.expires,
            as_of=args.as_of,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        for name, data in kit.files.items():
            (args.out / name).write_bytes(data)
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
    opened = _open(args)
    actor = local_operator()
    if args.action == "print":
        sheet, made, skipped = kits.print_plates(opened, actor, args.area, reissue=args.reissue)
        args.out.write_bytes(sheet)
        return {"area": args.area, "plates": made, "skipped": skipped, "file": str(args.out)}
    sheet = kits.revoke_plate(opened, actor, args.property, reason=args.reason)
    args.out.write_bytes(sheet)
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
    return _export_area_list(_open(args), args)


def _export_area_list(opened: setup.Opened, args: argparse.Namespace) -> Any:
    actor = local_operator()
    sweep_id = args.sweep
    if sweep_id is None and args.area is not None:  # the area's units, no sweep needed
        if args.team is not None:
            raise InputError("value_invalid", name="--team", value=args.team)
        data, units = sweeps.area_units_list(
            opened, actor, args.area, fmt=args.format, as_of=args.as_of
        )
        args.out.write_bytes(data)
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
    args.out.write_bytes(data)
    return {"sweep": sweep_id, "format": args.format, "units": units, "file": str(args.out)}


def _operations(args: argparse.Namespace) -> Any:
    if args.command == "restore":
        config = settings()
        return operations.restore(
            setup.resolved_url(args.db, config),
            local_operator(),
            args.file,
            replace=args.replace,
            config=config,
        )
    opened = _open(args)
    if args.command == "backup":
        return operations.backup(opened, local_operator(), args.file)
    return operations.health(opened, local_operator())


def _batch(args: argparse.Namespace) -> Any:
    opened = _open(args)
    cluster = {"scheduler": args.scheduler, "partitions": args.partitions, "workers": args.workers}
    if args.job == "reassign":
        return batchjobs.reassign_points(opened, local_operator(), **cluster)
    table = batchjobs.coverage_job(
        opened,
        local_operator(),
        as_of=args.as_of or clock.today(),
        window_days=args.window,
        **cluster,
    )
    return statistics.statistics_records(table)


COMMANDS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "batch": _batch,
    "backup": _operations,
    "restore": _operations,
    "health": _operations,
    "sweep": _sweep,
    "plates": _plates,
    "export": _export,
    "retention": _retention,
    "users": _users,
    "audit": _audit,
    "keys": _keys,
    "init": _init,
    "demo": _demo,
    "import": _import,
    "stats": _stats,
    "lists": _lists,
    "move-in": _move,
    "move-out": _move,
    "move": _move,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings()  # every setting checked before any work: an invalid one is one line
        with waits_reported(_say_waiting):
            result = COMMANDS[args.command](args)
    except GridhouseError as exc:
        sys.stderr.write(f"gridhouse: {bilingual(exc.key, **exc.params)}\n")
        return EXIT_USAGE
    except AuditBrokenError as exc:
        sys.stdout.write(json.dumps({"ok": False, "first_bad_row": exc.args[0]}) + "\n")
        sys.stderr.write(f"gridhouse: {bilingual('audit_broken', row=exc.args[0])}\n")
        return 1
    except Exception as exc:
        found = unusable_database(exc, setup.resolved_url(args.db))
        if found is not None:  # a file found damaged past its first pages, mid-command
            sys.stderr.write(f"gridhouse: {bilingual(found.key, **found.params)}\n")
            return EXIT_USAGE
        reference = uuid.uuid4().hex[:8]
        log = _log_failure(reference, args.db)
        if log is None:
            line = bilingual("internal_error", ref=reference)
        else:
            line = bilingual("internal_error_log", ref=reference, log=str(log))
        sys.stderr.write(f"gridhouse: {line}\n")
        return EXIT_USAGE
    if isinstance(result, str):
        sys.stdout.write(result)
    else:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    return 0


def _say_waiting(seconds: int) -> None:
    """Another writer holds the database: say how long this one has waited so far."""
    sys.stderr.write(f"gridhouse: {bilingual('waiting_for_writer', seconds=seconds)}\n")
    sys.stderr.flush()


def _quiet_libraries() -> None:
    """No library warning on the terminal: stderr carries only Gridhouse's own one-line
    messages. Warnings (pandas, pyogrio, shapely, dask, ...) are ignored in this process and
    in the worker processes a local Dask cluster starts; log records without a handler of
    their own are dropped instead of printed by logging's last resort."""
    warnings.simplefilter("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())


def _log_failure(reference: str, url: str | None) -> Path | None:
    """Write the traceback to ``gridhouse.log`` beside the database (SQLite: next to the
    file; PostgreSQL: the data folder); returns the log's path, None when it cannot be
    written."""
    try:
        path = setup.log_folder(url) / LOG_NAME
        handler: logging.Handler = owner_only_handler(path)  # no personal data, 0600
    except Exception:  # an unusable URL or folder: the reference alone is reported
        return None
    logger = logging.getLogger("gridhouse.cli")
    logger.addHandler(handler)
    logger.propagate = False
    logger.exception("command failed (reference %s)", reference)
    logger.removeHandler(handler)
    handler.close()
    return path


def run() -> None:
    """The ``gridhouse`` command (and ``python -m geo``)."""
    _quiet_libraries()
    raise SystemExit(main())
