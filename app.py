"""Gridhouse: route to the pages, pick the language, create the demo district on first start.

Run with ``streamlit run app.py`` (or ``make run``). Pages only draw; everything they show
comes from geo.services.
"""

from pathlib import Path

import streamlit as st

from geo.io.assets import publish_map_assets
from pages.common import guarded, language_picker, opened, t

st.set_page_config(page_title="Gridhouse", page_icon="🏘️", layout="wide")
publish_map_assets(Path(__file__).with_name("static"))
language_picker()
guarded(opened().ensure_demo)

navigation = st.navigation([st.Page("pages/overview.py", title=t("nav_overview"), icon="🗺️")])
st.sidebar.caption(t("app_title"))
guarded(navigation.run)
