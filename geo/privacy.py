"""Mask, match and seal personal identifiers (resident ID numbers and phones).

How an identifier is written and checked (GB 11643, mobiles and landlines) is
:mod:`geo.identifiers`; this module takes the normalised value from there.

Identifiers are never stored in clear: a keyed HMAC matches them (deterministic, so equal
values find each other), authenticated encryption keeps them recoverable for the roles allowed
to unmask, and a masked form is what pages show. Sealing is AES-256-GCM from the
``cryptography`` library: a token is a version byte, a random 96-bit nonce and the ciphertext
with its tag; any change to a token, or another key, is refused when it is opened. Tokens of
an older database (Fernet) are still read with the key file's legacy key until migration 0008
re-seals them. The keys come from :class:`Keys`; this module never reads or writes files.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_VERSION: Final = b"\x01"
"""The first byte of every token sealed with AES-256-GCM (a Fernet token starts with ``g``)."""
_NONCE_BYTES: Final = 12
_KEY_ID_BYTES: Final = 4
KEY_CHECK_LABEL: Final = "gridhouse-key-check"


def key_id(aead_key: bytes) -> bytes:
    """The four bytes that name a sealing key in its tokens (a digest, not the key)."""
    return hashlib.sha256(b"gridhouse-key-id" + aead_key).digest()[:_KEY_ID_BYTES]


class SealError(ValueError):
    """A token that does not open with these keys: another key sealed it, or it was altered."""


def _keep(value: str, head: int, tail: int) -> str:
    """``value`` with all but its first ``head`` and last ``tail`` characters as asterisks
    (the one way every mask here hides characters)."""
    hidden = max(0, len(value) - head - tail)
    return value[:head] + "*" * hidden + value[head + hidden :]


def mask_id(value: str) -> str:
    """Show the region and the last four characters only.

    >>> mask_id("11010519491231002X")
    '110105********002X'
    """
    return _keep(value, 6, 4)


def mask_phone(value: str) -> str:
    """Show the carrier prefix and last four digits only.

    >>> mask_phone("13800000000")
    '138****0000'
    """
    return _keep(value, 3, 4)


def _mask_number(value: str, *, long_from: int) -> str:
    """A number of unknown kind: from ``long_from`` characters on as :func:`mask_phone`
    shows a number (its first three and last four), a shorter one down to its last two."""
    return mask_phone(value) if len(value) >= long_from else _keep(value, 0, 2)


_DIGIT_RUN: Final = re.compile(
    r"[0-9\uff10-\uff19][0-9Xx\uff10-\uff19\uff38\uff58 -]{5,}[0-9Xx\uff10-\uff19\uff38\uff58]"
)
IDENTIFIER_FIELDS: Final = frozenset({"id_number", "phone", "landlord_phone", "contact_phone"})
"""Upload fields that hold identifiers: their cells are never stored in clear."""


def mask_name(name: str | None) -> str:
    """A person's name as lists for the field show it: the first character and an asterisk
    for each other one (nothing for no name); never the whole name, so a one-character name
    is a single asterisk.

    >>> mask_name("欧阳娜娜"), mask_name("张三"), mask_name("乙"), mask_name("")
    ('欧***', '张*', '*', '')
    """
    text = (name or "").strip()
    if len(text) <= 1:
        return "*" if text else ""
    return _keep(text, 1, 0)


def id_tail(id_masked: str | None) -> str:
    """The last four characters of a masked ID number, behind four asterisks: enough to
    confirm a person at the door, nothing to identify them by (not even the region).

    >>> id_tail("330110********1234"), id_tail(None), id_tail("12")
    ('****1234', '', '')
    """
    text = (id_masked or "").strip()
    return f"****{text[-4:]}" if len(text) >= 4 else ""


def resident_label(name: str | None, id_masked: str | None) -> str:
    """A resident as every list for the field names them (paper area lists, field kits):
    the masked name and the ID number's last four characters.

    >>> resident_label("张三", "330110********1234"), resident_label("", None)
    ('张* ****1234', '')
    """
    return f"{mask_name(name)} {id_tail(id_masked)}".strip()


def mask_text(value: str) -> str:
    """``value`` with every run of seven or more digits (an ID number or phone number,
    whatever else surrounds it, full-width or spaced) masked to its first three and last
    four characters, shorter runs to their last two.

    >>> mask_text("身份证11010519491231002X有误"), mask_text("tel 138 0000 0000")
    ('身份证110***********002X有误', 'tel 138******0000')
    """
    return _DIGIT_RUN.sub(lambda match: _mask_number(match.group(), long_from=11), value)


def mask_cell(field: str, value: str) -> str:
    """A rejected cell as a stored report may keep it: an identifier field's cell masked
    whole (all but its region or carrier prefix and last four), any other cell with its
    digit runs masked (:func:`mask_text`).

    >>> mask_cell("id_number", "1101051949"), mask_cell("phone", "12345"), mask_cell("name", "王")
    ('110***1949', '***45', '王')
    """
    if IDENTIFIER_FIELDS & set(field.split(",")):
        return _mask_number(value, long_from=10)
    return mask_text(value)


@dataclass(frozen=True)
class Keys:
    """The secrets of one database: matching (HMAC), sealing (AES-GCM) and the audit chain.

    ``legacy_fernet_key`` opens tokens sealed before AES-GCM (read only; None once re-sealed).

    >>> keys = Keys.generate()
    >>> keys.unseal(keys.seal("13800000000"))
    '13800000000'
    """

    hmac_key: bytes
    aead_key: bytes
    audit_key: bytes
    legacy_fernet_key: bytes | None = None
    retired_aead_keys: tuple[bytes, ...] = ()
    """Sealing keys a rotation replaced, kept to open what a process still running with
    them sealed meanwhile (the next rotation re-seals it)."""

    @classmethod
    def generate(cls) -> Keys:
        return cls(
            hmac_key=secrets.token_bytes(32),
            aead_key=AESGCM.generate_key(bit_length=256),
            audit_key=secrets.token_bytes(32),
        )

    def rotated(self) -> Keys:
        """The same matching and audit keys with a new sealing key (no legacy key left:
        rotation re-seals every token)."""
        return replace(
            self,
            aead_key=AESGCM.generate_key(bit_length=256),
            legacy_fernet_key=None,
            retired_aead_keys=(self.aead_key, *self.retired_aead_keys),
        )

    def digest(self, value: str) -> str:
        """A keyed HMAC-SHA256 of a normalised identifier, for exact matching."""
        keyed = self._hmac.copy()  # the key's pads hashed once, not once per value
        keyed.update(value.encode())
        return keyed.hexdigest()

    def check_value(self) -> str:
        """A value that tells these keys apart from any other without revealing them: stored
        with the database and in each backup's manifest."""
        material = hashlib.sha256(self.aead_key + self.audit_key).hexdigest()
        return self.digest(f"{KEY_CHECK_LABEL}:{material}")

    def legacy_check_value(self) -> str:
        """The check value backups written before AES-GCM carry (the matching key only)."""
        return self.digest(KEY_CHECK_LABEL)

    @cached_property
    def _hmac(self) -> hmac.HMAC:
        return hmac.new(self.hmac_key, digestmod="sha256")

    @cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(self.aead_key)

    @cached_property
    def _prefix(self) -> bytes:
        return TOKEN_VERSION + key_id(self.aead_key)

    @cached_property
    def _openers(self) -> dict[bytes, AESGCM]:
        keys = (self.aead_key, *self.retired_aead_keys)
        return {key_id(k): AESGCM(k) for k in reversed(keys)}

    def seal(self, value: str) -> bytes:
        """Encrypt an identifier: version byte, key id, nonce, AES-256-GCM ciphertext and
        tag (the version byte and key id are authenticated too)."""
        return self.seal_many([value])[0]

    def seal_many(self, values: Iterable[str]) -> list[bytes]:
        """Tokens for many identifiers at once, each with its own random nonce."""
        plain = [v.encode() for v in values]
        nonces = os.urandom(_NONCE_BYTES * len(plain))
        aead, prefix = self._aead, self._prefix
        tokens = []
        for i, p in enumerate(plain):
            nonce = nonces[i * _NONCE_BYTES : (i + 1) * _NONCE_BYTES]
            tokens.append(prefix + nonce + aead.encrypt(nonce, p, prefix))
        return tokens

    def unseal(self, token: bytes) -> str:
        """Decrypt what :meth:`seal` produced (or a legacy Fernet token with the legacy key);
        :class:`SealError` for a token altered or sealed under another key."""
        token = bytes(token)
        if token[:1] == TOKEN_VERSION:
            head = 1 + _KEY_ID_BYTES
            opener = self._openers.get(token[1:head])
            if opener is None:
                raise SealError("sealed under a key these keys do not hold")
            nonce, body = token[head : head + _NONCE_BYTES], token[head + _NONCE_BYTES :]
            try:
                return opener.decrypt(nonce, body, token[:head]).decode()
            except InvalidTag:
                raise SealError("altered, or sealed under another key") from None
        if self.legacy_fernet_key is not None:
            try:
                return Fernet(self.legacy_fernet_key).decrypt(token).decode()
            except InvalidToken:
                pass
        raise SealError("not a token these keys open")

    def is_sealed_now(self, token: bytes) -> bool:
        """True for a token sealed with the current sealing key."""
        return bytes(token[: 1 + _KEY_ID_BYTES]) == self._prefix


def sealed_columns(
    values: pd.Series, keys: Keys, *, prefix: str, mask: Callable[[str], str]
) -> pd.DataFrame:
    """How an identifier column is stored: ``{prefix}_masked`` (``mask`` of the value, what
    pages show), ``{prefix}_hmac`` (:meth:`Keys.digest`, what searches and matches compare)
    and ``{prefix}_cipher`` (:meth:`Keys.seal`, what the roles allowed to unmask open), on
    the index of ``values``; each distinct value sealed once, a missing value missing in all
    three. ``values`` are normalised already (:mod:`geo.identifiers`).

    >>> keys = Keys.generate()
    >>> out = sealed_columns(pd.Series(["13800000000", None]), keys, prefix="phone",
    ...                      mask=mask_phone)
    >>> out["phone_masked"].tolist(), keys.unseal(out["phone_cipher"].iloc[0])
    (['138****0000', nan], '13800000000')
    >>> bool(out["phone_hmac"].iloc[0] == keys.digest("13800000000"))
    True
    """
    codes, found = pd.factorize(values)  # code -1: a missing value
    unique = list(found)
    out = pd.DataFrame(index=values.index)
    if not unique:
        for column in ("masked", "hmac", "cipher"):
            out[f"{prefix}_{column}"] = pd.Series(np.nan, index=values.index)
        return out
    for column, made in (
        ("masked", [mask(v) for v in unique]),
        ("hmac", [keys.digest(v) for v in unique]),
        ("cipher", keys.seal_many(unique)),
    ):
        per_value = np.empty(len(unique) + 1, dtype=object)  # the last one: NaN for missing
        per_value[:-1] = made
        per_value[-1] = np.nan
        out[f"{prefix}_{column}"] = per_value[codes]
    return out
