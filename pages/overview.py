"""Overview: per-area table and a choropleth of the communities (or grids)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.indicators import INDICATOR_COLUMNS
from geo.services.statistics import COUNT_COLUMNS
from pages.common import area_shapes, area_table, is_demo, signed_in_actor, t

METRICS = {
    "rental_units": "{:,.0f}",
    "residents": "{:,.0f}",
    "floating_residents": "{:,.0f}",
    "residents_per_km2": "{:,.0f}",
    "coverage": "{:.0%}",
    "overdue_units": "{:,.0f}",
}

st.title(t("overview_title"))
if is_demo():
    st.info(t("demo_notice"))

left, middle, right = st.columns(3)
level = left.selectbox(
    t("level"), ("community", "grid"), format_func=lambda v: t(f"level_{v}"), key="overview_level"
)
metric = middle.selectbox(
    t("metric"), list(METRICS), format_func=lambda c: t(f"col_{c}"), key="overview_metric"
)
window = right.number_input(t("window_days"), min_value=7, max_value=730, value=90, step=1)
st.caption(t("overview_caption", window=window))

table = area_table(level=level, window_days=int(window))
shapes = area_shapes(level=level)


@st.fragment
def draw_map() -> None:
    if shapes.empty:
        st.warning(t("no_areas"))
        return
    joined = shapes.merge(table, on=["code", "name"], how="left")
    tooltip = {c: t(f"col_{c}") for c in ("name", "rental_units", "residents", metric)}
    fmap = maps.choropleth(
        joined,
        value_column=metric,
        legend_title=t(f"col_{metric}"),
        tooltip_columns=tooltip,
        value_format=METRICS[metric],
    )
    st_folium(fmap, returned_objects=[], height=560, use_container_width=True, key="overview_map")


draw_map()

shown = table[list(INDICATOR_COLUMNS)].copy()
shown["level"] = shown["level"].map(lambda v: t(f"level_{v}"))
if signed_in_actor().aggregates_only:
    shown[COUNT_COLUMNS] = shown[COUNT_COLUMNS].astype(str)
st.dataframe(
    shown.rename(columns={c: t(f"col_{c}") for c in shown.columns}),
    hide_index=True,
    width="stretch",
    column_config={
        t("col_coverage"): st.column_config.NumberColumn(format="percent"),
        t("col_attempted_coverage"): st.column_config.NumberColumn(format="percent"),
        t("col_area_km2"): st.column_config.NumberColumn(format="%.2f"),
        t("col_residents_per_km2"): st.column_config.NumberColumn(format="%.0f"),
    },
)
