"""The upload page's column part: which column is which field, what an unknown value of an
enumerated column stands for, and one value for a required field the file lacks. The
registrar's choices win over guessing, for this upload only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.fields import FIELDS, fields_of
from geo.services import uploads
from geo.services.access import Actor
from geo.services.setup import Opened
from pages.common import guarded
from pages.texts import t


def mapping_editor(
    plan_mapping: dict[str, str], headers: list[str], *, kind: str, file_key: str
) -> dict[str, str]:
    """Let the registrar say which column is which field; the choice wins over guessing."""
    chosen: dict[str, str] = {}
    with st.expander(t("upload_adjust_mapping")):
        columns = st.columns(3)
        for i, spec in enumerate(FIELDS[kind]):
            options = ["", *headers]
            current = plan_mapping.get(spec.name, "")
            label = t(f"field_{spec.name}") + (" *" if spec.required else "")
            picked = columns[i % 3].selectbox(
                label,
                options,
                index=options.index(current) if current in options else 0,
                format_func=lambda h: h or "—",
                key=f"map_{kind}_{file_key}_{spec.name}",
            )
            if picked:
                chosen[spec.name] = picked
    return chosen


def value_mapping_table(
    handle: Opened,
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: dict[str, str],
    *,
    kind: str,
    sheet: str | None,
    file_key: str,
) -> dict[str, dict[str, str]]:
    """Each distinct value of an enumerated column that is none of its field's words, with its
    count: the registrar picks the value it stands for (this upload only)."""
    survey = guarded(
        lambda: uploads.value_survey(
            handle, actor, kind=kind, data=data, filename=filename, mapping=mapping, sheet=sheet
        )
    )
    if survey is None or survey.empty:
        return {}
    st.subheader(t("upload_values_title", n=len(survey)))
    st.caption(t("upload_values_caption"))
    chosen: dict[str, dict[str, str]] = {}
    for name, found in survey.groupby("field", sort=False):
        vocabulary = fields_of(kind)[str(name)].vocabulary
        if vocabulary is None:
            continue
        codes = {t(vocabulary.label_key(c)): c for c in vocabulary.codes}
        table = pd.DataFrame(
            {
                "field": t(f"field_{name}"),
                "value": found["value"].astype(str),
                "count": found["count"].astype(int),
                "target": pd.Series([None] * len(found), dtype=object),
            }
        )
        edited = st.data_editor(
            table,
            hide_index=True,
            width="stretch",
            placeholder=t("upload_values_pick"),  # an empty choice, never a grey "None"
            disabled=["field", "value", "count"],
            column_config={
                "field": t("upload_values_field"),
                "value": t("upload_values_value"),
                "count": st.column_config.NumberColumn(t("upload_values_count")),
                "target": st.column_config.SelectboxColumn(
                    t("upload_values_target"), options=list(codes)
                ),
            },
            key=f"values_{kind}_{file_key}_{name}",
        )
        picked = {
            str(value): codes[str(label)]
            for value, label in zip(edited["value"], edited["target"], strict=True)
            if isinstance(label, str) and label in codes
        }
        if picked:
            chosen[str(name)] = picked
    return chosen


def whole_file_values(missing: list[str], *, kind: str, file_key: str) -> dict[str, str]:
    """One value for every row of a required field the file lacks."""
    if not missing:
        return {}
    st.subheader(t("upload_set_title"))
    st.caption(t("upload_set_caption"))
    chosen: dict[str, str] = {}
    columns = st.columns(3)
    for i, name in enumerate(missing):
        spec = fields_of(kind)[name]
        label = t(f"field_{name}") + " *"
        key = f"set_{kind}_{file_key}_{name}"
        if spec.vocabulary is not None:
            vocabulary = spec.vocabulary
            value = columns[i % 3].selectbox(
                label,
                ["", *vocabulary.codes],
                format_func=lambda c, v=vocabulary: t(v.label_key(c)) if c else "—",
                key=key,
            )
        else:
            value = columns[i % 3].text_input(label, key=key)
        if value and str(value).strip():
            chosen[name] = str(value).strip()
    return chosen
