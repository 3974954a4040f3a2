"""A digest of what a result was worked out from (frames, series, plain values): results of
pure functions kept under it are handed out again only for the same content, whatever data
version it was read at (figures an import did not change are not worked out again).

Pure: no database, no Streamlit.
"""

from __future__ import annotations

import hashlib

import pandas as pd


def content_digest(*parts: object) -> bytes:
    """A 20-byte digest of ``parts``: a frame or series by its type, names, length, index
    and values (:func:`pandas.util.hash_pandas_object`), anything else by its ``repr``.

    >>> a = pd.DataFrame({"n": [1, 2]}, index=["x", "y"])
    >>> same, other = content_digest(a.copy(), 5), content_digest(a, 6)
    >>> content_digest(a, 5) == same, content_digest(a, 5) == other
    (True, False)
    >>> content_digest(a) == content_digest(a.rename(index={"y": "z"}))
    False
    """
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            names = list(part.columns) if isinstance(part, pd.DataFrame) else [part.name]
            digest.update(repr((type(part).__name__, names, len(part))).encode())
            digest.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.digest()
