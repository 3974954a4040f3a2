"""Text as it arrives, made clean once at intake: the same rules for an upload's cells and a
form's fields.

Removed from every text field: control characters (tab and line breaks are kept in notes
and become a space elsewhere), zero-width characters and the bidirectional embeddings,
overrides and isolates that make text read other than it is stored. Names are also folded
with NFKC (full-width letters and digits, compatibility ideographs), so that a search, which
folds what is typed the same way, finds what was stored.

Pure functions on strings and pandas columns; the columns of an upload are scanned once with
one regular expression and only the cells that hold something to remove are rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.cells import is_formula
from geo.errors import InputError
from geo.i18n import LANGUAGES, Phrase, Term, message

INVISIBLE: Final = (
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI, RLI, FSI, PDI)
    "\u200b\u200c\u200d\u2060\ufeff\u180e"  # zero-width space, joiners, word joiner, BOM, MVS
)
"""Characters that change how text reads without being seen."""
_CONTROLS: Final = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_BREAKS: Final = "\t\n\x0b\x0c\r\x85\u2028\u2029"
"""Tabs and line breaks (Word's manual line break is a vertical tab): a space outside notes."""
_UNWANTED: Final = re.compile(f"[{_CONTROLS}{_BREAKS}{INVISIBLE}]")
_UNWANTED_IN_NOTES: Final = re.compile(f"[{_CONTROLS}\x0b\x0c\r\x85\u2028\u2029{INVISIBLE}]")
_TO_SPACE: Final = {ord(c): " " for c in _BREAKS}
_DROP: Final = {
    **{c: None for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]},
    **{ord(c): None for c in INVISIBLE},
}
NOTE_FIELDS: Final = frozenset({"note", "notes", "remark"})
"""Fields that keep tabs and line breaks (a line break as ``\\n``)."""
NAME_FIELDS: Final = frozenset({"name", "landlord_name", "contact_name", "employer_name", "team"})
"""Fields folded with NFKC, so that a search finds them whatever width was typed, and refused
when they hold markup (a visits upload's team is a name: it may create a team, as a sweep's
teams are made under :func:`checked_name`)."""


_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters drawn as nothing: the Hangul fillers and the blank Braille pattern."""
_HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})


def is_unseen(char: str) -> bool:
    """Whether a character shows nothing (or reorders what does) on a terminal: controls,
    format characters (bidirectional marks, zero-width ones, the soft hyphen, tags),
    private-use, unassigned and surrogate code points, line and paragraph separators,
    variation selectors, the combining grapheme joiner and letters drawn blank (Unicode
    general categories, UCD).

    >>> [is_unseen(c) for c in ("\u202e", "\u00ad", "\ufe0f", "\U000e0041", "\u3164", "王", " ")]
    [True, True, True, True, True, False, False]
    """
    code = ord(char)
    return (
        unicodedata.category(char) in _HIDDEN_CATEGORIES
        or char in _BLANK_LETTERS
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code == 0x034F
    )


def clean_text(text: str, *, note: bool = False) -> str:
    """``text`` without control, zero-width and bidirectional formatting characters; tabs
    and line breaks kept as tab and ``\\n`` in a note, a space elsewhere.

    >>> clean_text("东湖路\\v12号\\u200b"), clean_text("a\\u202eb\\tc")
    ('东湖路 12号', 'ab c')
    >>> clean_text("一\\r\\n二\\t三", note=True)
    '一\\n二\\t三'
    """
    if note:
        text = text.replace("\r\n", "\n")
        text = text.translate(dict.fromkeys(map(ord, "\r\x0b\x0c\x85\u2028"), "\n"))
        keep = {ord("\t"): "\t", ord("\n"): "\n"}
        return text.translate({**_DROP, **keep, 0x2029: "\n"})
    return text.translate(_TO_SPACE).translate(_DROP)


def fold_name(text: str) -> str:
    """A name as stored and as searched: cleaned, NFKC-folded, inner runs of spaces as one.

    >>> fold_name("\\uff37\\uff41\\uff4e\\uff47\\u3000 Li\\u200b")
    'Wang Li'
    """
    folded = unicodedata.normalize("NFKC", clean_text(text))
    return " ".join(folded.split())


@dataclass(frozen=True)
class Cleaned:
    """An upload's text columns after cleaning, and how many cells were changed."""

    frame: pd.DataFrame
    cells: int
    """cells from which characters were removed"""
    characters: int
    """characters removed or replaced"""


def clean_columns(frame: pd.DataFrame, *, keep: frozenset[str] = frozenset()) -> Cleaned:
    """Every column of text cleaned (:func:`clean_text`; ``keep`` names the note columns)
    and name columns folded (:func:`fold_name`); a column is first looked at as a whole
    (its bytes searched once) and left as it is when it holds nothing to change, the usual
    case, so that 100,000 clean rows cost milliseconds.

    >>> f = pd.DataFrame({"name": ["王\\u200b五", "\\uff21"], "note": ["a\\nb", "c"]})
    >>> c = clean_columns(f, keep=frozenset({"note"}))
    >>> c.frame["name"].tolist(), c.frame["note"].tolist(), c.cells, c.characters
    (['王五', 'A'], ['a\\nb', 'c'], 1, 1)
    """
    out = frame
    cells = characters = 0
    for column in frame.columns:
        values = frame[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        note = column in keep
        pattern = _UNWANTED_IN_NOTES if note else _UNWANTED
        changed = values
        if _may_hold(values, _UNWANTED_BYTES):
            text = values.astype("string")
            hit = text.str.contains(pattern.pattern, regex=True).fillna(False).astype(bool)
            if hit.any():
                fixed = text[hit].map(partial(clean_text, note=note))
                cells += int(hit.sum())
                characters += int(text[hit].str.count(pattern.pattern).sum())
                changed = values.copy()
                changed[hit] = fixed.astype(object) if values.dtype == object else fixed
        if column in NAME_FIELDS and _may_hold(changed, _UNFOLDED_BYTES, double_space=True):
            text = changed.astype("string")
            mask = text.map(_unfolded, na_action="ignore").fillna(False).astype(bool)
            if mask.any():
                changed = changed.copy() if changed is values else changed
                changed[mask] = text[mask].map(fold_name).astype(changed.dtype)
        if changed is not values:
            if out is frame:
                out = frame.copy()
            out[column] = changed
    return Cleaned(out, cells, characters)


def _byte_table(*ranges: tuple[int, int]) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    for low, high in ranges:
        table[low : high + 1] = True
    return table


_UNWANTED_BYTES: Final = _byte_table((0x00, 0x1F), (0x7F, 0x7F), (0xC2, 0xC2), (0xD8, 0xD8))
_UNWANTED_BYTES[[0xE1, 0xE2, 0xEF]] = True
"""Bytes that start the UTF-8 of a character :func:`clean_text` removes (controls; C2 for
C1 controls, D8 for U+061C, E1/E2/EF for the zero-width and direction marks and U+FEFF):
a column without them holds nothing to remove. None is ever a continuation byte."""
_UNFOLDED_BYTES: Final = _byte_table((0xC2, 0xE3), (0xEA, 0xF4))
"""Lead bytes of characters a name's NFKC fold may change: everything outside ASCII but
for the CJK ideographs (U+3400-U+9FFF, lead bytes E3 to E9, E3 kept for the ideographic
space and enclosed forms); such cells are then checked exactly (:func:`_unfolded`)."""


def _unfolded(text: str) -> bool:
    return not unicodedata.is_normalized("NFKC", text) or "  " in text


def _may_hold(values: pd.Series, table: np.ndarray, *, double_space: bool = False) -> bool:
    """Whether any cell of a text column may hold a byte of ``table`` (UTF-8; or two spaces
    when ``double_space``): Arrow buffers are looked at as they are, other columns joined
    once; a vectorised look-up, a few milliseconds for 100,000 cells."""
    array = values.array
    if hasattr(array, "__arrow_array__"):
        import pyarrow as pa

        arrow = array.__arrow_array__()
        chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
        buffers = [c.buffers()[2] for c in chunks if len(c.buffers()) > 2]
        parts = [b.to_pybytes() for b in buffers if b is not None]
    else:
        parts = ["".join(v for v in values if isinstance(v, str)).encode()]
    for part in parts:
        if table[np.frombuffer(part, dtype=np.uint8)].any():
            return True
        if double_space and b"  " in part:
            return True
    return False


_MARKUP: Final = re.compile(r"<\s*[A-Za-z!/?]|\]\s*\(|javascript\s*:|&#?\w+;", re.IGNORECASE)


def has_markup(text: str) -> bool:
    """True when a name holds HTML or Markdown (a tag, a link or image, an entity): no
    person's or firm's name does, so such a name is refused rather than stored.

    >>> has_markup("<img src=x>"), has_markup("![x](http://a)"), has_markup("王五 (小王)")
    (True, True, False)
    """
    return bool(_MARKUP.search(text))


def markup_cells(values: pd.Series) -> pd.Series:
    """:func:`has_markup` of every cell of a column (False for missing cells); a column
    without ``<``, ``&``, ``]`` or ``:`` anywhere is answered from its bytes at once."""
    if not may_hold(values, "<&]:"):
        return pd.Series(False, index=values.index, dtype=bool)
    found = values.astype("string").str.contains(_MARKUP.pattern, regex=True, flags=re.I)
    return found.fillna(False).astype(bool)


def may_hold(values: pd.Series, characters: str) -> bool:
    """Whether any cell of a text column may hold one of the ASCII ``characters`` (a quick
    look at the column's bytes before a closer look at its cells).

    >>> may_hold(pd.Series(["2026/10/9 0:00", "2026/10/10"]), ":"), may_hold(pd.Series(["a"]), ":")
    (True, False)
    """
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in characters]] = True
    return _may_hold(values, table)


def refusal(text: str, *, name: bool = False, max_length: int = 200) -> str | None:
    """The catalogue key saying why a typed value (a form's field) is refused, the upload's
    rules: too long, a formula, or, in a name, markup; None when it may be stored.

    >>> refusal("=HYPERLINK(1)"), refusal("<b>x</b>", name=True), refusal("x" * 100_000)
    ('formula', 'markup', 'too_long')
    >>> refusal("王五", name=True) is None
    True
    """
    if len(text) > max_length:
        return "too_long"
    if is_formula(text):
        return "formula"
    if name and has_markup(text):
        return "markup"
    return None


NAME_MAX_LENGTH: Final = 100
"""The longest name a person, account, sweep or team may have (an upload's name column)."""


def checked_name(
    value: str,
    *,
    field: str,
    fold: bool = True,
    required: bool = True,
    max_length: int = NAME_MAX_LENGTH,
) -> str:
    """A name that comes in by any other way than an upload (a boundary file, the command
    line, a service call) under the upload's rules: cleaned and folded (:func:`fold_name`;
    only cleaned, inner spaces made one, when not ``fold``, for names typed again to sign
    in), and refused as an upload refuses the cell when it is too long, reads as a formula
    or holds markup (:func:`refusal`), or when it is blank and ``required``.

    The refusal is ``InputError('name_refused', field=..., reason=..., rule=...)``: ``rule``
    the rule's key (``formula``, ``markup``, ``too_long``, ``name_blank``), ``field`` a
    catalogue key for what was named, or a :class:`geo.i18n.Phrase` (e.g. which area).

    >>> checked_name(" \uff37ang\u200b  Li ", field="field_name")
    'Wang Li'
    >>> try:
    ...     checked_name('=HYPERLINK("http://x","y")', field="field_name")
    ... except InputError as refused:
    ...     print(refused.key, refused.params["reason"])
    name_refused formula
    """
    text = fold_name(value) if fold else " ".join(clean_text(value).split())
    reason = refusal(text, name=True, max_length=max_length)
    if reason is None and required and not text:
        reason = "name_blank"
    if reason is not None:
        label = field if isinstance(field, Phrase) else Term(field)
        said: Term | Phrase = Term(reason)
        if reason == "too_long":  # say the limit
            said = Phrase(*(message("name_too_long", lang, limit=max_length) for lang in LANGUAGES))
        raise InputError("name_refused", field=label, reason=said, rule=reason)
    return text


def form_name(value: str | None) -> str | None:
    """A name typed in a form as an upload stores it (:func:`fold_name`); None stays None.
    Refused (``InputError('form_name_markup')``) when it holds markup, as an upload refuses
    the row; length and formulas are the field rules' to refuse.

    >>> form_name(" \\uff37ang\\u200b ")
    'Wang'
    """
    if value is None:
        return None
    folded = fold_name(value)
    if has_markup(folded):
        raise InputError("form_name_markup")
    return folded


def form_text(value: str | None) -> str | None:
    """Any other text typed in a form, cleaned as an upload's cell (:func:`clean_text`)."""
    return None if value is None else clean_text(str(value))


def form_texts(values: dict[str, Any]) -> dict[str, Any]:
    """Every text value of a form cleaned (:func:`clean_text`); other values as they are."""
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}
