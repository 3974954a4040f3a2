"""Uploads: pick the kind, drop the file, see how columns were read, check, commit, undo."""

from __future__ import annotations

import streamlit as st

from geo.crs import parse_source_crs
from geo.fields import FIELDS, KINDS
from geo.services import uploads
from pages.common import guarded, opened, signed_in_actor, t

REJECTS_SHOWN = 20
CRS_CHOICES = ("wgs84", "gcj02", "bd09", "EPSG:4490")

st.title(t("upload_title"))
st.caption(t("upload_caption"))
actor = signed_in_actor()
handle = opened().handle

left, right = st.columns(2)
kind = left.selectbox(
    t("upload_kind"), KINDS, format_func=lambda k: t(f"kind_{k}"), key="upload_kind"
)
crs = right.selectbox(
    t("upload_crs"), CRS_CHOICES, format_func=lambda c: t(f"crs_{c}"), key="upload_crs"
)
file = st.file_uploader(
    t("upload_file"), type=["csv", "txt", "tsv", "xlsx", "geojson", "gpkg", "kml"]
)


def show_result(result: uploads.UploadResult) -> None:
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
        reason = "reason_zh" if st.session_state.get("lang", "zh") == "zh" else "reason_en"
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
        st.download_button(
            t("upload_download_rejects"),
            uploads.rejects_csv(result.rejects),
            file_name=f"rejects-{kind}.csv",
            mime="text/csv",
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
        show_result(result)


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
        st.dataframe(rows, hide_index=True, width="stretch")
        if plan.dropped:
            st.warning(t("upload_dropped", columns="、".join(plan.dropped)))
        with st.expander(t("upload_preview")):
            st.dataframe(first_rows, hide_index=True, width="stretch")
        check, commit = st.columns(2)
        if check.button(t("upload_dry_run"), key="upload_check"):
            run_import(data, file.name, mapping, dry_run=True)
        if commit.button(t("upload_commit"), type="primary", key="upload_commit"):
            run_import(data, file.name, mapping, dry_run=False)

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
    shown = history[columns].assign(kind=history["kind"].map(lambda k: t(f"kind_{k}")))
    st.dataframe(
        shown.rename(columns={c: t(f"col_{c}") for c in columns}), hide_index=True, width="stretch"
    )
    committed = history.loc[history["status"] == "committed", "id"].tolist()
    if committed:
        pick, act = st.columns([3, 1])
        batch = pick.selectbox(t("upload_batch"), committed, key="undo_batch")
        if act.button(t("upload_undo"), key="undo_button") and guarded(
            lambda: uploads.undo_batch(handle, actor, int(batch))
        ):
            st.success(t("upload_undo_done", batch=batch))
elif history is not None:
    st.caption(t("upload_no_batches"))
