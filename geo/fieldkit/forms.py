"""What a kit holds: its stamp (number, sweep, team, expiry), the unit and resident lists a
team's phones carry (residents masked), and the ODK form as XLSForm sheets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd

from geo.i18n import message
from geo.privacy import resident_label
from geo.vocabulary import VISIT_OUTCOMES

OUTCOMES: Final = VISIT_OUTCOMES.codes
"""The product's visit outcomes, in the order a form offers them."""


UNITS_FILE: Final = "units.csv"


RESIDENTS_FILE: Final = "residents.csv"


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
        resident_label(n, i)
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
