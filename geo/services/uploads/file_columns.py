"""The plan-columns step of an upload: the file's columns read as the kind's fields, the
fields it lacks named, the rows that are no rows of the kind left out, the registrar's words
and values applied, and the fingerprint those choices give the upload. Pure: the file as
read is not changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.columns import ColumnPlan, plan_columns
from geo.errors import InputError
from geo.i18n import Phrase, message
from geo.intake import bounded
from geo.io.tables import RawTable
from geo.services.uploads.reading import reading_chosen, upload_fingerprint
from geo.services.uploads.registry import UploadKind
from geo.validation import apply_values


@dataclass(frozen=True)
class FileColumns:
    """A file's columns as the kind's fields (:func:`plan_file_columns`)."""

    kind: str
    plan: ColumnPlan
    given: dict[str, str]
    """field -> the file's header, ``--set`` for a field given one value for every row"""
    text: pd.DataFrame
    """one column per mapped field, the registrar's words mapped and values set"""
    row_numbers: np.ndarray
    not_reached: int
    """rows left out as no rows of the kind (an area list's units not visited)"""
    values_mapped: dict[str, int]
    value_maps: Mapping[str, Mapping[str, str]]
    """the registrar's words, {field: {word in the file: value}}"""
    set_fields: Mapping[str, str]
    """the registrar's values, {field: value for every row}"""


def plan_file_columns(
    raw: RawTable,
    upload: UploadKind,
    *,
    mapping: dict[str, str] | None,
    value_maps: Mapping[str, Mapping[str, str]] | None,
    set_fields: Mapping[str, str] | None,
) -> FileColumns:
    """The file's columns as the kind's fields (:func:`geo.columns.plan_columns`, ``mapping``
    the registrar's reading), InputError ``columns_missing`` naming the fields it lacks; the
    rows that are no rows of the kind left out and the registrar's words and values applied.
    ``raw`` is not changed."""
    plan = plan_columns(list(raw.frame.columns), kind=upload.code, explicit=mapping)
    given = {**plan.mapping, **dict.fromkeys(set_fields or {}, "--set")}
    missing = [m for m in plan.missing if m not in given]
    _check_columns(upload, given, missing, list(raw.frame.columns))
    text = raw.frame[list(plan.mapping.values())].set_axis(list(plan.mapping), axis=1)
    row_numbers = raw.row_numbers
    unreached = upload.not_reached(text) if upload.not_reached else np.zeros(len(text), dtype=bool)
    if unreached.any():  # rows of an area list the team did not reach: not rows, not errors
        text, row_numbers = text.loc[~unreached], row_numbers[~unreached]
    text, values_mapped = apply_values(
        text, kind=upload.code, value_maps=value_maps, set_fields=set_fields
    )
    return FileColumns(
        upload.code,
        plan,
        given,
        text,
        row_numbers,
        int(unreached.sum()),
        values_mapped,
        value_maps=value_maps or {},
        set_fields=set_fields or {},
    )


def fingerprint(
    data: bytes,
    raw: RawTable,
    columns: FileColumns,
    *,
    mapping: Mapping[str, str] | None,
    source_crs: str,
) -> str:
    """The upload's fingerprint (:func:`~geo.services.uploads.reading.upload_fingerprint`):
    the coordinate system counts only when the file has points."""
    plan = columns.plan
    return upload_fingerprint(
        data,
        reading=reading_chosen(raw, plan, kind=columns.kind, mapping=mapping),
        source_crs=source_crs if "lon" in plan.mapping or plan.coordinates else "wgs84",
        value_maps=columns.value_maps,
        set_fields=columns.set_fields,
        sheet=raw.sheet,
    )


def _check_columns(
    upload: UploadKind, mapping: dict[str, str], missing: list[str], headers: list[str]
) -> None:
    """InputError ``columns_missing`` naming the required fields the file lacks, and the
    kind's one-of fields when it has none of them."""
    needed: list[tuple[str, ...]] = [(f"field_{name}",) for name in missing]
    if upload.one_of and not set(upload.one_of) & set(mapping):
        needed.append(tuple(f"field_{name}" for name in upload.one_of))
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
