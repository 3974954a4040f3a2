"""Commands of IT staff: accounts, the audit log, keys, backup, restore, health and batch jobs."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from geo import clock
from geo.cli.usage import (
    AuditBrokenError,
    Handler,
    Parser,
    check_output,
    open_db,
    positive_int,
    writing,
)
from geo.coverage import WINDOW_DAYS
from geo.i18n import bilingual
from geo.services import (
    accounts,
    auditing,
    batchjobs,
    keyring,
    operations,
    setup,
    statistics,
)
from geo.services.access import local_operator
from geo.settings import settings
from geo.vocabulary import ROLES


def add_commands(commands: Any) -> dict[str, Handler]:
    """Register this group's commands under ``commands``; returns their handlers."""
    users = commands.add_parser("users", help="accounts")
    user_commands = users.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = user_commands.add_parser("add", help="add a user; prints a one-time password")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES.codes)
    add.add_argument("--areas", help="area codes the user may see, comma-separated (default all)")
    reset = user_commands.add_parser(
        "reset", help="give an account a new one-time password (prints it)"
    )
    reset.add_argument("name")

    audit_log = commands.add_parser("audit", help="the audit log")
    audit_commands = audit_log.add_subparsers(dest="action", required=True, parser_class=Parser)
    audit_commands.add_parser(
        "verify", help="exit 0 when the chain holds, 1 naming the first bad row"
    )

    key_parser = commands.add_parser("keys", help="the key file that seals identifiers")
    key_commands = key_parser.add_subparsers(dest="action", required=True, parser_class=Parser)
    key_commands.add_parser(
        "rotate", help="re-seal every identifier under a new sealing key (audited)"
    )

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
    job = jobs.add_subparsers(dest="job", required=True, parser_class=Parser)
    reassign = job.add_parser("reassign", help="re-place every point in its community and grid")
    coverage = job.add_parser("coverage", help="coverage per community over every unit")
    coverage.add_argument("--window", type=positive_int, default=WINDOW_DAYS, help="days")
    coverage.add_argument("--as-of", type=date.fromisoformat, help="last day (default today)")
    for command in (reassign, coverage):
        command.add_argument(
            "--scheduler",
            help="a Dask scheduler's address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
        )
        command.add_argument("--partitions", type=positive_int, default=8)
        command.add_argument(
            "--workers", type=positive_int, default=2, help="processes of a local cluster"
        )
    return {
        "users": _users,
        "audit": _audit,
        "keys": _keys,
        "backup": _operations,
        "restore": _operations,
        "health": _operations,
        "batch": _batch,
    }


def _users(args: argparse.Namespace) -> Any:
    opened = open_db(args)
    if args.action == "reset":
        fresh = accounts.reset_password(opened, local_operator(), args.name)
        return {"user": args.name, "one_time_password": fresh}
    password = accounts.one_time_password()
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
    opened = open_db(args)
    result = auditing.verify_audit(opened, local_operator())
    if not result["ok"]:
        raise AuditBrokenError(result["first_bad_row"])
    if not result["anchored"]:
        sys.stderr.write(f"gridhouse: {bilingual('audit_chain_unanchored', rows=result['rows'])}\n")
    return result


def _keys(args: argparse.Namespace) -> Any:
    opened = open_db(args)
    result = keyring.rotate_keys(opened, local_operator())
    line = bilingual("keys_rotated", count=result["resealed"], path=result["key_file"])
    sys.stderr.write(f"gridhouse: {line}\n")
    return result


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
    if args.command == "backup":
        check_output(
            args.file, option="gridhouse backup", suggest="gridhouse.backup", make_parents=True
        )
    opened = open_db(args)
    if args.command == "backup":
        with writing(args.file):
            return operations.backup(opened, local_operator(), args.file)
    return operations.health(opened, local_operator())


def _batch(args: argparse.Namespace) -> Any:
    opened = open_db(args)
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
