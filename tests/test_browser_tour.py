"""Every page of every role in headless Chromium, offline, in Chinese and in English: no
error box, no traceback, no raw catalogue key, no English placeholder left in the Chinese UI,
no request to the internet; and each page's main action done once."""

from __future__ import annotations

import re

import pytest

from geo.i18n import CATALOGUE
from tests import databases
from tests.browser import offline_page, streamlit_server, wait_until_idle

pytestmark = [
    pytest.mark.usefixtures("browser_turn"),
    pytest.mark.slow,
    pytest.mark.skipif(
        databases.POSTGIS, reason="the pages are the same on both backends (SQLite run)"
    ),
]

KEY_PREFIXES = {key.split("_")[0] for key in CATALOGUE if "_" in key}
"""The first words of catalogue keys: field_..., col_..., kind_... shown on a page are keys
that the catalogue lacked (geo.i18n falls back to the key itself)."""
RAW_KEY = re.compile(r"\b([a-z]+)_[a-z0-9]+(?:_[a-z0-9]+)*\b")
ENGLISH_LEFT = re.compile(
    r"\b(None|NaN|nan|NaT|empty|Choose options?|Select all|committed|undone|Browse files|"
    r"Upload|Press Enter|Drag and drop|per file|"
    r"\d+ (?:mi|ft))\b"
)
HAN = re.compile(r"[\u4e00-\u9fff]")

SIGN_IN = {"zh": ("用户名", "密码", "登录"), "en": ("User name", "Password", "Sign in")}


@pytest.fixture(scope="module")
def app_url(demo_master, tmp_path_factory):
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("tour"), per_test=False)
    with streamlit_server(copy) as url:
        yield url


def visible_text(page) -> str:
    parts = [page.inner_text("body")]
    for frame in page.frames[1:]:
        try:
            parts.append(frame.inner_text("body"))
        except Exception:  # a frame navigating away while we read
            continue
    return "\n".join(parts)


def page_problems(page, language: str) -> list[str]:
    found = []
    if page.query_selector("[data-testid='stException']"):
        found.append("traceback shown")
    for box in page.query_selector_all("[data-testid='stAlertContentError']"):
        found.append(f"error box: {box.inner_text()}")
    text = visible_text(page)
    found += [
        f"raw key: {m.group(0)}" for m in RAW_KEY.finditer(text) if m.group(1) in KEY_PREFIXES
    ]
    if language == "zh":
        found += [f"English left: {m.group(0)}" for m in ENGLISH_LEFT.finditer(text)]
    return found


def sign_in(page, name: str, language: str) -> None:
    user, password, button = SIGN_IN[language]
    page.get_by_label(user, exact=True).fill(name)
    page.get_by_label(password, exact=True).fill("demo")
    page.get_by_role("button", name=button).click()


def sidebar_links(page) -> list[tuple[str, str]]:
    """The menu: (title, address) of each page."""
    page.locator("[data-testid='stSidebarNav'] a").first.wait_for(timeout=60_000)
    return [
        (a.inner_text(), a.get_attribute("href") or "")
        for a in page.query_selector_all("[data-testid='stSidebarNav'] a")
    ]


def open_from_menu(page, title: str, address: str) -> None:
    """Click a menu entry and wait until its page has been drawn (its address, then idle);
    a click lost while the app was redrawing the menu is tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = re.compile(re.escape(address.rstrip("/")) + "/?$")
    for attempt in range(3):
        try:
            wait_until_idle(page)
            page.get_by_role("link", name=title, exact=True).click(timeout=20_000)
            page.wait_for_url(target, timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.locator("h1").first.wait_for(timeout=60_000)
    wait_until_idle(page)


TOURS = [
    ("admin", "zh"),
    ("planner", "zh"),
    ("registrar", "zh"),
    ("sweeper", "zh"),
    ("admin", "en"),
    ("sweeper", "en"),
]


@pytest.mark.parametrize(("role", "language"), TOURS, ids=[f"{r}-{lang}" for r, lang in TOURS])
def test_every_page_of_the_role_opens_clean_in_the_browser(app_url, role, language):
    report: dict[str, list[str]] = {}
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        if language == "en":
            page.get_by_text("English").click()
            page.get_by_label("User name").wait_for(timeout=60_000)
        sign_in(page, f"demo-{role}", language)
        links = sidebar_links(page)
        assert len(links) >= 3
        for link, address in links:
            open_from_menu(page, link, address)
            found = page_problems(page, language)
            if language == "en":
                title = page.locator("h1").first.inner_text()
                if HAN.search(title):
                    found.append(f"Chinese title in English: {title}")
            if found:
                report[link] = found
        # F5 keeps the session: the sidebar is there again, without signing in.
        page.reload()
        assert len(sidebar_links(page)) == len(links)
        if language == "zh":
            # Switching language redraws the page in place: title, menu and controls.
            open_from_menu(page, *links[0])
            page.get_by_text("English", exact=True).click()
            page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)
            wait_until_idle(page)
            assert not HAN.search(page.locator("h1").first.inner_text())
            assert not any(HAN.search(title) for title, _ in sidebar_links(page))
    assert report == {}
    assert blocked == []


def test_typed_addresses_and_the_language_survive_a_reload(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sign_in(page, "demo-registrar", "zh")
        sidebar_links(page)
        # A page the role may not open, typed: said in the UI's language, no English dialog.
        page.goto(app_url + "admin")
        page.get_by_text("无权访问").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert "Page not found" not in visible_text(page)
        # The first page has its own address too.
        page.goto(app_url + "overview")
        page.get_by_role("heading", name="辖区总览").wait_for(timeout=60_000)
        # English chosen once stays English after F5 and in a typed address.
        page.get_by_text("English", exact=True).click()
        page.get_by_role("heading", name="District overview").wait_for(timeout=60_000)
        page.reload()
        page.get_by_role("heading", name="District overview").wait_for(timeout=60_000)
        page.goto(app_url + "people")
        page.get_by_role("link", name="Sign out").or_(
            page.get_by_role("button", name="Sign out")
        ).first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert not HAN.search(page.locator("h1").first.inner_text())
    assert blocked == []
