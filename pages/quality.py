"""Data quality: what keeps records off the map (no or bad coordinates, outside every area),
units on the edge of a grid, boundary overlaps and gaps, and the mapped share per community."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from pages.common import read, signed_in_actor, t
from pages.tables import show_table

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
first.metric(t("quality_mapped_overall"), f"{report['overall_mapped_share']:.1%}")
second.metric(t("quality_unplaced_units"), f"{report['unplaced_units']:,}")
third.metric(t("quality_unplaced_worksites"), f"{report['unplaced_worksites']:,}")

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
st.dataframe(
    shares,
    hide_index=True,
    width="stretch",
    column_config={t("quality_share"): st.column_config.NumberColumn(format="percent")},
)

st.subheader(t("quality_area_issues"))
issues = report["area_issues"]
if issues.empty:
    st.success(t("quality_no_area_issues"))
else:
    st.dataframe(issues, hide_index=True, width="stretch")

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

st.subheader(t("quality_near_boundary", n=len(report["near_boundary"])))
show_table(
    report["near_boundary"],
    headings="quality_col_",
    column_config={t("quality_col_distance_m"): st.column_config.NumberColumn(format="%.1f")},
)
