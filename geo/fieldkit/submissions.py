"""What comes back from a kit, in one shape whichever app it came from: ODK Central's
submission export and its newcomer repeat, and the visits typed into a GeoPackage kit;
times read as China Standard Time."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
"""Visits are kept in China Standard Time (see :mod:`geo.clock`)."""


SUBMISSION_COLUMNS: Final = (
    "row",
    "submission_id",
    "submitted_at",
    "submitter",
    "review_state",
    "kit",
    "unit",
    "plate",
    "lon",
    "lat",
    "accuracy_m",
    "visited_at",
    "outcome",
    "seen",
    "confirmed",
    "new_residents",
    "note",
)
"""A submission as the import reads it, whichever app it came from."""


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first column whose name is one of ``names`` or ends with ``-name`` (ODK Central
    writes group paths: ``visit-unit``); an empty one when none is."""
    for name in names:
        for column in frame.columns:
            text = str(column)
            if text == name or text.endswith(f"-{name}") or text.endswith(f"/{name}"):
                return frame[column]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def local_time(values: pd.Series) -> pd.Series:
    """ISO times with an offset (``2026-11-29T10:05:00.000+08:00``, ``...Z``) as China
    Standard Time without a zone, the way visits are kept; times without an offset are
    taken as already local. Unreadable ones become NaT.

    >>> local_time(pd.Series(["2026-11-29T02:05:00.000Z", "2026-11-29 10:05", "x"])).tolist()
    [Timestamp('2026-11-29 10:05:00'), Timestamp('2026-11-29 10:05:00'), NaT]
    """
    out: list[datetime | None] = []
    for value in values.tolist():
        out.append(_local_moment(value))
    return pd.Series(pd.to_datetime(pd.Series(out, dtype=object)).to_numpy(), index=values.index)


def _local_moment(value: object) -> datetime | None:
    if not present(value):
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def present(value: object) -> bool:
    """Whether a cell holds anything (not None, NaN, blank, ``nan`` or ``None`` as text)."""
    return (
        value is not None
        and not (isinstance(value, float) and np.isnan(value))
        and str(value).strip() not in ("", "nan", "None")
    )


def _filled(values: pd.Series) -> pd.Series:
    """:func:`present` of every cell, as booleans also for no rows (mapped, an empty column
    keeps its object dtype, which ``where`` refuses as a condition)."""
    return values.map(present).astype(bool)


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.replace("", None), errors="coerce")


def read_odk_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Submissions from ODK Central's CSV export (all cells text) in the columns of
    :data:`SUBMISSION_COLUMNS`: ``KEY`` or ``meta-instanceID`` as the submission id,
    ``SubmissionDate`` (UTC) and the visit's own time as China Standard Time, the
    geopoint's -Latitude/-Longitude/-Accuracy columns, the confirmed residents counted.
    ``row`` is the line of the file (the header is line 1)."""
    key = _column(frame, "KEY")
    instance = _column(frame, "instanceID")
    confirmed = _column(frame, "confirmed").fillna("").astype(str)
    return pd.DataFrame(
        {
            "row": np.arange(2, len(frame) + 2),
            "submission_id": key.where(_filled(key), instance).fillna("").astype(str).str.strip(),
            "submitted_at": local_time(_column(frame, "SubmissionDate")),
            "submitter": _column(frame, "SubmitterName").fillna("").astype(str),
            "review_state": _column(frame, "ReviewState").fillna("").astype(str).str.strip(),
            "kit": _number(_column(frame, "kit")),
            "unit": _number(_column(frame, "unit")),
            "plate": _column(frame, "plate").fillna("").astype(str).str.strip(),
            "lon": _number(_column(frame, "gps-Longitude")),
            "lat": _number(_column(frame, "gps-Latitude")),
            "accuracy_m": _number(_column(frame, "gps-Accuracy")),
            "visited_at": local_time(_column(frame, "visited_at")),
            "outcome": _column(frame, "outcome").fillna("").astype(str).str.strip(),
            "seen": _number(_column(frame, "seen")),
            "confirmed": confirmed.str.split().map(len).where(confirmed.str.strip() != ""),
            "new_residents": _number(_column(frame, "new_residents")),
            "note": _column(frame, "note").fillna("").astype(str),
        }
    )


NEWCOMER_REPEAT: Final = "newcomer"
"""The repeat of the ODK form in which a team that may record people names the newcomers;
ODK Central exports it beside the submissions as ``<form id>-newcomer.csv``."""


def read_odk_newcomers(frame: pd.DataFrame) -> pd.DataFrame:
    """The newcomers of ODK Central's repeat table (``<form id>-newcomer.csv``: the repeat's
    fields, ``PARENT_KEY`` = the submission's id, ``KEY`` = ``<PARENT_KEY>/newcomer[n]``) as
    row (its line in that file), submission_id, index (n, from 1), name, id_number, phone.

    >>> f = pd.DataFrame({"newcomer_name": ["王五"], "newcomer_id": ["11010519491231002X"],
    ...     "newcomer_phone": [""], "PARENT_KEY": ["uuid:a"], "KEY": ["uuid:a/newcomer[2]"]})
    >>> read_odk_newcomers(f)[["submission_id", "index", "name"]].values.tolist()
    [['uuid:a', 2, '王五']]
    """
    parent = _column(frame, "PARENT_KEY").fillna("").astype(str).str.strip()
    key = _column(frame, "KEY").fillna("").astype(str).str.strip()
    order = key.str.extract(r"\[(\d+)\]\s*$", expand=False)
    # Without a readable [n], the row's place among its submission's rows stands in.
    place = parent.groupby(parent).cumcount() + 1
    index = pd.to_numeric(order, errors="coerce").fillna(place).astype(int)
    return pd.DataFrame(
        {
            "row": np.arange(2, len(frame) + 2),
            "submission_id": parent.to_numpy(),
            "index": index.to_numpy(),
            "name": _column(frame, "newcomer_name").fillna("").astype(str).to_numpy(),
            "id_number": _column(frame, "newcomer_id").fillna("").astype(str).to_numpy(),
            "phone": _column(frame, "newcomer_phone").fillna("").astype(str).to_numpy(),
        }
    )


def newcomer_key(submission_id: str, index: int) -> str:
    """The key of a newcomer: its submission's id and its place in the repeat, so importing
    the same export again never records them twice.

    >>> newcomer_key("uuid:a", 2), len(newcomer_key("x" * 120, 1))
    ('uuid:a#2', 64)
    """
    key = f"{submission_id}#{int(index)}"
    if len(key) <= NEWCOMER_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[: NEWCOMER_KEY_CHARS - 7]


NEWCOMER_KEY_CHARS: Final = 64
"""The longest key kept as it is (the audit's object column); longer ones by their hash."""


def read_gpkg_visits(frame: pd.DataFrame, *, kit_id: int) -> pd.DataFrame:
    """Visits typed into a GeoPackage kit's ``visits`` table (QField, Mergin Maps), in the
    columns of :data:`SUBMISSION_COLUMNS`. A row is keyed by its ``uuid`` when the app
    filled one in, else by its kit and content, so importing the same file twice, or two
    phones' copies of one kit, never counts a visit twice or loses one."""
    rows = frame.reset_index(drop=True)
    confirmed = _column(rows, "confirmed").fillna("").astype(str)
    fields = rows.drop(columns=[c for c in ("geometry", "uuid") if c in rows.columns]).astype(str)
    # Joined row by row: a frame's own agg answers a frame, not a column, when it has no rows.
    content = pd.Series(
        ["|".join(values) for values in fields.itertuples(index=False, name=None)],
        index=rows.index,
        dtype=object,
    )
    digest = content.map(
        lambda text: "gpkg:" + hashlib.sha256(f"{kit_id}|{text}".encode()).hexdigest()[:32]
    )
    uuid = _column(rows, "uuid")
    return pd.DataFrame(
        {
            "row": np.arange(1, len(rows) + 1),
            "submission_id": uuid.where(_filled(uuid), digest).astype(str),
            "submitted_at": pd.NaT,
            "submitter": "",
            "review_state": "",
            "kit": float(kit_id),
            "unit": _number(_column(rows, "unit")),
            "plate": _column(rows, "plate").fillna("").astype(str).str.strip(),
            "lon": _number(_column(rows, "lon")),
            "lat": _number(_column(rows, "lat")),
            "accuracy_m": _number(_column(rows, "accuracy_m")),
            "visited_at": local_time(_column(rows, "visited_at")),
            "outcome": _column(rows, "outcome").fillna("").astype(str).str.strip(),
            "seen": _number(_column(rows, "seen")),
            "confirmed": _number(confirmed.replace("", None)),
            "new_residents": _number(_column(rows, "new_residents")),
            "note": _column(rows, "note").fillna("").astype(str),
        }
    )


def kit_day(moment: datetime | None) -> date | None:
    """The day of a moment, None for none."""
    return None if moment is None else moment.date()
