"""The upload page's history part: the batches uploaded so far, and undoing a committed one
after naming it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo import clock
from geo.services import uploads
from geo.services.access import Actor
from geo.services.setup import Opened
from geo.vocabulary import BATCH_STATUSES, UPLOAD_KINDS
from pages.common import flash_and_rerun, guarded
from pages.tables import show_table
from pages.texts import t, t_raw


def shown_at(value: Any) -> str:
    """A stored UTC time as China Standard Time, to the minute."""
    if value is None or pd.isna(value):
        return ""
    local = clock.shown_time(pd.Timestamp(value).to_pydatetime())
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M")


def batch_choice(batch: pd.Series) -> str:
    """A batch as a choice of the undo picker (a selectbox shows its options as they are)."""
    return t_raw(
        "upload_batch_choice",
        batch=int(batch["id"]),
        kind=t(UPLOAD_KINDS.label_key(batch["kind"])),
        file=batch["filename"],
        rows=int(batch["rows"]),
        at=shown_at(batch["created_at"]),
    )


def undo_picker(handle: Opened, actor: Actor, history: pd.DataFrame) -> None:
    """Pick a committed batch (the newest first and preselected), ask to confirm naming it,
    undo it, then show the page again so that the history says what happened."""
    committed = history.loc[history["status"] == "committed"].set_index("id", drop=False)
    if committed.empty:
        return
    ids = [int(i) for i in committed["id"]]
    pick, act = st.columns([3, 1])
    # The key names the newest batch: after a commit or an undo the picker starts again
    # at the newest batch instead of keeping a choice made among the batches before.
    batch = pick.selectbox(
        t("upload_batch"),
        ids,
        format_func=lambda i: batch_choice(committed.loc[i]),
        key=f"undo_batch_{ids[0]}_{len(ids)}",
    )
    if act.button(t("upload_undo"), key="undo_button"):
        st.session_state["undo_pending"] = int(batch)
    pending = st.session_state.get("undo_pending")
    if pending is None:
        return
    if pending not in committed.index:
        st.session_state.pop("undo_pending", None)
        return
    chosen = committed.loc[pending]
    st.warning(
        t(
            "upload_undo_confirm",
            batch=pending,
            file=chosen["filename"],
            rows=int(chosen["rows"]),
            at=shown_at(chosen["created_at"]),
        )
    )
    force = st.checkbox(t("upload_undo_force"), key="undo_force")
    yes, no = st.columns(2)
    if yes.button(t("upload_undo_yes"), type="primary", key="undo_confirm"):
        st.session_state.pop("undo_pending", None)
        if guarded(lambda: uploads.undo_batch(handle, actor, pending, force=force)):
            flash_and_rerun(t("upload_undo_done", batch=pending))
    if no.button(t("upload_undo_cancel"), key="undo_cancel"):
        st.session_state.pop("undo_pending", None)
        st.rerun()


def history_section(handle: Opened, actor: Actor) -> None:
    """The batches uploaded so far (newest first) and the undo of a committed one."""
    st.subheader(t("upload_history"))
    history = guarded(lambda: uploads.list_batches(handle, actor))
    if history is not None and len(history):
        columns = [
            "id",
            "kind",
            "filename",
            "status",
            "rows",
            "accepted",
            "rejected",
            "user_name",
            "created_at",
        ]
        shown = history[columns].assign(
            kind=history["kind"].map(lambda k: t(UPLOAD_KINDS.label_key(k))),
            status=history["status"].map(lambda s: t(BATCH_STATUSES.label_key(s))),
            created_at=history["created_at"].map(shown_at),
        )
        show_table(shown[columns], headings="col_")
        undo_picker(handle, actor, history)
    elif history is not None:
        st.caption(t("upload_no_batches"))
