"""Field kits and what comes back from them: the ODK form, the unit and resident lists a
team's phones carry, reading ODK Central's submission export and a GeoPackage's visits, and
the rules a submission must pass (its kit's expiry, the team's share, same-day conflicts,
proof by door plate and GPS).

Pure functions on frames and plain values; the files are written in :mod:`geo.io.kits`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo.crs import metric_crs_for_points, to_metres
from geo.i18n import message
from geo.privacy import mask_name
from geo.vocabulary import VISIT_OUTCOMES

OUTCOMES: Final = VISIT_OUTCOMES.codes
"""The product's visit outcomes, in the order a form offers them."""
NOT_REACHED: Final = ("nobody_home", "refused")
UNITS_FILE: Final = "units.csv"
RESIDENTS_FILE: Final = "residents.csv"
SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
"""Visits are kept in China Standard Time (see :mod:`geo.clock`)."""
PROVEN_WITHIN_M: Final = 50.0
"""Default distance in metres within which a visit's GPS point proves it was at the unit."""
REFUSAL_REASONS: Final = (
    "unknown_kit",
    "late",
    "not_in_share",
    "no_unit",
    "bad_outcome",
    "bad_time",
    "rejected_in_central",
    "outside_scope",
)
"""Why a submission is refused (catalogue keys ``kit_refused_<reason>``)."""


@dataclass(frozen=True)
class KitStamp:
    """What every kit carries: its number, sweep, team, issue day and expiry."""

    kit_id: int
    sweep_id: int
    sweep_name: str
    team: str
    issued_on: date
    expires_on: date

    @property
    def form_id(self) -> str:
        """The ODK form id: one form per kit, so a submission names its kit."""
        return f"gridhouse_kit_{self.kit_id}"

    @property
    def title(self) -> str:
        return (
            f"{self.sweep_name} #{self.sweep_id} · {self.team} · "
            f"{self.issued_on.isoformat()} 至 {self.expires_on.isoformat()}"
        )


def id_tail(id_masked: str | None) -> str:
    """The last four characters of a masked ID number, behind asterisks: enough to confirm
    a person at the door, nothing to identify them by.

    >>> id_tail("330110********1234"), id_tail(None)
    ('****1234', '')
    """
    text = (id_masked or "").strip()
    return f"****{text[-4:]}" if len(text) >= 4 else ""


def unit_list(units: pd.DataFrame) -> pd.DataFrame:
    """The units a team's phones choose from, in walking order: ``name`` (the key a
    submission carries back), ``label`` (number, address and room), position, address, room,
    ref, registered (residents on record), lon, lat.

    ``units``: property_id, position, external_ref, address, room, residents, lon, lat.

    >>> u = pd.DataFrame({"property_id": [7, 3], "position": [2, 1], "external_ref": ["R7", None],
    ...     "address": ["一村 5号", "一村 1号"], "room": ["101", None], "residents": [2, 0],
    ...     "lon": [120.0, 120.1], "lat": [30.0, 30.1]})
    >>> unit_list(u)[["name", "label"]].values.tolist()
    [['3', '1. 一村 1号'], ['7', '2. 一村 5号 101']]
    """
    ordered = units.sort_values("position", kind="stable")
    rooms = ordered["room"].fillna("").astype(str)
    spaced = (" " + rooms).where(rooms != "", "")
    labels: pd.Series = (
        ordered["position"].astype(int).astype(str) + ". " + ordered["address"].astype(str) + spaced
    )
    return pd.DataFrame(
        {
            "name": ordered["property_id"].astype(int).astype(str).to_numpy(),
            "label": labels.to_numpy(),
            "position": ordered["position"].astype(int).to_numpy(),
            "address": ordered["address"].astype(str).to_numpy(),
            "room": rooms.to_numpy(),
            "ref": ordered["external_ref"].fillna("").astype(str).to_numpy(),
            "registered": ordered["residents"].astype(int).to_numpy(),
            "lon": ordered["lon"].round(7).to_numpy(),
            "lat": ordered["lat"].round(7).to_numpy(),
        }
    )


def resident_list(people: pd.DataFrame) -> pd.DataFrame:
    """The registered residents a team confirms at each door, masked: ``name`` (a key of no
    meaning), ``label`` (masked name and ID tail) and ``unit``.

    ``people``: property_id, name, id_masked.

    >>> p = pd.DataFrame({"property_id": [3, 3], "name": ["张三", "李四"],
    ...     "id_masked": ["330110********1234", "330110********567X"]})
    >>> resident_list(p).values.tolist()
    [['3-1', '张* ****1234', '3'], ['3-2', '李* ****567X', '3']]
    """
    if people.empty:
        return pd.DataFrame(columns=["name", "label", "unit"])
    unit = people["property_id"].astype(int).astype(str)
    number = people.groupby(unit).cumcount() + 1
    labels = [
        f"{mask_name(n)} {id_tail(i)}".strip()
        for n, i in zip(people["name"].tolist(), people["id_masked"].tolist(), strict=True)
    ]
    return pd.DataFrame(
        {"name": (unit + "-" + number.astype(str)).to_numpy(), "label": labels, "unit": unit}
    )


def xlsform(stamp: KitStamp, *, record_people: bool = False) -> dict[str, pd.DataFrame]:
    """The XLSForm of a kit as its sheets (survey, choices, settings), labelled in Chinese
    and English: the unit from the team's list, the door plate scan, the GPS point, the
    time, the outcome, people seen, the registered residents confirmed, new residents found
    (a count; names and ID numbers too when ``record_people``) and notes. The kit's number
    and expiry ride along in every submission."""

    def labels(key: str) -> dict[str, str]:
        return {
            "label::中文 (zh)": message(key, lang="zh"),
            "label::English (en)": message(key, lang="en"),
        }

    reached = "${outcome} != 'nobody_home' and ${outcome} != 'refused'"
    rows: list[dict[str, str]] = [
        {"type": "calculate", "name": "kit", "calculation": f"'{stamp.kit_id}'"},
        {"type": "calculate", "name": "kit_expires", "calculation": f"'{stamp.expires_on}'"},
        {"type": "begin_group", "name": "visit", **labels("kit_q_visit")},
        {
            "type": f"select_one_from_file {UNITS_FILE}",
            "name": "unit",
            "required": "yes",
            "appearance": "minimal search",
            **labels("kit_q_unit"),
        },
        {"type": "barcode", "name": "plate", **labels("kit_q_plate")},
        {"type": "geopoint", "name": "gps", "required": "yes", **labels("kit_q_gps")},
        {
            "type": "dateTime",
            "name": "visited_at",
            "required": "yes",
            "default": "now()",
            **labels("kit_q_time"),
        },
        {
            "type": "select_one outcome",
            "name": "outcome",
            "required": "yes",
            **labels("kit_q_outcome"),
        },
        {
            "type": "integer",
            "name": "seen",
            "relevant": reached,
            "constraint": ". >= 0 and . <= 200",
            **labels("kit_q_seen"),
        },
        {
            "type": f"select_multiple_from_file {RESIDENTS_FILE}",
            "name": "confirmed",
            "choice_filter": "unit=${unit}",
            "relevant": reached,
            **labels("kit_q_confirmed"),
        },
        {
            "type": "integer",
            "name": "new_residents",
            "relevant": reached,
            "constraint": ". >= 0 and . <= 200",
            **labels("kit_q_new"),
        },
    ]
    if record_people:
        rows += [
            {
                "type": "begin_repeat",
                "name": "newcomer",
                "relevant": "${new_residents} > 0",
                **labels("kit_q_newcomer"),
            },
            {"type": "text", "name": "newcomer_name", **labels("kit_q_newcomer_name")},
            {"type": "text", "name": "newcomer_id", **labels("kit_q_newcomer_id")},
            {"type": "text", "name": "newcomer_phone", **labels("kit_q_newcomer_phone")},
            {"type": "end_repeat", "name": "newcomer"},
        ]
    rows += [
        {"type": "text", "name": "note", "appearance": "multiline", **labels("kit_q_note")},
        {"type": "end_group", "name": "visit"},
    ]
    choices = pd.DataFrame(
        [
            {
                "list_name": "outcome",
                "name": code,
                "label::中文 (zh)": message(f"outcome_{code}", lang="zh"),
                "label::English (en)": message(f"outcome_{code}", lang="en"),
            }
            for code in OUTCOMES
        ]
    )
    settings = pd.DataFrame(
        [
            {
                "form_title": stamp.title,
                "form_id": stamp.form_id,
                "version": f"{stamp.issued_on:%Y%m%d}{stamp.kit_id:05d}",
                "default_language": "中文 (zh)",
            }
        ]
    )
    survey = pd.DataFrame(rows).fillna("")
    return {"survey": survey, "choices": choices, "settings": settings}


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
    if not _present(value):
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _present(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and np.isnan(value))
        and str(value).strip() not in ("", "nan", "None")
    )


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
            "submission_id": key.where(key.map(_present), instance)
            .fillna("")
            .astype(str)
            .str.strip(),
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


def records_people(roles: Collection[str], permissions: Mapping[str, Collection[str]]) -> bool:
    """Whether a team may name newcomers (not only count them): it has members and every one
    of them may record people (``import``); one sweeper in the team makes it count only.

    >>> perms = {"registrar": ("import",), "sweeper": ("view_records",)}
    >>> records_people(["registrar"], perms), records_people(["registrar", "sweeper"], perms)
    (True, False)
    """
    return bool(roles) and all("import" in permissions.get(r, ()) for r in roles)


def read_gpkg_visits(frame: pd.DataFrame, *, kit_id: int) -> pd.DataFrame:
    """Visits typed into a GeoPackage kit's ``visits`` table (QField, Mergin Maps), in the
    columns of :data:`SUBMISSION_COLUMNS`. A row is keyed by its ``uuid`` when the app
    filled one in, else by its kit and content, so importing the same file twice, or two
    phones' copies of one kit, never counts a visit twice or loses one."""
    rows = frame.reset_index(drop=True)
    confirmed = _column(rows, "confirmed").fillna("").astype(str)
    content = (
        rows.drop(columns=[c for c in ("geometry", "uuid") if c in rows.columns])
        .astype(str)
        .agg("|".join, axis=1)
    )
    digest = content.map(
        lambda text: "gpkg:" + hashlib.sha256(f"{kit_id}|{text}".encode()).hexdigest()[:32]
    )
    uuid = _column(rows, "uuid")
    return pd.DataFrame(
        {
            "row": np.arange(1, len(rows) + 1),
            "submission_id": uuid.where(uuid.map(_present), digest).astype(str),
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


def refusals(
    submissions: pd.DataFrame,
    *,
    kits: pd.DataFrame,
    shares: pd.DataFrame,
) -> pd.Series:
    """Why each submission is refused (a reason of :data:`REFUSAL_REASONS`), or None.

    ``kits``: kit_id, sweep_id, team_id, expires_on; ``shares``: sweep_id, team_id,
    property_id (each team's units). A submission is refused when its kit is unknown, it
    was made after the kit's expiry day, it names no unit or a unit outside its team's
    share, its outcome or time cannot be read, or ODK Central's reviewer rejected it.

    >>> kits = pd.DataFrame({"kit_id": [1], "sweep_id": [5], "team_id": [9],
    ...     "expires_on": [date(2026, 12, 1)]})
    >>> shares = pd.DataFrame({"sweep_id": [5], "team_id": [9], "property_id": [3]})
    >>> s = pd.DataFrame({"kit": [1, 1, 1, 2], "unit": [3, 4, 3, 3], "outcome": ["verified"] * 4,
    ...     "review_state": ["", "", "", ""], "visited_at": pd.to_datetime(
    ...     ["2026-11-30 10:00", "2026-11-30 10:00", "2026-12-02 09:00", "2026-11-30 10:00"])})
    >>> refusals(s, kits=kits, shares=shares).tolist()
    [None, 'not_in_share', 'late', 'unknown_kit']
    """
    owned = set(
        zip(shares["sweep_id"], shares["team_id"], shares["property_id"].astype(int), strict=True)
    )
    stamps: dict[int, tuple[int, int, date]] = {
        int(k): (int(s), int(t), e)
        for k, s, t, e in zip(
            kits["kit_id"], kits["sweep_id"], kits["team_id"], kits["expires_on"], strict=True
        )
    }
    reasons: list[str | None] = []
    for kit_value, unit, outcome, review, moment in zip(
        submissions["kit"].tolist(),
        submissions["unit"].tolist(),
        submissions["outcome"].tolist(),
        submissions["review_state"].tolist(),
        pd.to_datetime(submissions["visited_at"]).tolist(),
        strict=True,
    ):
        kit = int(kit_value) if _present(kit_value) else None
        if kit is None or kit not in stamps:
            reasons.append("unknown_kit")
        elif str(review).lower() == "rejected":
            reasons.append("rejected_in_central")
        elif not _present(unit):
            reasons.append("no_unit")
        elif outcome not in OUTCOMES:
            reasons.append("bad_outcome")
        elif pd.isna(moment):
            reasons.append("bad_time")
        elif moment.date() > stamps[kit][2]:
            reasons.append("late")
        elif (stamps[kit][0], stamps[kit][1], int(unit)) not in owned:
            reasons.append("not_in_share")
        else:
            reasons.append(None)
    return pd.Series(reasons, index=submissions.index, dtype=object)


def conflicting_days(submissions: pd.DataFrame) -> pd.DataFrame:
    """The (unit, day) pairs whose submissions disagree: different outcomes, or different
    numbers of people seen. ``submissions``: property_id, visited_at, outcome, seen.

    >>> s = pd.DataFrame({"property_id": [1, 1, 2, 2], "outcome": ["verified", "vacant",
    ...     "verified", "verified"], "seen": [2, None, 1, 1], "visited_at": pd.to_datetime(
    ...     ["2026-11-30 09:00", "2026-11-30 15:00", "2026-11-30 09:00", "2026-11-30 10:00"])})
    >>> conflicting_days(s).values.tolist()
    [[1, datetime.date(2026, 11, 30)]]
    """
    if submissions.empty:
        return pd.DataFrame(columns=["property_id", "day"])
    keyed = submissions.assign(
        day=pd.to_datetime(submissions["visited_at"]).dt.date,
        said=submissions["outcome"].astype(str)
        + "|"
        + pd.to_numeric(submissions["seen"], errors="coerce").astype("Int64").astype(str),
    )
    distinct = keyed.groupby(["property_id", "day"])["said"].nunique()
    return distinct[distinct > 1].reset_index()[["property_id", "day"]]


def distances_m(
    lon: pd.Series, lat: pd.Series, unit_lon: pd.Series, unit_lat: pd.Series
) -> pd.Series:
    """Metres between each GPS point and its unit (NaN where either is missing), measured in
    the metric CRS of the points (:func:`geo.crs.metric_crs_for_points`).

    >>> d = distances_m(pd.Series([120.0]), pd.Series([30.0]), pd.Series([120.0]),
    ...     pd.Series([30.0003]))
    >>> round(float(d.iloc[0]))
    33
    """
    values = [
        pd.to_numeric(s, errors="coerce").to_numpy(float) for s in (lon, lat, unit_lon, unit_lat)
    ]
    finite = np.logical_and.reduce([np.isfinite(v) for v in values])
    out = np.full(len(lon), np.nan)
    if finite.any():
        crs = metric_crs_for_points(values[2][finite], values[3][finite])
        x1, y1 = to_metres(values[0][finite], values[1][finite], crs=crs)
        x2, y2 = to_metres(values[2][finite], values[3][finite], crs=crs)
        out[finite] = np.hypot(x1 - x2, y1 - y2)
    return pd.Series(out, index=lon.index)


def proof(
    plate_matches: pd.Series, distance_m: pd.Series, *, within_m: float = PROVEN_WITHIN_M
) -> pd.Series:
    """A visit proves itself when its scanned plate belongs to the unit and its GPS point lies
    within ``within_m`` metres of it.

    >>> proof(pd.Series([True, True, False]), pd.Series([12.0, 80.0, 3.0])).tolist()
    [True, False, False]
    """
    near = pd.to_numeric(distance_m, errors="coerce").le(within_m)
    return (plate_matches.astype(bool) & near).astype(bool)


def plate_hash(token: str) -> str:
    """The SHA-256 of a door plate's token, the only form in which it is stored.

    >>> plate_hash("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def kit_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()
