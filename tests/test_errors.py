"""Typed errors carry a catalogue key and parameters, never user-facing text (geo/errors.py)."""

from __future__ import annotations

import pytest

from geo.errors import (
    ConflictError,
    GridhouseError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from geo.i18n import CATALOGUE, message
from geo.io.tables import read_table, read_upload

KINDS = (InputError, NotFoundError, PermissionDeniedError, ConflictError)


@pytest.mark.parametrize("kind", KINDS)
def test_every_error_is_caught_as_a_gridhouse_error_with_its_key_and_parameters(kind):
    with pytest.raises(GridhouseError) as caught:
        raise kind("file_not_found", path="名单.csv")
    assert type(caught.value) is kind
    assert caught.value.key == "file_not_found"
    assert caught.value.params == {"path": "名单.csv"}


@pytest.mark.parametrize("kind", KINDS)
def test_an_error_is_not_caught_as_another_kind(kind):
    others = tuple(k for k in KINDS if k is not kind)
    with pytest.raises(kind):
        try:
            raise kind("file_empty")
        except others:
            pytest.fail(f"{kind.__name__} caught as another kind")


def test_the_exception_text_is_the_key_and_parameters_not_a_sentence():
    assert str(InputError("file_empty")) == "file_empty"
    assert str(NotFoundError("file_not_found", path="a.csv")) == "file_not_found: {'path': 'a.csv'}"


def test_an_error_from_a_reader_names_its_key_and_reads_in_either_language():
    with pytest.raises(InputError) as caught:
        read_table(b"   \n", "名单.csv")
    error = caught.value
    assert error.key == "file_empty"
    assert error.key in CATALOGUE
    zh, en = message(error.key, "zh", **error.params), message(error.key, "en", **error.params)
    assert zh != en and en != error.key


def test_an_error_s_parameters_fill_its_sentence(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (3 * 2**20))
    with pytest.raises(InputError) as caught:
        read_upload(path, max_bytes=2**20)
    error = caught.value
    assert error.key == "file_too_large"
    assert error.params == {"size_mb": 3.0, "limit_mb": 1.0}
    said = message(error.key, "en", **error.params)
    assert "3.0" in said and "1.0" in said
