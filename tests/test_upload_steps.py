"""The upload path's steps and its registry (geo/services/uploads): every upload kind of the
vocabulary has its hooks, and the pure planning steps read their frames without changing
them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geo.errors import InputError
from geo.io.tables import RawTable
from geo.services.uploads import KINDS, UploadKind
from geo.services.uploads.file_columns import plan_file_columns
from geo.services.uploads.registry import upload_kind
from geo.services.uploads.stay_plan import plan_stays, with_closures
from geo.vocabulary import UPLOAD_KINDS

JAN, FEB, MAR = (date(2026, m, 1) for m in (1, 2, 3))


def test_the_registry_has_one_entry_for_every_upload_kind_of_the_vocabulary():
    assert set(KINDS) == set(UPLOAD_KINDS.codes)
    for code, kind in KINDS.items():
        assert isinstance(kind, UploadKind)
        assert kind.code == code
        assert upload_kind(code) is kind


def test_an_unknown_kind_is_refused_naming_the_known_ones():
    with pytest.raises(InputError) as caught:
        upload_kind("pets")
    assert caught.value.key == "kind_unknown"


def resident_rows() -> pd.DataFrame:
    """Person 1 moves within the file (unit 10 in January, unit 11 in March); person 2,
    living in stored stay 5 since 2025, moves to unit 13 in February; person 3's row
    overlaps their stored closed stay 6 and is refused."""
    return pd.DataFrame(
        {
            "row": [2, 3, 4, 5],
            "person_id": [1, 1, 2, 3],
            "property_id": [10, 11, 13, 14],
            "moved_in": [JAN, MAR, FEB, JAN],
            "moved_out": [None, None, None, None],
        },
        index=[7, 8, 9, 12],
    )


def stored_stays() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [5, 6],
            "person_id": [2, 3],
            "property_id": [12, 15],
            "moved_in": [date(2025, 1, 1), date(2025, 6, 1)],
            "moved_out": [None, FEB],
        }
    )


def test_planning_stays_decides_each_row_without_changing_its_frames():
    rows, stays = resident_rows(), stored_stays()
    plan = plan_stays(rows, stays)
    pd.testing.assert_frame_equal(rows, resident_rows())
    pd.testing.assert_frame_equal(stays, stored_stays())
    assert plan.new_rows == [7, 8, 9]
    assert plan.closed_in_file == {7: MAR}  # the file's own January stay ends in March
    assert plan.closures == [(5, FEB)]  # the stored open stay ends on the new move-in
    assert plan.problems[["row", "reason"]].to_dict("records") == [
        {"row": 5, "reason": "stay_overlap"}
    ]


def test_closing_the_files_own_stays_gives_a_copy():
    rows = resident_rows()
    plan = plan_stays(rows, stored_stays())
    closed = with_closures(rows, plan)
    assert closed.loc[7, "moved_out"] == MAR
    assert closed is not rows
    pd.testing.assert_frame_equal(rows, resident_rows())


def visits_file() -> RawTable:
    frame = pd.DataFrame(
        {
            "房屋编号": ["P-1", "P-2", "P-3"],
            "走访时间": ["2026-11-01 09:00", "", "2026-11-02 10:00"],
            "走访结果": ["有人", "", "核实"],
            "备注": ["", "", ""],
        }
    )
    return RawTable(frame=frame, row_numbers=np.array([2, 3, 4]), format="csv")


def test_planning_columns_leaves_the_file_as_read():
    raw = visits_file()
    columns = plan_file_columns(
        raw,
        KINDS["visits"],
        mapping=None,
        value_maps={"outcome": {"有人": "verified"}},
        set_fields=None,
    )
    pd.testing.assert_frame_equal(raw.frame, visits_file().frame)
    assert raw.row_numbers.tolist() == [2, 3, 4]
    assert columns.not_reached == 1  # the unit not visited is no row and no error
    assert columns.row_numbers.tolist() == [2, 4]
    assert columns.text["outcome"].tolist()[0] == "verified"
    assert columns.given["property_ref"] == "房屋编号"
