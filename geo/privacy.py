"""Mask, match and seal personal identifiers (resident ID numbers and phones).

How an identifier is written and checked (GB 11643, mobiles and landlines) is
:mod:`geo.identifiers`; this module takes the normalised value from there.

Identifiers are never stored in clear: a keyed HMAC matches them, Fernet encryption keeps
them recoverable for the roles allowed to unmask, and a masked form is what pages show.
The keys come from :class:`Keys`; this module never reads or writes files.
"""

from __future__ import annotations

import base64
import hmac
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property

import numpy as np
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from geo import clock


def mask_id(value: str) -> str:
    """Show the region and the last four characters only.

    >>> mask_id("11010519491231002X")
    '110105********002X'
    """
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Show the carrier prefix and last four digits only.

    >>> mask_phone("13800000000")
    '138****0000'
    """
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


@dataclass(frozen=True)
class Keys:
    """The secrets that protect identifiers: one for matching, one for encryption."""

    hmac_key: bytes
    fernet_key: bytes

    @classmethod
    def generate(cls) -> Keys:
        import secrets

        return cls(hmac_key=secrets.token_bytes(32), fernet_key=Fernet.generate_key())

    def digest(self, value: str) -> str:
        """A keyed HMAC-SHA256 of a normalised identifier, for exact matching."""
        return hmac.digest(self.hmac_key, value.encode(), "sha256").hex()

    @cached_property
    def _fernet(self) -> Fernet:
        return Fernet(self.fernet_key)

    def seal(self, value: str) -> bytes:
        """Encrypt an identifier as a Fernet token (AES-128-CBC with an HMAC-SHA256)."""
        return self.seal_many([value])[0]

    def seal_many(self, values: Iterable[str]) -> list[bytes]:
        """Fernet tokens for many identifiers at once, each with its own random IV.

        The tokens are exactly what ``Fernet.encrypt`` makes (``unseal`` and any Fernet
        implementation read them), built in bulk: per-call overhead made sealing the
        landlords of a 100,000-row upload take most of a second. CBC is run block column
        by block column over all messages of the same length, each column one AES call.
        """
        plain = [v.encode() for v in values]
        if not plain:
            return []
        key = base64.urlsafe_b64decode(self.fernet_key)
        signing, encryption = key[:16], key[16:]
        aes = Cipher(algorithms.AES(encryption), modes.ECB()).encryptor()
        header = b"\x80" + struct.pack(">Q", int(clock.utc_now().replace(tzinfo=UTC).timestamp()))
        tokens: list[bytes] = [b""] * len(plain)
        blocks = np.array([len(p) // 16 + 1 for p in plain])
        for count in np.unique(blocks):
            which = np.flatnonzero(blocks == count)
            size = int(count) * 16
            padded = b"".join(
                p + bytes([size - len(p)]) * (size - len(p)) for p in (plain[i] for i in which)
            )
            message = np.frombuffer(padded, dtype=np.uint8).reshape(len(which), int(count), 16)
            ivs = np.frombuffer(os.urandom(16 * len(which)), dtype=np.uint8).reshape(-1, 16)
            cipher = np.empty_like(message)
            chained = ivs
            for column in range(int(count)):
                mixed = np.ascontiguousarray(message[:, column] ^ chained)
                chained = np.frombuffer(aes.update(mixed.tobytes()), dtype=np.uint8).reshape(-1, 16)
                cipher[:, column] = chained
            for row, i in enumerate(which):
                body = header + ivs[row].tobytes() + cipher[row].tobytes()
                tokens[i] = base64.urlsafe_b64encode(body + hmac.digest(signing, body, "sha256"))
        return tokens

    def unseal(self, token: bytes) -> str:
        """Decrypt what :meth:`seal` produced."""
        return self._fernet.decrypt(token).decode()
