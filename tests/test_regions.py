"""Province of origin from a hukou region code (geo/regions.py)."""

from __future__ import annotations

import pytest

from geo.regions import PROVINCES, province_name


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("330110", "浙江", "Zhejiang"),  # a county code: its first two digits decide
        ("3401", "安徽", "Anhui"),
        ("11", "北京", "Beijing"),
        ("810000", "香港", "Hong Kong"),
    ],
)
def test_a_region_code_names_its_province_in_each_language(code, zh, en):
    assert province_name(code) == zh
    assert province_name(code, "zh") == zh
    assert province_name(code, "en") == en


@pytest.mark.parametrize(("code", "shown"), [("990000", "99"), ("", ""), ("7", "7")])
def test_an_unknown_code_shows_its_first_two_digits_rather_than_a_wrong_name(code, shown):
    assert province_name(code) == shown
    assert province_name(code, "en") == shown


def test_every_province_has_a_chinese_and_an_english_name_and_a_two_digit_code():
    for code, (zh, en) in PROVINCES.items():
        assert len(code) == 2 and code.isdigit()
        assert zh and en and zh != en
        assert province_name(code + "0000", "en") == en
