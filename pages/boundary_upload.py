"""The upload page's boundary part: drop a boundary file, give each layer its level, check
(a dry run naming the units that would move) and import."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.services import boundaries
from geo.services.access import PERMISSIONS, Actor
from geo.services.setup import Opened
from geo.vocabulary import AREA_LEVELS
from pages.common import guarded
from pages.tables import show_table
from pages.texts import t

BOUNDARY_TYPES = ["geojson", "json", "gpkg", "zip", "kml", "kmz", "shp"]
CRS_CHOICES = ("", "wgs84", "gcj02", "bd09", "EPSG:4490")


def may_import_areas(actor: Actor) -> bool:
    return "import_areas" in PERMISSIONS.get(actor.role, frozenset())


def boundary_section(handle: Opened, actor: Actor) -> None:
    """Draw the boundary import for an admin: layers -> levels -> fields -> check or import."""
    if not may_import_areas(actor):
        return
    st.subheader(t("areas_upload_title"))
    st.caption(t("areas_upload_caption"))
    file = st.file_uploader(t("areas_upload_file"), type=BOUNDARY_TYPES, key="areas_file")
    if file is None:
        return
    data = file.getvalue()
    layers = guarded(
        lambda: boundaries.boundary_upload_layers(handle, actor, data=data, filename=file.name)
    )
    if not layers:
        return
    levels = _levels_for(layers, file_key=str(file.file_id))
    left, middle, right = st.columns(3)
    name_field = left.text_input(t("areas_upload_name_field"), value="name", key="areas_name")
    code_field = middle.text_input(t("areas_upload_code_field"), key="areas_code")
    crs = right.selectbox(
        t("upload_crs"),
        CRS_CHOICES,
        format_func=lambda c: t(f"crs_{c}") if c else t("areas_upload_crs_file"),
        key="areas_crs",
    )
    if not levels:
        st.info(t("areas_upload_pick_level"))
        return
    check, commit = st.columns(2)
    for dry_run, clicked in (
        (True, check.button(t("upload_dry_run"), key="areas_check")),
        (False, commit.button(t("areas_upload_commit"), type="primary", key="areas_commit")),
    ):
        if not clicked:
            continue
        result = guarded(
            lambda dry=dry_run: boundaries.import_boundary_upload(
                handle,
                actor,
                data=data,
                filename=file.name,
                levels=levels,
                name_field=name_field.strip() or "name",
                code_field=code_field.strip() or None,
                crs=crs or None,
                dry_run=dry,
            )
        )
        if result is not None:
            _show_summary(result, dry_run=dry_run)


def _levels_for(layers: list[dict[str, str]], *, file_key: str) -> dict[str, str | None]:
    """One level per layer (or none); a file of one layer needs only its level."""
    options = ["", *AREA_LEVELS.codes]
    chosen: dict[str, str | None] = {}
    columns = st.columns(min(3, len(layers)))
    for i, layer in enumerate(layers):
        level = columns[i % len(columns)].selectbox(
            t("areas_upload_layer_level", layer=layer["layer"]),
            options,
            format_func=lambda lvl: t(AREA_LEVELS.label_key(lvl)) if lvl else "—",
            key=f"areas_level_{file_key}_{i}",
        )
        if level:
            chosen[level] = layer["layer"] if len(layers) > 1 else None
    return chosen


def _show_summary(result: dict[str, Any], *, dry_run: bool) -> None:
    if dry_run:
        st.info(t("areas_upload_dry"))
    else:
        st.success(t("areas_upload_done"))
    for summary in result["levels"]:
        st.markdown(
            t(
                "areas_upload_level_summary",
                level=t(AREA_LEVELS.label_key(summary["level"])),
                areas=summary["areas"],
                added=summary["added"],
                replaced=summary["replaced"],
                encoding=summary["encoding"],
                crs=summary["crs"],
            )
        )
        for note in summary.get("notes", []):
            st.caption(t(note["key"], **{k: v for k, v in note.items() if k != "key"}))
        if summary["issues"]:
            show_table(
                pd.DataFrame(summary["issues"]),
                headings="areas_issue_col_",
                coded={"kind": "quality_issue_"},
            )
    moved = result["levels"][-1].get("moved")
    if moved is not None:
        st.markdown(t("areas_upload_moved", units=moved["units"], worksites=moved["worksites"]))
        if moved["per_area"]:
            show_table(
                pd.DataFrame(moved["per_area"]),
                headings="areas_moved_col_",
                coded={"level": "level_"},
            )
