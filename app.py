"""Gridhouse: sign in, pick the language, route to the pages the role may use.

Run with ``streamlit run app.py`` (or ``make run``). This file has two faces: imported by
the server (``streamlit run`` finds ``app`` below), it is the ``st.App`` that serves the
page script together with the session cookie routes of :mod:`session_api`; run as the page
script (``__main__``, also under AppTest), it draws the app. Pages only draw; everything
they show comes from geo.services, which enforce the same roles again.
"""

import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo.services.access import PERMISSIONS, Actor

_Rule = Callable[[frozenset[str]], bool]


def _any_of(*permissions: str) -> _Rule:
    return lambda allowed: bool(allowed.intersection(permissions))


def pages_in_order() -> list[tuple[str, str, _Rule]]:
    """Every page in menu order: its script, its title and who may open it. A page's URL is
    its file's stem (``/property``)."""
    from pages.texts import t

    return [
        ("pages/overview.py", t("nav_overview"), _any_of("view_aggregates")),
        ("pages/clusters.py", t("nav_clusters"), _any_of("view_aggregates")),
        ("pages/worksites.py", t("nav_worksites"), _any_of("view_aggregates")),
        ("pages/quality.py", t("nav_quality"), _any_of("view_aggregates")),
        ("pages/upload.py", t("nav_upload"), _any_of("import")),
        ("pages/people.py", t("nav_people"), _any_of("view_records")),
        ("pages/property.py", t("nav_property"), _any_of("view_records")),
        ("pages/lists.py", t("nav_lists"), _any_of("view_records")),
        ("pages/sweeps.py", t("nav_sweeps"), _any_of("plan_sweeps", "view_records")),
        ("pages/review.py", t("nav_review"), _any_of("import")),
        ("pages/admin.py", t("nav_admin"), _any_of("setup")),
        ("pages/health.py", t("nav_health"), _any_of("setup")),
        ("pages/account.py", t("nav_account"), lambda _allowed: True),
    ]


def signed_in_pages(actor: Actor) -> list[st.Page]:
    """The role's pages in the menu, each at its own address (``/overview`` too: the root
    opens the first of them); a typed address of a page the role may not open says so in
    the UI's language instead of Streamlit's English "page not found"."""
    from pages.common import not_allowed

    allowed = PERMISSIONS.get(actor.role, frozenset())
    shown = [(script, title) for script, title, rule in pages_in_order() if rule(allowed)]
    first = shown[0][0]
    home = st.Page(
        lambda: st.switch_page(first), url_path="home", default=True, visibility="hidden"
    )
    menu = [st.Page(script, title=title, url_path=Path(script).stem) for script, title in shown]
    refused = [
        st.Page(not_allowed, title=title, url_path=Path(script).stem, visibility="hidden")
        for script, title, rule in pages_in_order()
        if not rule(allowed)
    ]
    return [home, *menu, *refused]


def signed_out_pages() -> list[st.Page]:
    """The sign-in form only, at the root and at every page's URL: a typed URL shows the
    form, and after sign-in the page of that URL (when the role may open it)."""
    from pages.common import sign_in_form
    from pages.texts import t

    stand_ins = [
        st.Page(sign_in_form, title=t("login_title"), url_path=Path(script).stem)
        for script, _title, _rule in pages_in_order()
    ]
    sign_in = st.Page(sign_in_form, title=t("login_title"), url_path="sign-in", default=True)
    return [sign_in, *stand_ins]


@st.cache_resource(show_spinner=False)
def _first_start() -> dict[str, bool]:
    """Whether this server process has readied its database (one flag per process)."""
    return {"done": False}


def prepare_database() -> None:
    """On the server's first run: the database opened, each schema revision an upgrade
    applies shown as it runs, and on an empty database the demo district built under a
    progress bar, its result left on the page. ``make run`` does this on the terminal
    before the server starts (first_start.py), so here it seldom has anything to do."""
    from first_start import build_demo, open_ready
    from geo.errors import GridhouseError
    from pages.texts import t

    first = _first_start()
    if first["done"]:
        return
    shown = st.empty()

    def say(percent: int, key: str, params: dict[str, object]) -> None:
        shown.progress(percent, text=t(key, **params))

    started = time.perf_counter()
    # A handle of its own, not the cached one of pages.common.opened(): what a cached
    # function draws is replayed on every later call, which a progress bar must not be.
    try:
        handle = open_ready(say)
    except GridhouseError:
        shown.empty()
        return  # pages.common.opened() says what is wrong with it, in the UI's language
    try:
        built = build_demo(handle, say)
    finally:
        handle.db.dispose()
    first["done"] = True
    if built:
        shown.success(t("startup_built", seconds=round(time.perf_counter() - started, 1)))
    else:
        shown.empty()


def main() -> None:
    # Imported here, not by the server process that imports this file as the st.App.
    from pages.common import current_actor, guarded, opened, session_cookie_sync, sign_out_button
    from pages.texts import language_picker, streamlit_words, t

    st.set_page_config(page_title="Gridhouse", layout="wide")  # the default icon is local
    language_picker()
    streamlit_words()
    guarded(prepare_database)
    guarded(lambda: opened().start(Path(__file__).with_name("static")))
    actor = current_actor()
    if actor is None:
        navigation = st.navigation(signed_out_pages(), position="hidden")
    else:
        sign_out_button(actor)
        # every page listed: Streamlit's own "View N more" link is English only
        navigation = st.navigation(signed_in_pages(actor), expanded=True)
        st.sidebar.caption(t("app_title"))
    session_cookie_sync()
    guarded(navigation.run)


if __name__ == "__main__":
    main()
else:
    from streamlit.runtime.pages_manager import PagesManager

    from session_api import ROUTES

    # Routing is st.navigation's alone, from the very first run: without this, the first
    # run after start would list pages/ by file name (Streamlit's older page folder).
    PagesManager.uses_pages_directory = False
    app = st.App(__file__, routes=ROUTES)
