"""Worksites: factories, building sites, markets by kind and size; for one worksite, where
its workers live (hexagons and lines) and how many live in crowded housing."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.disclosure import WITHHELD
from geo.services import spatial
from geo.vocabulary import WORKSITE_KINDS
from pages.common import basemap_picker, guarded, opened, outline_shapes, read, signed_in_actor
from pages.tables import show_table
from pages.texts import option_text, t

# Up to this many worksites are drawn one by one; more are drawn as hexagons of declared
# workers (a city's worth of circles would not load).
MAX_POINTS = 3000
# Beyond this many hexagons a map is slow to draw and to send: coarser ones are drawn.
MAX_CELLS = 2000
KIND_COLOURS = dict(
    zip(
        WORKSITE_KINDS.codes,
        ("#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fb9a99"),
        strict=False,
    )
)

st.title(t("worksites_title"))
sites = read("worksites")
if sites is None:
    st.stop()
left, right = st.columns([3, 1])
basemap = basemap_picker(right)
choices = sites.sort_values("name")
labels = {
    int(i): option_text(f"{n}（{t(f'kind_site_{k}')}）")
    for i, n, k in zip(choices["id"], choices["name"], choices["kind"], strict=True)
}
chosen = left.selectbox(
    t("worksites_pick"),
    [None, *labels],
    format_func=lambda i: t("worksites_none") if i is None else labels[i],
    key="worksite_pick",
)
homes = read("worker_homes", worksite_id=chosen) if chosen is not None else None
if homes is not None:
    workers, here, crowded = st.columns(3)
    known = not isinstance(homes.crowded, str) and not isinstance(homes.housed_here, str)
    for column, label, value in (
        (workers, "worksites_workers", homes.workers),
        (here, "worksites_housed_here", homes.housed_here),
    ):
        column.metric(t(label), value if isinstance(value, str) else f"{value:,}")
    share = homes.crowded / homes.housed_here if known and homes.housed_here else 0.0
    crowded.metric(t("worksites_crowded_share"), f"{share:.0%}" if known else WITHHELD)
    st.caption(t("worksites_crowded_rule"))
    if signed_in_actor().aggregates_only:
        st.caption(t("disclosure_withheld_note", marker=WITHHELD))


def draw_sites(fmap: object, shown: object) -> None:
    maps.add_points(
        fmap,
        shown,
        colour_column="kind",
        colours={k: c for k, c in KIND_COLOURS.items() if k in set(sites["kind"])},
        size_column="declared_workers",
        tooltip_columns={
            "name": t("col_name"),
            "declared_workers": t("worksites_declared"),
            "workers": t("worksites_workers"),
        },
        legend_title=t("worksites_legend"),
        legend_labels={k: t(WORKSITE_KINDS.label_key(k)) for k in WORKSITE_KINDS.codes},
        basemap=basemap,
    )


@st.fragment
def draw_map() -> None:
    if sites.empty:
        st.info(t("worksites_empty"))
        return
    fmap = maps.base_map(sites.total_bounds, basemap=basemap, height_px=600)
    outline = outline_shapes()
    if outline is not None:
        maps.add_outlines(fmap, outline, basemap=basemap)
    many = len(sites) > MAX_POINTS
    if many:
        cells = None
        for resolution in (9, 8, 7):  # the finest that draws quickly (issue 21)
            cells = read("worksite_hexagons", resolution=resolution)
            if cells is None or len(cells) <= MAX_CELLS:
                break
        if cells is not None:
            maps.add_choropleth(
                fmap,
                cells,
                value_column="count",
                legend_title=t("worksites_hex_legend"),
                tooltip_columns={"count": t("worksites_declared")},
                basemap=basemap,
                opacity=0.5,
            )
    if homes is not None and len(homes.cells):
        site = sites.loc[sites["id"] == chosen].geometry.iloc[0]
        maps.add_choropleth(
            fmap,
            homes.cells,
            value_column="count",
            legend_title=t("worksites_homes_legend"),
            tooltip_columns={"count": t("worksites_workers")},
            basemap=basemap,
            opacity=0.6,
        )
        maps.add_lines(fmap, (site.x, site.y), homes.cells, weight_column="count", basemap=basemap)
    draw_sites(fmap, sites.loc[sites["id"] == chosen] if many else sites)
    st_folium(fmap, returned_objects=[], height=600, use_container_width=True, key="worksites_map")


draw_map()
if len(sites) > MAX_POINTS:
    st.caption(t("worksites_as_hexagons", total=len(sites), limit=MAX_POINTS))

if chosen is not None and not signed_in_actor().aggregates_only:
    file = guarded(lambda: spatial.worksite_file(opened().handle, signed_in_actor(), chosen))
    if file is not None:
        st.subheader(t("worksite_file_workers", n=len(file.workers)))
        workers = file.workers.assign(
            crowded=file.workers["crowded"].map({True: t("yes"), False: ""})
        )
        show_table(workers, headings="worksite_col_", coded={"sex": "sex_"})
        if file.elsewhere:
            st.caption(t("worksite_file_elsewhere", n=file.elsewhere))
        st.subheader(t("worksite_file_visits", n=len(file.visits)))
        show_table(file.visits, headings="property_col_", coded={"outcome": "outcome_"})
