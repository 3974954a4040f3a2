"""Defects a fresh tester found in uploads, each kept fixed as a kind: a corrected choice is
a new upload, the summary counts what changed, every problem of a row at once, fields named
in the message's language, the value table's empty choice, the refused rows given back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from geo.crs import to_wgs84
from geo.errors import InputError
from geo.i18n import message
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload, rejects_csv, undo_batch
from tests import databases
from tests.conftest import AS_OF, ROOT, run_cli

REGISTRAR = Actor(name="registrar", role="registrar")
SAMPLES = ROOT / "data" / "samples"
EXTRA = ["原行号 | row", "问题原因", "reason"]


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def upload(opened, data: bytes, *, kind: str = "rentals", name: str = "a.csv", **options):
    return import_upload(
        opened, REGISTRAR, kind=kind, data=data, filename=name, as_of=AS_OF, **options
    )


def csv_bytes(*rows: list[object]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def rows_of(opened, sql: str) -> list[tuple]:
    return databases.rows(opened.db.url, sql)


def rejects_table(result) -> list[list[str]]:
    data = rejects_csv(result.rejected_rows)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- 1. choices


def cli_json(*args: str) -> dict:
    done = run_cli(*args)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return json.loads(done.stdout)


def test_the_same_file_with_a_corrected_crs_is_imported_and_moves_its_points(demo_copy):
    sample = str(SAMPLES / "rentals.csv")
    first = cli_json("--db", demo_copy, "import", "rentals", sample)
    corrected = cli_json("--db", demo_copy, "import", "rentals", sample, "--crs", "gcj02")
    assert "duplicate_of" not in corrected and corrected["batch"] not in (None, first["batch"])
    assert (corrected["updated"], corrected["rejected"]) == (first["rows"], 0)
    sent = next(r for r in csv.DictReader(io.StringIO(Path(sample).read_text("utf-8-sig"))))
    lon, lat = to_wgs84([float(sent["经度"])], [float(sent["纬度"])], source="gcj02")
    stored = databases.rows(
        demo_copy,
        "SELECT lon, lat, coord_source FROM property WHERE external_ref = ?",
        [sent["房屋编号"]],
    )[0]
    assert stored[:2] == pytest.approx((lon[0], lat[0]), abs=1e-7)  # no longer the file's
    assert abs(stored[0] - float(sent["经度"])) > 1e-4 and stored[2] == "gcj02"
    again = cli_json("--db", demo_copy, "import", "rentals", sample, "--crs", "GCJ-02")
    assert again["batch"] is None and again["duplicate_of"] == corrected["batch"]


HEADER = ["房屋编号", "详细地址", "门牌", "经度", "纬度", "房屋类型", "房间数"]
CLEAN = csv_bytes(
    HEADER,
    ["DUP-1", "白鹭村1组1号", "白鹭路1号", "119.9504", "30.0503", "单间", "1"],
    ["DUP-2", "白鹭村1组2号", "白鹭路2号", "119.9508", "30.0506", "单间", "2"],
)
WORDS = csv_bytes(HEADER, ["DUP-3", "白鹭村1组3号", "", "119.9504", "30.0503", "公租", "1"])


@pytest.mark.parametrize(
    ("data", "first", "other"),
    [
        (CLEAN, {}, {"crs": "bd09"}),
        (CLEAN, {}, {"mapping": {"address": "门牌"}}),
        (
            WORDS,
            {"value_maps": {"kind": {"公租": "单间"}}},
            {"value_maps": {"kind": {"公租": "整套"}}},
        ),
        (CLEAN, {"set_fields": {"status": "active"}}, {"set_fields": {"status": "withdrawn"}}),
    ],
    ids=["crs", "map", "values", "set"],
)
def test_every_choice_that_changes_what_is_stored_makes_another_upload(db, data, first, other):
    before = upload(db, data, **first)
    assert before.summary["batch"] is not None and before.summary["rejected"] == 0
    assert upload(db, data, **first).summary["duplicate_of"] == before.summary["batch"]
    changed = upload(db, data, **other)
    assert "duplicate_of" not in changed.summary and changed.summary["batch"] is not None
    assert changed.summary["updated"] == before.summary["inserted"]  # every row it changed
    assert upload(db, data, **other).summary["duplicate_of"] == changed.summary["batch"]


def test_a_mapping_that_restates_the_reading_or_a_crs_without_points_is_the_same_upload(db):
    first = upload(db, CLEAN)
    restated = upload(db, CLEAN, mapping={"address": "详细地址", "kind": "房屋类型"})
    assert restated.summary["duplicate_of"] == first.summary["batch"]
    people = csv_bytes(["身份证号", "姓名", "房屋编号", "入住日期"], [ID, "丙", REF, "2026-10-09"])
    stays = upload(db, people, kind="residents")
    assert stays.summary["batch"] is not None
    no_points = upload(db, people, kind="residents", crs="gcj02")  # nothing it stores moves
    assert no_points.summary["duplicate_of"] == stays.summary["batch"]


# --------------------------------------------------------------------------- 2. counts

ID = "341221199503120112"
REF = "D00-P000001"
PERSON = "SELECT name, phone_masked FROM person WHERE id_masked LIKE '341221%0112'"


def test_a_residents_upload_that_renames_and_adds_a_phone_counts_the_row_updated(db):
    header = ["身份证号", "姓名", "手机号", "房屋编号", "入住日期"]
    first = upload(db, csv_bytes(header, [ID, "丙", "", REF, "2026-10-09"]), kind="residents")
    assert (first.summary["inserted"], first.summary["rejected"]) == (1, 0)
    assert rows_of(db, PERSON) == [("丙", None)]
    changed = upload(
        db, csv_bytes(header, [ID, "丙改名", "13800001111", REF, "2026-10-09"]), kind="residents"
    )
    summary = changed.summary
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (0, 1, 0)
    ((name, phone),) = rows_of(db, PERSON)
    assert name == "丙改名" and phone is not None and phone.endswith("1111")
    same = upload(
        db,
        csv_bytes(header, [ID, "丙改名", "138 0000 1111", REF, "2026-10-09"]),  # other bytes
        kind="residents",
    )
    assert (same.summary["updated"], same.summary["unchanged"]) == (0, 1)
    undo_batch(db, REGISTRAR, changed.summary["batch"])
    assert rows_of(db, PERSON) == [("丙", None)]


# --------------------------------------------------------------------------- 3. every problem

ROW = ["", "城堡", "很多", "123", "2030-01-01"]  # no address, bad kind, phone, future, rooms
REASONS = {
    "详细地址：必填项为空",
    "房屋类型：不是可选值",
    "房东电话：电话应为",
    "登记日期：日期晚于今天",
    "房间数：不是数字",
}


def test_a_row_with_an_unreadable_coordinate_gets_every_reason_of_the_row(db):
    data = csv_bytes(
        ["房屋编号", "坐标", "详细地址", "房屋类型", "房间数", "房东电话", "登记日期"],
        ["BAD-1", "abc", *ROW],
        ["BAD-2", "119.95,30.05", *ROW],
        ["BAD-3", "119.95;x", "白鹭村9号", "单间", "1", "", ""],  # only its point is wrong
    )
    result = upload(db, data)
    assert (result.summary["accepted"], result.summary["rejected"]) == (0, 3)
    reasons = {int(r[0]): r[1].split("\n") for r in rejects_table(result)[1:]}
    for row in (2, 3):
        for said in REASONS:
            assert any(line.startswith(said) for line in reasons[row]), (row, said)
    assert any(line.startswith("坐标：坐标无法识别") for line in reasons[2])
    assert len(reasons[2]) == len(REASONS) + 1 and len(reasons[3]) == len(REASONS)
    assert reasons[4] == [r for r in reasons[4] if r.startswith("坐标：")] and len(reasons[4]) == 1
    assert rows_of(db, "SELECT count(*) FROM property WHERE external_ref LIKE 'BAD-%'") == [(0,)]


# --------------------------------------------------------------------------- 4. labels


@pytest.mark.parametrize(
    ("kind", "header", "zh", "en"),
    [
        ("rentals", ["房屋编号", "房间数"], "缺少必填列：地址、类型。", "missing: address, kind."),
        (
            "residents",
            ["姓名", "入住日期"],
            "缺少必填列：身份证号、房屋编号或地址。",
            "missing: ID number, property reference or address.",
        ),
    ],
)
def test_missing_columns_are_named_by_their_labels_in_each_language(db, kind, header, zh, en):
    with pytest.raises(InputError) as refused:
        upload(db, csv_bytes(header, ["x"] * len(header)), kind=kind)
    chinese = message(refused.value.key, "zh", **refused.value.params)
    english = message(refused.value.key, "en", **refused.value.params)
    assert chinese.startswith(zh) and en in english
    said = chinese.split("文件中的列")[0]
    assert not any(c.isascii() and c.isalpha() for c in said)  # no field key in Chinese


# --------------------------------------------------------------------------- 5. the page


def test_the_value_table_offers_an_empty_choice_with_a_chinese_placeholder(demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url

    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_url))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-registrar")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/upload.py").run()
    app.selectbox(key="upload_kind").select("rentals").run()
    app.file_uploader(key="upload_file").set_value(("v.csv", WORDS, "text/csv")).run()
    assert not app.exception and not app.error
    editors = [e for e in app.dataframe if "values_rentals" in e.proto.id]
    assert len(editors) == 1
    shown = editors[0]
    assert shown.proto.placeholder == "请选择"  # what an unchosen cell shows, not "None"
    table = shown.value
    assert table["value"].tolist() == ["公租"] and table["target"].isna().all()


# --------------------------------------------------------------------------- 6. refused rows


def test_a_csv_row_with_more_cells_than_the_header_comes_back_with_its_cells(db):
    data = csv_bytes(
        ["房屋编号", "详细地址", "房屋类型", "房间数"],
        ["W-1", "白鹭村1号", "单间", "1"],
        ["W-2", "白鹭村", "2号", "单间", "1"],  # an address cut in two by its comma
    )
    table = rejects_table(upload(db, data))
    assert table[0] == [*EXTRA, "房屋编号", "详细地址", "房屋类型", "房间数", table[0][-1]]
    assert "表头外第1格" in table[0][-1]
    assert table[1][0] == "3" and "列数多于表头" in table[1][1]
    assert table[1][3:] == ["W-2", "白鹭村", "2号", "单间", "1"]


def test_workbook_rows_refused_for_a_formula_or_an_error_come_back_with_their_cells(db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["房屋编号", "详细地址", "房屋类型", "房间数", "房东电话"])
    sheet.append(["X-1", "青山村1号", "单间", 1, "13900000001"])
    sheet.append(["X-2", "青山村2号", "整套", "=1+2", "13900000002"])  # saved without a value
    sheet.append(["X-3", "青山村3号", "单间", 2, "#REF!"])  # an error cell
    buffer = io.BytesIO()
    book.save(buffer)
    result = upload(db, buffer.getvalue(), name="book.xlsx")
    assert (result.summary["accepted"], result.summary["rejected"]) == (1, 2)
    table = rejects_table(result)
    assert table[0] == [*EXTRA, "房屋编号", "详细地址", "房屋类型", "房间数", "房东电话"]
    rows = {r[0]: r for r in table[1:]}
    assert rows["3"][3:] == ["X-2", "青山村2号", "整套", "", "13900000002"]
    assert rows["3"][1].startswith("房间数：公式单元格没有保存计算结果")
    assert rows["4"][3:] == ["X-3", "青山村3号", "单间", "2", "#REF!"]
    assert rows["4"][1].startswith("房东电话：")
