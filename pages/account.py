"""My account: who I am, my role and areas, and changing my password."""

from __future__ import annotations

import streamlit as st

from geo.services import accounts
from pages.common import guarded, opened, signed_in_actor
from pages.texts import t

actor = signed_in_actor()
st.title(t("account_title"))
st.write(t("signed_in_as", name=actor.name, role=t(f"role_{actor.role}")))
st.write(
    t(
        "account_areas",
        areas=", ".join(sorted(actor.areas)) if actor.areas else t("admin_all_areas"),
    )
)
with st.form("change_password", clear_on_submit=True):
    st.subheader(t("account_change_password"))
    old = st.text_input(t("account_old_password"), type="password")
    new = st.text_input(t("account_new_password"), type="password")
    again = st.text_input(t("account_repeat_password"), type="password")
    if st.form_submit_button(t("account_change_button"), type="primary"):
        if new != again:
            st.error(t("account_passwords_differ"))
        elif guarded(lambda: accounts.change_password(opened().handle, actor, old=old, new=new)):
            st.success(t("account_password_changed"))
