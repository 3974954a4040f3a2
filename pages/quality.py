"""Data quality: what keeps records off the map (no or bad coordinates, outside every area),
units on the edge of a grid, boundary overlaps, gaps and slivers (drawn, with the units and
worksites inside the gaps), and the mapped share per community."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from pages.common import basemap_picker, outline_shapes, read, signed_in_actor
from pages.tables import show_table
from pages.texts import t

PALETTE = {
    "overlap": (0, "#d7301f"),
    "gap": (1, "#2b8cbe"),
    "sliver": (2, "#ff7f00"),
    "unchecked": (3, "#969696"),
}
ISSUE_CLASSES = {kind: value for kind, (value, _) in PALETTE.items()}
ISSUE_LABELS = {
    "overlap": "quality_issue_overlap",
    "gap": "quality_issue_gap",
    "sliver": "quality_issue_sliver",
    "unchecked": "quality_issue_unchecked",
}

actor = signed_in_actor()
st.title(t("quality_title"))
LINK = {
    t("quality_col_open"): st.column_config.LinkColumn(display_text=t("quality_open")),
}


def record_links(refs: pd.Series) -> pd.Series:
    """Links that open each unit's file (the property page) so it can be checked or fixed."""
    return "./property?ref=" + refs.fillna("").map(lambda r: quote(str(r)))


report = read("data_quality")
if report is None:
    st.stop()

first, second, third = st.columns(3)
overall = report["overall_mapped_share"]  # the withheld marker for a planner when few are off
first.metric(t("quality_mapped_overall"), overall if isinstance(overall, str) else f"{overall:.1%}")
for column, label, key in (
    (second, t("quality_unplaced_units"), "unplaced_units"),
    (third, t("quality_unplaced_worksites"), "unplaced_worksites"),
):
    value = report[key]  # the withheld marker for a planner when small
    column.metric(label, value if isinstance(value, str) else f"{value:,}")

st.subheader(t("quality_mapped_share"))
shares = report["mapped_share"].rename(
    columns={
        "code": t("col_code"),
        "name": t("col_name"),
        "units": t("col_rental_units"),
        "in_grid": t("quality_in_grid"),
        "mapped_share": t("quality_share"),
    }
)
show_table(shares, percent=[t("quality_share")])  # a planner's withheld share is "*"

st.subheader(t("quality_area_issues"))
boundary_report = read("boundary_quality")
drawn = None if boundary_report is None else boundary_report["issues"]
if drawn is None or drawn.empty:
    st.success(t("quality_no_area_issues"))
else:
    basemap = basemap_picker(st)
    labelled = drawn.assign(
        kind_label=drawn["kind"].map(lambda k: t(ISSUE_LABELS[k])),
        level_label=drawn["level"].map(lambda lvl: t(f"level_{lvl}")),
        kind_class=drawn["kind"].map(ISSUE_CLASSES).astype(float),
        area_shown=drawn["area_m2"].map(lambda m2: f"{m2:,.0f}"),
    )
    fmap = maps.base_map(drawn.total_bounds, basemap=basemap, height_px=460, margin_m=200)
    outlines = outline_shapes()
    if outlines is not None and len(outlines):
        maps.add_outlines(fmap, outlines, basemap=basemap)
    maps.add_choropleth(
        fmap,
        labelled,
        value_column="kind_class",
        legend_title=t("quality_issue_legend"),
        tooltip_columns={
            "kind_label": t("quality_col_issue"),
            "level_label": t("quality_col_level"),
            "codes": t("col_code"),
            "area_shown": t("quality_col_area_m2"),
        },
        basemap=basemap,
        classes=[(float(v), colour, t(ISSUE_LABELS[k])) for k, (v, colour) in PALETTE.items()],
        opacity=0.8,
    )
    st_folium(fmap, returned_objects=[], height=460, use_container_width=True, key="issues_map")
    table = labelled[["level_label", "kind_label", "codes", "area_m2", "width_m", "lon", "lat"]]
    st.dataframe(
        table.rename(
            columns={
                "level_label": t("quality_col_level"),
                "kind_label": t("quality_col_issue"),
                "codes": t("col_code"),
                "area_m2": t("quality_col_area_m2"),
                "width_m": t("quality_col_width_m"),
                "lon": t("quality_col_lon"),
                "lat": t("quality_col_lat"),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            t("quality_col_area_m2"): st.column_config.NumberColumn(format="%.0f"),
            t("quality_col_width_m"): st.column_config.NumberColumn(format="%.1f"),
        },
    )

if actor.aggregates_only:
    st.info(t("quality_records_hidden"))
    st.stop()

st.subheader(t("quality_unplaced_list"))
for kind, frame in report["unplaced"].items():
    if frame.empty:
        continue
    why = pd.Series(t("quality_no_coordinates"), index=frame.index).where(
        frame["lon"].isna() | frame["lat"].isna(), t("quality_outside_areas")
    )
    listed = frame.assign(reason=why)[
        ["external_ref", "address", "lon", "lat", "batch_id", "reason"]
    ]
    st.caption(t(f"quality_kind_{kind}", n=len(listed)))
    show_table(listed, headings="quality_col_")

in_gaps = None if boundary_report is None else boundary_report.get("in_gaps")
if in_gaps is not None and len(in_gaps):
    st.subheader(t("quality_in_gaps", n=len(in_gaps)))
    show_table(
        in_gaps,
        headings="quality_gap_col_",
        coded={"kind": "quality_point_", "gap": "quality_issue_", "level": "level_"},
    )

st.subheader(t("quality_near_boundary", n=len(report["near_boundary"])))
show_table(
    report["near_boundary"],
    headings="quality_col_",
    column_config={t("quality_col_distance_m"): st.column_config.NumberColumn(format="%.1f")},
)
