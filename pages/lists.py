"""Lists to act on: crowded units, residence permits due, residents not found, occupied
units not visited for 180 days; counts per community, the list, and an audited export."""

from __future__ import annotations

import streamlit as st

from geo.services import lists
from geo.worklists import LISTS, counts_by_community
from pages.common import guarded, opened, signed_in_actor, t

actor = signed_in_actor()
handle = opened().handle
st.title(t("lists_title"))
name = st.radio(
    t("lists_pick"), LISTS, format_func=lambda n: t(f"list_{n}"), horizontal=True, key="list_name"
)
st.caption(t(f"list_{name}_rule"))
table = guarded(lambda: lists.staff_list(handle, actor, name))
if table is None:
    st.stop()
summary, body = st.columns([1, 3])
with summary:
    st.metric(t("lists_rows"), f"{len(table):,}")
    counts = counts_by_community(table)
    st.dataframe(
        counts.rename(columns={"community": t("property_community"), "count": t("lists_rows")}),
        hide_index=True,
        width="stretch",
    )
with body:
    st.dataframe(
        table.rename(columns={c: t(f"lists_col_{c}") for c in table.columns}),
        hide_index=True,
        width="stretch",
        height=520,
    )
if st.button(t("lists_prepare_export"), key="lists_export"):
    data = guarded(lambda: lists.staff_list_csv(handle, actor, name))
    if data is not None:
        st.download_button(
            t("clusters_download"),
            data=data,
            file_name=f"list_{name}.csv",
            mime="text/csv",
            key="lists_download",
        )
