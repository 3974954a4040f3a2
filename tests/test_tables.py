"""Tables as real programs write them and registrars keep them: the reader finds the header
under title rows, skips a units line, reads every row whatever the stored used range says,
reads dates under every date format, refuses a formula without its value, ignores hidden
sheets, asks which of several sheets, and refuses hostile sizes before the work is done."""

from __future__ import annotations

import io
import json
import time
import zipfile
from functools import partial
from pathlib import Path

import pytest

from geo.columns import header_score
from geo.errors import InputError
from geo.io.tables import MAX_COLUMNS, read_table, read_upload, workbook_sheets
from tests.conftest import ROOT

TABLES = ROOT / "tests" / "data" / "tables"
K1 = ["K-1", "东湖路41号", "101", "119.9551", "30.0601", "单间", "1"]
K2 = ["K-2", "东湖路43号", "201", "119.9553", "30.0603", "整套", "3"]


def read(name: str, kind: str = "rentals", **options):
    path = TABLES / name
    return read_table(
        path.read_bytes(), path.name, score=partial(header_score, kind=kind), **options
    )


def cells(table) -> list[list[str]]:
    return [[str(v) for v in row] for row in table.frame.to_numpy().tolist()]


# --------------------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("name", "header_row", "skipped", "numbers"),
    [
        ("title_rows.csv", 4, [1, 2], [5, 6]),
        ("merged_heading.xlsx", 3, [1, 2], [4, 5]),
    ],
)
def test_title_rows_above_the_header_are_skipped_and_named(name, header_row, skipped, numbers):
    table = read(name)
    assert list(table.frame.columns)[:3] == ["房屋编号", "详细地址", "房间号"]
    assert cells(table) == [K1, K2]
    assert table.header_row == header_row
    assert [n for n, _ in table.skipped] == skipped
    assert table.row_numbers.tolist() == numbers


def test_the_filled_in_by_line_is_named_with_its_text():
    table = read("title_rows.csv")
    assert table.skipped[1] == (2, "填报单位：西湖社区居委会 填报日期：2026年11月20日")
    assert table.encoding == "gb18030"


@pytest.mark.parametrize("name", ["units_row.csv", "units_row.xlsx", "english_second_header.csv"])
def test_a_second_header_line_of_units_or_notes_is_not_data(name):
    table = read(name)
    assert cells(table) == [K1, K2]
    assert table.notes_row == 2
    assert table.row_numbers.tolist() == [3, 4]


def test_a_first_row_that_is_the_header_reads_as_before():
    table = read("hidden_sheet.xlsx")
    assert table.header_row == 1 and table.skipped == [] and table.notes_row is None


# --------------------------------------------------------------------------- workbooks


@pytest.mark.parametrize("name", ["stale_dimension_A1.xlsx", "stale_dimension_A1_B2.xlsx"])
def test_every_row_and_column_is_read_whatever_the_stored_used_range_says(name):
    assert cells(read(name)) == [K1, K2]


@pytest.mark.parametrize(
    "fmt",
    [
        "builtin_14",
        "builtin_31",
        "builtin_57",
        "custom_cn",
        "custom_locale",
        "custom_dbnum",
        "custom_slash",
    ],
)
def test_excel_dates_read_as_dates_under_every_date_format(fmt):
    table = read(f"dates_{fmt}.xlsx", kind="residents")
    assert table.frame["入住日期"].tolist() == ["2026-10-08"]


def test_a_formula_without_its_cached_value_refuses_its_row_never_stored_empty():
    table = read("formula_without_value.xlsx")
    assert cells(table) == [K1]
    assert table.refused == [(3, "房间数", "", "formula_no_value")]


def test_hidden_sheets_are_ignored():
    data = (TABLES / "hidden_sheet.xlsx").read_bytes()
    assert workbook_sheets(data) == ["登记表"]
    assert read("hidden_sheet.xlsx").sheet is None


def test_several_visible_sheets_ask_which_and_the_sheet_chosen_is_read():
    data = (TABLES / "two_sheets.xlsx").read_bytes()
    assert workbook_sheets(data) == ["东湖社区", "西湖社区"]  # the empty sheet is not offered
    with pytest.raises(InputError) as asked:
        read("two_sheets.xlsx")
    assert asked.value.key == "sheet_choose" and "西湖社区" in asked.value.params["sheets"]
    second = read("two_sheets.xlsx", sheet="西湖社区")
    assert cells(second) == [K2] and second.sheet == "西湖社区"
    with pytest.raises(InputError) as unknown:
        read("two_sheets.xlsx", sheet="北湖社区")
    assert unknown.value.key == "sheet_unknown"


# --------------------------------------------------------------------------- limits


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 2 GB on paper, a few bytes on disk (sparse)
        handle.write("房屋编号,详细地址\n".encode())
        handle.truncate(2 * 2**30)
    started = time.perf_counter()
    with pytest.raises(InputError) as refused:
        read_upload(huge, max_bytes=50 * 2**20)
    assert refused.value.key == "file_too_large"
    assert refused.value.params["size_mb"] == 2048.0
    assert time.perf_counter() - started < 0.5


def test_a_csv_of_a_million_columns_is_refused_within_a_second():
    data = ("房屋编号," + ",".join(f"c{i}" for i in range(1_000_000))).encode()
    data += b"\n" + b"1," * 1_000_000 + b"\n"
    assert 8 * 2**20 < len(data) < 12 * 2**20
    started = time.perf_counter()
    with pytest.raises(InputError) as refused:
        read_table(data, "wide.csv", score=partial(header_score, kind="rentals"))
    assert time.perf_counter() - started < 1.0
    assert refused.value.key == "too_many_columns"
    assert refused.value.params["limit"] == MAX_COLUMNS
    assert len(json.dumps(refused.value.params)) < 100


def test_a_wide_header_below_title_rows_is_refused_too():
    data = "登记表\n".encode() + ("," * 5_000 + "地址\n").encode() + b"x\n"
    with pytest.raises(InputError) as refused:
        read_table(data, "wide.csv", score=partial(header_score, kind="rentals"))
    assert refused.value.key == "too_many_columns"


def test_a_workbook_with_a_value_far_to_the_right_is_refused_not_allocated():
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["房屋编号", "详细地址"])
    book.active.cell(row=2, column=16_000, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InputError) as refused:
        read_table(buffer.getvalue(), "wide.xlsx")
    assert refused.value.key == "too_many_columns"


def points(n: int) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {"房屋编号": "G", "详细地址": "东湖路1号"},
        "geometry": {"type": "Point", "coordinates": [119.95, 30.06]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature] * n}).encode()


def test_point_files_have_the_row_and_size_limits_of_csv(tmp_path):
    assert len(read_table(points(5), "p.geojson", max_rows=5).frame) == 5
    with pytest.raises(InputError) as rows:
        read_table(points(6), "p.geojson", max_rows=5)
    assert rows.value.key == "too_many_rows"
    with pytest.raises(InputError) as size:
        read_table(points(50), "p.geojson", max_bytes=1_000)
    assert size.value.key == "file_too_large"
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"详细地址": ["a"] * 6}, geometry=[Point(119.95, 30.06)] * 6)
    frame.set_crs("EPSG:4326").to_file(tmp_path / "p.gpkg", driver="GPKG")
    data = (tmp_path / "p.gpkg").read_bytes()
    assert len(read_table(data, "p.gpkg", max_rows=6).frame) == 6
    with pytest.raises(InputError) as gpkg_rows:
        read_table(data, "p.gpkg", max_rows=5)
    assert gpkg_rows.value.key == "too_many_rows"


def test_a_zip_bomb_workbook_is_still_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (400 * 2**20))
    with pytest.raises(InputError) as refused:
        read_table(buffer.getvalue(), "bomb.xlsx")
    assert refused.value.key == "xlsx_too_large"


def test_a_file_read_from_disk_under_the_limit_is_read_whole(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert read_upload(path, max_bytes=100) == b"a,b\n1,2\n"


def test_the_field_case_files_are_not_in_the_repository():
    assert not list(Path(TABLES).glob("gh*"))


# --------------------------------------------------------------------------- codes, quotes


def test_numeric_code_cells_read_as_their_digits_or_as_the_number_a_spreadsheet_shows():
    table = read("numeric_codes.xlsx")
    assert table.frame["房屋编号"].tolist() == [
        "330110901001001",
        "3.30110901001001E+17",
        "330110901001002",
    ]
    assert table.frame["房东电话"].tolist() == ["13812345678", "13812345679", ""]


def test_an_unterminated_quote_swallows_no_rows():
    table = read("unterminated_quote.csv")
    assert table.malformed == [(2, "csv_unterminated_quote")]
    assert len(table.frame) == 1000
    assert table.row_numbers[[0, -1]].tolist() == [3, 1002]
    assert cells(table)[-1] == ["Q1001", "东湖路1001号", "单间"]


@pytest.mark.parametrize(
    "text",
    [
        'ref,address,room\nQ1,addr,"单间\nQ2,a,1\nQ3,b,2\n',  # in the last column
        'ref,address,room\nQ1,a,1\nQ2,b,"单间\nQ3,c,3\n',  # one row left: at the end of the file
    ],
)
def test_a_quote_left_open_is_refused_on_its_row_wherever_it_is(text):
    table = read_table(text.encode(), "x.csv")
    assert ("csv_unterminated_quote" in dict(table.malformed).values()) is True
    assert table.frame["ref"].tolist()[-1] == "Q3"


def test_a_cell_with_a_line_break_is_still_one_cell():
    text = 'ref,address,room\nQ1,"东湖路1号\n朝南, 有阳台",1\nQ2,b,2\n'
    table = read_table(text.encode(), "x.csv")
    assert table.malformed == []
    assert table.frame["address"].tolist() == ["东湖路1号\n朝南, 有阳台", "b"]
