"""Health, for administrators: the database server, schema revision, size, rows per table,
the last import and whether the audit chain is intact."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import clock
from geo.services import operations
from pages.common import guarded, opened, signed_in_actor
from pages.texts import plain, t

actor = signed_in_actor()
st.title(t("health_title"))
facts = guarded(lambda: operations.health(opened().handle, actor))
if facts is None:
    st.stop()

first, second, third, fourth = st.columns(4)
first.metric(t("health_backend"), plain(facts["backend"]))
schema = (
    plain(facts["revision"])
    if facts["schema_current"]
    else t("health_schema_old", revision=facts["revision"], code=facts["code_revision"])
)
second.metric(t("health_schema"), schema)
size = facts["size_bytes"]
third.metric(t("health_size"), "—" if size is None else f"{size / 2**20:,.0f} MiB")
fourth.metric(
    t("health_audit"), t("health_audit_ok") if facts["audit_ok"] else t("health_audit_broken")
)
st.caption(plain(facts["database"]))

st.subheader(t("health_last_import"))
last = facts["last_import"]
if last is None:
    st.write(t("health_no_import"))
else:
    st.write(
        t(
            "health_import_line",
            at=f"{clock.shown_time(last['created_at']):%Y-%m-%d %H:%M}",
            user=last["user_name"],
            kind=t(f"kind_{last['kind']}"),
            file=last["filename"],
            accepted=last["accepted"],
            rejected=last["rejected"],
        )
    )

st.subheader(t("health_rows"))
rows = pd.DataFrame(
    {
        t("health_holds"): [t(f"health_of_{table}") for table in facts["rows"]],
        t("health_table"): list(facts["rows"]),
        t("health_count"): list(facts["rows"].values()),
    }
)
st.dataframe(rows, hide_index=True)
st.caption(t("health_backup_hint"))
