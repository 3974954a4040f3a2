"""ID numbers (GB 11643), phones, masking."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken

from geo.errors import InputError
from geo.privacy import (
    Keys,
    id_check_digit,
    mask_id,
    mask_phone,
    normalise_id_number,
    normalise_mobile,
)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("34052419800101001", "X"),
        ("33011019900307001", "9"),
    ],  # sums: 195, 189, 190 (mod 11: 8, 2, 3),
)
def test_check_digit_follows_gb11643(first17, check):
    assert id_check_digit(first17) == check


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("11010519491231002", "id_format"),
        ("1101051949123100X2", "id_format"),
        ("110105194902300024", "id_birth_date"),
        ("110105209901010023", "id_birth_date"),
        ("110105194912310021", "id_check_digit"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(raw, key):
    with pytest.raises(InputError) as caught:
        normalise_id_number(raw, today=date(2026, 11, 29))
    assert caught.value.key == key


def test_lower_case_x_and_spaces_are_accepted():
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_masks_show_only_region_prefix_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13800000000") == "138****0000"


@pytest.mark.parametrize("raw", ["+86 138 0000 0000", "138-0000-0000", "13800000000"])
def test_mobile_numbers_are_normalised(raw):
    assert normalise_mobile(raw) == "13800000000"


@pytest.mark.parametrize("raw", ["12800000000", "1380000000", "phone"])
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(InputError):
        normalise_mobile(raw)


def test_sealed_identifiers_are_fernet_tokens_any_fernet_reader_opens():
    keys = Keys.generate()
    values = ["13800000000", "110105194912310029", "", "x" * 15, "y" * 16, "身份证" * 9]
    tokens = keys.seal_many(values)
    reader = Fernet(keys.fernet_key)
    assert [reader.decrypt(t).decode() for t in tokens] == values
    assert [keys.unseal(t) for t in tokens] == values
    assert keys.unseal(keys.seal("13900000000")) == "13900000000"


def test_sealing_the_same_number_twice_gives_different_ciphertexts():
    keys = Keys.generate()
    first, second = keys.seal_many(["13800000000", "13800000000"])
    assert first != second
    assert keys.seal("13800000000") != keys.seal("13800000000")
    # the clear value never appears in the token
    assert b"13800000000" not in base64.urlsafe_b64decode(first)


def test_a_token_sealed_under_another_key_is_refused():
    token = Keys.generate().seal("13800000000")
    with pytest.raises(InvalidToken):
        Keys.generate().unseal(token)
