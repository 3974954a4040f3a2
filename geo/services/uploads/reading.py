"""An upload's file before anything is stored: its bytes within the limits, its sheets, its
text read with the header found, how its columns would be understood, the words it uses
that the registrar may map, and the fingerprint that tells a repeat upload."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from geo.columns import ColumnPlan, header_score, plan_columns
from geo.io.tables import RawTable, read_table, read_upload, workbook_sheets
from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.services.uploads.model import UploadLimits
from geo.services.uploads.registry import upload_kind
from geo.validation import unknown_values


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


def reading_chosen(
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
    upload_kind(kind)
    limits = UploadLimits.from_settings(opened.settings)
    raw = read_file(data, filename, kind=kind, limits=limits, sheet=sheet)
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
    upload_kind(kind)
    limits = UploadLimits.from_settings(opened.settings)
    raw = read_file(data, filename, kind=kind, limits=limits, sheet=sheet)
    plan = plan_columns(list(raw.frame.columns), kind=kind, explicit=mapping)
    text = raw.frame[list(plan.mapping.values())].set_axis(list(plan.mapping), axis=1)
    return unknown_values(text, kind=kind)


def read_file(
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
