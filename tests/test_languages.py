"""Every page of every role in Chinese, run by AppTest on the demo district: no error box,
no exception, no raw catalogue key, no English placeholder words or codes left in the
Chinese UI (tables included)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.i18n import CATALOGUE
from geo.services.access import PERMISSIONS
from geo.store.database import database_url
from tests.conftest import ROOT

PAGES = {
    "pages/overview.py": "view_aggregates",
    "pages/clusters.py": "view_aggregates",
    "pages/worksites.py": "view_aggregates",
    "pages/quality.py": "view_aggregates",
    "pages/upload.py": "import",
    "pages/people.py": "view_records",
    "pages/property.py": "view_records",
    "pages/lists.py": "view_records",
    "pages/sweeps.py": None,
    "pages/review.py": "import",
    "pages/admin.py": "setup",
    "pages/health.py": "setup",
    "pages/account.py": None,
}
"""Each page and the permission that shows it in the menu (None: every role)."""

ROLES = ("admin", "planner", "registrar", "sweeper")
KEY_LIKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
ENGLISH_LEFT = {"None", "none", "nan", "NaN", "NaT", "empty", "committed", "undone", "True"}


def visible_pages(role: str) -> list[str]:
    allowed = PERMISSIONS[role]
    return [p for p, need in PAGES.items() if need is None or need in allowed]


def labels(app: AppTest) -> Iterator[tuple[str, str]]:
    """(what, text) of every heading, caption, note, widget label and table heading."""
    for kind in ("title", "header", "subheader", "caption", "info", "success", "warning"):
        for element in getattr(app, kind):
            yield kind, str(element.value)
    for kind in (
        "button",
        "selectbox",
        "multiselect",
        "text_input",
        "number_input",
        "date_input",
        "checkbox",
        "radio",
        "slider",
        "toggle",
    ):
        for widget in getattr(app, kind):
            yield kind, str(widget.label)
    for metric in app.metric:
        yield "metric", str(metric.label)
    for frame in app.dataframe:
        for column in frame.value.columns:
            yield "table heading", str(column)


def cells(app: AppTest) -> Iterator[str]:
    for frame in app.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            for column in value.columns:
                if value[column].dtype == object:
                    yield from (str(v) for v in value[column] if isinstance(v, str))


def problems(app: AppTest) -> list[str]:
    found = [f"exception: {e.value}" for e in app.exception]
    found += [f"error box: {e.value}" for e in app.error]
    for what, text in labels(app):
        if KEY_LIKE.match(text.strip()) or text.strip() in CATALOGUE:
            found.append(f"raw key in {what}: {text}")
        if text.strip() in ENGLISH_LEFT:
            found.append(f"English word in the Chinese {what}: {text}")
    found += [f"English cell: {c}" for c in cells(app) if c.strip() in ENGLISH_LEFT]
    return found


def signed_in(role: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input(f"demo-{role}")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    return app


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_reads_in_chinese(role, demo_url, monkeypatch):
    """English is toured in the browser (tests/test_browser_tour.py): AppTest calls a
    selectbox's format_func outside the script run, where the session's language is unknown."""
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_url))
    monkeypatch.chdir(ROOT)
    app = signed_in(role)
    report = {}
    for page in visible_pages(role):
        app.switch_page(page).run()
        found = problems(app)
        if found:
            report[page] = found
    assert report == {}
