"""Lists to act on: crowded units, residence permits due, residents not found, occupied
units not visited for 180 days; counts per community, the list, and an audited export."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.services import lists
from geo.worklists import LISTS, counts_by_community
from pages.common import basemap_picker, guarded, opened, signed_in_actor
from pages.tables import show_table
from pages.texts import language, t

actor = signed_in_actor()
handle = opened().handle
st.title(t("lists_title"))
name = st.radio(
    t("lists_pick"), LISTS, format_func=lambda n: t(f"list_{n}"), horizontal=True, key="list_name"
)
st.caption(t(f"list_{name}_rule"))
table = guarded(lambda: lists.staff_list(handle, actor, name))
if table is None:
    st.stop()
summary, body = st.columns([1, 3])
with summary:
    st.metric(t("lists_rows"), f"{len(table):,}")
    counts = counts_by_community(table)
    st.dataframe(
        counts.rename(columns={"community": t("property_community"), "count": t("lists_rows")}),
        hide_index=True,
        width="stretch",
        placeholder="",
    )
MAX_ROWS = 10_000  # more rows than this are counted and exported, not drawn in the table
with body:
    listed = table.drop(columns=[c for c in ("lon", "lat") if c in table])
    if len(listed) > MAX_ROWS:
        st.caption(t("lists_first_rows", shown=f"{MAX_ROWS:,}", rows=f"{len(listed):,}"))
    show_table(listed.head(MAX_ROWS), headings="lists_col_", height=520)
MAX_POINTS = 3000  # more units than this are listed but not drawn one by one


@st.fragment
def draw_units(units: pd.DataFrame) -> None:
    """The listed units on a map (their references in the tooltips)."""
    placed = units.dropna(subset=["lon", "lat"]).head(MAX_POINTS)
    if placed.empty:
        return
    points = gpd.GeoDataFrame(
        placed.assign(kind="unit"),
        geometry=gpd.points_from_xy(placed["lon"], placed["lat"]),
        crs="EPSG:4326",
    )
    fmap = maps.base_map(points.total_bounds, basemap=basemap, height_px=460)
    maps.add_points(
        fmap,
        points,
        colour_column="kind",
        colours={"unit": "#e31a1c"},
        size_column="residents",
        tooltip_columns={
            "external_ref": t("lists_col_external_ref"),
            "address": t("lists_col_address"),
            "residents": t("lists_col_residents"),
        },
        legend_title=t(f"list_{name}"),
        legend_labels={"unit": t("lists_map_hint")},
        basemap=basemap,
        id_column="external_ref",
    )
    clicked = st_folium(
        fmap,
        returned_objects=["last_active_drawing"],
        height=460,
        use_container_width=True,
        key="lists_map",
    )
    feature = (clicked or {}).get("last_active_drawing") or {}
    ref = (feature.get("properties") or {}).get("id")
    if ref in set(placed["external_ref"].astype(str)):
        unit = placed.loc[placed["external_ref"].astype(str) == ref].iloc[0]
        st.caption(t("lists_map_picked", ref=ref, address=unit["address"]))
        if st.button(t("lists_open_file"), key="lists_open_file"):
            st.switch_page("pages/property.py", query_params={"ref": str(unit["external_ref"])})


if "lon" in table and len(table):
    basemap = basemap_picker(st.sidebar)
    draw_units(table)

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
export_format = st.radio(
    t("lists_export_format"),
    lists.EXPORT_FORMATS,
    format_func=lambda f: t(f"lists_format_{f}"),
    horizontal=True,
    key="lists_export_format",
)
if st.button(t("lists_prepare_export"), key="lists_export"):
    data = guarded(
        lambda: lists.staff_list_file(handle, actor, name, fmt=export_format, language=language())
    )
    if data is not None:
        st.download_button(
            t(f"lists_download_{export_format}"),
            data=data,
            file_name=f"list_{name}.{export_format}",
            mime=MIME[export_format],
            key="lists_download",
        )
