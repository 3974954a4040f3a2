"""Clusters: where floating residents' homes cluster (DBSCAN in metres), or their density
per H3 hexagon; the cluster table with origins and worksites, exportable."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.clusters import DEFAULT_EPS_M, DEFAULT_H3_RESOLUTION, DEFAULT_MIN_RESIDENTS
from geo.disclosure import CLUSTER_EPS_M, CLUSTER_MIN_RESIDENTS, WITHHELD
from geo.services import spatial
from pages.common import basemap_picker, guarded, opened, outline_shapes, read, signed_in_actor
from pages.texts import language, option_text, t

actor = signed_in_actor()
st.title(t("clusters_title"))
st.caption(t("clusters_caption"))

streets = read("area_shapes", level="street")
names = {} if streets is None else dict(zip(streets["code"], streets["name"], strict=True))
with st.sidebar:
    st.subheader(t("clusters_parameters"))
    # At city scale one street at a time: what a planner reads, and quick to compute.
    area = st.selectbox(
        t("clusters_area"),
        [*names, None] if len(names) > 1 else [None],
        format_func=lambda c: t("clusters_area_all") if c is None else option_text(names[c]),
        key="clusters_area",
    )
    layer = st.radio(
        t("clusters_layer"),
        ("clusters", "hexagons"),
        format_func=lambda v: t(f"clusters_layer_{v}"),
        key="clusters_layer",
    )
    if actor.aggregates_only:  # one setting: the service refuses planners others
        eps, least = CLUSTER_EPS_M[0], CLUSTER_MIN_RESIDENTS[0]
        st.caption(
            t(
                "disclosure_cluster_bounds",
                distances=f"{eps:.0f}",
                minimums=str(least),
            )
        )
    else:
        eps = st.slider(
            t("clusters_eps"), min_value=10, max_value=1000, value=int(DEFAULT_EPS_M), step=10
        )
        least = st.slider(
            t("clusters_min"), min_value=1, max_value=500, value=DEFAULT_MIN_RESIDENTS, step=1
        )
    resolution = st.slider(
        t("clusters_resolution"), min_value=7, max_value=10, value=DEFAULT_H3_RESOLUTION
    )
basemap = basemap_picker(st.sidebar)

found = read("clusters", eps_m=float(eps), min_residents=int(least), lang=language())
if found is None:
    st.stop()
shapes = found.shapes
total = found.floating_total  # the withheld marker for a planner when small
first, second, third = st.columns(3)
first.metric(t("clusters_count"), f"{len(shapes):,}")
second.metric(t("clusters_floating"), total if isinstance(total, str) else f"{total:,}")
third.metric(
    t("clusters_share"),
    WITHHELD if isinstance(total, str) else f"{found.clustered / total if total else 0.0:.0%}",
)
if actor.aggregates_only:
    st.caption(t("disclosure_withheld_note", marker=WITHHELD))

outline = outline_shapes()
if outline is not None and area is not None:
    outline = outline.loc[outline["parent_code"] == area]


@st.fragment
def draw_map() -> None:
    if outline is None or outline.empty:
        st.warning(t("no_areas"))
        return
    fmap = maps.base_map(outline.total_bounds, basemap=basemap, height_px=600)
    maps.add_outlines(fmap, outline, basemap=basemap)
    if layer == "hexagons":
        cells = read("hexagons", resolution=int(resolution), area=area)
        if cells is None:
            return
        maps.add_choropleth(
            fmap,
            cells,
            value_column="count",
            legend_title=t("clusters_hex_legend"),
            tooltip_columns={"count": t("clusters_col_residents"), "cell": "H3"},
            basemap=basemap,
        )
    elif len(shapes):
        maps.add_choropleth(
            fmap,
            shapes,
            value_column="residents",
            legend_title=t("clusters_legend"),
            tooltip_columns={
                "cluster": t("clusters_col_cluster"),
                "residents": t("clusters_col_residents"),
                "units": t("clusters_col_units"),
                "origins": t("clusters_col_origins"),
                "worksites": t("clusters_col_worksites"),
            },
            basemap=basemap,
            opacity=0.6,
        )
    st_folium(fmap, returned_objects=[], height=600, use_container_width=True, key="clusters_map")


draw_map()

st.subheader(t("clusters_table"))
columns = ["cluster", "residents", "units", "origins", "worksites"]
table = shapes[columns].astype({"residents": str, "units": str})  # may hold "<5"
table = table.rename(columns={c: t(f"clusters_col_{c}") for c in columns})
st.dataframe(table, hide_index=True, width="stretch", placeholder="")
if len(shapes) and st.button(t("clusters_prepare_export"), key="clusters_export"):
    data = guarded(lambda: spatial.clusters_csv(opened().handle, actor, shapes))
    if data is not None:
        st.download_button(
            t("clusters_download"),
            data=data,
            file_name="floating_clusters.csv",
            mime="text/csv",
            key="clusters_download",
        )
