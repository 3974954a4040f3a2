"""Which row is the header, which columns hold what, and one column of coordinates."""

from __future__ import annotations

import pandas as pd

from geo.columns import COORDINATES, header_score, plan_columns
from geo.intake import midnight_as_date, split_coordinates
from geo.io.tables import is_notes_row, locate_header

BOX = (119.90, 30.00, 120.00, 30.10)


def test_the_header_is_the_row_naming_the_most_fields():
    rows = [
        ["东湖社区出租房屋登记表（2026年11月）"],
        ["填报单位：东湖社区居委会", "", "", "", "填报日期：2026-11-20"],
        ["房屋编号", "详细地址", "房间号", "经度", "纬度"],
        ["T-1", "东湖路21号", "101", "119.9551", "30.0601"],
    ]
    assert locate_header(rows, lambda cells: header_score(cells, "rentals")) == 2
    assert header_score(rows[3], "rentals") == 0


def test_a_units_line_and_an_english_header_line_are_notes_but_data_is_not():
    header = ["房屋编号", "详细地址", "房间数", "建筑面积"]
    score = lambda cells: header_score(cells, "rentals")  # noqa: E731
    assert is_notes_row(["", "", "单位：间", "（平方米）"], header, score)
    assert is_notes_row(["ref", "address", "rooms", "floor area"], header, score)
    assert not is_notes_row(["T-1", "东湖路21号", "2", "35"], header, score)
    assert not is_notes_row(["T-1", "（空置）", "2", "35"], header, score)


def test_one_column_of_coordinates_is_planned_when_no_column_gives_them_apart():
    plan = plan_columns(["房屋编号", "地址", "坐标", "房屋类型"], kind="rentals")
    assert plan.coordinates == "坐标" and "坐标" not in plan.ignored
    assert {"column": "坐标", "field": COORDINATES, "use": "field"} in plan.preview()
    apart = plan_columns(["房屋编号", "地址", "经度", "纬度", "坐标"], kind="rentals")
    assert apart.coordinates is None and "坐标" in apart.ignored
    chosen = plan_columns(
        ["房屋编号", "地址", "位置"], kind="rentals", explicit={"coordinates": "位置"}
    )
    assert chosen.coordinates == "位置"


def test_the_order_of_a_pair_comes_from_the_values_and_the_jurisdiction():
    lnglat = split_coordinates(pd.Series(["119.96,30.05", "119.97，30.06"]), bounds=BOX)
    assert lnglat.order == "lng,lat" and lnglat.lon.tolist() == ["119.96", "119.97"]
    latlng = split_coordinates(pd.Series(["30.05, 119.96"]), bounds=BOX)
    assert latlng.order == "lat,lng" and latlng.lon.tolist() == ["119.96"]
    far = split_coordinates(pd.Series(["39.9, 116.4"]), bounds=BOX)  # outside: China's shape
    assert far.order == "lat,lng"
    wkt = split_coordinates(pd.Series(["POINT (119.96 30.05)", "point(119.97 30.06)"]), bounds=BOX)
    assert wkt.order == "lng,lat" and wkt.lat.tolist() == ["30.05", "30.06"]
    metres = split_coordinates(pd.Series(["40512345.1 3329876.5"]), bounds=BOX)
    assert metres.order == "x,y"


def test_a_cell_that_is_no_pair_is_unreadable_and_a_column_of_words_is_no_coordinates():
    split = split_coordinates(pd.Series(["119.96,30.05", "东湖路", ""]), bounds=BOX)
    assert split.unreadable.tolist() == [False, True, False]
    assert split_coordinates(pd.Series(["东湖路", "西湖路"]), bounds=BOX) is None


def test_midnight_date_times_become_dates_and_other_times_stay():
    cells = pd.Series(["2026/10/9 0:00", "2026-10-09 00:00:00", "2026/10/9 9:30", "2026/10/9"])
    assert midnight_as_date(cells).tolist() == [
        "2026/10/9",
        "2026-10-09",
        "2026/10/9 9:30",
        "2026/10/9",
    ]
