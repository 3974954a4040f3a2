"""Commands that write the registry: init, demo, import (areas, registers, undo), moves
and retention."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from geo.cli.usage import (
    Handler,
    Parser,
    as_of_argument,
    check_output,
    open_db,
    positive_int,
    write_output,
)
from geo.errors import InputError, NotFoundError
from geo.i18n import bilingual
from geo.services import (
    accounts,
    boundaries,
    moves,
    people,
    setup,
    uploads,
)
from geo.services.access import local_operator
from geo.settings import settings
from geo.vocabulary import AREA_LEVELS, UPLOAD_KINDS


def add_commands(commands: Any) -> dict[str, Handler]:
    """Register this group's commands under ``commands``; returns their handlers."""
    commands.add_parser("init", help="create or upgrade the database schema")

    demo = commands.add_parser(
        "demo", help="load the synthetic demo district into an empty database"
    )
    demo.add_argument(
        "--scale", type=positive_int, default=1, help="copies of the street (80 = ~1M units)"
    )
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument(
        "--as-of", type=date.fromisoformat, help="last day of the visit history (default today)"
    )

    importing = commands.add_parser("import", help="import a file")
    kinds = importing.add_subparsers(dest="kind", required=True, parser_class=Parser)
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
        as_of_argument(upload, "the day dates are checked against (no date after it)")
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

    retention = commands.add_parser("retention", help="anonymise people who left long ago")
    retention_commands = retention.add_subparsers(dest="action", required=True, parser_class=Parser)
    run_retention = retention_commands.add_parser("run", help="anonymise now")
    run_retention.add_argument(
        "--days",
        type=positive_int,
        help="keep people this long after they moved out "
        "(default $GRIDHOUSE_RETENTION_DAYS or 730)",
    )
    as_of_argument(run_retention, "the day the N days count back from")

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
        as_of_argument(command, "the day the move is reported")
    moving_in.add_argument("--name", help="needed for a person not on record yet")
    moving_in.add_argument("--phone")
    return {
        "init": _init,
        "demo": _demo,
        "import": _import,
        "retention": _retention,
        "move-in": _move,
        "move-out": _move,
        "move": _move,
    }


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
    if getattr(args, "rejects", None) is not None:
        check_output(args.rejects, option="--rejects", suggest="rejects.csv")
    opened = open_db(args)
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
        as_of=args.as_of,
    )
    if args.rejects is not None:
        rows = result.rejected_rows
        xlsx = args.rejects.suffix.lower() == ".xlsx"
        try:
            write_output(
                args.rejects, uploads.rejects_xlsx(rows) if xlsx else uploads.rejects_csv(rows)
            )
        except InputError as exc:  # the rows are stored: say under which batch
            if result.summary.get("batch") is None:
                raise
            cause = exc.__cause__
            raise InputError(
                "output_rejects_not_written",
                batch=result.summary["batch"],
                path=str(args.rejects),
                reason=cause.strerror if isinstance(cause, OSError) else exc.key,
            ) from exc
        uploads.record_rejects_export(
            opened,
            actor,
            source=args.file.name,
            rows=len(rows),
            file_format="xlsx" if xlsx else "csv",
        )
    return result.summary


def _move(args: argparse.Namespace) -> Any:
    opened = open_db(args)
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
            as_of=args.as_of,
        )
    if args.command == "move-out":
        return moves.move_out(opened, actor, id_number=args.id, on=args.on, as_of=args.as_of)
    return moves.move(
        opened,
        actor,
        id_number=args.id,
        to_property_ref=args.to,
        on=args.on,
        room=args.room,
        as_of=args.as_of,
    )


def _retention(args: argparse.Namespace) -> Any:
    opened = open_db(args)
    return people.run_retention(opened, local_operator(), days=args.days, as_of=args.as_of)
