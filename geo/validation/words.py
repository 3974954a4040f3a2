"""The file's words: values read through the registrar's mapping and the field's own words,
unknown values surveyed, and a rejected cell's reason in either language."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from geo.errors import InputError
from geo.fields import Field, allowed_words, fields_of, normalise_header
from geo.i18n import message
from geo.validation.rules import by_unique

# --------------------------------------------------------------------------- the file's words


def apply_values(
    text: pd.DataFrame,
    *,
    kind: str,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    set_fields: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The registrar's choices for one file, applied before any check: ``set_fields`` gives a
    field the file lacks one value for every row; ``value_maps`` {field: {word in the file:
    value}} turns the file's own words for an enumerated field into its values (compared
    folded, as the built-in words are). Returns the cells and how many each map changed.

    >>> cells = pd.DataFrame({"kind": ["公租", "整租", "公租 "]})
    >>> maps, fixed = {"kind": {"公租": "单间"}}, {"status": "在租"}
    >>> out, changed = apply_values(cells, kind="rentals", value_maps=maps, set_fields=fixed)
    >>> out.to_dict("list"), changed
    ({'kind': ['room', '整租', 'room'], 'status': ['在租', '在租', '在租']}, {'kind': 2})
    """
    fields = fields_of(kind)
    out = text.copy()
    for name, value in (set_fields or {}).items():
        spec = _field(fields, name)
        if name in out.columns:
            raise InputError("set_field_in_file", field=name)
        if spec.vocabulary is not None:
            _value_of(spec, value)
        out[name] = str(value)
    changed: dict[str, int] = {}
    for name, pairs in (value_maps or {}).items():
        spec = _field(fields, name)
        if spec.vocabulary is None:
            enumerated = [f.name for f in fields.values() if f.vocabulary is not None]
            raise InputError("values_field_not_enum", field=name, fields=", ".join(enumerated))
        if name not in out.columns:
            continue
        targets = {
            normalise_header(source): _value_of(spec, target) for source, target in pairs.items()
        }
        folded = by_unique(out[name].astype(str), lambda u: u.map(normalise_header))
        hit = folded.isin(targets.keys())
        out.loc[hit, name] = folded[hit].map(targets)
        changed[name] = int(hit.sum())
    return out, changed


def _field(fields: dict[str, Field], name: str) -> Field:
    if name not in fields:
        raise InputError("map_field_unknown", field=name, fields=", ".join(fields))
    return fields[name]


def _value_of(spec: Field, word: str) -> str:
    """The value of an enumerated field a word stands for; InputError naming the values."""
    code = spec.choices.get(normalise_header(word))
    if code is None:
        assert spec.vocabulary is not None
        listed = ", ".join(
            f"{c}/{message(spec.vocabulary.label_key(c), 'zh')}" for c in spec.vocabulary.codes
        )
        raise InputError("values_target_unknown", field=spec.name, target=word, allowed=listed)
    return code


def unknown_values(text: pd.DataFrame, *, kind: str) -> pd.DataFrame:
    """Each distinct word in an enumerated column that is none of its field's words, with how
    many rows hold it (columns field, value, count; the most frequent first): what the
    registrar may map to a value before importing.

    >>> unknown_values(pd.DataFrame({"kind": ["整租", "公租", "公租", ""]}), kind="rentals")
      field value  count
    0  kind    公租      2
    """
    fields = fields_of(kind)
    found = []
    for name in text.columns:
        spec = fields.get(name)
        if spec is None or spec.vocabulary is None:
            continue
        cells = text[name].astype(str).str.strip()
        cells = cells.loc[cells != ""]
        known = by_unique(cells, lambda u: u.map(normalise_header)).isin(spec.choices.keys())
        counts = cells.loc[~known].value_counts()
        found.append(
            pd.DataFrame(
                {"field": name, "value": counts.index.astype(str), "count": counts.to_numpy()}
            )
        )
    if not found:
        return pd.DataFrame({"field": [], "value": [], "count": []})
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["field", "count", "value"], ascending=[True, False, True]).reset_index(
        drop=True
    )


def reason_text(reason: str, *, kind: str, column: str, lang: str) -> str:
    """A problem's reason in ``lang``, its parameters filled from the field it is about (an
    unknown value's reason lists the words the field takes).

    >>> reason_text("not_in_choices", kind="rentals", column="status", lang="en")
    'not one of the allowed values; use: in use (rented, let), no longer rented (withdrawn)'
    """
    params: dict[str, str] = {}
    if reason == "not_in_choices":
        spec = fields_of(kind).get(column)
        vocabulary = None if spec is None else spec.vocabulary
        params["allowed"] = "" if vocabulary is None else allowed_words(vocabulary, lang)
    return message(reason, lang, **params)
