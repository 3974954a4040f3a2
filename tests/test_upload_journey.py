"""A registrar's uploads in the real app, in headless Chromium with the outside network blocked.

For every upload kind, in the order the samples build on each other: upload the sample, check
it, commit it and see the batch offered for undo; upload a file with mistakes, download the
rejected rows, correct them in the downloaded file itself and upload it again; at the end undo
the newest batch through the confirmation. Any error box, traceback or catalogue key on screen
fails the test. Waits are conditions on the page or the database, never fixed sleeps.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.i18n import CATALOGUE
from tests import databases
from tests.browser import (
    offline_page,
    open_page,
    save_screenshot,
    streamlit_server,
    wait_until_idle,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("browser_turn")

SAMPLES = ROOT / "data" / "samples"
TIMEOUT = 60_000
KEY_PREFIXES = sorted({key.split("_")[0] for key in CATALOGUE if "_" in key})
RAW_KEY = re.compile(r"\b(?:" + "|".join(KEY_PREFIXES) + r")_[a-z0-9]+(?:_[a-z0-9]+)*\b")


def id_number(body: str) -> str:
    """A valid resident ID number (GB 11643 check digit) from its first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


NEW_A = id_number("33011019900101123")
NEW_B = id_number("33011019920202234")


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


Fix = Callable[[dict[str, str]], None]


def fix_rentals(row: dict[str, str]) -> None:
    if row["原行号 | row"] == "3":  # longitude and latitude swapped
        row["经度"], row["纬度"] = row["纬度"], row["经度"]
    row["房屋类型"] = row["房屋类型"].replace("城中村", "单间")
    row["房间数"] = row["房间数"].replace("两间", "2")
    row["房东电话"] = "13957100011"
    row["详细地址"] = row["详细地址"] or "青山村1组7号"


def fix_residents(row: dict[str, str]) -> None:
    if row["手机号"] == "1380000":  # a short number
        row["手机号"] = "13800006666"
    row["入住日期"] = row["入住日期"].replace("2026-13-45", "2026-10-22")


def fix_worksites(row: dict[str, str]) -> None:
    row["单位类型"] = row["单位类型"].replace("城中村", "工厂")
    assert row["从业人数"] == "-60"  # given back as written, no apostrophe
    row["从业人数"] = "60"


def fix_employment(row: dict[str, str]) -> None:
    row["入职日期"] = {"2026-10-3x": "2026-10-22", "明天": "2026-10-23"}.get(
        row["入职日期"], row["入职日期"]
    )


def fix_visits(row: dict[str, str]) -> None:
    row["走访结果"] = row["走访结果"].replace("不在家了", "无人在家")
    row["见到人数"] = row["见到人数"].replace("两人", "2")


@dataclass(frozen=True)
class Journey:
    kind: str
    label: str
    sample: str
    crs: str | None
    bad: bytes
    bad_rows: int
    fix: Fix


JOURNEYS = [
    Journey(
        "rentals",
        "出租房屋",
        "rentals.csv",
        "高德/腾讯（GCJ-02）",
        (SAMPLES / "rentals_with_mistakes.csv").read_bytes(),
        4,
        fix_rentals,
    ),
    Journey(
        "residents",
        "实有人口（居住登记）",
        "residents.csv",
        None,
        csv_bytes(
            [
                ["身份证号", "姓名", "手机号", "房屋编号", "入住日期", "登记日期"],
                [NEW_A, "王军", "1380000", "S-0003", "2026-10-21", "2026-10-22"],
                [NEW_B, "孙丽", "13800007777", "S-0004", "2026-13-45", ""],
                ["360730198511110522", "赵敏", "13800005555", "S-0003", "2026-10-20", ""],
            ]
        ),
        2,
        fix_residents,
    ),
    Journey(
        "worksites",
        "实有单位",
        "worksites.xlsx",
        "高德/腾讯（GCJ-02）",
        csv_bytes(
            [
                ["单位编号", "单位名称", "单位类型", "单位地址", "从业人数"],
                ["S-W03", "示范包装厂", "城中村", "白鹭村工业区3号", "-60"],
                ["S-W04", "白鹭村快递站", "物流", "白鹭村3组1号", "6"],
            ]
        ),
        1,
        fix_worksites,
    ),
    Journey(
        "employment",
        "从业登记",
        "employment.csv",
        None,
        csv_bytes(
            [
                ["身份证号", "单位编号", "入职日期"],
                ["360730198511110522", "S-W02", "2026-10-3x"],
                ["41162319880705022X", "S-W04", "明天"],
            ]
        ),
        2,
        fix_employment,
    ),
    Journey(
        "visits",
        "走访结果",
        "visits.csv",
        None,
        csv_bytes(
            [
                ["房屋编号", "走访时间", "走访结果", "见到人数", "走访组"],
                ["S-0003", "2026-11-05 10:00", "不在家了", "1", "白鹭村1组"],
                ["S-0004", "2026-11-05 10:10", "已核实", "两人", "白鹭村1组"],
                ["S-0001", "2026-11-05 10:20", "已核实", "1", "白鹭村1组"],
            ]
        ),
        2,
        fix_visits,
    ),
]


@pytest.fixture(scope="module")
def app(demo_master, tmp_path_factory):
    """One app server for the module, on its own copy of the demo database."""
    directory = tmp_path_factory.mktemp("journey")
    copy = databases.copy_database(demo_master, directory, per_test=False)
    with streamlit_server(copy) as url:
        yield url, copy


def last_batch(database: str) -> int:
    return int(databases.rows(database, "SELECT coalesce(max(id), 0) FROM import_batch")[0][0])


def batch_row(database: str, batch: int) -> tuple:
    sql = "SELECT filename, status, rows, accepted, rejected FROM import_batch WHERE id = ?"
    return databases.rows(database, sql, (batch,))[0]


def clean(page) -> None:
    """No error box, no traceback, no catalogue key shown in place of its text."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    text = page.get_by_test_id("stMain").inner_text()
    assert RAW_KEY.findall(text) == []
    assert "Traceback" not in text


def choose(page, label: str, option: str) -> None:
    from playwright.sync_api import expect

    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option, timeout=TIMEOUT)


def give_file(page, name: str, data: bytes) -> None:
    """Replace the file in the uploader and wait until its columns are shown."""
    from playwright.sync_api import expect

    remove = page.get_by_test_id("stFileChipDeleteBtn")
    if remove.count():
        remove.first.click()
        expect(page.get_by_text("列的识别结果")).to_have_count(0, timeout=TIMEOUT)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    expect(page.get_by_test_id("stFileChipName")).to_have_text(name, timeout=TIMEOUT)
    page.get_by_text("列的识别结果").wait_for(timeout=TIMEOUT)
    page.get_by_role("button", name="提交入库").wait_for(timeout=TIMEOUT)


def commit(page, database: str, label: str) -> int:
    """Commit the file shown; the new batch is reported and offered first for undo."""
    from playwright.sync_api import expect

    before = last_batch(database)
    page.get_by_role("button", name="提交入库").click()
    done = page.get_by_text(re.compile(r"^已入库，批次 \d+。$"))
    done.wait_for(timeout=TIMEOUT)
    # Batch numbers come from the database (on PostgreSQL a sequence, which may skip).
    batch = int(re.findall(r"\d+", done.inner_text())[0])
    assert batch > before
    picker = page.get_by_role("combobox", name="批次", exact=True)
    expect(picker).to_have_value(re.compile(f"^批次 {batch}：{label}，"), timeout=TIMEOUT)
    clean(page)
    return batch


def exports_of_rejects(database) -> int:
    """How many rejects reports the audit log says were exported."""
    sql = "SELECT count(*) FROM audit WHERE action = 'export.rejects'"
    return int(databases.scalar(str(database), sql))


def test_a_registrar_uploads_fixes_rejects_and_undoes_every_kind(app):
    from playwright.sync_api import expect

    url, database = app
    with offline_page(url) as (page, blocked):
        page.get_by_text("登录").first.wait_for(timeout=TIMEOUT)
        page.get_by_label("用户名").fill("demo-registrar")
        page.get_by_label("密码").fill("demo")
        page.get_by_role("button", name="登录").click()
        open_page(page, "数据上传", "登记数据上传")
        dropzone = page.get_by_test_id("stFileUploaderDropzoneInstructions")
        expect(dropzone).to_contain_text("50MB", timeout=TIMEOUT)
        assert "200MB" not in dropzone.inner_text()
        expect(page.get_by_test_id("stFileUploader")).to_contain_text("不超过 50 MB")
        clean(page)
        for journey in JOURNEYS:
            choose(page, "数据类型", journey.label)
            if journey.crs is not None:
                choose(page, "坐标来源", journey.crs)
            give_file(page, journey.sample, (SAMPLES / journey.sample).read_bytes())
            page.get_by_role("button", name="试算（不保存）").click()
            page.get_by_text("试算结果：未保存任何数据。").wait_for(timeout=TIMEOUT)
            clean(page)
            batch = commit(page, database, journey.label)
            assert batch_row(database, batch)[:2] == (journey.sample, "committed")
            assert batch_row(database, batch)[4] == 0, journey.kind

            bad_name = f"{journey.kind}-bad.csv"
            give_file(page, bad_name, journey.bad)
            batch = commit(page, database, journey.label)
            assert batch_row(database, batch)[4] == journey.bad_rows, journey.kind
            # no report is sent with the page: it is made, and audited, when asked for
            assert page.get_by_role("button", name="下载问题行报告（CSV）").count() == 0
            exported = exports_of_rejects(database)
            page.get_by_role("button", name="生成问题行报告（CSV）").click()
            with page.expect_download() as download:
                page.get_by_role("button", name="下载问题行报告（CSV）").click()
            rejects = Path(download.value.path()).read_bytes()
            assert exports_of_rejects(database) == exported + 1
            wait_until_idle(page)
            page.get_by_role("button", name="生成问题行（Excel）").click()
            expect(page.get_by_role("button", name="下载问题行（Excel）")).to_be_visible()
            assert rejects.startswith("\ufeff".encode())
            table = list(csv.reader(io.StringIO(rejects.decode("utf-8-sig"), newline="")))
            header = table[0]
            assert header[:3] == ["原行号 | row", "问题原因", "reason"]
            assert len(table) - 1 == journey.bad_rows
            fixed = []
            for cells in table[1:]:
                row = dict(zip(header, cells, strict=True))
                journey.fix(row)
                fixed.append([row[h] for h in header])
            with page.expect_download() as download:
                page.get_by_role("button", name="下载问题行（Excel）").click()
            assert Path(download.value.path()).read_bytes()[:2] == b"PK"

            fixed_name = f"{journey.kind}-fixed.csv"
            give_file(page, fixed_name, csv_bytes([header, *fixed]))
            batch = commit(page, database, journey.label)
            name, status, rows, accepted, rejected = batch_row(database, batch)
            assert (name, status, rows, accepted, rejected) == (
                fixed_name,
                "committed",
                journey.bad_rows,
                journey.bad_rows,
                0,
            ), journey.kind

        newest = last_batch(database)
        page.get_by_role("button", name="撤销批次").click()
        question = page.get_by_text(f"确定撤销批次 {newest}（visits-fixed.csv，2 行")
        question.wait_for(timeout=TIMEOUT)
        page.get_by_role("button", name="确认撤销").click()
        page.get_by_text(f"批次 {newest} 已撤销").wait_for(timeout=TIMEOUT)
        previous = int(
            databases.rows(database, "SELECT max(id) FROM import_batch WHERE id < ?", (newest,))[0][
                0
            ]
        )
        picker = page.get_by_role("combobox", name="批次", exact=True)
        expect(picker).to_have_value(re.compile(f"^批次 {previous}：走访结果，"), timeout=TIMEOUT)
        clean(page)
        assert batch_row(database, newest)[1] == "undone"
        assert batch_row(database, previous)[1] == "committed"
        save_screenshot(page, "upload-journey")
    assert blocked == []
