"""geo.fields: the columns each upload kind takes, header folding and the words of enumerated
fields."""

from __future__ import annotations

import pytest

from geo import vocabulary
from geo.fields import (
    FIELD_TYPES,
    FIELDS,
    allowed_words,
    choices_of,
    fields_of,
    normalise_header,
)


def wide(text: str) -> str:
    """``text`` in full-width forms, as a Chinese input method types Latin letters and digits."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def chosen(field: str, word: str, *, kind: str = "rentals") -> str | None:
    return fields_of(kind)[field].choices.get(normalise_header(word))


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("整租", "flat"),
        ("整套", "flat"),
        ("合租", "room"),
        ("单间", "room"),
        ("群租", "group_rental"),
        ("隔断", "group_rental"),
        ("床位", "group_rental"),
        ("宿舍", "dormitory"),
        ("自建房", "self_built"),
        ("Whole flat", "flat"),
        ("SHARED", "room"),
        ("self-built", "self_built"),
        ("Group Rental", "group_rental"),
        (wide("flat"), "flat"),  # full-width
        (" 整 租 ", "flat"),  # spaces typed in a cell
    ],
)
def test_rental_types_in_the_words_of_listings_and_registers(word, code):
    assert chosen("kind", word) == code


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("属实", "verified"),
        ("已核实", "verified"),
        ("家中无人", "nobody_home"),
        ("Not at home", "nobody_home"),
        ("拒访", "refused"),
        ("空置", "vacant"),
        ("查无此人", "not_found"),
        ("有变化", "changes_found"),
        ("changes found", "changes_found"),
    ],
)
def test_visit_outcomes_in_everyday_words(word, code):
    assert chosen("outcome", word, kind="visits") == code


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("工厂", "factory"),
        ("建筑工地", "building_site"),
        ("Construction site", "building_site"),
        ("农贸市场", "market"),
        ("饭店", "restaurant"),
        ("快递", "logistics"),
        ("超市", "shop"),
    ],
)
def test_worksite_kinds_in_everyday_words(word, code):
    assert chosen("kind", word, kind="worksites") == code


def test_a_word_of_another_field_is_not_taken():
    assert chosen("kind", "工厂") is None  # a worksite kind is no rental type
    assert chosen("kind", "整租", kind="worksites") is None
    assert chosen("kind", "公租") is None


def test_the_same_word_may_mean_different_values_in_different_fields():
    assert chosen("status", "正常") == "active"
    assert chosen("outcome", "正常", kind="visits") == "verified"


def test_every_field_has_a_known_type_and_enum_fields_have_a_vocabulary():
    for fields in FIELDS.values():
        names = [f.name for f in fields]
        assert len(set(names)) == len(names)
        for spec in fields:
            assert spec.type in FIELD_TYPES, spec
            assert (spec.type == "enum") == (spec.vocabulary is not None), spec.name
            assert spec.name in spec.synonyms


def test_a_field_s_choices_hold_every_code_of_its_vocabulary():
    for fields in FIELDS.values():
        for spec in fields:
            if spec.vocabulary is not None:
                assert set(spec.choices.values()) == set(spec.vocabulary.codes)
                for code in spec.vocabulary.codes:
                    assert spec.choices[normalise_header(code)] == code


def test_header_folding_ignores_width_case_spaces_and_brackets():
    assert normalise_header(" 经度（Lon） ") == normalise_header("经度(lon)") == "经度lon"
    assert normalise_header("Landlord_Name") == normalise_header("landlord name")
    assert normalise_header(wide("ABC")) == "abc"


def test_the_allowed_words_name_every_value_in_the_reader_s_language():
    zh = allowed_words(vocabulary.PROPERTY_KINDS, "zh")
    en = allowed_words(vocabulary.PROPERTY_KINDS, "en")
    for word in ("整套", "整租", "单间", "合租", "群租房", "隔断", "床位", "集体宿舍", "自建房"):
        assert word in zh
    for word in ("flat", "room", "dormitory", "self-built house", "group rental", "bed space"):
        assert word in en
    assert "整租" not in en and "bed space" not in zh


def test_choices_are_built_once_per_vocabulary():
    assert choices_of(vocabulary.VISIT_OUTCOMES) is choices_of(vocabulary.VISIT_OUTCOMES)
