"""ID numbers (GB 11643), phones, masking."""

from __future__ import annotations

from datetime import date

import pytest

from geo.errors import InputError
from geo.privacy import id_check_digit, mask_id, mask_phone, normalise_id_number, normalise_mobile


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
