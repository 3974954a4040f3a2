"""Residents: find a person by ID number, mobile number or name (identifiers masked), and
for roles that may, show one person's identifiers in clear (audited)."""

from __future__ import annotations

import streamlit as st

from geo.services import people
from geo.services.access import PERMISSIONS
from pages.common import guarded, opened, signed_in_actor
from pages.tables import show_table
from pages.texts import option_text, t

COLUMNS = (
    "name",
    "id_masked",
    "phone_masked",
    "sex",
    "birth_year",
    "property_ref",
    "address",
    "room",
    "moved_in",
    "moved_out",
    "community_name",
    "permit_expiry",
)

actor = signed_in_actor()
handle = opened().handle
st.title(t("people_title"))
st.caption(t("people_caption"))

with st.form("people_search"):
    by_id, by_phone, by_name = st.columns(3)
    id_number = by_id.text_input(t("field_id_number"), key="search_id")
    phone = by_phone.text_input(t("field_phone"), key="search_phone")
    name = by_name.text_input(t("people_name_prefix"), key="search_name")
    if st.form_submit_button(t("people_search_button"), type="primary"):
        st.session_state["people_found"] = guarded(
            lambda: people.search_people(handle, actor, id_number=id_number, phone=phone, name=name)
        )
        st.session_state.pop("people_unmasked", None)

found = st.session_state.get("people_found")
if found is not None:
    if found.empty:
        st.info(t("people_none"))
    else:
        show_table(found[list(COLUMNS)], headings="people_col_", coded={"sex": "sex_"})
        if "unmask" in PERMISSIONS.get(actor.role, frozenset()):
            labels = {
                int(i): option_text(f"{n} {m or ''}")
                for i, n, m in zip(found["id"], found["name"], found["id_masked"], strict=True)
            }
            chosen = st.selectbox(
                t("people_unmask_pick"), list(labels), format_func=labels.__getitem__
            )
            st.caption(t("people_unmask_note"))
            if st.button(t("people_unmask_button"), key="unmask"):
                st.session_state["people_unmasked"] = guarded(
                    lambda: people.unmask_person(handle, actor, int(chosen))
                )
unmasked = st.session_state.get("people_unmasked")
if unmasked:
    st.warning(
        t(
            "people_unmasked",
            name=unmasked["name"],
            id_number=unmasked["id_number"] or "-",
            phone=unmasked["phone"] or "-",
        )
    )
