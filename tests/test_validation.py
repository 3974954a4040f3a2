"""geo.validation: cells checked and typed, the registrar's words for a file, and the reasons a
refused cell is given."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geo.errors import InputError
from geo.validation import (
    CHINA_BOUNDS,
    Jurisdiction,
    apply_values,
    check_record,
    parse_dates,
    parse_numbers,
    reason_text,
    unknown_values,
    validate_rows,
)

TODAY = date(2026, 11, 29)


def wide(text: str) -> str:
    """``text`` in full-width forms, as a Chinese input method types Latin letters and digits."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def validate(upload_kind: str, /, **columns: list[str]):
    frame = pd.DataFrame(columns)
    return validate_rows(
        frame,
        kind=upload_kind,
        row_numbers=np.arange(2, len(frame) + 2),
        source_crs="wgs84",
        jurisdiction=Jurisdiction(CHINA_BOUNDS),
        as_of=TODAY,
    )


# --------------------------------------------------------------------------- enumerated fields


def test_rental_types_in_everyday_words_are_stored_as_their_values():
    result = validate(
        "rentals",
        address=["甲1", "甲2", "甲3", "甲4", "甲5", "甲6"],
        kind=["整租", "合租", "隔断", "床位", "宿舍", wide("SHARED")],
    )
    assert result.problems.empty
    assert result.good["kind"].tolist() == [
        "flat",
        "room",
        "group_rental",
        "group_rental",
        "dormitory",
        "room",
    ]


def test_an_unknown_word_is_refused_with_its_row_column_and_reason():
    result = validate("rentals", address=["甲1", "甲2"], kind=["整租", "公租"])
    assert result.good["row"].tolist() == [2]
    refused = result.problems.to_dict("records")
    assert refused == [{"row": 3, "column": "kind", "value": "公租", "reason": "not_in_choices"}]


def test_an_unknown_word_s_reason_lists_the_words_the_field_takes_in_each_language():
    zh = reason_text("not_in_choices", kind="rentals", column="kind", lang="zh")
    en = reason_text("not_in_choices", kind="rentals", column="kind", lang="en")
    assert zh.startswith("不是可选值")
    assert all(w in zh for w in ("整套", "整租", "单间", "合租", "群租房", "隔断", "床位"))
    assert en.startswith("not one of the allowed values")
    assert all(w in en for w in ("flat", "room", "dormitory", "group rental", "bed space"))
    outcome = reason_text("not_in_choices", kind="visits", column="outcome", lang="zh")
    assert "无人在家" in outcome and "整租" not in outcome
    assert "{" not in zh + en + outcome


def test_other_reasons_read_as_the_catalogue_says():
    from geo.i18n import message

    said = reason_text("required", kind="rentals", column="address", lang="en")
    assert said == message("required", "en") and said


def test_a_single_record_takes_the_same_words_as_an_upload():
    values, problems = check_record(
        {"address": "甲1", "kind": "整租", "status": "在用"}, kind="rentals"
    )
    assert problems == []
    assert values is not None and (values["kind"], values["status"]) == ("flat", "active")
    values, problems = check_record({"address": "甲1", "kind": "公租"}, kind="rentals")
    assert values is None and problems == [("kind", "not_in_choices")]


# --------------------------------------------------------------------------- the file's words


def test_value_maps_turn_the_file_s_words_into_values_folded_like_the_built_in_words():
    cells = pd.DataFrame({"kind": ["公租", "公 租", wide("gongzu"), "整租", ""]})
    out, changed = apply_values(
        cells, kind="rentals", value_maps={"kind": {"公租": "单间", "Gongzu": "group rental"}}
    )
    assert out["kind"].tolist() == ["room", "room", "group_rental", "整租", ""]
    assert changed == {"kind": 3}
    assert cells["kind"].tolist()[0] == "公租"  # the input is not changed


def test_a_value_map_wins_over_the_built_in_word():
    out, _ = apply_values(
        pd.DataFrame({"kind": ["合租"]}), kind="rentals", value_maps={"kind": {"合租": "群租"}}
    )
    result = validate("rentals", address=["甲"], kind=out["kind"].tolist())
    assert result.good["kind"].tolist() == ["group_rental"]


def test_a_set_field_fills_every_row_and_is_checked_like_a_cell():
    cells = pd.DataFrame({"address": ["甲", "乙"]})
    out, changed = apply_values(cells, kind="rentals", set_fields={"kind": "自建房"})
    assert out["kind"].tolist() == ["自建房", "自建房"] and changed == {}
    result = validate("rentals", **{c: out[c].tolist() for c in out})
    assert result.good["kind"].tolist() == ["self_built", "self_built"]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"value_maps": {"kind": {"公租": "豪宅"}}}, "values_target_unknown"),
        ({"value_maps": {"address": {"甲": "乙"}}}, "values_field_not_enum"),
        ({"value_maps": {"colour": {"红": "蓝"}}}, "map_field_unknown"),
        ({"set_fields": {"kind": "整租"}}, "set_field_in_file"),
        ({"set_fields": {"status": "出租过"}}, "values_target_unknown"),
        ({"set_fields": {"colour": "红"}}, "map_field_unknown"),
    ],
)
def test_choices_that_cannot_hold_are_refused_for_the_whole_file(options, key):
    cells = pd.DataFrame({"address": ["甲"], "kind": ["公租"]})
    with pytest.raises(InputError) as refused:
        apply_values(cells, kind="rentals", **options)
    assert refused.value.key == key


def test_a_refused_target_names_the_values_it_could_be():
    with pytest.raises(InputError) as refused:
        apply_values(
            pd.DataFrame({"outcome": ["x"]}), kind="visits", value_maps={"outcome": {"x": "ok?"}}
        )
    allowed = refused.value.params["allowed"]
    assert "verified/已核实" in allowed and "not_found/查无此人" in allowed


def test_unknown_values_are_counted_per_field_most_frequent_first():
    cells = pd.DataFrame(
        {
            "kind": ["公租", "整租", "人才房", "公租", " 公租 ", ""],
            "status": ["在租", "待定", "", "", "", ""],
            "address": ["甲", "乙", "丙", "丁", "戊", "己"],
        }
    )
    found = unknown_values(cells, kind="rentals")
    assert found.to_dict("records") == [
        {"field": "kind", "value": "公租", "count": 3},
        {"field": "kind", "value": "人才房", "count": 1},
        {"field": "status", "value": "待定", "count": 1},
    ]


def test_a_file_without_unknown_words_has_none_to_map():
    cells = pd.DataFrame({"kind": ["整租", "Flat"], "address": ["甲", "乙"]})
    assert unknown_values(cells, kind="rentals").empty


# --------------------------------------------------------------------------- parsing and checks


def test_numbers_and_dates_as_registrars_type_them():
    assert parse_numbers(pd.Series(["1,200.5", wide("12"), "", "x"])).tolist()[:2] == [1200.5, 12.0]
    days = parse_dates(pd.Series(["2026-03-01", "2026/3/1", "20260301", "2026年3月1日", "3/1"]))
    assert days.iloc[:4].dt.date.tolist() == [date(2026, 3, 1)] * 4
    assert pd.isna(days.iloc[4])


def test_required_cells_future_dates_and_long_text_are_each_refused_with_their_reason():
    result = validate(
        "residents",
        id_number=["", "11010519491231002X"],
        name=["张三", "李" * 101],
        address=["甲", "乙"],
        moved_in=["2026-01-01", "2026-12-31"],
    )
    reasons = {(p["row"], p["column"]): p["reason"] for p in result.problems.to_dict("records")}
    assert reasons == {
        (2, "id_number"): "required",
        (3, "name"): "too_long",
        (3, "moved_in"): "date_future",
    }
    assert result.good.empty
