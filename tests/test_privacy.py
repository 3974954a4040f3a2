"""Masking and sealing identifiers (their checks are tests/test_identifiers.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from geo.privacy import (
    TOKEN_VERSION,
    Keys,
    SealError,
    mask_cell,
    mask_id,
    mask_phone,
    mask_text,
    resident_label,
    sealed_columns,
)


def test_masks_show_only_region_prefix_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13800000000") == "138****0000"


def test_a_resident_on_a_field_list_shows_a_masked_name_and_four_id_characters():
    """The field's lists (printed area lists and field kits) name a resident one way: not the
    region of their ID number (the kit's rule won over the paper list's whole masked ID)."""
    assert resident_label("欧阳娜娜", "330110********123X") == "欧*** ****123X"
    assert resident_label("乙", None) == "*"
    assert resident_label(None, "330110********1234") == "****1234"
    assert "330110" not in resident_label("张三", mask_id("330110199001011234"))


def test_long_numbers_keep_a_phones_ends_in_cells_and_in_free_text():
    assert mask_cell("phone", "13800000000") == mask_text("13800000000") == "138****0000"
    assert mask_cell("id_number", "0123456789") == "012***6789"
    assert mask_text("x 0123456789") == "x ********89"  # a run under 11 keeps its last two


def test_sealed_identifiers_are_aes_gcm_tokens_with_a_version_byte_any_reader_opens():
    keys = Keys.generate()
    values = ["13800000000", "110105194912310029", "", "x" * 15, "y" * 16, "身份证" * 9]
    tokens = keys.seal_many(values)
    assert all(t[:1] == TOKEN_VERSION for t in tokens)
    # the library's own AES-GCM opens them: version byte and key id (authenticated), a
    # 12-byte nonce, ciphertext and tag
    reader = AESGCM(keys.aead_key)
    assert [reader.decrypt(t[5:17], t[17:], t[:5]).decode() for t in tokens] == values
    assert [keys.unseal(t) for t in tokens] == values
    assert keys.unseal(keys.seal("13900000000")) == "13900000000"


def test_sealing_the_same_number_twice_gives_different_ciphertexts_matching_stays_equal():
    keys = Keys.generate()
    first, second = keys.seal_many(["13800000000", "13800000000"])
    assert first != second
    assert keys.seal("13800000000") != keys.seal("13800000000")
    assert b"13800000000" not in first
    assert keys.digest("13800000000") == keys.digest("13800000000")


def test_a_token_sealed_under_another_key_or_altered_is_refused():
    keys = Keys.generate()
    token = keys.seal("13800000000")
    with pytest.raises(SealError):
        Keys.generate().unseal(token)
    flipped = bytearray(token)
    flipped[-1] ^= 1  # one bit of the tag
    with pytest.raises(SealError):
        keys.unseal(bytes(flipped))
    body = bytearray(token)
    body[18] ^= 1  # one bit of the ciphertext: a hand-made CBC without MAC would pass this
    with pytest.raises(SealError):
        keys.unseal(bytes(body))
    with pytest.raises(SealError):
        keys.unseal(b"\x02" + token[1:])  # an unknown version


def test_legacy_fernet_tokens_open_with_the_legacy_key_only():
    legacy = Fernet.generate_key()
    token = Fernet(legacy).encrypt(b"11010519491231002X")
    keys = Keys.generate()
    with pytest.raises(SealError):
        keys.unseal(token)
    old = Keys(keys.hmac_key, keys.aead_key, keys.audit_key, legacy_fernet_key=legacy)
    assert old.unseal(token) == "11010519491231002X"
    assert not old.is_sealed_now(token) and old.is_sealed_now(old.seal("x"))


def test_rotation_keeps_matching_and_changes_the_check_value():
    keys = Keys.generate()
    fresh = keys.rotated()
    assert fresh.digest("13800000000") == keys.digest("13800000000")
    assert fresh.check_value() != keys.check_value()
    # what a process still holding the old key sealed meanwhile still opens (retired key)
    assert fresh.unseal(keys.seal("13800000000")) == "13800000000"
    assert not fresh.is_sealed_now(keys.seal("1")) and fresh.is_sealed_now(fresh.seal("1"))
    with pytest.raises(SealError):
        keys.unseal(fresh.seal("13800000000"))


def test_an_identifier_column_is_stored_masked_matched_and_sealed_in_one_place():
    keys = Keys.generate()
    ids = pd.Series(["11010519491231002X", None, "11010519491231002X"], index=[5, 6, 7])
    out = sealed_columns(ids, keys, prefix="id", mask=mask_id)
    assert list(out.columns) == ["id_masked", "id_hmac", "id_cipher"]
    assert out.index.tolist() == [5, 6, 7]
    assert out.loc[5, "id_masked"] == "110105********002X"
    assert out.loc[5, "id_hmac"] == out.loc[7, "id_hmac"] == keys.digest(ids[5])
    assert keys.unseal(out.loc[7, "id_cipher"]) == ids[7]
    assert out.loc[6].isna().all()
