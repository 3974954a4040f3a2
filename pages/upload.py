"""Uploads: pick the kind, drop the file, see how columns were read, check, commit, undo."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st

from geo import clock
from geo.crs import parse_source_crs
from geo.fields import FIELDS, KINDS
from geo.services import uploads
from geo.settings import settings
from pages.common import (
    flash_and_rerun,
    guarded,
    language,
    opened,
    show_flash,
    signed_in_actor,
    t,
    t_raw,
)
from pages.tables import show_table

REJECTS_SHOWN = 20
CRS_CHOICES = ("wgs84", "gcj02", "bd09", "EPSG:4490")

st.title(t("upload_title"))
st.caption(t("upload_caption"))
show_flash()
actor = signed_in_actor()
handle = opened().handle

left, right = st.columns(2)
kind = left.selectbox(
    t("upload_kind"), KINDS, format_func=lambda k: t(f"kind_{k}"), key="upload_kind"
)
crs = right.selectbox(
    t("upload_crs"), CRS_CHOICES, format_func=lambda c: t(f"crs_{c}"), key="upload_crs"
)
limits = uploads.UploadLimits.from_settings(settings())
limit_mb = max(1, round(limits.max_bytes / 2**20))
file = st.file_uploader(
    t("upload_file_limit", limit_mb=limit_mb),
    type=["csv", "txt", "tsv", "xlsx", "geojson", "gpkg", "kml"],
    help=t("upload_file_help", limit_mb=limit_mb, rows=f"{limits.max_rows:,}"),
    max_upload_size=limit_mb,
    key="upload_file",
)


def show_result(result: uploads.UploadResult, filename: str) -> None:
    summary = result.summary
    if "duplicate_of" in summary:
        st.info(t("upload_result_duplicate", batch=summary["duplicate_of"]))
        return
    if summary.get("dry_run"):
        st.info(t("upload_result_dry"))
    else:
        st.success(t("upload_result_done", batch=summary["batch"]))
    for column, key in zip(
        st.columns(6),
        ("rows", "accepted", "rejected", "inserted", "updated", "unchanged"),
        strict=True,
    ):
        column.metric(t(f"upload_{key}"), summary[key])
    if len(result.rejects):
        reason = "reason_zh" if language() == "zh" else "reason_en"
        shown = result.rejects.head(REJECTS_SHOWN)[["row", "header", "value", reason]]
        st.subheader(t("upload_first_errors", n=min(REJECTS_SHOWN, len(result.rejects))))
        st.dataframe(
            shown.rename(
                columns={
                    "row": t("col_row"),
                    "header": t("col_column"),
                    "value": t("col_value"),
                    reason: t("col_reason"),
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(t("upload_rejects_hint"))
        stem = f"{PurePath(filename).stem}-rejects"

        def record_export(file_format: str) -> None:
            guarded(
                lambda: uploads.record_rejects_export(
                    handle,
                    actor,
                    source=filename,
                    rows=len(result.rejected_rows),
                    file_format=file_format,
                )
            )

        csv_button, xlsx_button = st.columns(2)
        csv_button.download_button(
            t("upload_download_rejects"),
            uploads.rejects_csv(result.rejected_rows),
            file_name=f"{stem}.csv",
            mime="text/csv",
            on_click=record_export,
            args=("csv",),
            key="rejects_csv",
        )
        xlsx_button.download_button(
            t("upload_download_rejects_xlsx"),
            uploads.rejects_xlsx(result.rejected_rows),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click=record_export,
            args=("xlsx",),
            key="rejects_xlsx",
        )


def mapping_editor(
    plan_mapping: dict[str, str], headers: list[str], *, file_key: str
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


def run_import(data: bytes, filename: str, mapping: dict[str, str], *, dry_run: bool) -> None:
    bar = None if dry_run else st.progress(0.0)

    def progress(fraction: float, key: str) -> None:
        if bar is not None:
            bar.progress(fraction, text=t(key))

    result = guarded(
        lambda: uploads.import_upload(
            handle,
            actor,
            kind=kind,
            data=data,
            filename=filename,
            mapping=mapping,
            crs=parse_source_crs(crs),
            dry_run=dry_run,
            progress=progress,
        )
    )
    if result is not None:
        show_result(result, filename)


if file is not None:
    data = file.getvalue()
    first = guarded(
        lambda: uploads.preview_upload(handle, actor, kind=kind, data=data, filename=file.name)
    )
    preview = None
    mapping: dict[str, str] = {}
    if first is not None:
        headers = [r["column"] for r in first[0].preview() if r["use"] != "dropped"]
        mapping = mapping_editor(first[0].mapping, headers, file_key=f"{file.file_id}")
        preview = guarded(
            lambda: uploads.preview_upload(
                handle, actor, kind=kind, data=data, filename=file.name, mapping=mapping
            )
        )
    if preview is not None:
        plan, first_rows = preview
        st.subheader(t("upload_mapping"))
        rows = [
            {
                t("upload_column"): r["column"],
                t("upload_field"): t(f"field_{r['field']}") if r["field"] else "",
                t("upload_use"): t(f"upload_use_{r['use']}"),
            }
            for r in plan.preview()
        ]
        st.dataframe(rows, hide_index=True, width="stretch", placeholder="")
        if plan.dropped:
            st.warning(t("upload_dropped", columns="、".join(plan.dropped)))
        with st.expander(t("upload_preview")):
            st.dataframe(first_rows, hide_index=True, width="stretch", placeholder="")
        check, commit = st.columns(2)
        if check.button(t("upload_dry_run"), key="upload_check"):
            run_import(data, file.name, mapping, dry_run=True)
        if commit.button(t("upload_commit"), type="primary", key="upload_commit"):
            run_import(data, file.name, mapping, dry_run=False)


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
        kind=t(f"kind_{batch['kind']}"),
        file=batch["filename"],
        rows=int(batch["rows"]),
        at=shown_at(batch["created_at"]),
    )


def undo_picker(history: pd.DataFrame) -> None:
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
    yes, no = st.columns(2)
    if yes.button(t("upload_undo_yes"), type="primary", key="undo_confirm"):
        st.session_state.pop("undo_pending", None)
        if guarded(lambda: uploads.undo_batch(handle, actor, pending)):
            flash_and_rerun(t("upload_undo_done", batch=pending))
    if no.button(t("upload_undo_cancel"), key="undo_cancel"):
        st.session_state.pop("undo_pending", None)
        st.rerun()


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
        kind=history["kind"].map(lambda k: t(f"kind_{k}")),
        status=history["status"].map(lambda s: t(f"batch_status_{s}")),
        created_at=history["created_at"].map(shown_at),
    )
    show_table(shown[columns], headings="col_")
    undo_picker(history)
elif history is not None:
    st.caption(t("upload_no_batches"))
