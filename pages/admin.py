"""Administration: accounts (add, role, area scope, deactivate, unlock, reset password) and
the audit log (filter, read, verify the chain)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from geo import clock
from geo.services import accounts, auditing, boundaries
from geo.vocabulary import ROLES
from pages.common import flash_and_rerun, guarded, opened, show_flash, signed_in_actor
from pages.tables import show_table
from pages.texts import option_text, t

actor = signed_in_actor()
handle = opened().handle

st.title(t("admin_title"))
show_flash()
users_tab, audit_tab = st.tabs([t("admin_users"), t("admin_audit")])

areas = guarded(lambda: boundaries.area_choices(handle, actor))
area_codes = list(areas["code"]) if areas is not None else []
area_names = dict(zip(area_codes, areas["name"], strict=True)) if areas is not None else {}


def area_label(code: str) -> str:
    return option_text(f"{code} {area_names.get(code, '')}".strip())


def role_label(role: str) -> str:
    return t(ROLES.label_key(role))


with users_tab:
    listed = guarded(lambda: accounts.list_accounts(handle, actor)) or []
    table = pd.DataFrame(
        listed, columns=["name", "role", "areas", "active", "locked", "created_at"]
    )
    table["role"] = table["role"].map(role_label)
    table["areas"] = table["areas"].replace("", t("admin_all_areas"))
    show_table(table, headings="admin_col_")

    add, edit = st.columns(2)
    with add, st.form("add_user", clear_on_submit=True):
        st.subheader(t("admin_add_user"))
        name = st.text_input(t("login_name"), key="add_name")
        role = st.selectbox(
            t("admin_col_role"), ROLES.codes, format_func=role_label, key="add_role"
        )
        scope = st.multiselect(
            t("admin_col_areas"),
            area_codes,
            format_func=area_label,
            key="add_areas",
            placeholder=t("choose_areas"),
            select_all=False,
        )
        st.caption(t("admin_scope_hint"))
        password = st.text_input(t("login_password"), type="password", key="add_password")
        if st.form_submit_button(t("admin_add_button"), type="primary"):
            added = guarded(
                lambda: accounts.add_account(
                    handle,
                    actor,
                    name=name.strip(),
                    role=role,
                    password=password,
                    areas=frozenset(scope) or None,
                )
            )
            if added is not None:
                flash_and_rerun(t("admin_user_added", name=name.strip()))

    names = [u["name"] for u in listed]
    with edit:
        st.subheader(t("admin_edit_user"))
        chosen = st.selectbox(t("login_name"), names, key="edit_name") if names else None
        current = next((u for u in listed if u["name"] == chosen), None)
        if current is not None:
            with st.form("edit_user"):
                new_role = st.selectbox(
                    t("admin_col_role"),
                    ROLES.codes,
                    index=ROLES.codes.index(current["role"]),
                    format_func=role_label,
                )
                known = [c for c in current["areas"].split(",") if c in area_codes]
                new_scope = st.multiselect(
                    t("admin_col_areas"),
                    area_codes,
                    default=known,
                    format_func=area_label,
                    placeholder=t("choose_areas"),
                    select_all=False,
                )
                active = st.checkbox(t("admin_col_active"), value=current["active"])
                unlock = st.checkbox(t("admin_unlock"), value=False, disabled=not current["locked"])
                if st.form_submit_button(t("admin_save_button"), type="primary"):
                    changed = guarded(
                        lambda: accounts.update_account(
                            handle,
                            actor,
                            current["name"],
                            role=new_role,
                            areas=frozenset(new_scope) or None,
                            active=active,
                            unlock=unlock,
                        )
                    )
                    if changed is not None:
                        flash_and_rerun(t("admin_user_saved", name=current["name"]))
            if st.button(t("admin_reset_password"), key="reset_password"):
                fresh = guarded(lambda: accounts.reset_password(handle, actor, current["name"]))
                if fresh is not None:
                    st.warning(t("admin_one_time_password", name=current["name"], password=fresh))

with audit_tab:
    if st.button(t("admin_verify"), key="verify_audit"):
        result = guarded(lambda: auditing.verify_audit(handle, actor))
        if result is not None and result["ok"] and result["anchored"]:
            st.success(t("admin_verify_ok", rows=result["rows"]))
        elif result is not None and result["ok"]:
            st.warning(t("audit_chain_unanchored", rows=result["rows"]))
        elif result is not None:
            st.error(t("audit_broken", row=result["first_bad_row"]))
    who, what, since, until = st.columns(4)
    user_filter = who.text_input(t("admin_filter_user"), key="audit_user")
    action_filter = what.text_input(t("admin_filter_action"), key="audit_action")
    # The filter's days are China Standard Time days, as the times in the table are: at
    # 00:25 on the 1st in Beijing a server in UTC is still on the 30th.
    shown_today = clock.shown_day(clock.utc_now())
    start = since.date_input(t("admin_filter_since"), value=shown_today - timedelta(days=30))
    end = until.date_input(t("admin_filter_until"), value=shown_today)
    rows = guarded(
        lambda: auditing.audit_entries(
            handle,
            actor,
            user=user_filter.strip() or None,
            action=action_filter.strip() or None,
            since=clock.stored_utc(datetime.combine(start, time())),
            until=clock.stored_utc(datetime.combine(end + timedelta(days=1), time())),
        )
    )
    entries = pd.DataFrame(
        rows or [],
        columns=[
            "id",
            "at",
            "actor",
            "role",
            "action",
            "object_type",
            "object_id",
            "count",
            "detail",
        ],
    )
    st.caption(t("admin_audit_shown", n=len(entries)))
    show_table(entries, headings="audit_col_", coded={"role": "role_"}, times=["at"])
