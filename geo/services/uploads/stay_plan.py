"""Plan the stays of a residents upload against the stored ones: which rows are new stays,
which close an open stay elsewhere (a move), which change a stay's move-out, which overlap
and are refused. Pure: reads its frames, never changes them, returns the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from geo.intake import PROBLEM_COLUMNS
from geo.stays import overlapping


@dataclass
class StayPlan:
    """What each resident row does, by the row's index in the planned frame."""

    new_rows: list[Any] = field(default_factory=list)
    """rows that are new stays, to insert"""
    closures: list[tuple[int, date]] = field(default_factory=list)
    """(stored stay id, move-out): open stays closed by a later move-in"""
    closed_in_file: dict[Any, date] = field(default_factory=dict)
    """{row: move-out} for new stays of this same file closed by a later row's move-in"""
    updates: list[tuple[int, date | None, date | None, date | None]] = field(default_factory=list)
    """(stored stay id, moved_out, reported_on, moved_out_reported_on): a move-out reported"""
    updated_rows: list[Any] = field(default_factory=list)
    """the rows of ``updates``"""
    unchanged_rows: list[Any] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))


def plan_stays(frame: pd.DataFrame, stays: pd.DataFrame) -> StayPlan:
    """Decide, stay by stay in the frame's order (sort it by person and move-in), what each
    resident row does.

    ``frame`` has row, person_id, property_id, moved_in and optionally moved_out,
    reported_on, moved_out_reported_on; ``stays`` the stored stays of those people (id,
    person_id, property_id, moved_in, moved_out). A new stay that starts after the
    person's open stay elsewhere closes that stay on the new move-in date; any other overlap
    is refused (``stay_overlap``). Apply ``closed_in_file`` with :func:`with_closures`.
    """
    plan = StayPlan()
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
                plan.closed_in_file[s["index"]] = start
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


def with_closures(frame: pd.DataFrame, plan: StayPlan) -> pd.DataFrame:
    """A copy of ``frame`` whose stays closed by a later row of the same file
    (``plan.closed_in_file``) carry their move-out; ``frame`` itself when there are none."""
    if not plan.closed_in_file:
        return frame
    closed = frame.copy()
    for index, moved_out in plan.closed_in_file.items():
        closed.at[index, "moved_out"] = moved_out
    return closed
