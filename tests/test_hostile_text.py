"""Stored text that looks like HTML or Markdown is shown as text, in the real app in
headless Chromium, offline: on the maps' tooltips and legends and in the pages' headings and
notes. No dialog opens, no element of the data is built, nothing is fetched from outside."""

from __future__ import annotations

import re

import pytest

from geo.markup import LINK_BREAK
from tests import databases
from tests.browser import map_frame, offline_page, open_page, streamlit_server, wait_until_idle

pytestmark = [
    pytest.mark.usefixtures("browser_turn"),
    pytest.mark.skipif(
        databases.POSTGIS, reason="the pages are the same on both backends (SQLite run)"
    ),
]

HTML = "<img src=x onerror=alert(1)>"
MARKDOWN = "![x](http://example.com/a.png)**粗体**[链接](javascript:alert(3))"
HOSTILE = HTML + MARKDOWN
INJECTED = (
    "img[src='x'], img[src*='example.com'], a[href^='javascript'], a[href*='example.com'], "
    "svg[onload], "
    "[data-testid='stMarkdownContainer'] strong"
)
"""What the data would build if it were read as markup."""


@pytest.fixture(scope="module")
def app_url(demo_master, tmp_path_factory):
    """One app on a copy of the demo whose addresses, worksite names and area names all
    start with hostile HTML and Markdown (every dot and shape of every map carries it)."""
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("hostile"), per_test=False)
    databases.execute(copy, "UPDATE property SET address = ? || address", (HOSTILE,))
    databases.execute(copy, "UPDATE worksite SET name = ? || name", (HOSTILE,))
    databases.execute(copy, "UPDATE area SET name = ? || name", (HOSTILE,))
    with streamlit_server(copy) as url:
        yield url


def sign_in(page, name: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()


def injected(page) -> list[str]:
    """Elements built from the data, in the page and in every frame (the maps)."""
    found = []
    for frame in page.frames:
        try:
            found += [e.evaluate("e => e.outerHTML") for e in frame.query_selector_all(INJECTED)]
        except Exception:  # a frame navigating away while we look
            continue
    return found


def hover_shows_hostile_text(page, path_index: int) -> None:
    """Hover one shape of the map (the mouse moved onto it) and wait until its tooltip
    shows the stored text as text."""
    frame = map_frame(page)
    shapes = frame.locator(".leaflet-overlay-pane path")
    shapes.nth(path_index).hover(force=True)
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=30_000)
    assert injected(page) == []
    assert HOSTILE in tooltip.inner_text()


def test_hostile_names_and_addresses_stay_text_on_maps_and_pages(app_url):
    dialogs: list[str] = []
    with offline_page(app_url) as (page, blocked):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-admin")
        page.get_by_text("辖区总览").first.wait_for(timeout=60_000)

        # Overview: a community's tooltip, then a click on it (its name becomes the heading).
        hover_shows_hostile_text(page, 0)
        map_frame(page).locator(".leaflet-overlay-pane path").first.dispatch_event("click")
        page.get_by_role("button", name="返回上一级").wait_for(timeout=60_000)
        heading = page.locator("h3").filter(has_text=HTML).first
        heading.wait_for(timeout=30_000)
        assert MARKDOWN in heading.inner_text().replace(LINK_BREAK, "")
        wait_until_idle(page)
        assert injected(page) == []

        # Worksites: a worksite's dot (drawn over the community outlines), the legend.
        open_page(page, "单位与从业人员", "单位与从业人员居住地")
        hover_shows_hostile_text(page, -1)
        wait_until_idle(page)
        assert injected(page) == []

        # Lists: a unit's dot, a click (its address in the note), then its property file.
        open_page(page, "工作清单", "群租/拥挤房屋")
        hover_shows_hostile_text(page, 10)
        map_frame(page).locator(".leaflet-overlay-pane path").nth(10).dispatch_event("click")
        picked = page.get_by_text(re.compile(r"^已选中 "))
        picked.wait_for(timeout=30_000)
        assert HOSTILE in picked.inner_text().replace(LINK_BREAK, "")
        assert injected(page) == []
        page.get_by_role("button", name="打开房屋档案").click()

        # Property file: the address as the heading, the unit's dot on the map.
        address = page.locator("h3").filter(has_text=HTML).first
        address.wait_for(timeout=60_000)
        assert address.inner_text().replace(LINK_BREAK, "").startswith(HOSTILE)
        hover_shows_hostile_text(page, -1)
        wait_until_idle(page)
        assert injected(page) == []
        assert page.query_selector("[data-testid='stException']") is None
    assert dialogs == []
    assert blocked == []
