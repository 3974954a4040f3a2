"""Every page of every role on the hostile demo (``tests/hostile.py``: markup, ``</script>``,
quotes, Markdown images and links, control and bidirectional characters in every free-text
field), in headless Chromium, offline: each map's every layer hovered (its tooltips opened)
and clicked, the pages' own steps done (a search, a worksite picked, an undo asked for).
Fails if a dialog opens, an element is built from the data, a request leaves the app's
origin (or fetches what the data names), or a control or bidirectional character of the
data reaches the text a user reads."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from geo.i18n import message
from tests import databases
from tests.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, streamlit_server, wait_until_idle
from tests.hostile import INVISIBLE, SHOWN, make_hostile

pytestmark = [
    pytest.mark.usefixtures("browser_turn"),
    pytest.mark.slow,
    pytest.mark.skipif(
        databases.POSTGIS, reason="the pages are the same on both backends (SQLite run)"
    ),
]

ROLES = ("admin", "registrar", "planner", "sweeper")
PAGES = {
    "admin": {"overview", "clusters", "worksites", "quality", "upload", "people", "property",
              "lists", "sweeps", "review", "admin", "health", "account"},
    "registrar": {"overview", "clusters", "worksites", "quality", "upload", "people",
                  "property", "lists", "sweeps", "review", "account"},
    "planner": {"overview", "clusters", "worksites", "quality", "sweeps", "account"},
    "sweeper": {"people", "property", "lists", "sweeps", "account"},
}  # fmt: skip
"""The menu of each role, by page address (every page of the app is in one of them)."""

INJECTED_SCRIPT = """() => {
  const found = [];
  for (const e of document.querySelectorAll('img, a, b, strong, script, iframe, svg, image')) {
    const src = e.getAttribute('src') || e.getAttribute('href') || '';
    const text = (e.textContent || '').trim();
    if (src === 'x' || /example\\.com|^\\s*javascript:/i.test(src)
        || (/^(B|STRONG)$/.test(e.tagName) && /^粗/.test(text))
        || (e.tagName === 'A' && /^链/.test(text))
        || (e.tagName === 'SCRIPT' && text === 'alert(2)')
        || e.hasAttribute('onerror') || e.hasAttribute('onload')) {
      const host = e.closest('[data-testid]');
      found.push((host ? host.getAttribute('data-testid') + ' ' : '') + e.outerHTML.slice(0, 160));
    }
  }
  return found;
}"""
"""Elements the data would build if read as markup (in one document)."""

READ_TEXT_SCRIPT = """() => Array.from(document.querySelectorAll(
  '[data-testid="stMarkdownContainer"], [data-testid="stMetric"], h1, h2, h3,'
  + ' .leaflet-tooltip, .leaflet-popup, .gridhouse-legend, [data-testid="stExpander"] summary,'
  + ' [data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stRadio"],'
  + ' [data-testid="stTab"]'
)).map(e => e.textContent).concat(Array.from(
  document.querySelectorAll('input[role="combobox"]')).map(e => e.value))"""
"""The text a user reads outside tables: Markdown, headings, map text, choices (and the
choice a selectbox shows)."""

LAYERS_SCRIPT = """() => {
  const texts = [];
  const maps = Object.keys(window)
    .filter(k => k.startsWith('map_') && window.L && window[k] instanceof L.Map)
    .map(k => window[k]);
  for (const map of maps) {
    map.eachLayer(group => {
      if (!(group instanceof L.GeoJSON)) { return; }
      const parts = group.getLayers();
      const picks = [0, Math.floor(parts.length / 2), parts.length - 1];
      for (const i of [...new Set(picks)]) {
        const part = parts[i];
        if (!part) { continue; }
        const at = part.getLatLng ? part.getLatLng() : part.getBounds().getCenter();
        part.fire('mouseover', {latlng: at}, true);
        const tips = document.querySelectorAll('.leaflet-tooltip');
        tips.forEach(tip => texts.push(tip.innerHTML));
        part.fire('mouseout', {latlng: at}, true);
      }
    });
  }
  return texts;
}"""
"""Open the tooltip of the first, middle and last shape of every GeoJSON layer of every map
in a frame (as the mouse would), and return what each showed."""


@pytest.fixture(scope="module")
def hostile_app(demo_master, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """One app on one hostile copy of the demo."""
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("hostile"), per_test=False)
    facts = make_hostile(copy)
    with streamlit_server(copy) as url:
        yield url, facts


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium for every role (each role gets a context of its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it must not: dialogs, requests out of the app's origin (blocked)
    or to what the data names, elements built from the data, hostile characters shown."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.injected: list[str] = []
        self.shown_invisible: list[str] = []
        self.tooltips: list[str] = []
        self.showing: set[str] = set()

    def request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin or re.search(
            r"/x$|example\.com|javascript:", url
        ):
            self.requests.append(url)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "dialogs": self.dialogs,
            "requests": self.requests,
            "injected": self.injected,
            "invisible characters shown": self.shown_invisible,
        }
        return {k: v for k, v in found.items() if v}


SHOWING = {"property", "review", "upload", "health"}
"""Pages that show some free text outside their tables once their steps are done (the
overview and the lists show it once a map's shape is clicked: :data:`CLICKED`)."""


def visible_texts(page) -> list[str]:
    texts = []
    for frame in frames_of(page):
        try:
            texts.append(frame.inner_text("body"))
        except Exception:  # a frame navigating away while we read
            continue
    return texts


def frames_of(page) -> list:
    return [page.main_frame, *[f for f in page.frames if f != page.main_frame]]


def look(page, watch: Watch, where: str) -> None:
    """Check every frame of the page: no element from the data, no hostile character in the
    text a user reads, no error box."""
    wait_until_idle(page)
    for frame in frames_of(page):
        try:
            built = frame.evaluate(INJECTED_SCRIPT)
            texts = frame.evaluate(READ_TEXT_SCRIPT)
        except Exception:  # a frame navigating away while we look
            continue
        watch.injected += [f"{where}: {html}" for html in built]
        watch.shown_invisible += [
            f"{where}: {text[:80]!r}" for text in texts if any(c in text for c in INVISIBLE)
        ]
    if page.query_selector("[data-testid='stException']") is not None:
        watch.injected.append(f"{where}: a traceback")


def map_frames(page) -> list:
    found = []
    for frame in page.frames:
        try:
            if frame.query_selector(".leaflet-overlay-pane path"):
                found.append(frame)
        except Exception:  # a frame navigating away while we look
            continue
    return found


CLICKED = {"overview": "h3", "lists": "[data-testid='stCaptionContainer']"}
"""What a click on a map's shape brings, on the pages where it brings something: the area's
own page (its name as the heading), the unit picked (its address in a note)."""


def work_the_maps(page, watch: Watch, where: str) -> None:
    """Hover every layer of every map (tooltips opened and read), then click a shape."""
    for frame in map_frames(page):
        try:
            shown = frame.evaluate(LAYERS_SCRIPT)
        except Exception:  # the map redrawn while we hovered
            continue
        watch.tooltips += shown
        watch.shown_invisible += [
            f"{where} tooltip: {tip[:80]!r}" for tip in shown if any(c in tip for c in INVISIBLE)
        ]
        shape = frame.locator(".leaflet-overlay-pane path").first
        shape.hover(force=True)  # the real mouse, once
        shape.dispatch_event("click")
        if where in CLICKED:
            try:
                page.locator(CLICKED[where]).filter(has_text=SHOWN).first.wait_for(timeout=60_000)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / f"hostile-{where}-click.png"), full_page=True)
                raise


def sign_in(page, name: str, *, attempts: int = 3) -> None:
    """Sign in with the demo password; a click lost while the app was still starting its
    first run is tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        wait_until_idle(page)
        page.get_by_label("用户名").fill(name)
        page.get_by_label("密码").fill("demo")
        page.get_by_role("button", name="登录").click()
        try:
            page.locator("[data-testid='stSidebarNav'] a").first.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                page.screenshot(path=str(ARTIFACTS / f"hostile-sign-in-{name}.png"))
                raise


def open_page(page, url: str, stem: str) -> None:
    page.goto(url + stem)
    page.locator("h1").first.wait_for(timeout=60_000)
    wait_until_idle(page)


def zh(key: str, **params: object) -> str:
    return message(key, "zh", **params)


def page_steps(page, stem: str, role: str, ref: str) -> None:
    """What a user does on the page that draws more of the data."""
    if stem == "people":
        page.locator(".st-key-search_name input").fill("<img")
        page.get_by_role("button", name=zh("people_search_button")).click()
        wait_until_idle(page)
        unmask = page.get_by_role("button", name=zh("people_unmask_button"))
        if role == "admin":
            unmask.click()
            warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text=SHOWN)
            warning.first.wait_for(timeout=30_000)  # the name in clear, as text
    elif stem == "property":
        page.locator(".st-key-property_ref input").fill(ref)
        page.locator(".st-key-property_ref input").press("Enter")
        page.locator("h3").filter(has_text=SHOWN).first.wait_for(timeout=60_000)
    elif stem == "worksites":
        page.locator(".st-key-worksite_pick").click()
        page.get_by_role("option").nth(1).click()  # the first worksite (A to Z)
        page.get_by_test_id("stMetric").filter(has_text=zh("worksites_workers")).wait_for(
            timeout=30_000
        )  # its workers' homes drawn on the map
        wait_until_idle(page)
    elif stem == "upload":
        page.locator(".st-key-undo_button button").click()
        page.locator(".st-key-undo_cancel button").wait_for(timeout=30_000)
    elif stem == "sweeps":
        carry = page.locator("[data-testid='stExpander'] summary").filter(has_text="转入下一轮")
        if carry.count():
            carry.first.click()
    elif stem == "admin":
        page.get_by_role("tab", name=zh("admin_audit")).click()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_shows_hostile_text_as_text(hostile_app, browser, role):
    url, facts = hostile_app
    origin = url.rstrip("/")
    watch = Watch(origin)
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")

    def route(request_route) -> None:
        if request_route.request.url.startswith(origin):
            request_route.continue_()
        else:
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: watch.request(request.url))
    started = time.monotonic()
    try:
        page.goto(url)
        sign_in(page, f"demo-{role}")
        menu = {
            (a.get_attribute("href") or "").rstrip("/").rsplit("/", 1)[-1]
            for a in page.query_selector_all("[data-testid='stSidebarNav'] a")
        }
        # The menu shows its first ten pages (Streamlit folds the rest): those are the
        # role's; every page of the role is visited by its address.
        assert menu <= PAGES[role]
        assert len(menu) >= min(len(PAGES[role]), 10)
        menu = PAGES[role]
        for stem in sorted(menu):
            open_page(page, url, stem)
            look(page, watch, stem)
            page_steps(page, stem, role, facts["ref"])
            work_the_maps(page, watch, stem)
            look(page, watch, f"{stem} (its steps done, its maps hovered and clicked)")
            if any(SHOWN in text for text in visible_texts(page)):
                watch.showing.add(stem)
    finally:
        context.close()
    assert watch.problems() == {}, "\n".join(
        f"{kind}: {item}" for kind, items in watch.problems().items() for item in items
    )
    # The data was there to attack: read as text on the pages that show it, and on maps.
    assert watch.showing >= menu & SHOWING
    assert any(SHOWN in tip for tip in watch.tooltips)
    print(f"{role}: {len(menu)} pages, {len(watch.tooltips)} tooltips, "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
