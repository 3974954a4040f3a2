"""Every message key the code uses exists in both languages with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from geo.i18n import CATALOGUE, bilingual, message
from tests.conftest import ROOT

KEY_PATTERNS = [
    re.compile(r'Error\(\s*"([a-z0-9_]+)"'),  # raise InputError("key", ...)
    re.compile(r'\bt\(\s*"([a-z0-9_]+)"'),  # t("key") in pages
    re.compile(r'\bmessage\(\s*"([a-z0-9_]+)"'),
    re.compile(r"\bbilingual\(\s*['\"]([a-z0-9_]+)['\"]"),
]


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [
        *ROOT.joinpath("geo").rglob("*.py"),
        *ROOT.joinpath("pages").rglob("*.py"),
        ROOT / "app.py",
    ]:
        text = Path(path).read_text(encoding="utf-8")
        for pattern in KEY_PATTERNS:
            keys.update(pattern.findall(text))
        keys.update(f"col_{c}" for c in re.findall(r'"col_" \+ "([a-z_]+)"', text))
    return keys


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_used_in_the_code_is_in_the_catalogue():
    keys = used_keys()
    assert len(keys) > 20
    assert sorted(keys - set(CATALOGUE)) == []


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_both_languages_are_filled_and_take_the_same_placeholders(key):
    zh, en = CATALOGUE[key]
    assert zh.strip() and en.strip()
    assert placeholders(zh) == placeholders(en)


def test_chinese_is_the_default_and_english_is_available():
    assert message("file_empty") == "文件中没有可用的记录"
    assert message("file_empty", "en") == "the file holds no usable records"
    assert bilingual("file_not_found", path="a") == "找不到文件：a | file not found: a"


def test_indicator_columns_all_have_labels():
    from geo.indicators import INDICATOR_COLUMNS

    assert all(f"col_{c}" in CATALOGUE for c in INDICATOR_COLUMNS)


@pytest.mark.parametrize("prefix", ["col_", "sweeps_col_", "lists_col_"])
def test_table_headings_of_one_family_differ_in_each_language(prefix):
    """Two columns of a table with one heading make the table fail to draw."""
    for language in (0, 1):
        headings = [v[language] for k, v in CATALOGUE.items() if k.startswith(prefix)]
        assert len(headings) == len(set(headings)), prefix
