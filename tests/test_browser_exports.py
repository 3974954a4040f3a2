"""Exports as users take them, in Chromium offline: every list as CSV (and one as XLSX) from
the lists page, and the sweep in progress's area list in every format from the sweeps page;
each download opens with the reader people use (csv, openpyxl, json, XML, pypdf)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from geo.i18n import message
from geo.io.arealists import FORMATS
from geo.worklists import LISTS
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

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def app_url(demo_master, tmp_path_factory):
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("exports"), per_test=False)
    with streamlit_server(copy) as url:
        yield url


def download(page, prepare: str, button: str, *, suffix: str = "") -> bytes:
    """Click the prepare button, then the download button; the downloaded file's bytes (its
    name ends with ``suffix``)."""
    page.get_by_role("button", name=prepare).click()
    wait_until_idle(page)
    with page.expect_download(timeout=60_000) as started:
        page.get_by_role("button", name=re.compile(re.escape(button))).click()
    assert started.value.suggested_filename.endswith(suffix)
    return Path(started.value.path()).read_bytes()


def choose(page, label: str, option: str, *, attempts: int = 3) -> None:
    """Pick ``option`` in the selectbox labelled ``label``; a dropdown that a rerun closed
    before the option could be clicked is opened again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    for attempt in range(attempts):
        wait_until_idle(page)
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    wait_until_idle(page)


def test_every_list_downloads_with_chinese_headings(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sign_in(page, "demo-registrar", "zh")
        open_from_menu(page, "工作清单", dict(sidebar_links(page))["工作清单"])
        for name in LISTS:
            page.get_by_text(message(f"list_{name}"), exact=True).click()
            wait_until_idle(page)
            data = download(page, "导出清单", "下载 CSV")
            assert data.startswith(b"\xef\xbb\xbf"), name  # Excel reads the BOM as UTF-8
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert rows and all(HAN.search(h) for h in rows[0]), (name, rows[0])
            assert not any(c in ("None", "nan", "NaT") for row in rows for c in row), name
        page.get_by_text("Excel 工作簿（XLSX）").click()
        wait_until_idle(page)
        sheet = openpyxl.load_workbook(io.BytesIO(download(page, "导出清单", "下载 Excel"))).active
        headings = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert all(HAN.search(str(h)) for h in headings)
    assert blocked == []


def test_the_sweepers_area_list_downloads_in_every_format(app_url):
    with offline_page(app_url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sign_in(page, "demo-sweeper", "zh")
        open_from_menu(page, "走访清查", dict(sidebar_links(page))["走访清查"])
        opened = {}
        for fmt in FORMATS:
            choose(page, "格式", message(f"arealist_format_{fmt}"))
            opened[fmt] = download(page, "导出清单", "下载", suffix=f".{fmt}")
        rows = list(csv.reader(io.StringIO(opened["csv"].decode("utf-8-sig"))))
        assert len(rows) > 10 and "地址" in rows[0]
        sheet = openpyxl.load_workbook(io.BytesIO(opened["xlsx"])).active
        assert sheet.max_row == len(rows)
        features = json.loads(opened["geojson"])["features"]
        assert len(features) == len(rows) - 1
        assert ET.fromstring(opened["kml"]).tag.endswith("kml")
        assert ET.fromstring(opened["gpx"]).tag.endswith("gpx")
        pages = PdfReader(io.BytesIO(opened["pdf"])).pages
        text = "".join(p.extract_text() for p in pages).replace("\x00", "")
        assert rows[1][rows[0].index("地址")] in text
    assert blocked == []
