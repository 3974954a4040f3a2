"""Property file: one rental unit by its reference, with its place on the map, landlord,
who lives and lived there, and its visits (identifiers masked)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from geo import clock, maps
from geo.services import moves, properties
from geo.services.access import PERMISSIONS
from geo.vocabulary import PROPERTY_KINDS, PROPERTY_STATUSES
from pages.common import (
    basemap_picker,
    flash_and_rerun,
    guarded,
    opened,
    show_flash,
    signed_in_actor,
)
from pages.fieldkits import draw_plate_reissue
from pages.tables import show_table
from pages.texts import option_text, plain, t

actor = signed_in_actor()
st.title(t("property_title"))


def _text(value: object) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


left, right = st.columns([3, 1])
text = left.text_input(
    t("property_search"), value=st.query_params.get("ref", ""), key="property_ref"
)
basemap = basemap_picker(right)
if not text.strip():
    st.info(t("property_hint"))
    st.stop()
matches = guarded(lambda: properties.search_units(opened().handle, actor, text))
if matches is None:
    st.stop()
refs = matches["external_ref"].tolist()
if text.strip() in refs:
    ref = text.strip()
elif len(refs) == 1:
    ref = refs[0]
elif not refs:
    st.info(t("property_none"))
    st.stop()
else:
    st.caption(t("property_matches", n=len(refs)))
    labels = dict(zip(refs, matches["address"] + " " + matches["room"].fillna(""), strict=True))
    ref = st.selectbox(
        t("property_open"), refs, format_func=lambda r: option_text(f"{r}  {labels[r]}")
    )
st.query_params["ref"] = ref
found = guarded(lambda: properties.property_file(opened().handle, actor, ref))
if found is None:
    st.stop()
unit = found.unit
st.subheader(plain(f"{unit['address']} {unit['room'] or ''}".strip()))
facts = {
    t("field_kind"): t(PROPERTY_KINDS.label_key(unit["kind"])),
    t("field_status"): t(PROPERTY_STATUSES.label_key(unit["status"])),
    t("field_rooms"): unit["rooms"],
    t("field_floor_area_m2"): unit["floor_area_m2"],
    t("field_max_occupants"): unit["max_occupants"],
    t("property_community"): f"{unit['community_name'] or '—'} {unit['community_code'] or ''}",
    t("property_grid"): f"{unit['grid_name'] or '—'} {unit['grid_code'] or ''}",
    t("field_landlord_name"): unit["landlord_name"],
    t("field_landlord_phone"): unit["landlord_phone"],
    t("field_registered_on"): unit["registered_on"],
    t("property_position"): (
        f"{unit['lon']:.6f}, {unit['lat']:.6f} (WGS-84)" if unit["lon"] is not None else "—"
    ),
    t("property_batch"): f"{unit['batch_id'] or '—'} {unit['batch_file'] or ''}",
}
st.dataframe(
    pd.DataFrame(
        {t("property_fact"): list(facts), t("property_value"): [_text(v) for v in facts.values()]}
    ),
    hide_index=True,
    width="stretch",
)

if unit["lon"] is not None and unit["lat"] is not None:
    here = gpd.GeoDataFrame(
        {"name": [unit["address"]], "kind": ["unit"], "size": [9]},
        geometry=[Point(unit["lon"], unit["lat"])],
        crs="EPSG:4326",
    )
    fmap = maps.base_map(here.total_bounds, basemap=basemap, height_px=360, margin_m=300)
    if unit["grid_geometry"] is not None:
        grid = gpd.GeoDataFrame(
            {"name": [unit["grid_name"]]}, geometry=[unit["grid_geometry"]], crs="EPSG:4326"
        )
        maps.add_outlines(fmap, grid, basemap=basemap)
    maps.add_points(
        fmap,
        here,
        colour_column="kind",
        colours={"unit": "#e31a1c"},
        size_column="size",
        tooltip_columns={"name": t("field_address")},
        legend_title=t("property_title"),
        legend_labels={"unit": t("property_this_unit")},
        basemap=basemap,
    )
    st_folium(fmap, returned_objects=[], height=360, use_container_width=True, key="property_map")

show_flash()
can_edit = "import" in PERMISSIONS.get(actor.role, frozenset())
if can_edit:
    # Saving checks the facts against those the form showed on the previous run (the one
    # the user typed into) and refuses if someone changed them meanwhile.
    seen_key = f"edit_seen_{unit['external_ref']}"
    shown_now = {f: unit[f] for f in properties.EDITABLE if f in unit}
    seen = st.session_state.get(seen_key, shown_now)
    st.session_state[seen_key] = shown_now
    with st.expander(t("edit_title")), st.form("edit_unit"):
        first, second = st.columns(2)
        edits = {
            "address": first.text_input(t("field_address"), value=unit["address"] or ""),
            "room": second.text_input(t("field_room"), value=unit["room"] or ""),
            "kind": first.selectbox(
                t("field_kind"),
                PROPERTY_KINDS.codes,
                index=PROPERTY_KINDS.codes.index(unit["kind"]),
                format_func=lambda k: t(PROPERTY_KINDS.label_key(k)),
            ),
            "rooms": second.text_input(t("field_rooms"), value=_text(unit["rooms"])),
            "floor_area_m2": first.text_input(
                t("field_floor_area_m2"), value=_text(unit["floor_area_m2"])
            ),
            "max_occupants": second.text_input(
                t("field_max_occupants"), value=_text(unit["max_occupants"])
            ),
        }
        if st.form_submit_button(t("edit_button"), type="primary"):
            saved = guarded(
                lambda: properties.edit_unit(
                    opened().handle, actor, unit["external_ref"], edits, seen=seen
                )
            )
            if saved is not None:
                changed = ", ".join(t(f"field_{f}") for f in saved["changed"])
                flash_and_rerun(t("edit_done", fields=changed) if changed else t("edit_nothing"))

st.subheader(t("property_stays", n=int(found.stays["moved_out"].isna().sum())))
if can_edit:
    with st.expander(t("move_in_title")), st.form("move_in", clear_on_submit=True):
        first, second = st.columns(2)
        number = first.text_input(t("field_id_number"), key="move_id")
        name = second.text_input(t("move_name"), key="move_name")
        phone = first.text_input(t("field_phone"), key="move_phone")
        room = second.text_input(t("field_room"), key="move_room")
        day = first.date_input(t("field_moved_in"), value=clock.today(), key="move_on")
        if st.form_submit_button(t("move_in_button"), type="primary"):
            done = guarded(
                lambda: moves.move_in(
                    opened().handle,
                    actor,
                    property_ref=unit["external_ref"],
                    on=day,
                    id_number=number,
                    name=name or None,
                    phone=phone or None,
                    room=room or None,
                )
            )
            if done is not None:
                flash_and_rerun(t("move_in_done", property=unit["external_ref"]))
show_table(found.stays, headings="people_col_", coded={"sex": "sex_"})
st.subheader(t("property_visits", n=len(found.visits)))
show_table(found.visits, headings="property_col_", coded={"outcome": "outcome_"})

st.subheader(t("history_title"))
history = guarded(lambda: properties.unit_history(opened().handle, actor, unit["external_ref"]))
if history:
    show_table(
        pd.DataFrame(history, columns=["at", "actor", "detail"]),
        headings="audit_col_",
        times=["at"],
    )
else:
    st.caption(t("history_none"))

# Issue 19: the unit's door plate, revoked and reissued (printable sheet of the new one).
draw_plate_reissue(opened().handle, actor, unit["external_ref"])
