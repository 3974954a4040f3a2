"""The real app in headless Chromium with the outside network blocked."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.browser import map_frame, offline_page, save_screenshot, streamlit_server
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def app_url(demo_dir, tmp_path_factory):
    # A copy, so the browser session cannot change the shared demo database.
    directory = tmp_path_factory.mktemp("browser")
    for name in ("demo.sqlite", "demo.key"):
        shutil.copy(demo_dir / name, directory / name)
    with streamlit_server(directory / "demo.sqlite") as url:
        yield url


def test_overview_map_draws_every_community_and_a_legend_offline(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-planner")
        page.get_by_text("辖区总览").wait_for(timeout=60_000)
        frame = map_frame(page)
        assert len(frame.query_selector_all(".leaflet-overlay-pane path")) == 52
        legend = frame.query_selector(".gridhouse-legend")
        assert legend is not None
        assert "出租房屋" in legend.inner_text()
        time.sleep(1)
        save_screenshot(page, "overview")
        assert page.query_selector("[data-testid='stException']") is None
        assert page.query_selector("[data-testid='stAlertContentError']") is None
    assert blocked == []


def sign_in(page, name: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()


def test_a_registrar_uploads_a_sample_file_through_the_page(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=60_000)
        sign_in(page, "demo-registrar")
        page.get_by_role("link", name="数据上传").click()
        page.get_by_text("登记数据上传").wait_for(timeout=30_000)
        page.locator("input[type=file]").set_input_files(
            str(ROOT / "data" / "samples" / "rentals.csv")
        )
        page.get_by_text("列的识别结果").wait_for(timeout=30_000)
        page.get_by_role("button", name="提交入库").click()
        page.get_by_text("已入库").wait_for(timeout=60_000)
        save_screenshot(page, "upload")
        assert page.query_selector("[data-testid='stException']") is None
    assert blocked == []
