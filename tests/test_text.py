"""Clean text at intake: what is removed, what is kept, how names fold, what a form refuses."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import InputError
from geo.i18n import bilingual
from geo.text import checked_name, clean_columns, clean_text, fold_name, form_name, refusal

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2069\u200e\u061c"


@pytest.mark.parametrize("character", [*INVISIBLE, "\x00", "\x07", "\x0b", "\x1b", "\x85"])
def test_every_invisible_and_control_character_is_removed(character):
    assert clean_text(f"东湖{character}路") in ("东湖路", "东湖 路")
    assert character not in clean_text(f"东湖{character}路", note=True)


def test_tabs_and_line_breaks_stay_in_notes_only():
    assert clean_text("一\t二\r\n三") == "一 二  三"
    assert clean_text("一\t二\r\n三", note=True) == "一\t二\n三"


def test_names_fold_full_width_forms_and_spaces_and_keep_chinese():
    assert fold_name("\uff37\uff41\uff4e\uff47\u3000\u3000\uff2c\uff49") == "Wang Li"
    assert fold_name("买买提·艾力") == "买买提·艾力"
    assert fold_name("\uf9fb") == "炙"  # a compatibility ideograph as the unified one


def test_a_column_is_cleaned_and_counted_and_a_clean_one_left_as_it_is():
    frame = pd.DataFrame(
        {
            "address": pd.Series(
                ["东湖路\x0b1号", "东湖路2号\u200b\u200b"], dtype="string[pyarrow]"
            ),
            "name": pd.Series(["\uff21\u5f20", "李四"], dtype="string[pyarrow]"),
            "note": ["第一行\n第二行", "x"],
            "room": pd.Series(["101", "102"], dtype="string[pyarrow]"),
        }
    )
    cleaned = clean_columns(frame, keep=frozenset({"note"}))
    assert cleaned.frame["address"].tolist() == ["东湖路 1号", "东湖路2号"]
    assert cleaned.frame["name"].tolist() == ["A张", "李四"]
    assert cleaned.frame["note"].tolist() == ["第一行\n第二行", "x"]
    assert (cleaned.cells, cleaned.characters) == (2, 3)
    assert cleaned.frame["room"] is frame["room"] or cleaned.frame["room"].equals(frame["room"])


def test_an_object_column_is_cleaned_as_an_arrow_one():
    frame = pd.DataFrame({"address": ["a\u202eb", "c"]}, dtype=object)
    assert clean_columns(frame).frame["address"].tolist() == ["ab", "c"]


def test_a_form_refuses_what_an_upload_refuses():
    assert refusal("=cmd|' /C calc'!A0") == "formula"
    assert refusal("王" * 100_000, max_length=100) == "too_long"
    assert refusal("<script>alert(1)</script>", name=True) == "markup"
    assert refusal("[点我](javascript:alert(1))", name=True) == "markup"
    with pytest.raises(InputError) as refused:
        form_name("<img src=x onerror=alert(1)>")
    assert refused.value.key == "form_name_markup"
    assert form_name("赵\u200b六\u202e") == "赵六"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ('=HYPERLINK("http://x","y")', "formula"),
        ("<img src=x onerror=alert(1)>", "markup"),
        ("<script>x</script>", "markup"),
        ("王" * 101, "too_long"),
        ("\u200b\u202e ", "name_blank"),
    ],
)
def test_a_name_by_any_other_way_in_is_refused_as_an_upload_refuses_it(typed, reason):
    with pytest.raises(InputError) as refused:
        checked_name(typed, field="field_team_name")
    assert (refused.value.key, refused.value.params["rule"]) == ("name_refused", reason)
    line = bilingual(refused.value.key, **refused.value.params)
    assert line.startswith("走访组名称：") and " | team name: " in line and "\n" not in line


def test_a_name_by_any_other_way_in_is_cleaned_as_an_upload_cleans_it():
    assert checked_name("\uff37ang\u200b\u3000Li\u202e", field="field_name") == "Wang Li"
    assert checked_name("\uff37ang\u200b", field="field_name", fold=False) == "\uff37ang"
    assert checked_name("", field="field_name", required=False) == ""
