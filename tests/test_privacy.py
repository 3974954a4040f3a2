"""Masking and sealing identifiers (their checks are tests/test_identifiers.py)."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken

from geo.privacy import Keys, mask_id, mask_phone


def test_masks_show_only_region_prefix_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13800000000") == "138****0000"


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
