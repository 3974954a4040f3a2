"""Every sentence and label a user reads, in Simplified Chinese (default) and English.

The texts are data, in ``geo/messages.toml`` (one table per key: ``zh``, ``en``); pages, the
CLI and error reports take them from here by key, and nothing user-facing is written
anywhere else. ``{name}`` placeholders are filled from keyword arguments.
"""

from __future__ import annotations

import logging
import tomllib
from importlib import resources
from typing import Any, Final

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"
_log = logging.getLogger("gridhouse.i18n")


def _load_catalogue() -> dict[str, tuple[str, str]]:
    """Read ``geo/messages.toml``: one table per key with ``zh`` and ``en`` texts.

    Raises ValueError naming the key when an entry lacks a language or has another field,
    so a broken message file stops the program at start, not a page at run time.
    """
    raw = tomllib.loads(resources.files("geo").joinpath("messages.toml").read_text("utf-8"))
    catalogue: dict[str, tuple[str, str]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or sorted(entry) != ["en", "zh"]:
            msg = f"geo/messages.toml: [{key}] needs exactly zh and en"
            raise ValueError(msg)
        catalogue[key] = (str(entry["zh"]), str(entry["en"]))
    return catalogue


CATALOGUE: Final[dict[str, tuple[str, str]]] = _load_catalogue()
"""Key -> (Simplified Chinese, English), from ``geo/messages.toml``."""


def message(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with placeholders filled.

    A key the catalogue lacks never raises: the key itself comes back, and a warning is
    logged once per key.

    >>> message("file_not_found", "en", path="a.csv")
    'file not found: a.csv'
    >>> missing = "no_such_key"
    >>> message(missing)
    'no_such_key'
    """
    entry = CATALOGUE.get(key)
    if entry is None:
        _missing(key)
        return key
    zh, en = entry
    template = en if lang == "en" else zh
    shown = {k: _shown(v, lang) for k, v in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError):
        return template


class Term(str):
    """A parameter that is itself a catalogue key, shown in the message's language.

    >>> message("edit_invalid", "en", field=Term("field_phone"), reason=Term("date_future"))
    'phone: the date is in the future'
    """

    __slots__ = ()


class Phrase(str):
    """A parameter already written in both languages (the str itself is the Chinese).

    >>> message("edit_invalid", "en", field="phone", reason=Phrase("日期在将来", "in the future"))
    'phone: in the future'
    """

    en: str

    def __new__(cls, zh: str, en: str) -> Phrase:
        made = super().__new__(cls, zh)
        made.en = en
        return made


def _shown(value: Any, lang: str) -> Any:
    if isinstance(value, Term):
        return message(value, lang)
    if isinstance(value, Phrase):
        return value.en if lang == "en" else str(value)
    return value


_reported: set[str] = set()


def _missing(key: str) -> None:
    """Log a key the catalogue lacks, once per key (the page shows the key itself)."""
    if key not in _reported:
        _reported.add(key)
        _log.warning("no catalogue entry for %r; showing the key", key)


def bilingual(key: str, **params: Any) -> str:
    """Chinese then English on one line, for the command line and logs."""
    return f"{message(key, 'zh', **params)} | {message(key, 'en', **params)}"
