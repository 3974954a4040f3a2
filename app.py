"""Gridhouse: sign in, pick the language, route to the pages the role may use.

Run with ``streamlit run app.py`` (or ``make run``). Pages only draw; everything they show
comes from geo.services, which enforce the same roles again.
"""

from pathlib import Path

import streamlit as st

from geo.services.access import PERMISSIONS
from pages.common import (
    current_actor,
    guarded,
    language_picker,
    opened,
    sign_in_form,
    sign_out_button,
    t,
)

st.set_page_config(page_title="Gridhouse", layout="wide")  # the default icon is served locally
language_picker()
guarded(lambda: opened().start(Path(__file__).with_name("static")))

actor = current_actor()
if actor is None:
    sign_in_form()
    st.stop()

allowed = PERMISSIONS.get(actor.role, frozenset())
pages = []
if "view_aggregates" in allowed:
    pages.append(st.Page("pages/overview.py", title=t("nav_overview"), default=True))
    pages.append(st.Page("pages/clusters.py", title=t("nav_clusters")))
    pages.append(st.Page("pages/worksites.py", title=t("nav_worksites")))
    pages.append(st.Page("pages/quality.py", title=t("nav_quality")))
if "import" in allowed:
    pages.append(st.Page("pages/upload.py", title=t("nav_upload")))
if "view_records" in allowed:
    pages.append(st.Page("pages/people.py", title=t("nav_people")))
    pages.append(st.Page("pages/property.py", title=t("nav_property"), url_path="property"))
    pages.append(st.Page("pages/lists.py", title=t("nav_lists")))
if "plan_sweeps" in allowed or "view_records" in allowed:
    pages.append(st.Page("pages/sweeps.py", title=t("nav_sweeps")))
if "setup" in allowed:
    pages.append(st.Page("pages/admin.py", title=t("nav_admin")))
    pages.append(st.Page("pages/health.py", title=t("nav_health"), url_path="health"))
pages.append(st.Page("pages/account.py", title=t("nav_account"), default=not pages))
sign_out_button(actor)
navigation = st.navigation(pages)
st.sidebar.caption(t("app_title"))
guarded(navigation.run)
