"""Sweeps: create a campaign, plan it (priority, teams, routes), hand out area lists, follow
progress and what carries over, and judge back-checks by LQAS."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit_folium import st_folium

from geo import clock, maps
from geo import sweeps as rules
from geo.io.arealists import FORMATS
from geo.services import boundaries, sweeps
from geo.services.access import PERMISSIONS
from pages.common import (
    basemap_picker,
    flash_and_rerun,
    guarded,
    opened,
    read,
    show_flash,
    signed_in_actor,
)
from pages.fieldkits import draw_kit_download, draw_proven_progress
from pages.tables import show_table
from pages.texts import option_text, t

actor = signed_in_actor()
handle = opened().handle
allowed = PERMISSIONS.get(actor.role, frozenset())
st.title(t("sweeps_title"))
show_flash()

if "plan_sweeps" in allowed:
    with st.expander(t("sweeps_new"), expanded=False), st.form("sweep_new"):
        choices = guarded(lambda: boundaries.area_choices(handle, actor))
        codes = [] if choices is None else choices["code"].tolist()
        names = {} if choices is None else dict(zip(choices["code"], choices["name"], strict=True))
        title = st.text_input(t("sweeps_name"))
        areas = st.multiselect(
            t("sweeps_areas"),
            codes,
            format_func=lambda c: option_text(f"{names.get(c, c)} ({c})"),
            placeholder=t("choose_areas"),
            select_all=False,
        )
        first, last = st.columns(2)
        starts_on = first.date_input(t("sweeps_from"), value=clock.today())
        ends_on = last.date_input(t("sweeps_to"), value=clock.today() + timedelta(days=14))
        teams = st.text_area(
            t("sweeps_teams"), value="一组\n二组\n三组", help=t("sweeps_teams_help")
        )
        if st.form_submit_button(t("sweeps_create")):
            made = guarded(
                lambda: sweeps.create_sweep(
                    handle,
                    actor,
                    name=title,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    areas=areas,
                    teams=list(rules.parse_teams(teams)),
                    members=rules.parse_teams(teams),
                )
            )
            if made is not None:
                st.session_state["sweep_id"] = made
                flash_and_rerun(t("sweeps_created", sweep=made))

known = guarded(lambda: sweeps.list_sweeps(handle, actor))
if known is None or known.empty:
    st.info(t("sweeps_none"))
    st.stop()
labels = {
    int(r.id): option_text(f"#{r.id} {r.name} ({r.starts_on} ~ {r.ends_on})")
    for r in known.itertuples()
}
ids = list(labels)
chosen = st.selectbox(
    t("sweeps_pick"),
    ids,
    index=ids.index(st.session_state["sweep_id"]) if st.session_state.get("sweep_id") in ids else 0,
    format_func=labels.__getitem__,
)
st.session_state["sweep_id"] = chosen
row = known.set_index("id").loc[chosen]
planned = str(row["units"]) != "0"  # a planner may see "*" (geo.disclosure)
st.caption(t("sweeps_summary", teams=int(row["teams"]), units=row["units"]))

if "plan_sweeps" in allowed:
    with st.expander(t("sweeps_plan"), expanded=not planned):
        st.caption(t("sweeps_weights_hint"))
        columns = st.columns(len(rules.FACTORS))
        weights = {
            f: column.number_input(
                t(f"sweeps_factor_{f}"), 0.0, 10.0, rules.DEFAULT_WEIGHTS[f], 0.5, key=f"w_{f}"
            )
            for f, column in zip(rules.FACTORS, columns, strict=True)
        }
        limit = (  # planners plan for every unit (geo.disclosure)
            0
            if actor.aggregates_only
            else st.number_input(t("sweeps_limit"), min_value=0, value=0, step=100)
        )
        # A sweep under way is refused unless this is ticked (the service says why).
        replan = planned and st.checkbox(t("sweeps_replan_anyway"), key="sweep_replan")
        if st.button(t("sweeps_plan_button"), key="sweep_plan"):
            with st.spinner(t("sweeps_planning")):
                plan = guarded(
                    lambda: sweeps.plan_sweep(
                        handle,
                        actor,
                        chosen,
                        weights=weights,
                        limit=int(limit) or None,
                        replan=replan,
                    )
                )
            if plan is not None:
                st.session_state["sweep_plan_result"] = plan
                flash_and_rerun(
                    t("sweeps_planned_shown")
                    if isinstance(plan.imbalance, str)  # withheld from planners
                    else t("sweeps_planned", imbalance=f"{plan.imbalance:.1%}")
                )

plan = st.session_state.get("sweep_plan_result")
if plan is not None and plan.sweep_id == chosen:
    if plan.visits_before:
        st.warning(
            t(
                "sweep_replanned_after_visits",
                sweep=plan.sweep_id,
                visits=plan.visits_before,
                starts_on=plan.starts_on,
            )
        )
    st.subheader(t("sweeps_teams_title"))
    show_table(
        plan.teams,
        headings="sweeps_col_",
    )
    if plan.ranked is not None:
        st.subheader(t("sweeps_ranked_title"))
        shown = ["rank", "score", *[f"{f}_points" for f in rules.FACTORS], "external_ref",
                 "address", "residents", "days_overdue", "team", "position"]  # fmt: skip
        show_table(
            plan.ranked[shown].head(500),
            headings="sweeps_col_",
            height=320,
        )


@st.fragment
def draw_teams() -> None:
    shapes = guarded(lambda: sweeps.team_shapes(handle, actor, chosen))
    if shapes is None or shapes.empty:
        return
    basemap = basemap_picker(st.sidebar)
    fmap = maps.base_map(shapes.total_bounds, basemap=basemap, height_px=460)
    maps.add_shares(
        fmap,
        shapes,
        name_column="team",
        tooltip_columns={"team": t("sweeps_col_team"), "units": t("sweeps_col_units")},
        legend_title=t("sweeps_teams_title"),
        basemap=basemap,
    )
    st_folium(fmap, returned_objects=[], height=460, use_container_width=True, key="sweep_map")


if planned:
    draw_teams()
    progress = guarded(lambda: sweeps.sweep_progress(handle, actor, chosen))
    if progress is not None:
        st.subheader(t("sweeps_progress_title"))
        left, right = st.columns(2)
        left.metric(t("sweeps_remaining"), f"{progress['remaining']}")
        right.metric(t("sweeps_days"), progress["days_needed"])
        for key in ("by_team", "by_community"):
            table = progress[key]
            show_table(table, headings="sweeps_col_", percent=["done_share"])
        carry = progress["carry_over"]
        if carry is not None and len(carry):
            with st.expander(t("sweeps_carry", count=len(carry))):
                shown = ["team", "position", "external_ref", "address", "room", "state"]
                carry = carry.assign(state=carry["state"].map(lambda s: t(f"sweeps_state_{s}")))
                show_table(
                    carry[shown],
                    headings="sweeps_col_",
                )

    if "export" in allowed:
        st.subheader(t("sweeps_export_title"))
        team_names = sorted(progress["by_team"]["team"]) if progress is not None else []
        pick, fmt = st.columns(2)
        team = pick.selectbox(
            t("sweeps_col_team"),
            [None, *team_names],
            format_func=lambda n: t("sweeps_all_teams") if n is None else option_text(n),
        )
        kind = fmt.selectbox(
            t("sweeps_format"),
            FORMATS,
            index=FORMATS.index("xlsx"),
            format_func=lambda f: t(f"arealist_format_{f}"),
        )
        if st.button(t("lists_prepare_export"), key="sweep_export"):
            made = guarded(lambda: sweeps.area_list(handle, actor, chosen, fmt=kind, team=team))
            if made is not None:
                data, units = made
                st.download_button(
                    t("sweeps_download", units=units),
                    data=data,
                    file_name=f"sweep{chosen}_{team or 'all'}.{kind}",
                    key="sweep_download",
                )
        draw_kit_download(handle, actor, chosen, team_names)  # issue 19: field kits

    draw_proven_progress(handle, actor, chosen)

    if "view_aggregates" in allowed:
        st.subheader(t("sweeps_rates_title"))
        rates = read("registration_rates")  # once per data version (6 s at city scale)
        if rates is not None:
            show_table(rates, headings="sweeps_col_", percent=["residence_rate", "rental_rate"])
            st.caption(t("sweeps_rates_rule"))

    if "view_records" in allowed:
        st.subheader(t("sweeps_backcheck_title"))
        n_col, d_col = st.columns(2)
        n = n_col.number_input("n", 1, 200, rules.LQAS_SAMPLE)
        d = d_col.number_input("d", 0, 199, rules.LQAS_MAX_FAILURES)
        if d < n:
            checked = guarded(
                lambda: sweeps.backchecks(
                    handle, actor, chosen, rule=rules.Lqas(n=int(n), d=int(d), seed=chosen)
                )
            )
            if checked is not None:
                verdicts = checked["verdicts"]
                verdicts = verdicts.assign(
                    verdict=verdicts["verdict"].map(lambda v: t(f"sweeps_verdict_{v}"))
                )
                shown = verdicts.drop(columns="community_id")
                show_table(
                    shown,
                    headings="sweeps_col_",
                )
                st.caption(t("sweeps_backcheck_rule", n=int(n), d=int(d)))
            finds = st.file_uploader(t("sweeps_field_upload"), type=["csv", "xlsx"], key="finds")
            if finds is not None:
                field = guarded(
                    lambda: sweeps.field_backcheck(
                        handle,
                        actor,
                        chosen,
                        data=finds.getvalue(),
                        filename=finds.name,
                        rule=rules.Lqas(n=int(n), d=int(d), seed=chosen),
                    )
                )
                if field is not None:
                    judged = field["verdicts"].drop(columns="community_id")
                    judged = judged.assign(
                        verdict=judged["verdict"].map(lambda v: t(f"sweeps_verdict_{v}"))
                    )
                    show_table(
                        judged,
                        headings="sweeps_col_",
                    )
