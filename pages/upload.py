"""Uploads: pick the kind, drop the file, see how columns were read, check, commit, undo."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import streamlit as st

from geo.crs import parse_source_crs
from geo.services import operations, uploads
from geo.settings import settings
from geo.vocabulary import UPLOAD_KINDS
from pages.boundary_upload import boundary_section
from pages.common import guarded, opened, show_flash, signed_in_actor
from pages.texts import language, t
from pages.upload_columns import mapping_editor, value_mapping_table, whole_file_values
from pages.upload_history import history_section

REJECTS_SHOWN = 20
CRS_CHOICES = ("wgs84", "gcj02", "bd09", "EPSG:4490")

st.title(t("upload_title"))
st.caption(t("upload_caption"))
show_flash()
actor = signed_in_actor()
handle = opened().handle

left, right = st.columns(2)
kind = left.selectbox(
    t("upload_kind"),
    UPLOAD_KINDS.codes,
    format_func=lambda k: t(UPLOAD_KINDS.label_key(k)),
    key="upload_kind",
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


def reading_notes(summary: dict[str, Any]) -> list[str]:
    """How the file was read, in the page's language: the header row found below title
    rows, a units line skipped, one column of coordinates split, invisible characters
    removed."""
    notes = []
    above = [s["row"] for s in summary.get("skipped_rows", []) if isinstance(s, dict)]
    above = [n for n in above if n < summary.get("header_row", 1)]
    if above:
        skipped = ", ".join(str(n) for n in above)
        notes.append(t("note_header_found", row=summary["header_row"], skipped=skipped))
    if summary.get("notes_row"):
        notes.append(t("note_units_row", row=summary["notes_row"]))
    if summary.get("coordinates"):
        notes.append(t("note_coordinates_split", **summary["coordinates"]))
    if summary.get("cleaned_cells"):
        notes.append(
            t(
                "note_text_cleaned",
                cells=summary["cleaned_cells"],
                characters=summary["cleaned_characters"],
            )
        )
    if summary.get("matched_by_unit_code") or summary.get("matched_by_address"):
        notes.append(
            t(
                "note_list_rows_matched",
                code=summary.get("matched_by_unit_code", 0),
                address=summary.get("matched_by_address", 0),
            )
        )
    return notes


def show_result(result: uploads.UploadResult, filename: str) -> None:
    summary = result.summary
    if "duplicate_of" in summary:
        st.info(t("upload_result_duplicate", batch=summary["duplicate_of"]))
        return
    if summary.get("dry_run"):
        st.info(t("upload_result_dry"))
    else:
        st.success(t("upload_result_done", batch=summary["batch"]))
    if "again_after" in summary:
        st.info(t("upload_result_again", batch=summary["again_after"]))
    for column, key in zip(
        st.columns(6),
        ("rows", "accepted", "rejected", "inserted", "updated", "unchanged"),
        strict=True,
    ):
        column.metric(t(f"upload_{key}"), summary[key])
    for note in reading_notes(summary):
        st.caption(note)
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

        # The report leaves only through an audited step: the file is made (and its export
        # written to the audit log) when asked for, never sent with the page beforehand.
        made = {"csv": uploads.rejects_csv, "xlsx": uploads.rejects_xlsx}
        labels = {"csv": "upload_download_rejects", "xlsx": "upload_download_rejects_xlsx"}
        mime = {
            "csv": "text/csv",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }

        def record_export(file_format: str) -> bool:
            uploads.record_rejects_export(
                handle,
                actor,
                source=filename,
                rows=len(result.rejected_rows),
                file_format=file_format,
            )
            return True

        for column, file_format in zip(st.columns(2), made, strict=True):
            ready = f"rejects_ready_{file_format}"
            if column.button(t(f"upload_prepare_rejects_{file_format}"), key=f"prepare_{ready}"):
                recorded = guarded(lambda f=file_format: record_export(f))
                st.session_state[ready] = id(result) if recorded else None
            if st.session_state.get(ready) == id(result):  # this result's, asked for
                column.download_button(
                    t(labels[file_format]),
                    made[file_format](result.rejected_rows),
                    file_name=f"{stem}.{file_format}",
                    mime=mime[file_format],
                    on_click="ignore",
                    key=f"rejects_{file_format}",
                )


def run_import(
    data: bytes,
    filename: str,
    mapping: dict[str, str],
    *,
    value_maps: dict[str, dict[str, str]],
    set_fields: dict[str, str],
    dry_run: bool,
    shown_for: str,
) -> None:
    bar = None if dry_run else st.progress(0.0)

    def progress(fraction: float, key: str) -> None:
        if bar is not None:
            bar.progress(fraction, text=t(key))

    def waiting(seconds: int) -> None:  # another import holds the write lock
        if bar is not None:
            bar.progress(0.5, text=t("waiting_for_writer", seconds=seconds))

    with operations.waits_reported(waiting):
        result = guarded(
            lambda: uploads.import_upload(
                handle,
                actor,
                kind=kind,
                data=data,
                filename=filename,
                mapping=mapping,
                value_maps=value_maps,
                set_fields=set_fields,
                sheet=sheet,
                crs=parse_source_crs(crs),
                dry_run=dry_run,
                progress=progress,
            )
        )
    # Kept for the reruns that follow (a download's click reruns the page): the result and
    # its download buttons stay until the file, the kind or a choice about it changes.
    st.session_state["upload_result"] = (shown_for, result) if result is not None else None
    for file_format in ("csv", "xlsx"):  # a new result's report is asked for (and audited) anew
        st.session_state.pop(f"rejects_ready_{file_format}", None)


sheet: str | None = None
if file is not None:
    data = file.getvalue()
    sheets = guarded(lambda: uploads.sheet_names(handle, actor, data=data, filename=file.name))
    if sheets and len(sheets) > 1:  # hidden sheets are never offered
        sheet = st.selectbox(
            t("upload_sheet"), sheets, help=t("upload_sheet_help"), key=f"sheet_{file.file_id}"
        )
    first = guarded(
        lambda: uploads.preview_upload(
            handle, actor, kind=kind, data=data, filename=file.name, sheet=sheet
        )
    )
    preview = None
    mapping: dict[str, str] = {}
    if first is not None:
        headers = [r["column"] for r in first[0].preview() if r["use"] != "dropped"]
        mapping = mapping_editor(first[0].mapping, headers, kind=kind, file_key=f"{file.file_id}")
        preview = guarded(
            lambda: uploads.preview_upload(
                handle,
                actor,
                kind=kind,
                data=data,
                filename=file.name,
                mapping=mapping,
                sheet=sheet,
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
        value_maps = value_mapping_table(
            handle,
            actor,
            data,
            file.name,
            mapping,
            kind=kind,
            sheet=sheet,
            file_key=f"{file.file_id}",
        )
        set_fields = whole_file_values(plan.missing, kind=kind, file_key=f"{file.file_id}")
        chosen = {"value_maps": value_maps, "set_fields": set_fields}
        shown_for = repr((file.file_id, kind, crs, sheet, mapping, value_maps, set_fields))
        check, commit = st.columns(2)
        if check.button(t("upload_dry_run"), key="upload_check"):
            run_import(data, file.name, mapping, **chosen, dry_run=True, shown_for=shown_for)
        if commit.button(t("upload_commit"), type="primary", key="upload_commit"):
            run_import(data, file.name, mapping, **chosen, dry_run=False, shown_for=shown_for)
        last = st.session_state.get("upload_result")
        if last is not None and last[0] == shown_for:
            show_result(last[1], file.name)


boundary_section(handle, actor)

history_section(handle, actor)
