"""Overview: headline figures, a choropleth of communities (click one for its grids), the
per-area table beside it, and coverage over the last 12 months."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import clock, maps
from geo.coverage import NEAR_TARGET, WINDOW_DAYS, month_to_date_days
from geo.disclosure import WITHHELD
from geo.settings import settings
from geo.vocabulary import AREA_LEVELS
from pages.common import basemap_picker, is_demo, read, signed_in_actor
from pages.fieldkits import draw_proven_coverage
from pages.tables import show_table
from pages.texts import plain, t, t_raw

METRICS = {
    "rental_units": "{:,.0f}",
    "residents": "{:,.0f}",
    "floating_residents": "{:,.0f}",
    "floating_per_km2": "{:,.0f}",
    "residents_per_km2": "{:,.0f}",
    "coverage": "{:.0%}",
    "monthly_inspection": "{:.0%}",
    "overdue_share": "{:.0%}",
    "overdue_units": "{:,.0f}",
    "not_found_residents": "{:,.0f}",
}
TABLE_ORDER = (  # what planners compare first, the code last
    "name",
    "rental_units",
    "residents",
    "floating_residents",
    "coverage",
    "overdue_units",
    "not_found_residents",
    "worksites",
    "floating_per_km2",
    "residents_per_km2",
    "overdue_share",
    "attempted_coverage",
    "area_km2",
    "population",
    "code",
)
HEADLINE = (
    ("rental_units", "{:,.0f}"),
    ("residents", "{:,.0f}"),
    ("floating_residents", "{:,.0f}"),
    ("worksites", "{:,.0f}"),
    ("coverage", "{:.1%}"),
    ("overdue_units", "{:,.0f}"),
    ("not_found_residents", "{:,.0f}"),
)

st.title(t("overview_title"))
if is_demo():
    st.info(t("demo_notice"))

CHILD = {"street": "community", "community": "grid"}
streets = read("area_shapes", level="street")
several_streets = streets is not None and len(streets) > 1
trail: list[tuple[str, str, str]] = st.session_state.setdefault("overview_trail", [])
area = trail[-1][0] if trail else None

left, middle, right, far = st.columns(4)
metric = left.selectbox(
    t("metric"), list(METRICS), format_func=lambda c: t(f"col_{c}"), key="overview_metric"
)
monthly = metric == "monthly_inspection"  # coverage over the calendar month to date
window = (
    month_to_date_days(clock.today())
    if monthly
    else middle.number_input(
        t("window_days"), min_value=7, max_value=730, value=WINDOW_DAYS, step=1
    )
)
if monthly:
    middle.caption(t("inspection_window", days=window))
level = right.selectbox(
    t("level"),
    AREA_LEVELS.codes if several_streets else AREA_LEVELS.codes[1:],
    format_func=lambda v: t(AREA_LEVELS.label_key(v)),
    key="overview_level",
    disabled=area is not None,
)
basemap = basemap_picker(far)
if trail:
    level = CHILD[trail[-1][1]]

figures = read("overview", level=level, window_days=int(window), area=area)
shapes = read("area_shapes", level=level)
if figures is None or shapes is None:
    st.stop()
aggregates_only = signed_in_actor().aggregates_only
if aggregates_only:  # month-end figures over a coarse window (geo.disclosure)
    window = figures.window_days or window
    st.caption(t("disclosure_as_of", day=figures.as_of, marker=WITHHELD))
table = figures.table.assign(monthly_inspection=figures.table["coverage"])
target = settings().inspection_target
CLASSES = (  # the map's legend labels (geo.maps escapes map text for HTML)
    (0.0, "#d7301f", t_raw("inspection_below", low=f"{target - NEAR_TARGET:.0%}")),
    (target - NEAR_TARGET, "#fdae61", t_raw("inspection_near", target=f"{target:.0%}")),
    (target, "#1a9850", t_raw("inspection_met", target=f"{target:.0%}")),
)


def shown(value: Any, fmt: str) -> str:
    return value if isinstance(value, str) else fmt.format(value)


def as_text(column: pd.Series, fmt: str) -> pd.Series:
    """A column that may hold the withheld marker, as text (blank when unknown)."""
    return column.map(lambda v: "" if v is None or pd.isna(v) else shown(v, fmt))


TABLE_FORMATS = {  # how a planner's table shows each figure that may be withheld
    **{c: "{:,.0f}" for c in ("rental_units", "residents", "floating_residents", "worksites")},
    **{c: "{:,.0f}" for c in ("overdue_units", "not_found_residents")},
    **{c: "{:.0%}" for c in ("coverage", "attempted_coverage", "overdue_share")},
    **{c: "{:,.0f}" for c in ("residents_per_km2", "floating_per_km2")},
}


if trail:
    crumb, back = st.columns([4, 1])
    crumb.subheader(" / ".join(plain(name) for _code, _level, name in trail))
    if back.button(t("overview_back"), key="overview_back"):
        trail.pop()
        st.rerun()
st.caption(t("overview_caption", window=window))
for column, (key, fmt) in zip(st.columns(len(HEADLINE)), HEADLINE, strict=True):
    label = t(f"col_{key}") if key != "coverage" else t("headline_coverage", window=window)
    column.metric(label, shown(figures.headline[key], fmt))


# Beyond this many areas (a city's grids) the map is drawn once an area above them is
# chosen: ten thousand shapes take seconds to send and draw, and are too small to read at
# that zoom; the table lists them all. (A comment: a bare string here would be drawn.)
MAX_MAP_AREAS = 5000


@st.fragment
def draw_map() -> None:
    visible = shapes.loc[shapes["code"].isin(table["code"])]
    if visible.empty:
        st.warning(t("no_areas"))
        return
    if len(visible) > MAX_MAP_AREAS:
        st.info(t("overview_map_too_many", areas=f"{len(visible):,}"))
        return
    joined = visible.drop(columns="parent_code").merge(table, on=["code", "name"], how="left")
    tooltip = {c: t(f"col_{c}") for c in ("name", "rental_units", "residents", metric)}
    fmap = maps.choropleth(
        joined,
        value_column=metric,
        legend_title=t(f"col_{metric}"),
        tooltip_columns=tooltip,
        value_format=METRICS[metric],
        basemap=basemap,
        id_column="code",
        classes=CLASSES if monthly else None,
    )
    clicked = st_folium(
        fmap,
        returned_objects=["last_active_drawing"],
        height=560,
        use_container_width=True,
        key=f"overview_map_{level}_{area}",
    )
    feature = (clicked or {}).get("last_active_drawing") or {}
    code = (feature.get("properties") or {}).get("id")
    if level in CHILD and code in set(table["code"]):
        name = str(table.loc[table["code"] == code, "name"].iloc[0])
        trail.append((code, level, name))
        st.rerun(scope="app")


map_column, table_column = st.columns([3, 2])
with map_column:
    if level in CHILD:
        st.caption(t("overview_click_hint"))
    draw_map()
with table_column:
    listed = table[list(TABLE_ORDER)].copy()
    config = {
        t("col_coverage"): st.column_config.NumberColumn(format="percent"),
        t("col_attempted_coverage"): st.column_config.NumberColumn(format="percent"),
        t("col_overdue_share"): st.column_config.NumberColumn(format="percent"),
        t("col_area_km2"): st.column_config.NumberColumn(format="%.2f"),
        t("col_residents_per_km2"): st.column_config.NumberColumn(format="%.0f"),
        t("col_floating_per_km2"): st.column_config.NumberColumn(format="%.0f"),
    }
    if aggregates_only:  # withheld figures are text: the table shows them as text
        for column, fmt in TABLE_FORMATS.items():
            listed[column] = as_text(listed[column], fmt)
            config.pop(t(f"col_{column}"), None)
    show_table(listed, headings="col_", height=560, column_config=config)


def percent_lines(chart: pd.DataFrame) -> None:
    """One line per column of percentages over the months of ``chart``'s index, drawn from
    a plain Vega-Lite spec (st.line_chart builds and validates an Altair chart first: a
    third of a second per chart, on every run after a data change)."""
    month = str(chart.index.name)
    long = chart.reset_index().melt(id_vars=month, var_name="series", value_name="%")
    spec = {
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": month, "type": "ordinal", "title": None},
            "y": {"field": "%", "type": "quantitative", "title": "%"},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom"},
            },
        },
    }
    st.vega_lite_chart(long, spec, width="stretch", height=260)


def month_labels(month_ends: pd.Series) -> pd.Index:
    """Months as 2026-03 (the same in both languages, no English month names), in order."""
    return pd.Index(pd.to_datetime(month_ends).dt.strftime("%Y-%m"), name=t("trend_month"))


st.subheader(t("trend_title", window=window))
trend = read("coverage_trend", months=12, window_days=int(window), area=area)
if trend is not None:
    chart = pd.DataFrame(
        {t("col_coverage"): pd.to_numeric(trend["coverage"], errors="coerce").to_numpy() * 100},
        index=month_labels(trend["month_end"]),
    )
    percent_lines(chart)

st.subheader(t("inspection_title", target=f"{target:.0%}"))
monthly_trend = read("coverage_trend", months=12, window_days=0, area=area)
if monthly_trend is not None:
    rates = pd.to_numeric(monthly_trend["coverage"], errors="coerce").to_numpy() * 100
    chart = pd.DataFrame(
        {t("inspection_rate"): rates, t("inspection_target"): target * 100},
        index=month_labels(monthly_trend["month_end"]),
    )
    percent_lines(chart)
    latest = monthly_trend.iloc[-1]
    if latest["status"] != WITHHELD:
        rate = shown(latest["coverage"], "{:.1%}")
        st.caption(t(f"inspection_status_{latest['status']}", rate=rate))

# Issue 19: coverage and the monthly inspection rate, all visits beside proven visits only.
draw_proven_coverage(level=level)
