"""Import one file, step by step: read -> plan columns -> validate -> resolve references ->
plan changes -> apply -> record.

The file is read as text with its header found (:mod:`~geo.services.uploads.reading`); its
columns mapped to the kind's fields, sensitive ones dropped, the registrar's words and
values applied (:mod:`~geo.services.uploads.file_columns`); every cell cleaned
(:func:`prepare_cells`) and validated (:func:`validate`); then, in
one write transaction, a batch opened (:func:`open_batch`), the kind's rows resolved to the
stored ids of what they name and matched to the stored rows and written by the kind's hooks
(:mod:`geo.services.uploads.registry`), and the batch closed with its counts, its masked
rejects report and its audit row (:func:`record_batch`). A dry run rolls that transaction
back, so its counts are exact and nothing is kept.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo import clock
from geo.columns import ColumnPlan
from geo.crs import parse_source_crs
from geo.intake import PROBLEM_COLUMNS, Prepared, bounded, layout_summary, prepare
from geo.io.tables import RawTable
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.services.uploads.file_columns import FileColumns, fingerprint, plan_file_columns
from geo.services.uploads.model import Applied, UploadLimits, UploadResult, Writing
from geo.services.uploads.reading import read_file
from geo.services.uploads.registry import upload_kind
from geo.services.uploads.rejects import (
    concat_problems,
    problems_csv,
    rejected_rows,
    rejects_frame,
)
from geo.store import batches
from geo.store.areas import area_bounds
from geo.store.database import Connection
from geo.validation import Jurisdiction, Validated, validate_rows


class _RollBackError(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


def import_upload(
    opened: Opened,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    set_fields: Mapping[str, str] | None = None,
    crs: str = "wgs84",
    dry_run: bool = False,
    as_of: date | None = None,
    limits: UploadLimits | None = None,
    progress: Callable[[float, str], None] | None = None,
    sheet: str | None = None,
) -> UploadResult:
    """Import one file of ``kind``; raise InputError when the file as a whole is unusable.

    ``value_maps`` {field: {word in the file: value}} and ``set_fields`` {field: value for
    every row, for a field the file lacks} are the registrar's choices for this file
    (:func:`geo.validation.apply_values`); the same file with other choices is not a repeat
    (:func:`~geo.services.uploads.reading.upload_fingerprint`): a file whose every row was
    imported before changes nothing and says so (``duplicate_of``), one some of whose rows
    were rejected is imported again row by row (``again_after``).
    ``progress(fraction, catalogue key)`` is called as the stages go by.
    """
    limits = limits or UploadLimits.from_settings(opened.settings)
    step = progress or (lambda _fraction, _key: None)
    step(0.05, "progress_reading")
    require(actor, "import")
    upload = upload_kind(kind)
    source = parse_source_crs(crs)
    raw = read_file(data, filename, kind=kind, limits=limits, sheet=sheet)
    columns = plan_file_columns(
        raw, upload, mapping=mapping, value_maps=value_maps, set_fields=set_fields
    )
    plan = columns.plan
    sha256 = fingerprint(data, raw, columns, mapping=mapping, source_crs=source)
    summary = _summary(raw, columns, source_crs=source)
    with opened.db.read() as conn:
        earlier = batches.find_batch(conn, kind=kind, sha256=sha256)
        jurisdiction = Jurisdiction.around(area_bounds(conn))
    prepared = prepare_cells(raw, columns, kind=kind, bounds=jurisdiction.bounds)
    summary.update(layout_summary(raw, prepared.summary))
    if earlier is not None and earlier["rejected"] == 0:  # every row of it is in already
        summary["duplicate_of"] = earlier["id"]
        empty = rejects_frame(pd.DataFrame(columns=PROBLEM_COLUMNS), kind=kind)
        return UploadResult(summary, empty, plan.preview())
    step(0.25, "progress_validating")
    validated = validate(
        prepared, kind=kind, source_crs=source, jurisdiction=jurisdiction, as_of=as_of
    )
    step(0.5, "progress_writing")
    try:
        with opened.db.write(references_checked=True) as conn:
            writing = open_batch(
                opened, conn, actor, kind=kind, filename=filename, sha256=sha256, source_crs=source
            )
            applied = Applied()
            rows = upload.resolve_references(writing, validated.good, applied)
            upload.write_changes(writing, rows, applied)  # plan changes, then apply them
            if earlier is not None:  # rows it did not import then may be imported now
                summary["again_after"] = earlier["id"]
            problems = [validated.problems, _malformed(raw), _refused(raw), prepared.problems]
            rejects = rejects_frame(
                concat_problems([*problems, *applied.problems]),
                {**columns.given, **prepared.headers},
                kind=kind,
            )
            record_batch(writing, actor, summary, applied, rejects, plan=plan, filename=filename)
            if dry_run:
                raise _RollBackError
    except _RollBackError:
        summary.update(batch=None, dry_run=True)
        _record_outside_scope(opened, actor, kind=kind, filename=filename, rejects=rejects)
    step(1.0, "progress_done")
    return UploadResult(
        summary, rejects, plan.preview(), rejected_rows(raw, rejects, dropped=plan.dropped)
    )


def _record_outside_scope(
    opened: Opened, actor: Actor, *, kind: str, filename: str, rejects: pd.DataFrame
) -> None:
    """A dry run saves nothing, but a row refused as another area's record tells whether a
    person or unit is on record elsewhere: such a dry run is audited (``import.check``, with
    how many rows; no value of them), as a committed batch is with its rejects."""
    outside = int((rejects["reason"] == "outside_scope").sum()) if len(rejects) else 0
    if outside:
        with opened.db.write() as conn:
            record(
                conn,
                actor,
                "import.check",
                object_type="upload",
                object_id=filename,
                count=outside,
                detail={"kind": kind, "outside_scope": outside, "rejected": len(rejects)},
                changes_data=False,
            )


def prepare_cells(
    raw: RawTable, columns: FileColumns, *, kind: str, bounds: tuple[float, float, float, float]
) -> Prepared:
    """Every text cell made ready for validation (:func:`geo.intake.prepare`): cleaned, a
    column of coordinate pairs split in ``bounds``, rows that cannot be read refused."""
    plan = columns.plan
    return prepare(
        columns.text,
        columns.row_numbers,
        kind=kind,
        coordinates=raw.frame.loc[columns.text.index, plan.coordinates]
        if plan.coordinates
        else None,
        coordinates_header=plan.coordinates,
        bounds=bounds,
    )


def validate(
    prepared: Prepared,
    *,
    kind: str,
    source_crs: str,
    jurisdiction: Jurisdiction,
    as_of: date | None,
) -> Validated:
    """Every cell of the prepared rows checked (:func:`geo.validation.validate_rows`); the
    rows refused while preparing taken out of the good rows, their other problems kept
    except a second reason for a cell already refused."""
    validated = validate_rows(
        prepared.text,
        kind=kind,
        row_numbers=prepared.row_numbers,
        source_crs=source_crs,
        jurisdiction=jurisdiction,
        as_of=as_of or clock.today(),
    )
    return _without_refused(validated, prepared.problems)


def open_batch(
    opened: Opened,
    conn: Connection,
    actor: Actor,
    *,
    kind: str,
    filename: str,
    sha256: str,
    source_crs: str,
) -> Writing:
    """Open the upload's batch in the write transaction ``conn``: where its kind writes,
    within the communities the actor may write in."""
    batch_id = batches.open_batch(
        conn,
        kind=kind,
        filename=filename,
        sha256=sha256,
        user=actor.name,
        source_crs=source_crs,
    )
    return Writing(
        conn,
        batch_id,
        keys=opened.keys,
        url=opened.db.url,
        scope=communities_in_scope(conn, actor),
    )


def record_batch(
    writing: Writing,
    actor: Actor,
    summary: dict[str, Any],
    applied: Applied,
    rejects: pd.DataFrame,
    *,
    plan: ColumnPlan,
    filename: str,
) -> None:
    """Close the batch with its counts (also set in ``summary``), how its columns were read,
    its rejects report (masked) and the communities it wrote in; audit ``import.<kind>``."""
    conn, batch_id = writing.conn, writing.batch_id
    rejected = int(rejects["row"].nunique())
    summary.update(
        batch=batch_id,
        accepted=summary["rows"] - rejected,
        rejected=rejected,
        inserted=applied.inserted,
        updated=applied.updated,
        unchanged=applied.unchanged,
        **applied.extra,
    )
    batches.close_batch(
        conn,
        batch_id,
        rows=summary["rows"],
        accepted=summary["accepted"],
        rejected=rejected,
        inserted=applied.inserted,
        updated=applied.updated,
        unchanged=applied.unchanged,
        mapping=json.dumps(plan.mapping, ensure_ascii=False),
        dropped_columns=json.dumps(plan.dropped, ensure_ascii=False),
        rejects_csv=gzip.compress(problems_csv(rejects)) if rejected else None,
        communities=json.dumps(batches.batch_communities(conn, batch_id)),
    )
    record(
        conn,
        actor,
        f"import.{summary['kind']}",
        object_type="import_batch",
        object_id=batch_id,
        count=summary["accepted"],
        detail=bounded({"file": filename, **summary}),
    )


def _summary(raw: RawTable, columns: FileColumns, *, source_crs: str) -> dict[str, Any]:
    """The summary line before anything is written: rows, columns dropped and ignored, the
    registrar's words and values."""
    summary: dict[str, Any] = {
        "batch": None,
        "kind": columns.kind,
        "rows": len(columns.text) + len(raw.malformed) + len({r[0] for r in raw.refused}),
        "not_filled_in": columns.not_reached,
        "accepted": 0,
        "rejected": 0,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "dropped_columns": bounded(columns.plan.dropped),
        "ignored_columns": bounded(columns.plan.ignored),
        "encoding": raw.encoding,
        "source_crs": source_crs,
    }
    if columns.value_maps or columns.set_fields:
        summary.update(values_mapped=columns.values_mapped, set_fields=dict(columns.set_fields))
    return summary


def _malformed(raw: RawTable) -> pd.DataFrame:
    """The rows the reader could not split into the header's columns, one problem each."""
    return pd.DataFrame(
        [{"row": n, "column": "", "value": "", "reason": key} for n, key in raw.malformed],
        columns=PROBLEM_COLUMNS,
    )


def _refused(raw: RawTable) -> pd.DataFrame:
    """The cells the reader refused (a formula without a cached value), one problem each."""
    return pd.DataFrame(
        [{"row": n, "column": h, "value": v, "reason": k} for n, h, v, k in raw.refused],
        columns=PROBLEM_COLUMNS,
    )


def _without_refused(validated: Validated, refused: pd.DataFrame) -> Validated:
    """The rows refused before validation (:func:`geo.intake.prepare`) taken out of the good
    rows; their other problems kept, except a second reason for a cell already refused."""
    if refused.empty:
        return validated
    good = validated.good.loc[~validated.good["row"].isin(refused["row"])]
    said = {
        (int(row), field)
        for row, column in zip(refused["row"], refused["column"], strict=True)
        for field in str(column).split(",")
    }
    problems = validated.problems
    again = [
        any((int(row), field) in said for field in str(column).split(","))
        for row, column in zip(problems["row"], problems["column"], strict=True)
    ]
    return Validated(
        good=good.reset_index(drop=True),
        problems=problems.loc[~np.array(again, dtype=bool)].reset_index(drop=True),
    )
