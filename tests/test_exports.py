"""Exports as Excel, WPS and a printer meet them: staff lists (CSV and XLSX) headed in the
UI's language, long digit strings kept whole, no None or nan, formulas neutralised but
negative numbers left alone; the printable area list black on white with every resident
and a legible route sketch."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from geo.cells import neutralise
from geo.cli import main
from geo.io import arealists
from geo.io.exports import excel_csv, typed_xlsx
from geo.services import lists
from geo.services.setup import open_database
from tests import databases
from tests.conftest import ADMIN, AS_OF

MISSING = {"None", "nan", "NaN", "NaT", "<NA>"}


def test_only_formula_looking_text_is_neutralised():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-1+A1") == "'-1+A1"
    assert [neutralise(v) for v in ("-60", "-1.5", "+86", "0123", "王")] == [
        "-60",
        "-1.5",
        "+86",
        "0123",
        "王",
    ]


def test_a_csv_has_no_none_or_nan_and_keeps_negative_numbers_plain():
    table = pd.DataFrame(
        {
            "a": ["=1+1", None, "x"],
            "b": [-60.0, np.nan, 3.0],
            "c": [pd.Timestamp("2026-10-15 09:19"), pd.NaT, pd.Timestamp("2026-10-15")],
        }
    )
    data = excel_csv(table)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["a", "b", "c"],
        ["'=1+1", "-60", "2026-10-15 09:19"],
        ["", "", ""],
        ["x", "3", "2026-10-15"],
    ]


def test_a_typed_xlsx_keeps_digit_strings_as_text_and_numbers_as_numbers():
    table = pd.DataFrame(
        {"证号": ["3301100000021043", None], "天数": [-60, 5], "比": [np.nan, 0.5]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(typed_xlsx(table, sheet="清单"))).active
    assert [c.value for c in sheet[1]] == ["证号", "天数", "比"]
    permit, days, share = sheet[2]
    assert permit.value == "3301100000021043" and permit.data_type == "s"
    assert days.value == -60 and days.data_type == "n"
    assert share.value is None
    assert sheet["A3"].value is None and sheet["C3"].value == 0.5


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_staff_list_exports_in_the_uis_language_without_none_or_apostrophes(db):
    table = lists.staff_list(db, ADMIN, "permits", as_of=AS_OF)
    zh = _csv_rows(lists.staff_list_file(db, ADMIN, "permits", fmt="csv", as_of=AS_OF))
    assert zh[0][:5] == ["姓名", "身份证号", "手机号", "居住证号", "有效期至"]
    assert "剩余天数" in zh[0] and "days_left" not in zh[0]
    assert len(zh) == len(table) + 1
    cells = {cell for row in zh[1:] for cell in row}
    assert not cells & MISSING
    days = [row[zh[0].index("剩余天数")] for row in zh[1:]]
    assert any(d.startswith("-") for d in days)  # overdue permits: plain negative numbers
    assert not any(d.startswith("'") for d in days)
    en = _csv_rows(
        lists.staff_list_file(db, ADMIN, "permits", fmt="csv", as_of=AS_OF, language="en")
    )
    assert en[0][:4] == ["Name", "ID number", "Phone", "Permit"]


def test_a_staff_list_as_xlsx_keeps_permit_numbers_whole_and_days_as_numbers(db):
    data = lists.staff_list_file(db, ADMIN, "permits", fmt="xlsx", as_of=AS_OF)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[3] == "居住证号"
    permits = [r[3] for r in rows[1:] if r[3].value is not None]
    assert permits and all(c.data_type == "s" and c.value.isdigit() for c in permits)
    assert max(len(c.value) for c in permits) >= 15  # what Excel would show as 3.3E+15
    days = [r[header.index("剩余天数")] for r in rows[1:]]
    assert all(c.data_type == "n" for c in days) and min(c.value for c in days) < 0
    values = {str(c.value) for r in rows for c in r if c.value is not None}
    assert not values & MISSING


def test_the_late_reports_list_names_its_kinds_in_the_language(db):
    rows = _csv_rows(lists.staff_list_file(db, ADMIN, "late-reports", fmt="csv", as_of=AS_OF))
    assert rows[0][0] == "类别"
    assert {r[0] for r in rows[1:]} <= {"房东", "用工单位"}
    # Means and maxima that are missing stay empty.
    assert not {cell for r in rows[1:] for cell in r} & MISSING


def test_the_command_line_exports_a_list_with_chinese_headers(demo_copy, capsys):
    args = ["--db", demo_copy, "lists", "stale", "--as-of", AS_OF.isoformat()]
    assert main([*args, "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["房屋编号", "地址", "房间"] and "经度" in rows[0]
    assert not {cell for r in rows[1:] for cell in r} & MISSING  # never visited: empty
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == len(rows) - 1


# --- the printable area list


def _items(units: int = 30, crowd: int = 40) -> pd.DataFrame:
    """A list of ``units`` along a winding street, the third with ``crowd`` residents."""
    rng = np.random.default_rng(7)
    angle = np.linspace(0, 3 * np.pi, units)
    people = [
        "；".join(f"{chr(0x4E00 + 40 * u + i)}* 3301{u:02d}********{i:04d}" for i in range(n))
        for u, n in enumerate([2, 1, crowd] + [3] * (units - 3))
    ]
    return pd.DataFrame(
        {
            "序号": range(1, units + 1),
            "任务编号": 1,
            "走访组": "一组",
            "房屋编号": [f"R{u:05d}" for u in range(units)],
            "社区": "东湖社区",
            "网格": "一网格",
            "地址": [f"荆长路{u}号" for u in range(units)],
            "房间": "",
            "登记人数": [p.count("；") + 1 for p in people],
            "登记人员": people,
            "lon": 120.0 + 0.004 * np.cos(angle) + rng.normal(0, 1e-4, units),
            "lat": 30.0 + 0.001 * angle + rng.normal(0, 1e-4, units),
        }
    )


def _text(pages) -> str:
    return "".join(p.extract_text() for p in pages).replace("\x00", "").replace(" ", "")


def _painted(page, reader) -> tuple[set[tuple[float, ...]], set[tuple[float, ...]], float]:
    """The fill colours of the shapes painted on a page, those of its text, and the widest
    line drawn (points)."""
    fill: tuple[float, ...] = (0.0,)
    saved: list[tuple[float, ...]] = []
    shapes, text, widest = set(), set(), 0.0
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            saved.append(fill)
        elif op == b"Q":
            fill = saved.pop()
        elif op in (b"rg", b"g", b"k"):
            fill = tuple(round(float(v), 3) for v in operands)
        elif op in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            shapes.add(fill)
        elif op in (b"Tj", b"TJ"):
            text.add(fill)
        elif op == b"w":
            widest = max(widest, float(operands[0]))
    return shapes, text, widest


needs_font = pytest.mark.skipif(arealists.cjk_font() is None, reason="no CJK font installed")


@needs_font
def test_the_printed_table_is_black_on_white_and_lists_every_resident():
    items = _items(crowd=40)
    reader = PdfReader(io.BytesIO(arealists.write(items, "pdf", title="测试清查")))
    printed = _text(reader.pages[1:])
    for person in items["登记人员"].iloc[2].split("；"):
        assert person.replace(" ", "") in printed
    for page in reader.pages[1:]:
        shapes, text, _ = _painted(page, reader)
        greys = {c for c in shapes if len(c) == 1 or len(set(c)) == 1}
        assert shapes == greys and min(min(c) for c in shapes) >= 0.9  # white, light headings
        assert text == {(0.0,)}  # black text


@needs_font
def test_a_unit_too_big_for_a_page_goes_on_over_continued_rows():
    items = _items(crowd=82)
    reader = PdfReader(io.BytesIO(arealists.write(items, "pdf", title="测试清查")))
    printed = _text(reader.pages[1:])
    assert all(p.replace(" ", "") in printed for p in items["登记人员"].iloc[2].split("；"))
    assert "3（续）" in printed


@needs_font
def test_the_route_sketch_is_legible_with_numbers_north_and_a_metric_scale():
    items = _items(units=30)
    reader = PdfReader(io.BytesIO(arealists.write(items, "pdf", title="测试清查")))
    page = reader.pages[0]
    words: list[str] = []  # one entry a text-showing operation: each label on its own
    page.extract_text(visitor_text=lambda text, *_: words.append(text.replace("\x00", "")))
    words = [w.strip() for w in words if w.strip()]
    numbers = {w for w in words if w.isdigit()}
    assert {"1", "30"} <= numbers  # start and end
    assert len(numbers & {str(n) for n in range(1, 31)}) >= 27  # nearly every stop
    assert "北" in words
    assert any(w.endswith(("米", "公里")) for w in words)
    _, _, widest = _painted(page, reader)
    assert widest >= 1.4  # the route at 0.5 mm or more, not a hairline


def test_the_lists_page_exports_an_xlsx_headed_in_chinese(demo_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url
    from tests.conftest import ROOT

    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_copy))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-registrar")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/lists.py").run()
    app.radio(key="list_name").set_value("permits").run()
    app.radio(key="lists_export_format").set_value("xlsx").run()
    app.button(key="lists_export").click().run()
    assert not app.exception and not app.error
    assert app.get("download_button")  # offered once the export is prepared


# --- lists for field devices: KML, KMZ and GPX

HOSTILE = "a<b & \"c\" 'd'\x0be\x01f\x7f\u202eg\u200bh</name>]]>"
"""Markup, an ampersand, both quotes, a vertical tab and other control, bidirectional and
zero-width characters, and the end of a CDATA section."""


def _hostile_items(units: int = 12, teams: tuple[str, ...] = ("一组",)) -> pd.DataFrame:
    items = _items(units=units)
    text_columns = ["走访组", "房屋编号", "社区", "网格", "地址", "房间", "登记人员"]
    for column in text_columns:
        items[column] = [f"{column}{HOSTILE}{u}" for u in range(units)]
    items["走访组"] = [teams[u * len(teams) // units] + HOSTILE for u in range(units)]
    items["property_id"] = range(1, units + 1)
    return items


def _xml_texts(root) -> list[str]:
    return [t for e in root.iter() for t in (e.text, e.tail, *e.attrib.values()) if t]


@pytest.mark.parametrize("fmt", ["kml", "kmz", "gpx"])
def test_kml_kmz_and_gpx_parse_strictly_whatever_text_is_stored(fmt):
    import xml.etree.ElementTree as ET
    import zipfile

    items = _hostile_items()
    data = arealists.write(items, fmt, title="清查" + HOSTILE)
    if fmt == "kmz":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == ["doc.kml"]
            data = archive.read("doc.kml")
    root = ET.fromstring(data)  # expat: any control character or stray markup fails here
    texts = _xml_texts(root)
    joined = "".join(texts)
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in joined)
    assert "\u202e" not in joined and "\u200b" not in joined and "\x7f" not in joined
    # the markup and the quotes are kept as text, not lost
    cleaned = arealists.clean_text(items["地址"].iloc[0])
    assert any(cleaned in t for t in texts)
    assert "a<b & \"c\" 'd' e f" in cleaned
    assert any(t.startswith("清查a<b") for t in texts)


def test_every_other_list_format_carries_no_control_character():
    items = _hostile_items()
    for fmt in ("csv", "geojson"):
        text = arealists.write(items, fmt, title=HOSTILE).decode("utf-8-sig")
        body = text.replace("\r\n", "")
        assert not any(ord(c) < 32 for c in body), fmt
        assert "\u202e" not in body
    sheet = openpyxl.load_workbook(io.BytesIO(arealists.write(items, "xlsx", title="t"))).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(ord(c) < 32 or c == "\u202e" for v in values for c in v)
    assert any('a<b & "c"' in v for v in values)


def test_gpx_routes_come_in_legs_of_at_most_250_points_with_short_unique_names():
    import xml.etree.ElementTree as ET

    items = _items(units=620)
    items["走访组"] = ["一组"] * 560 + ["二组"] * 60
    items["序号"] = list(range(1, 561)) + list(range(1, 61))
    items["房屋编号"] = [f"33011090120300{u:06d}" for u in range(620)]
    items["property_id"] = range(1, 621)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.fromstring(arealists.write(items, "gpx", title="村级清查"))
    names = [w.findtext("g:name", namespaces=ns) for w in root.findall("g:wpt", ns)]
    assert len(names) == 620 and max(map(len, names)) <= 10
    assert len({n[:10] for n in names}) == 620
    assert names[:2] == ["A001", "A002"] and names[560] == "B001"
    routes = root.findall("g:rte", ns)
    sizes = [len(r.findall("g:rtept", ns)) for r in routes]
    assert sizes == [250, 250, 60, 60]
    route_names = [r.findtext("g:name", namespaces=ns) for r in routes]
    assert route_names == ["A001-250", "A251-500", "A501-560", "B001-060"]
    assert max(map(len, route_names)) <= 10
    # every stop once, in walking order, leg after leg
    points = [p.findtext("g:name", namespaces=ns) for r in routes for p in r.findall("g:rtept", ns)]
    assert points == names
    one_team = arealists.write(_items(units=3), "gpx", title="t")
    assert [
        w.findtext("g:name", namespaces=ns) for w in ET.fromstring(one_team).findall("g:wpt", ns)
    ] == [
        "001",
        "002",
        "003",
    ]


def test_a_kmz_holds_the_kml_and_opens_like_it(tmp_path):
    import pyogrio

    items = _items(units=8)
    (tmp_path / "list.kmz").write_bytes(arealists.write(items, "kmz", title="清查"))
    points = pyogrio.read_dataframe(tmp_path / "list.kmz", layer="走访点")
    assert len(points) == 8
    assert np.allclose(points.geometry.x, items["lon"], atol=1e-6)
    assert "kmz" in arealists.FORMATS


HIDDEN_CHARACTERS = ("\u202e", "\u2066", "\u200b", "\x07", "\x0b")
"""Right-to-left override, isolate, zero width, bell, vertical tab: a spreadsheet shows a
name holding them reversed or reordered, or not at all."""


UNSEEN_ELSEWHERE = "\u00ad\U000e0041\u3164\ufe0f"
"""Soft hyphen, a tag character, a Hangul filler, a variation selector: shown as nothing."""


def test_no_export_carries_a_stored_names_hidden_characters(db, capsys):
    """Uploads clean these characters on the way in; a record written another way (an old
    import, a direct edit) must still leave in the exports as the plain text it shows."""
    with databases.connect(db.db.url) as conn:
        conn.execute(
            "UPDATE person SET name = ? || ? || name || ? || ?",
            (UNSEEN_ELSEWHERE, "\u202e", "\u2066\x07", "\u200b\x0b"),
        )
        conn.execute("UPDATE property SET address = ? || address", ("\u202e",))
    plain = lists.staff_list(db, ADMIN, "permits", as_of=AS_OF)
    csv_text = lists.staff_list_file(db, ADMIN, "permits", fmt="csv", as_of=AS_OF).decode(
        "utf-8-sig"
    )
    book = openpyxl.load_workbook(
        io.BytesIO(lists.staff_list_file(db, ADMIN, "permits", fmt="xlsx", as_of=AS_OF))
    )
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    for hidden in HIDDEN_CHARACTERS:
        assert hidden not in csv_text
        assert not any(hidden in cell for cell in cells)
    # the command line's JSON keeps the value exact, with the characters escaped
    assert main(["--db", db.db.url, "lists", "permits", "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert not any(hidden in out for hidden in ("\u202e", "\u2066", "\u200b"))
    assert not any(hidden in out for hidden in UNSEEN_ELSEWHERE)
    assert "\\u202e" in out and json.loads(out)["rows"] == len(plain)
    assert '"\\u00ad\\udb40\\udc41\\u3164\\ufe0f\\u202e' in out  # as JSON writes them
    name = str(plain["name"].iloc[0])
    assert json.loads(out)["items"][0]["name"] == name
    cleaned = "".join(c for c in name if c not in HIDDEN_CHARACTERS)
    assert cleaned != name and cleaned in csv_text  # a vertical tab: a line break, shown
    assert any(cell.strip() == cleaned for cell in cells)
