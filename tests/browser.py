"""Drive the real app in Debian's headless Chromium through Playwright, offline.

Playwright never downloads a browser here: it is pointed at the system Chromium. Every
request that is not to the local server is aborted and recorded, so a map that needs the
internet fails its test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from geo.store.database import database_url
from tests.pgserver import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The system Chromium; in CI its absence is a failure, elsewhere a skip."""
    for name in ("chromium", "chromium-headless-shell", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


@contextmanager
def streamlit_server(database: str | Path, **settings: str) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free port against ``database`` (a URL or an SQLite
    path, with more environment ``settings``); yield its URL."""
    port = free_port()
    env = {**os.environ, "GRIDHOUSE_DATABASE_URL": database_url(str(database)), **settings}
    log = (Path(tempfile.mkdtemp(prefix="streamlit-")) / f"streamlit-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the app did not start; see {log.name}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@contextmanager
def offline_page(url: str) -> Iterator[tuple[object, list[str]]]:
    """A Chromium page on ``url`` with every non-local request aborted (and listed)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")

        def route(request_route) -> None:
            host = request_route.request.url.split("/")[2].split(":")[0]
            if host in ("127.0.0.1", "localhost"):
                request_route.continue_()
            else:
                blocked.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.goto(url)
        try:
            yield page, blocked
        finally:
            browser.close()


def map_frame(page, *, timeout_s: float = 60):
    """The iframe in which Leaflet drew the map (waits until shapes appear)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-overlay-pane path"):
                    return frame
            except Exception:  # a frame navigating away while we look
                continue
        time.sleep(0.5)
    pytest.fail("no map shapes appeared")


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_page(page, link: str, heading: str, *, attempts: int = 3) -> None:
    """Click a sidebar link and wait for the page's heading; a click that lands while the
    app is still rerunning after sign-in is lost, so it is tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.get_by_role("link", name=link).wait_for(timeout=60_000)
    for attempt in range(attempts):
        page.get_by_role("link", name=link).click()
        try:
            page.get_by_text(heading).first.wait_for(timeout=40_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


IDLE_SCRIPT = """() => {
  const busy = document.querySelector(
    '[data-testid="stStatusWidgetRunningIcon"], [data-stale="true"], [data-testid="stSkeleton"]'
  );
  const now = performance.now();
  if (busy) { window.__gridhouseIdleSince = undefined; return false; }
  if (window.__gridhouseIdleSince === undefined) { window.__gridhouseIdleSince = now; }
  return now - window.__gridhouseIdleSince > 500;
}"""


def wait_until_idle(page, *, timeout_ms: int = 60_000) -> None:
    """Wait until the app has finished its run: no running indicator, no stale or skeleton
    element, for half a second in a row (a condition, not a fixed sleep)."""
    page.wait_for_function(IDLE_SCRIPT, polling=100, timeout=timeout_ms)


def wait_for_tiles(page, *, timeout_s: float = 60) -> None:
    """Wait until a map frame holds tile images (a basemap layer was added)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-tile-pane img"):
                    return
            except Exception:  # a frame navigating away while we look
                continue
        page.wait_for_timeout(200)
    pytest.fail("no basemap tiles were requested")
