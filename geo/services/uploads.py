"""Import registrations, residents, worksites, employment and visit results from files.

Recipe for every kind: read the file -> drop sensitive columns and map the rest -> validate
every cell -> in one write transaction: open a batch, insert or update rows by natural key
(keeping history), record counts and the rejected rows, audit -> commit (or, for a dry run,
roll back so the counts are exact and nothing is kept). Re-uploading a file whose every
row was imported, with the same choices (:func:`upload_fingerprint`: coordinate system,
column mapping, mapped words, values set, sheet), changes nothing and says so
(``duplicate_of``); the same file with another choice is a new upload. A file some of
whose rows were rejected before is imported again, row by row by natural key, so what was
not imported then is imported now and the rest counts as unchanged (``again_after``). Any
batch can be undone, in the actor's areas, unless later work builds on it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo import clock
from geo.columns import ColumnPlan, header_score, plan_columns
from geo.crs import parse_source_crs
from geo.errors import ConflictError, InputError
from geo.i18n import Phrase, bilingual, message
from geo.intake import (
    PROBLEM_COLUMNS,
    bounded,
    layout_summary,
    natural_key,
    person_rows,
    prepare,
    problems_for,
    repeated_in_file,
    seal_phones,
)
from geo.io import arealists
from geo.io.exports import excel_csv, text_xlsx
from geo.io.tables import (
    MAX_BYTES,
    MAX_ROWS,
    RawTable,
    read_table,
    read_upload,
    workbook_sheets,
)
from geo.privacy import Keys, mask_cell, mask_phone
from geo.services.access import Actor, require
from geo.services.placement import place
from geo.services.scope import (
    batch_visible,
    batch_within,
    communities_in_scope,
    require_batch_undoable,
    require_rejects_allowed,
)
from geo.services.setup import Opened
from geo.settings import Settings
from geo.stays import STAY_COLUMNS, overlapping
from geo.store import audit, batches, queries
from geo.store import lists as list_store
from geo.store import sweeps as sweep_store
from geo.store.database import Connection
from geo.store.schema import employment, landlord, person, property_, residence, visit, worksite
from geo.validation import (
    Jurisdiction,
    Validated,
    apply_values,
    reason_text,
    unknown_values,
    validate_rows,
)
from geo.vocabulary import UPLOAD_KINDS


@dataclass(frozen=True)
class UploadLimits:
    """How big an upload may be (``GRIDHOUSE_UPLOAD_MAX_MB``, ``GRIDHOUSE_UPLOAD_MAX_ROWS``)."""

    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS

    @classmethod
    def from_settings(cls, config: Settings) -> UploadLimits:
        """The configured limits."""
        return cls(max_bytes=config.upload_max_bytes, max_rows=config.upload_max_rows)


@dataclass(frozen=True)
class UploadResult:
    """What an import did: the summary line, every rejected cell, how columns were read."""

    summary: dict[str, Any]
    rejects: pd.DataFrame
    """one row per rejected cell: row, column, header, value, reason, reason_zh, reason_en"""
    preview: list[dict[str, str]] = field(default_factory=list)
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    """the registrar's own rejected rows, cells as given, with the row number and the reasons
    in front (:func:`rejected_rows`): the file to fix and upload again"""


@dataclass
class _Applied:
    scope: frozenset[int] | None = None
    """community ids the actor may write in (None: everywhere)"""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[pd.DataFrame] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)


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
    today: date | None = None,
    limits: UploadLimits | None = None,
    progress: Callable[[float, str], None] | None = None,
    sheet: str | None = None,
) -> UploadResult:
    """Import one file of ``kind``; raise InputError when the file as a whole is unusable.

    ``value_maps`` {field: {word in the file: value}} and ``set_fields`` {field: value for
    every row, for a field the file lacks} are the registrar's choices for this file
    (:func:`geo.validation.apply_values`); the same file with other choices is not a repeat.
    ``progress(fraction, catalogue key)`` is called as the stages go by.
    """
    limits = limits or UploadLimits.from_settings(opened.settings)
    step = progress or (lambda _fraction, _key: None)
    step(0.05, "progress_reading")
    require(actor, "import")
    if kind not in UPLOAD_KINDS:
        raise InputError("kind_unknown", kind=kind, kinds=", ".join(UPLOAD_KINDS.codes))
    source = parse_source_crs(crs)
    raw = _read(data, filename, kind=kind, limits=limits, sheet=sheet)
    plan = plan_columns(list(raw.frame.columns), kind=kind, explicit=mapping)
    given = {**plan.mapping, **dict.fromkeys(set_fields or {}, "--set")}
    missing = [m for m in plan.missing if m not in given]
    _check_columns(kind, given, missing, list(raw.frame.columns))
    text = raw.frame[list(plan.mapping.values())].set_axis(list(plan.mapping), axis=1)
    row_numbers = raw.row_numbers
    unfilled = _unfilled_visits(text) if kind == "visits" else np.zeros(len(text), dtype=bool)
    if unfilled.any():  # rows of an area list the team did not reach: not visits, not errors
        text, row_numbers = text.loc[~unfilled], row_numbers[~unfilled]
    text, values_mapped = apply_values(
        text, kind=kind, value_maps=value_maps, set_fields=set_fields
    )
    sha256 = upload_fingerprint(
        data,
        reading=_reading_chosen(raw, plan, kind=kind, mapping=mapping),
        source_crs=source if "lon" in plan.mapping or plan.coordinates else "wgs84",
        value_maps=value_maps,
        set_fields=set_fields,
        sheet=raw.sheet,
    )
    summary: dict[str, Any] = {
        "batch": None,
        "kind": kind,
        "rows": len(text) + len(raw.malformed) + len({r[0] for r in raw.refused}),
        "not_filled_in": int(unfilled.sum()),
        "accepted": 0,
        "rejected": 0,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "dropped_columns": bounded(plan.dropped),
        "ignored_columns": bounded(plan.ignored),
        "encoding": raw.encoding,
        "source_crs": source,
    }
    if value_maps or set_fields:
        summary.update(values_mapped=values_mapped, set_fields=dict(set_fields or {}))
    with opened.db.read() as conn:
        earlier = batches.find_batch(conn, kind=kind, sha256=sha256)
        jurisdiction = Jurisdiction.around(queries.area_bounds(conn))
    prepared = prepare(
        text,
        row_numbers,
        kind=kind,
        coordinates=raw.frame.loc[text.index, plan.coordinates] if plan.coordinates else None,
        coordinates_header=plan.coordinates,
        bounds=jurisdiction.bounds,
    )
    text, row_numbers = prepared.text, prepared.row_numbers
    summary.update(layout_summary(raw, prepared.summary))
    if earlier is not None and earlier["rejected"] == 0:  # every row of it is in already
        summary["duplicate_of"] = earlier["id"]
        empty = _rejects_frame(pd.DataFrame(columns=PROBLEM_COLUMNS), kind=kind)
        return UploadResult(summary, empty, plan.preview())
    step(0.25, "progress_validating")
    validated = validate_rows(
        text,
        kind=kind,
        row_numbers=row_numbers,
        source_crs=source,
        jurisdiction=jurisdiction,
        today=today or clock.today(),
    )
    validated = _without_refused(validated, prepared.problems)
    malformed = pd.DataFrame(
        [{"row": n, "column": "", "value": "", "reason": key} for n, key in raw.malformed],
        columns=PROBLEM_COLUMNS,
    )
    step(0.5, "progress_writing")
    try:
        with opened.db.write(references_checked=True) as conn:
            batch_id = batches.open_batch(
                conn,
                kind=kind,
                filename=filename,
                sha256=sha256,
                user=actor.name,
                source_crs=source,
            )
            applied = APPLY[kind](
                conn,
                validated.good,
                batch_id=batch_id,
                keys=opened.keys,
                url=opened.db.url,
                scope=communities_in_scope(conn, actor),
            )
            problems = _concat(
                [validated.problems, malformed, _refused(raw), prepared.problems, *applied.problems]
            )
            rejects = _rejects_frame(problems, {**given, **prepared.headers}, kind=kind)
            rejected = int(problems["row"].nunique())
            if earlier is not None:  # rows it did not import then may be imported now
                summary["again_after"] = earlier["id"]
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
                rejects_csv=gzip.compress(_problems_csv(rejects)) if rejected else None,
                communities=json.dumps(batches.batch_communities(conn, batch_id)),
            )
            audit.append(
                conn,
                actor=actor.name,
                role=actor.role,
                action=f"import.{kind}",
                object_type="import_batch",
                object_id=str(batch_id),
                count=summary["accepted"],
                detail=bounded({"file": filename, **summary}),
            )
            if dry_run:
                raise _RollBackError
    except _RollBackError:
        summary.update(batch=None, dry_run=True)
    step(1.0, "progress_done")
    return UploadResult(
        summary, rejects, plan.preview(), rejected_rows(raw, rejects, dropped=plan.dropped)
    )


def upload_fingerprint(
    data: bytes,
    *,
    reading: Mapping[str, Any] | None = None,
    source_crs: str = "wgs84",
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    set_fields: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> str:
    """What makes two uploads of a kind "the same": the file's bytes and every choice that
    changes what is stored, the coordinate system of its points (``--crs``), a reading of its
    columns other than the automatic one (``--map``), the words mapped (``--values``), the
    values given for every row (``--set``) and the sheet read (``--sheet``).

    A file uploaded with the default choices is known by its bytes' SHA-256 alone (as every
    batch before choices counted), so an earlier plain upload is still found.

    >>> plain = upload_fingerprint(b"a,b")
    >>> plain == hashlib.sha256(b"a,b").hexdigest()
    True
    >>> plain == upload_fingerprint(b"a,b", source_crs="gcj02")
    False
    """
    choices: dict[str, Any] = {}
    if value_maps or set_fields:  # kept first and spelled as before: earlier batches match
        choices = {"values": dict(value_maps or {}), "set": dict(set_fields or {})}
    if source_crs != "wgs84":
        choices["crs"] = source_crs
    if reading:
        choices["columns"] = dict(reading)
    sha256 = hashlib.sha256(data).hexdigest()
    if choices:
        said = json.dumps(choices, ensure_ascii=False, sort_keys=True).encode()
        sha256 = hashlib.sha256(data + b"\0" + said).hexdigest()
    if sheet is not None:  # another sheet of the same workbook is another upload
        sha256 = hashlib.sha256(f"{sha256}\0{sheet}".encode()).hexdigest()
    return sha256


def _reading_chosen(
    raw: RawTable, plan: ColumnPlan, *, kind: str, mapping: Mapping[str, str] | None
) -> dict[str, Any]:
    """The columns as the registrar mapped them, when that differs from the automatic
    reading of the same headers ({} when it does not: restating a guess changes nothing)."""
    if not mapping:
        return {}
    guessed = plan_columns(list(raw.frame.columns), kind=kind)
    if (plan.mapping, plan.coordinates) == (guessed.mapping, guessed.coordinates):
        return {}
    return {"fields": plan.mapping, "coordinates": plan.coordinates}


def preview_upload(
    opened: Opened,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    rows: int = 10,
    sheet: str | None = None,
) -> tuple[ColumnPlan, pd.DataFrame]:
    """How the columns of a file would be understood, and its first rows (nothing stored)."""
    require(actor, "import")
    if kind not in UPLOAD_KINDS:
        raise InputError("kind_unknown", kind=kind, kinds=", ".join(UPLOAD_KINDS.codes))
    limits = UploadLimits.from_settings(opened.settings)
    raw = _read(data, filename, kind=kind, limits=limits, sheet=sheet)
    plan = plan_columns(list(raw.frame.columns), kind=kind, explicit=mapping)
    shown = [c for c in raw.frame.columns if c not in plan.dropped]
    return plan, raw.frame[shown].head(rows)


def value_survey(
    opened: Opened,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Each distinct value of the file's enumerated columns that is none of the field's words,
    with its count (columns field, value, count): what the registrar may map (nothing stored).
    """
    require(actor, "import")
    if kind not in UPLOAD_KINDS:
        raise InputError("kind_unknown", kind=kind, kinds=", ".join(UPLOAD_KINDS.codes))
    limits = UploadLimits.from_settings(opened.settings)
    raw = _read(data, filename, kind=kind, limits=limits, sheet=sheet)
    plan = plan_columns(list(raw.frame.columns), kind=kind, explicit=mapping)
    text = raw.frame[list(plan.mapping.values())].set_axis(list(plan.mapping), axis=1)
    return unknown_values(text, kind=kind)


def _read(
    data: bytes, filename: str, *, kind: str, limits: UploadLimits, sheet: str | None
) -> RawTable:
    """The file as text, its header found among its first rows by the fields of ``kind``."""
    return read_table(
        data,
        filename,
        max_bytes=limits.max_bytes,
        max_rows=limits.max_rows,
        score=partial(header_score, kind=kind),
        sheet=sheet,
    )


def sheet_names(opened: Opened, actor: Actor, *, data: bytes, filename: str) -> list[str]:
    """The visible sheets of a workbook that hold data (more than one: the registrar picks);
    [] for a file that is no workbook."""
    require(actor, "import")
    if not filename.lower().endswith((".xlsx", ".xlsm")):
        return []
    limits = UploadLimits.from_settings(opened.settings)
    if len(data) > limits.max_bytes:
        return []
    return workbook_sheets(data)


def upload_bytes(opened: Opened, path: Path) -> bytes:
    """A file's bytes for an upload, refused from its size before it is read when it is over
    the configured limit (a 2 GB file is never read into memory to be refused)."""
    return read_upload(path, max_bytes=UploadLimits.from_settings(opened.settings).max_bytes)


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


def _check_columns(
    kind: str, mapping: dict[str, str], missing: list[str], headers: list[str]
) -> None:
    needed: list[tuple[str, ...]] = [(f"field_{name}",) for name in missing]
    if kind in ("residents", "visits") and not {"property_ref", "address"} & set(mapping):
        needed.append(("field_property_ref", "field_address"))
    if needed:
        shown = ", ".join(bounded(headers, items=40, text=40))  # a message, not the file
        raise InputError("columns_missing", fields=_field_labels(needed), columns=shown)


def _field_labels(needed: list[tuple[str, ...]]) -> Phrase:
    """Fields named by their labels in each language (详细地址、房屋类型 / address, kind);
    a tuple is one field or another (房屋编号或地址 / property reference or address)."""

    def said(keys: tuple[str, ...], lang: str) -> str:
        if len(keys) == 1:
            return message(keys[0], lang)
        return message(
            "fields_either", lang, first=message(keys[0], lang), second=message(keys[1], lang)
        )

    return Phrase(
        "、".join(said(k, "zh") for k in needed), ", ".join(said(k, "en") for k in needed)
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if not kept:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pd.concat(kept, ignore_index=True).sort_values(["row", "column"]).reset_index(drop=True)


def _rejects_frame(
    problems: pd.DataFrame, mapping: dict[str, str] | None = None, *, kind: str
) -> pd.DataFrame:
    """Problems with the file's own column headers and reasons in Chinese and English."""
    out = problems[PROBLEM_COLUMNS].copy()
    headers = mapping or {}
    out["header"] = [
        ",".join(dict.fromkeys(headers.get(f, f) for f in str(c).split(","))) if c else ""
        for c in out["column"]
    ]
    for lang in ("zh", "en"):
        out[f"reason_{lang}"] = [
            reason_text(k, kind=kind, column=str(c), lang=lang)
            for k, c in zip(out["reason"], out["column"], strict=True)
        ]
    return out.reset_index(drop=True)


REJECTS_SHEET = "问题行 rejected"


def rejected_rows(raw: RawTable, rejects: pd.DataFrame, *, dropped: list[str]) -> pd.DataFrame:
    """The rows of the file that were rejected, as the registrar wrote them: their own
    headers and cell text (sensitive columns, dropped at intake, left out), preceded by the
    row number and the reasons in Chinese and in English, one a line, each naming the column.
    Rows the reader refused as a whole (more cells than the header, a formula without its
    value, a cell error such as #REF!) come back with their cells too, those past the
    header's last column in columns of their own at the end.

    Fixed and uploaded again, the file is read like the first: the three added columns match
    no field and are ignored, and its content differs, so it is no duplicate.
    """
    own = [c for c in raw.frame.columns if c not in dropped]
    extra = [
        bilingual("rejects_col_row"),
        *(message("rejects_col_reason", g) for g in ("zh", "en")),
    ]
    extra = [_free_name(name, own) for name in extra]
    if rejects.empty:
        return pd.DataFrame(columns=[*extra, *own], dtype=object)
    reasons: dict[int, tuple[list[str], list[str]]] = {}
    for row, header, zh, en in rejects[["row", "header", "reason_zh", "reason_en"]].itertuples(
        index=False
    ):
        zh_text, en_text = (f"{header}：{zh}", f"{header}: {en}") if header else (zh, en)
        said = reasons.setdefault(int(row), ([], []))
        if zh_text not in said[0]:
            said[0].append(zh_text)
            said[1].append(en_text)
    numbers = sorted(reasons)
    position = pd.Series(np.arange(len(raw.frame)), index=raw.row_numbers)
    found = position.reindex(numbers)
    cells = pd.DataFrame("", index=range(len(numbers)), columns=own, dtype=object)
    known = found.notna().to_numpy()
    if known.any():
        taken = raw.frame.iloc[found[known].astype(int).to_numpy()][own]
        cells.loc[known, own] = taken.fillna("").astype(str).to_numpy()
    cells = _set_aside_cells(cells, raw, numbers, own=own, taken=[*extra, *own])
    front = pd.DataFrame(
        {
            extra[0]: [str(n) for n in numbers],
            extra[1]: ["\n".join(reasons[n][0]) for n in numbers],  # one reason a line
            extra[2]: ["\n".join(reasons[n][1]) for n in numbers],
        }
    )
    return pd.concat([front, cells], axis=1)


def _set_aside_cells(
    cells: pd.DataFrame, raw: RawTable, numbers: list[int], *, own: list[str], taken: list[str]
) -> pd.DataFrame:
    """Fill in the rows the reader set aside (more cells than the header, a formula without
    a value, a cell error) with their cells as given: under their headers by position, the
    cells past the header's last column in columns of their own at the end."""
    headers = list(raw.frame.columns)
    beyond = 0
    for i, number in enumerate(numbers):
        given = raw.set_aside.get(number)
        if given is None:
            continue
        for header, value in zip(headers, given, strict=False):
            if header in own:
                cells.at[i, header] = value
        over = given[len(headers) :]
        while beyond < len(over):
            beyond += 1
            name = _free_name(bilingual("rejects_col_beyond", n=beyond), [*taken, *cells.columns])
            cells[name] = ""
        for j, value in enumerate(over):
            cells.iat[i, len(own) + j] = value
    return cells


def _free_name(name: str, taken: list[str]) -> str:
    while name in taken:
        name += "*"
    return name


def rejects_csv(rows: pd.DataFrame) -> bytes:
    """The rejected rows (:func:`rejected_rows`) as CSV for Excel: UTF-8 with BOM, every
    cell text as given, only cells that would run as formulas neutralised."""
    return excel_csv(rows)


def rejects_xlsx(rows: pd.DataFrame) -> bytes:
    """The rejected rows (:func:`rejected_rows`) as XLSX, every cell text."""
    return text_xlsx(rows, sheet=REJECTS_SHEET)


def record_rejects_export(
    opened: Opened, actor: Actor, *, source: str, rows: int, file_format: str
) -> None:
    """Write to the audit log that the rejected rows of the upload ``source`` (a file name)
    left the product as a ``file_format`` file of ``rows`` rows: they are the registrar's own
    rows, personal data included, so their download is an export like any other."""
    require(actor, "import")
    with opened.db.write() as conn:
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="export.rejects",
            object_type="upload",
            object_id=source,
            detail={"rows": rows, "format": file_format},
            changes_data=False,
        )


def _problems_csv(rejects: pd.DataFrame) -> bytes:
    """The rejected cells, one a line, as stored with the batch (CSV for Excel)."""
    headers = {
        "row": "行号 row",
        "header": "列 column",
        "column": "字段 field",
        "value": "值 value",
        "reason_zh": "原因",
        "reason_en": "reason",
    }
    cells = zip(rejects["column"], rejects["value"], strict=True)
    stored = rejects[list(headers)].assign(  # no identifier in clear in a stored report
        value=[mask_cell(str(f), "" if pd.isna(v) else str(v)) for f, v in cells]
    )
    return excel_csv(stored.rename(columns=headers))


# --------------------------------------------------------------------------- per kind


def _apply_rentals(
    conn: Connection,
    good: pd.DataFrame,
    *,
    batch_id: int,
    keys: Keys,
    url: str,
    scope: frozenset[int] | None = None,
) -> _Applied:
    def prepare(frame: pd.DataFrame, applied: _Applied) -> pd.DataFrame:
        frame = _with_worksites(conn, frame, applied)
        if "landlord_name" in frame or "landlord_phone" in frame:
            frame = _with_landlords(conn, frame, keys, batch_id=batch_id, applied=applied)
        return frame

    return _apply_located(
        conn,
        good,
        scope=scope,
        table=property_,
        fallback=("address", "room"),
        batch_id=batch_id,
        url=url,
        prepare=prepare,
    )


def _apply_worksites(
    conn: Connection,
    good: pd.DataFrame,
    *,
    batch_id: int,
    keys: Keys,
    url: str,
    scope: frozenset[int] | None = None,
) -> _Applied:
    def prepare(frame: pd.DataFrame, _applied: _Applied) -> pd.DataFrame:
        if "contact_phone" not in frame:
            return frame
        sealed = seal_phones(frame["contact_phone"], keys, prefix="contact_phone")
        return frame.drop(columns="contact_phone").join(sealed.drop(columns="contact_phone_hmac"))

    return _apply_located(
        conn,
        good,
        scope=scope,
        table=worksite,
        fallback=("name", "address"),
        batch_id=batch_id,
        url=url,
        prepare=prepare,
    )


def _apply_located(
    conn: Connection,
    good: pd.DataFrame,
    *,
    table: Any,
    fallback: tuple[str, ...],
    batch_id: int,
    url: str,
    prepare: Callable[[pd.DataFrame, _Applied], pd.DataFrame],
    scope: frozenset[int] | None = None,
) -> _Applied:
    """Units and worksites: one row per reference (else fallback key), placed in areas,
    prepared by kind, then inserted or updated."""
    applied = _Applied(scope=scope)
    key = natural_key(good, ref="external_ref", fallback=fallback)
    frame, repeats = repeated_in_file(good, key, column="external_ref")
    applied.problems.append(repeats)
    frame = _placed(conn, prepare(frame, applied), url=url, applied=applied)
    frame = _in_scope(frame, frame.get("community_id"), applied, column="lon,lat")
    existing = _match(conn, table, frame, ref="external_ref", fallback=fallback)
    _store(
        conn,
        table,
        frame,
        existing,
        batch_id=batch_id,
        applied=applied,
        defaults={"status": "active"},
    )
    return applied


def _apply_employment(
    conn: Connection,
    good: pd.DataFrame,
    *,
    batch_id: int,
    keys: Keys,
    url: str,
    scope: frozenset[int] | None = None,
) -> _Applied:
    applied = _Applied(scope=scope)
    frame = _with_people(conn, good, keys, applied, required=True)
    frame = _with_worksites(conn, frame, applied, required=True)
    key = (
        frame["person_id"].astype(str)
        + "|"
        + frame["worksite_id"].astype(str)
        + "|"
        + frame["since"].astype(str)
    )
    frame, repeats = repeated_in_file(frame, key, column="id_number")
    applied.problems.append(repeats)
    stays = batches.rows_by_keys(conn, employment, ["person_id"], frame["person_id"].tolist())
    existing = _align(frame, stays, on=["person_id", "worksite_id", "since"])
    _store(
        conn,
        employment,
        frame,
        existing,
        batch_id=batch_id,
        applied=applied,
    )
    return applied


def _apply_visits(
    conn: Connection,
    good: pd.DataFrame,
    *,
    batch_id: int,
    keys: Keys,
    url: str,
    scope: frozenset[int] | None = None,
) -> _Applied:
    applied = _Applied(scope=scope)
    frame = _with_listed_properties(conn, good, applied)
    if "id_number" in frame and frame["id_number"].notna().any():
        frame = _with_people(conn, frame, keys, applied, required=False)
    else:
        frame = frame.assign(person_id=None)
    frame = _with_sweeps(conn, frame, applied)
    frame["visited_at"] = pd.to_datetime(frame["visited_at"])
    key = (
        frame["property_id"].astype(str)
        + "|"
        + frame["visited_at"].astype(str)
        + "|"
        + frame["outcome"]
        + "|"
        + frame["person_id"].astype(str)
    )
    frame, repeats = repeated_in_file(frame, key, column="visited_at")
    applied.problems.append(repeats)
    known = batches.rows_by_keys(conn, visit, ["property_id"], frame["property_id"].tolist())
    known["visited_at"] = pd.to_datetime(known["visited_at"])
    existing = _align(frame, known, on=["property_id", "visited_at", "outcome", "person_id"])
    columns = [
        "row",
        "property_id",
        "person_id",
        "team_id",
        "sweep_id",
        "visited_at",
        "outcome",
        "residents_seen",
        "note",
    ]
    _store(
        conn,
        visit,
        frame[[c for c in columns if c in frame]],
        existing,
        batch_id=batch_id,
        applied=applied,
    )
    return applied


def _apply_residents(
    conn: Connection,
    good: pd.DataFrame,
    *,
    batch_id: int,
    keys: Keys,
    url: str,
    scope: frozenset[int] | None = None,
) -> _Applied:
    """Residents: the person (matched by ID number HMAC) and their stay at a property.

    A new stay that starts after the person's open stay elsewhere closes that stay on the
    new move-in date (a move); any other overlap is refused.
    """
    applied = _Applied(scope=scope)
    frame = _with_properties(conn, good, applied)
    people = person_rows(frame, keys)
    firsts = ~people["id_hmac"].duplicated()
    known = batches.rows_by_keys(conn, person, ["id_hmac"], people["id_hmac"].tolist())
    person_existing = _align(people.loc[firsts], known, on=["id_hmac"])
    before = applied.inserted, applied.updated, applied.unchanged
    _store(
        conn,
        person,
        people.loc[firsts].assign(row=frame.loc[firsts, "row"]),
        person_existing,
        batch_id=batch_id,
        applied=applied,
    )
    applied.inserted, applied.updated, applied.unchanged = before  # counted per row below
    ids = batches.rows_by_keys(conn, person, ["id_hmac"], people["id_hmac"])
    changed = _changed_rows(known, ids, columns=list(people.columns))
    frame["person_id"] = people["id_hmac"].map(ids.set_index("id_hmac")["id"])
    stays = batches.rows_by_keys(conn, residence, ["person_id"], frame["person_id"].tolist())
    frame = frame.sort_values(["person_id", "moved_in"])
    plan = _plan_stays(frame, stays)  # may close stays of this file: it edits ``frame``
    applied.problems.append(plan.problems)
    if plan.closures:
        closing = pd.DataFrame(plan.closures, columns=["id", "moved_out"])
        existing = stays.set_index("id").loc[closing["id"]].reset_index()
        batches.update_changed(conn, residence, closing[["moved_out"]], existing, batch_id=batch_id)
    columns = list(STAY_COLUMNS)
    if plan.updates:
        incoming = pd.DataFrame(
            plan.updates, columns=["id", "moved_out", "reported_on", "moved_out_reported_on"]
        )
        existing = stays.set_index("id").loc[incoming["id"]].reset_index()
        batches.update_changed(
            conn, residence, incoming.drop(columns="id"), existing, batch_id=batch_id
        )
    new = frame.loc[plan.new_rows, [c for c in columns if c in frame]]
    batches.insert_new(conn, residence, new, batch_id=batch_id)
    # A row counts once: a new stay, else a changed stay or person, else unchanged.
    counted = set(plan.new_rows) | set(plan.updated_rows)
    person_of = frame["person_id"]
    people_counted = set(person_of.loc[list(counted)])
    updated = list(plan.updated_rows)
    for index in plan.unchanged_rows:
        if person_of[index] in changed and person_of[index] not in people_counted:
            updated.append(index)
            people_counted.add(person_of[index])
    applied.inserted += len(plan.new_rows)
    applied.updated += len(updated)
    applied.unchanged += len(plan.unchanged_rows) - (len(updated) - len(plan.updated_rows))
    applied.extra["moves"] = len(plan.closures)
    return applied


def _changed_rows(before: pd.DataFrame, after: pd.DataFrame, *, columns: list[str]) -> set[int]:
    """Ids of rows whose stored values differ between two reads of the same rows (``before``
    and ``after`` a write), compared on ``columns``; ciphertexts, which differ at every
    sealing, are compared through their HMACs and masks."""
    if before.empty or after.empty:
        return set()
    compared = [
        c
        for c in columns
        if c in before and c in after and not c.endswith("_cipher") and c not in ("id", "batch_id")
    ]
    old = before.set_index("id")[compared]
    new = after.set_index("id").reindex(old.index)[compared]
    same = (old.astype(object) == new.astype(object)) | (old.isna() & new.isna())
    differs = ~same.all(axis=1)
    return {int(i) for i in old.index[differs.to_numpy()]}


@dataclass
class _StayPlan:
    new_rows: list[Any] = field(default_factory=list)
    closures: list[tuple[int, date]] = field(default_factory=list)
    updates: list[tuple[int, date | None, date | None, date | None]] = field(default_factory=list)
    updated_rows: list[Any] = field(default_factory=list)
    """the rows of ``updates``"""
    unchanged_rows: list[Any] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))


def _plan_stays(frame: pd.DataFrame, stays: pd.DataFrame) -> _StayPlan:
    """Decide, stay by stay in move-in order, what each resident row does."""
    plan = _StayPlan()
    bad: list[dict[str, Any]] = []
    by_person: dict[int, list[dict[str, Any]]] = {}
    for stay in stays.to_dict("records"):
        by_person.setdefault(int(stay["person_id"]), []).append(
            {str(k): v for k, v in stay.items()}
        )
    for index, row in frame.iterrows():
        mine = by_person.setdefault(int(row["person_id"]), [])
        moved_out = row.get("moved_out") if pd.notna(row.get("moved_out")) else None
        same = next(
            (
                s
                for s in mine
                if s["property_id"] == row["property_id"] and s["moved_in"] == row["moved_in"]
            ),
            None,
        )
        if same is not None:
            if moved_out is not None and moved_out != same["moved_out"] and same.get("id"):
                plan.updates.append(
                    (
                        int(same["id"]),
                        moved_out,
                        row.get("reported_on"),
                        row.get("moved_out_reported_on"),
                    )
                )
                same["moved_out"] = moved_out
                plan.updated_rows.append(index)
            else:
                plan.unchanged_rows.append(index)
            continue
        start = row["moved_in"]
        clashing = overlapping(mine, start, moved_out)
        movable = [s for s in clashing if s["moved_out"] is None and s["moved_in"] < start]
        if len(clashing) > len(movable) or len(movable) > 1:
            bad.append(
                {
                    "row": row["row"],
                    "column": "moved_in",
                    "value": str(start),
                    "reason": "stay_overlap",
                }
            )
            continue
        for s in movable:
            s["moved_out"] = start
            if s.get("id"):
                plan.closures.append((int(s["id"]), start))
            else:  # a stay added by this same file: close it before it is inserted
                frame.at[s["index"], "moved_out"] = start
        mine.append(
            {
                "property_id": row["property_id"],
                "moved_in": start,
                "moved_out": moved_out,
                "index": index,
            }
        )
        plan.new_rows.append(index)
    plan.problems = pd.DataFrame(bad, columns=PROBLEM_COLUMNS)
    return plan


# --------------------------------------------------------------------------- shared steps


def _placed(conn: Connection, frame: pd.DataFrame, *, url: str, applied: _Applied) -> pd.DataFrame:
    if "lon" not in frame:
        return frame
    has = frame["lon"].notna() & frame["lat"].notna()
    community = np.full(len(frame), np.nan)
    grid = np.full(len(frame), np.nan)
    if has.any():
        c, g = place(
            conn,
            frame.loc[has, "lon"].to_numpy(float),
            frame.loc[has, "lat"].to_numpy(float),
            url=url,
        )
        community[has.to_numpy()], grid[has.to_numpy()] = c, g
    out = frame.assign(
        community_id=pd.Series(community, index=frame.index).astype("Int64"),
        grid_id=pd.Series(grid, index=frame.index).astype("Int64"),
    )
    applied.extra["outside_areas"] = int((has & out["community_id"].isna()).sum())
    applied.extra["without_coordinates"] = int((~has).sum())
    return out


def _with_landlords(
    conn: Connection, frame: pd.DataFrame, keys: Keys, *, batch_id: int, applied: _Applied
) -> pd.DataFrame:
    """Each row's landlord id: matched by the HMAC of the phone, else by name among landlords
    without a phone. Unknown landlords are added; a known one's new name is kept (history)."""
    empty = pd.Series(None, index=frame.index, dtype=object)
    name = frame.get("landlord_name", empty).astype(object)
    phone = frame.get("landlord_phone", empty).astype(object)
    landlord_id = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    with_phone = phone.notna()
    if with_phone.any():
        owners = pd.DataFrame({"phone": phone[with_phone], "name": name[with_phone]})
        owners = owners.drop_duplicates("phone").set_index("phone")
        owners["phone_hmac"] = owners.index.map(keys.digest)
        known = batches.rows_by_keys(
            conn,
            landlord,
            ["phone_hmac"],
            owners["phone_hmac"],
            fields=["id", "name", "phone_hmac"],
        )
        existing = _align(owners, known, on=["phone_hmac"])
        new = existing["id"].isna().to_numpy()
        added = owners.loc[new]
        owner_ids = existing["id"].astype("Int64").to_numpy()
        owner_ids[new] = batches.next_ids(conn, landlord, int(new.sum()))
        batches.insert_new(
            conn,
            landlord,
            pd.DataFrame(
                {
                    "id": owner_ids[new],
                    "name": added["name"].to_numpy(),
                    "phone_hmac": added["phone_hmac"].to_numpy(),
                    "phone_masked": [mask_phone(p) for p in added.index],
                    "phone_cipher": keys.seal_many(added.index),
                }
            ),
            batch_id=batch_id,
        )
        if (~new).any():
            batches.update_changed(
                conn,
                landlord,
                owners.loc[~new, ["name"]].reset_index(drop=True),
                existing.loc[~new].reset_index(drop=True),
                batch_id=batch_id,
            )
        by_phone = pd.Series(owner_ids, index=owners.index)
        landlord_id[with_phone] = phone[with_phone].map(by_phone).astype("Int64")
    name_only = ~with_phone & name.notna()
    if name_only.any():
        wanted = name[name_only].unique().tolist()
        known = batches.rows_by_keys(conn, landlord, ["name"], wanted)
        known = known.loc[known["phone_hmac"].isna()]
        missing = [n for n in wanted if n not in set(known["name"])]
        batches.insert_new(conn, landlord, pd.DataFrame({"name": missing}), batch_id=batch_id)
        found = batches.rows_by_keys(conn, landlord, ["name"], wanted)
        named = found.loc[found["phone_hmac"].isna()].drop_duplicates("name").set_index("name")
        landlord_id[name_only] = name[name_only].map(named["id"]).astype("Int64")
    out = frame.assign(landlord_id=landlord_id)
    return out.drop(columns=[c for c in ("landlord_name", "landlord_phone") if c in out])


def _with_worksites(
    conn: Connection, frame: pd.DataFrame, applied: _Applied, *, required: bool = False
) -> pd.DataFrame:
    if "worksite_ref" not in frame:
        return frame
    refs = frame["worksite_ref"].dropna()
    found = batches.rows_by_keys(conn, worksite, ["external_ref"], refs.tolist())
    ids = frame["worksite_ref"].map(found.set_index("external_ref")["id"])
    unknown = (frame["worksite_ref"].notna() | required) & ids.isna()
    applied.problems.append(
        problems_for(frame, unknown, column="worksite_ref", reason="worksite_unknown")
    )
    out = frame.loc[~unknown].assign(worksite_id=ids[~unknown])
    if required:  # the job is where the worksite is (a dormitory's unit is placed by itself)
        community = out["worksite_ref"].map(found.set_index("external_ref")["community_id"])
        out = _in_scope(out, community, applied, column="worksite_ref")
    return out.drop(columns="worksite_ref")


def _with_sweeps(conn: Connection, frame: pd.DataFrame, applied: _Applied) -> pd.DataFrame:
    """Each visit's sweep (an area list's 任务编号, which must exist) and team: a name is a
    team of that sweep, or a team outside any sweep when the row names no sweep."""
    sweep_id = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if "sweep" in frame:
        sweep_id = frame["sweep"].astype("Int64")
        known = sweep_store.existing_sweeps(conn, sweep_id.dropna().tolist())
        unknown = sweep_id.notna() & ~sweep_id.isin(known)
        applied.problems.append(
            problems_for(frame, unknown, column="sweep", reason="sweep_unknown")
        )
        frame, sweep_id = frame.loc[~unknown], sweep_id.loc[~unknown]
    out = frame.drop(columns="sweep", errors="ignore").assign(sweep_id=sweep_id)
    if "team" not in out:
        return out
    team_id = pd.Series(pd.NA, index=out.index, dtype="Int64")
    loose = sweep_id.isna() & out["team"].notna()
    ids = batches.team_ids(conn, out.loc[loose, "team"])
    team_id[loose] = out.loc[loose, "team"].map(ids).astype("Int64")
    for number, rows in out.loc[sweep_id.notna() & out["team"].notna()].groupby(sweep_id):
        named = sweep_store.team_ids_in_sweep(conn, int(number), rows["team"])
        team_id[rows.index] = rows["team"].map(named).astype("Int64")
    return out.assign(team_id=team_id)


def _with_properties(conn: Connection, frame: pd.DataFrame, applied: _Applied) -> pd.DataFrame:
    existing = _match(
        conn,
        property_,
        frame,
        ref="property_ref",
        fallback=("address", "room"),
        table_ref="external_ref",
    )
    ids = existing["id"]
    unknown = ids.isna()
    column = "property_ref" if "property_ref" in frame else "address"
    applied.problems.append(problems_for(frame, unknown, column=column, reason="property_unknown"))
    out = frame.loc[~unknown].assign(property_id=ids[~unknown].astype(int))
    community = existing["community_id"][~unknown] if "community_id" in existing else None
    out = _in_scope(out, community, applied, column=column)
    return out.drop(columns=[c for c in ("property_ref", "address") if c in out])


def _with_listed_properties(
    conn: Connection, frame: pd.DataFrame, applied: _Applied
) -> pd.DataFrame:
    """Visits' units, also from an area list that Excel or WPS retyped: matched by 核对码,
    reference, or sweep, address and room (geo.io.arealists.match_returned); the rows whose
    房屋编号 did not match as written are counted by how they were found."""
    wanted = {
        name: frame[name].dropna().astype(str).tolist() if name in frame else []
        for name in ("unit_code", "property_ref", "address", "sweep")
    }
    codes = [arealists.parse_unit_code(c) for c in wanted["unit_code"]]
    sweeps = {int(float(n)) for n in wanted["sweep"] if str(n).replace(".", "", 1).isdigit()}
    units = list_store.units_to_match(
        conn,
        ids=[c for c in codes if c is not None],
        refs=wanted["property_ref"],
        addresses=wanted["address"],
        sweeps=sweeps,
    )
    ids, how = arealists.match_returned(frame, units)
    unknown = ids.isna()
    column = "property_ref" if "property_ref" in frame else "address"
    applied.problems.append(problems_for(frame, unknown, column=column, reason="property_unknown"))
    stored_ref = ids.map(units.set_index("id")["external_ref"]) if len(units) else ids
    given_ref = frame["property_ref"] if "property_ref" in frame else pd.Series(None, frame.index)
    retyped = given_ref.notna() & (given_ref.astype(str) != stored_ref.astype(str))
    applied.extra["matched_by_unit_code"] = int((retyped & (how == "code")).sum())
    applied.extra["matched_by_address"] = int((retyped & (how == "address")).sum())
    out = frame.loc[~unknown].assign(property_id=ids[~unknown].astype(int))
    community = out["property_id"].map(units.set_index("id")["community_id"]) if len(out) else None
    out = _in_scope(out, community, applied, column=column)
    return out.drop(columns=[c for c in ("property_ref", "address", "unit_code") if c in out])


def _in_scope(
    frame: pd.DataFrame, community: pd.Series | None, applied: _Applied, *, column: str
) -> pd.DataFrame:
    """Drop (and report) rows outside the communities a scoped user may write in."""
    if applied.scope is None:
        return frame
    where = community if community is not None else pd.Series(np.nan, index=frame.index)
    outside = ~where.isin(applied.scope)
    applied.problems.append(problems_for(frame, outside, column=column, reason="outside_scope"))
    return frame.loc[~outside]


def _with_people(
    conn: Connection, frame: pd.DataFrame, keys: Keys, applied: _Applied, *, required: bool
) -> pd.DataFrame:
    digests = frame["id_number"].map(lambda v: keys.digest(v) if isinstance(v, str) else None)
    found = batches.rows_by_keys(conn, person, ["id_hmac"], digests.dropna().tolist())
    ids = digests.map(found.set_index("id_hmac")["id"])
    unknown = (frame["id_number"].notna() | required) & ids.isna()
    applied.problems.append(
        problems_for(frame, unknown, column="id_number", reason="person_unknown")
    )
    # Clear ID numbers go no further than the match.
    return frame.loc[~unknown].assign(person_id=ids[~unknown]).drop(columns="id_number")


def _match(
    conn: Connection,
    table: Any,
    frame: pd.DataFrame,
    *,
    ref: str,
    fallback: tuple[str, ...],
    table_ref: str = "external_ref",
) -> pd.DataFrame:
    """For each row, the existing row with the same reference, or (for rows without one)
    the same fallback columns; aligned with ``frame``, with a NaN id where there is none."""
    keys = natural_key(frame, ref=ref, fallback=fallback)
    found = []
    if ref in frame and frame[ref].notna().any():
        found.append(batches.rows_by_keys(conn, table, [table_ref], frame[ref].dropna().tolist()))
    by_fallback = keys.str.startswith("key:")
    if by_fallback.any() and fallback[0] in frame:
        wanted = frame.loc[by_fallback, fallback[0]].dropna().tolist()
        found.append(batches.rows_by_keys(conn, table, [fallback[0]], wanted))
    known = pd.concat(found, ignore_index=True).drop_duplicates("id") if found else pd.DataFrame()
    if known.empty:
        return pd.DataFrame({"id": np.nan}, index=frame.index)
    known = known.reset_index(drop=True)
    lookup = dict(
        zip(natural_key(known, ref="__no_ref__", fallback=fallback), known.index, strict=True)
    )
    with_ref = known[table_ref].notna()
    lookup.update(
        zip("ref:" + known.loc[with_ref, table_ref].astype(str), known.index[with_ref], strict=True)
    )
    position = keys.map(lookup)
    aligned = known.reindex(position.to_numpy())
    aligned.index = frame.index
    return aligned


def _align(frame: pd.DataFrame, known: pd.DataFrame, *, on: list[str]) -> pd.DataFrame:
    """Existing rows matching ``frame`` on ``on``, aligned row for row (NaN id when none)."""
    if known.empty:
        return pd.DataFrame({"id": np.nan}, index=frame.index)
    left = frame[on].astype(str).assign(_position=np.arange(len(frame)))
    right = known.drop_duplicates(on).assign(**{c: known[c].astype(str) for c in on})
    merged = left.merge(right, on=on, how="left").sort_values("_position")
    return merged.drop(columns="_position").set_axis(frame.index)


def _store(
    conn: Connection,
    table: Any,
    frame: pd.DataFrame,
    existing: pd.DataFrame,
    *,
    batch_id: int,
    applied: _Applied,
    defaults: dict[str, Any] | None = None,
) -> None:
    """Insert rows with no existing match; update the matched ones where values changed."""
    columns = [c for c in frame.columns if c in table.c and c not in ("id", "batch_id")]
    new = existing["id"].isna()
    inserting = frame.loc[new, columns]
    for column, value in (defaults or {}).items():
        inserting[column] = inserting[column].fillna(value) if column in inserting else value
    applied.inserted += batches.insert_new(conn, table, inserting, batch_id=batch_id)
    if (~new).any():
        updated, unchanged = batches.update_changed(
            conn, table, frame.loc[~new, columns], existing.loc[~new], batch_id=batch_id
        )
        applied.updated += updated
        applied.unchanged += unchanged


def _unfilled_visits(text: pd.DataFrame) -> np.ndarray:
    """Rows with neither a visit time nor an outcome (an area list's units not reached)."""
    blank = np.ones(len(text), dtype=bool)
    for column in ("visited_at", "outcome"):
        if column in text:
            blank &= (text[column].fillna("").astype(str).str.strip() == "").to_numpy()
    return blank


APPLY: dict[str, Callable[..., _Applied]] = {
    "rentals": _apply_rentals,
    "residents": _apply_residents,
    "worksites": _apply_worksites,
    "employment": _apply_employment,
    "visits": _apply_visits,
}


# --------------------------------------------------------------------------- batches


def undo_batch(
    opened: Opened, actor: Actor, batch_id: int, *, force: bool = False
) -> dict[str, Any]:
    """Restore the state before a batch, in the actor's areas only. Refused, naming what
    came later, while a later batch builds on it, or (unless ``force``) when a correction,
    move or retention touched its rows since (see :func:`geo.store.batches.undo_batch`)."""
    require(actor, "import")
    with opened.db.write() as conn:
        allowed = communities_in_scope(conn, actor)
        require_batch_undoable(batches.batch_row(conn, batch_id), actor, allowed, batch_id)
        try:
            result = batches.undo_batch(conn, batch_id, force=force)
        except batches.UndoRefusedError as exc:
            later = exc.later
            if later.batch is not None and not batch_within(
                {"communities": later.communities}, allowed
            ):
                raise ConflictError("undo_later_elsewhere", batch=batch_id) from exc
            raise
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="import.undo",
            object_type="import_batch",
            object_id=str(batch_id),
            detail={**result, **({"forced": True} if force else {})},
        )
    return {"batch": batch_id, "undone": True, **result}


def list_batches(opened: Opened, actor: Actor) -> pd.DataFrame:
    """The newest batches the actor may see: all for an unscoped one, else their own and
    those that wrote only in their areas."""
    require(actor, "import")
    with opened.db.read() as conn:
        allowed = communities_in_scope(conn, actor)
        found = batches.list_batches(conn)
    if allowed is not None and not found.empty:
        rows = found.to_dict("records")
        shown = [batch_visible({str(k): v for k, v in r.items()}, actor, allowed) for r in rows]
        found = found.loc[shown].reset_index(drop=True)
    return found


def batch_rejects_csv(opened: Opened, actor: Actor, batch_id: int) -> bytes | None:
    """The stored rejected-rows report of a batch (CSV), audited as an export: for its
    uploader and unscoped users only."""
    require(actor, "import")
    with opened.db.write() as conn:
        allowed = communities_in_scope(conn, actor)
        require_rejects_allowed(batches.batch_row(conn, batch_id), actor, allowed, batch_id)
        stored = batches.batch_rejects(conn, batch_id)
        if stored is not None:
            audit.append(
                conn,
                actor=actor.name,
                role=actor.role,
                action="export.rejects",
                object_type="import_batch",
                object_id=str(batch_id),
            )
    return None if stored is None else gzip.decompress(stored)
