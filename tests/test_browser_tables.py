"""Tables on pages hold personal and audited data: in Chromium, the table toolbar offers no
download (nor copy), so that data leaves only through the audited export buttons. The
audit log (with a failed login whose user name is a formula) and a list are tried."""

from __future__ import annotations

import pytest

from geo.errors import PermissionDeniedError
from geo.services import accounts
from geo.services.setup import open_database
from tests import databases
from tests.browser import offline_page, streamlit_server, wait_until_idle
from tests.test_browser_tour import open_from_menu, sidebar_links, sign_in

pytestmark = [
    pytest.mark.usefixtures("browser_turn"),
    pytest.mark.slow,
    pytest.mark.skipif(
        databases.POSTGIS, reason="the pages are the same on both backends (SQLite run)"
    ),
]

FORMULA_NAME = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def app_url(demo_master, tmp_path_factory):
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("tables"), per_test=False)
    opened = open_database(copy)
    try:
        with pytest.raises(PermissionDeniedError):
            accounts.sign_in(opened, FORMULA_NAME, "x")  # the audit log now holds it
    finally:
        opened.db.dispose()
    with streamlit_server(copy) as url:
        yield url


def toolbar_labels(page) -> list[str]:
    """The buttons of the first table's toolbar, shown as a user hovering it sees them."""
    grid = page.locator("[data-testid='stDataFrame']:visible").first
    grid.wait_for(timeout=60_000)
    grid.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']:visible").first
    toolbar.get_by_role("button").first.wait_for(state="visible", timeout=20_000)
    return [
        b.get_attribute("aria-label") or b.inner_text() for b in toolbar.get_by_role("button").all()
    ]


def assert_no_download(page) -> None:
    labels = toolbar_labels(page)
    assert "Search" in labels, labels
    assert not [label for label in labels if "Download" in label or "下载" in label], labels
    assert page.get_by_role("button", name="Download as CSV").count() == 0


def test_the_audit_log_table_has_no_toolbar_download(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sign_in(page, "demo-admin", "zh")
        links = dict(sidebar_links(page))  # signed in: every page in the menu, in Chinese
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "系统管理" in links and "View" not in sidebar, sidebar
        page.goto(app_url + "admin")
        page.locator("h1").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        page.get_by_role("tab", name="审计日志").click()
        wait_until_idle(page)
        assert_no_download(page)
    assert blocked == []


def test_a_list_table_has_no_toolbar_download(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sign_in(page, "demo-registrar", "zh")
        open_from_menu(page, "工作清单", dict(sidebar_links(page))["工作清单"])
        wait_until_idle(page)
        assert_no_download(page)
    assert blocked == []
