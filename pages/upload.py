"""Uploads: pick the kind, drop the file, see how columns were read, check, commit, undo."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st

from geo import clock
from geo.crs import parse_source_crs
from geo.fields import FIELDS, fields_of
from geo.services import operations, uploads
from geo.settings import settings
from geo.vocabulary import BATCH_STATUSES, UPLOAD_KINDS
from pages.boundary_upload import boundary_section
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


def value_mapping_table(
    data: bytes, filename: str, mapping: dict[str, str], *, file_key: str
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


def whole_file_values(missing: list[str], *, file_key: str) -> dict[str, str]:
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
        mapping = mapping_editor(first[0].mapping, headers, file_key=f"{file.file_id}")
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
        value_maps = value_mapping_table(data, file.name, mapping, file_key=f"{file.file_id}")
        set_fields = whole_file_values(plan.missing, file_key=f"{file.file_id}")
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
    force = st.checkbox(t("upload_undo_force"), key="undo_force")
    yes, no = st.columns(2)
    if yes.button(t("upload_undo_yes"), type="primary", key="undo_confirm"):
        st.session_state.pop("undo_pending", None)
        if guarded(lambda: uploads.undo_batch(handle, actor, pending, force=force)):
            flash_and_rerun(t("upload_undo_done", batch=pending))
    if no.button(t("upload_undo_cancel"), key="undo_cancel"):
        st.session_state.pop("undo_pending", None)
        st.rerun()


boundary_section(handle, actor)

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
    undo_picker(history)
elif history is not None:
    st.caption(t("upload_no_batches"))
