"""Write the corpus of hostile upload files in tests/data/bad/ and its manifest.json.

Every file is small and made here from scratch (nothing downloaded). The manifest says, for
each file, the upload kind and arguments, the exit code the command must give, and either
the message (exit 2: the file as a whole is refused, the database does not change) or the
exact rejected cells and the number of accepted rows (exit 0).

    python tests/data/make_bad_files.py
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl

from geo.identifiers import id_check_digit

HERE = Path(__file__).resolve().parent / "bad"
FULLWIDTH_LON = "\uff11\uff11\uff19\uff0e\uff19\uff15"  # 119.95 in full-width digits
FULLWIDTH_LAT = "\uff13\uff10\uff0e\uff10\uff15"  # 30.05
RENTALS = [
    "房屋编号",
    "详细地址",
    "房间号",
    "经度",
    "纬度",
    "房屋类型",
    "房间数",
    "建筑面积",
    "房东姓名",
    "房东电话",
]
RESIDENTS = ["身份证号", "姓名", "手机号", "房屋编号", "入住日期", "搬离日期"]
manifest: list[dict[str, object]] = []


def id_number(first17: str) -> str:
    return first17 + id_check_digit(first17)


def person(n: int) -> str:
    """A valid ID number, different for each n (born 1990, Linquan county, Anhui)."""
    return id_number(f"341221199001{(n % 28) + 1:02d}{n % 1000:03d}")


def rental(tag: str, n: int, **changes: str) -> list[str]:
    row = {
        "房屋编号": f"BAD-{tag}-{n}",
        "详细地址": f"白鹭村{n}组{n}号",
        "房间号": str(100 + n),
        "经度": f"{119.950 + n * 0.0004:.6f}",
        "纬度": f"{30.050 + n * 0.0003:.6f}",
        "房屋类型": "单间",
        "房间数": "1",
        "建筑面积": "20",
        "房东姓名": f"房东{n}",
        "房东电话": f"1390000{n:04d}",
    }
    row.update(changes)
    return [row[h] for h in RENTALS]


def csv_bytes(
    header: list[str], rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(
    name: str,
    data: bytes,
    message: str,
    *,
    kind: str = "rentals",
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    (HERE / name).write_bytes(data)
    manifest.append(
        {
            "file": name,
            "kind": kind,
            "args": args or [],
            "env": env or {},
            "exit": 2,
            "message": message,
        }
    )


def partly(
    name: str,
    data: bytes,
    *,
    accepted: int,
    rejects: list[tuple[int, str, str]],
    kind: str = "rentals",
    args: list[str] | None = None,
    dropped: list[str] | None = None,
    before: tuple[str, str] | None = None,
    counts: dict[str, int] | None = None,
) -> None:
    """A file processed with some rows rejected; ``before`` = (file, kind) imported first."""
    (HERE / name).write_bytes(data)
    manifest.append(
        {
            "file": name,
            "kind": kind,
            "args": args or [],
            "env": {},
            "exit": 0,
            "accepted": accepted,
            "rejects": [list(r) for r in rejects],
            "dropped": dropped or [],
            "counts": counts or {},
            "before": None if before is None else {"file": before[0], "kind": before[1]},
        }
    )


def whole_file_refusals() -> None:
    good = csv_bytes(RENTALS, [rental("ok", 1)])
    refused("empty.csv", b"", "文件中没有可用的记录")
    refused("only_whitespace.csv", b"  \r\n\r\n \t\r\n", "文件中没有可用的记录")
    refused("only_delimiters.csv", b",,,\r\n,,,\r\n", "文件中没有可用的记录")
    refused("header_only.csv", csv_bytes(RENTALS, []), "文件只有表头")
    refused("header_only_gbk.csv", csv_bytes(RENTALS, [], encoding="gbk"), "文件只有表头")
    refused("header_only.xlsx", xlsx_bytes(RENTALS, []), "文件只有表头")
    refused("missing_kind_column.csv", csv_bytes(RENTALS[:5], [rental("m", 1)[:5]]), "缺少必填列")
    no_address = [h for h in RENTALS if h != "详细地址"]
    refused(
        "missing_address_column.csv", csv_bytes(no_address, [["x"] * len(no_address)]), "缺少必填列"
    )
    refused(
        "residents_without_property.csv",
        csv_bytes(["身份证号", "姓名", "入住日期"], [[person(1), "甲", "2026-01-01"]]),
        "缺少必填列：房屋编号或地址",
        kind="residents",
    )
    refused(
        "visits_without_outcome.csv",
        csv_bytes(["房屋编号", "走访时间"], [["D00-P000001", "2026-01-01"]]),
        "缺少必填列",
        kind="visits",
    )
    refused("binary_noise.csv", bytes(range(256)) * 8, "不是文本表格")
    refused(
        "png_named_csv.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "不是文本表格"
    )
    refused(
        "utf16_without_bom.csv", "房屋编号,详细地址\r\n1,2\r\n".encode("utf-16-le"), "不是文本表格"
    )
    refused(
        "invalid_gb18030.csv", b"\xff\xff\xfe\x80,\x81\r\n\x80\x80,\xff\r\n", "无法识别文件编码"
    )
    refused("text_named_xlsx.xlsx", good, "不是有效的 Excel")
    real = xlsx_bytes(RENTALS, [rental("x", 1)])
    refused("truncated.xlsx", real[: len(real) // 2], "不是有效的 Excel")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    refused("zip_not_workbook.xlsx", buffer.getvalue(), "不是有效的 Excel")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (320 * 1024 * 1024))
    refused("zip_bomb.xlsx", buffer.getvalue(), "解压后过大")
    refused("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "不支持旧版 .xls")
    refused("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "不支持的文件类型")
    refused("not_geojson.geojson", b"{this is not json", "无法读取文件")
    many = csv_bytes(RENTALS, [rental("many", i) for i in range(30)])
    refused("too_many_rows.csv", many, "行数超过上限", env={"GRIDHOUSE_UPLOAD_MAX_ROWS": "20"})
    refused("too_large.csv", many, "文件过大", env={"GRIDHOUSE_UPLOAD_MAX_MB": "0.001"})
    refused("map_to_missing_column.csv", good, "映射中的列不在文件中", args=["--map", "kind=类别"])
    refused("map_unknown_field.csv", good, "映射中的字段不存在", args=["--map", "colour=房屋类型"])
    refused("unknown_crs.csv", good, "无法识别的坐标系", args=["--crs", "mercator"])


def row_problems() -> None:
    def rows(tag: str, bad: dict[int, dict[str, str]], n: int = 4) -> list[list[str]]:
        return [rental(tag, i, **bad.get(i, {})) for i in range(1, n + 1)]

    partly(
        "gbk_encoding.csv",
        csv_bytes(RENTALS, rows("gbk", {}), encoding="gbk"),
        accepted=4,
        rejects=[],
    )
    partly(
        "utf8_bom.csv",
        b"\xef\xbb\xbf" + csv_bytes(RENTALS, rows("bom", {})),
        accepted=4,
        rejects=[],
    )
    partly(
        "utf16_bom_tabs.txt",
        b"\xff\xfe" + csv_bytes(RENTALS, rows("u16", {}), delimiter="\t", encoding="utf-16-le"),
        accepted=4,
        rejects=[],
    )
    partly(
        "semicolons.csv",
        csv_bytes(RENTALS, rows("semi", {}), delimiter=";"),
        accepted=4,
        rejects=[],
    )
    partly("tabs.tsv", csv_bytes(RENTALS, rows("tab", {}), delimiter="\t"), accepted=4, rejects=[])
    partly("pipes.txt", csv_bytes(RENTALS, rows("pipe", {}), delimiter="|"), accepted=4, rejects=[])
    partly(
        "nan_coordinates.csv",
        csv_bytes(RENTALS, rows("nan", {2: {"经度": "NaN", "纬度": "nan"}})),
        accepted=3,
        rejects=[(3, "lon", "not_number"), (3, "lat", "not_number")],
    )
    partly(
        "inf_coordinates.csv",
        csv_bytes(RENTALS, rows("inf", {3: {"经度": "inf", "纬度": "-Infinity"}})),
        accepted=3,
        rejects=[(4, "lon", "not_number"), (4, "lat", "not_number")],
    )
    partly(
        "out_of_range_coordinates.csv",
        csv_bytes(RENTALS, rows("oor", {1: {"经度": "200", "纬度": "95"}})),
        accepted=3,
        rejects=[
            (2, "lon", "coord_range"),
            (2, "lat", "coord_range"),
            (2, "lon,lat", "coord_outside"),
        ],
    )
    partly(
        "swapped_coordinates.csv",
        csv_bytes(RENTALS, rows("swap", {2: {"经度": "30.05", "纬度": "119.95"}})),
        accepted=3,
        rejects=[(3, "lat", "coord_range"), (3, "lon,lat", "coord_swapped")],
    )
    partly(
        "zero_coordinates.csv",
        csv_bytes(RENTALS, rows("zero", {4: {"经度": "0", "纬度": "0"}})),
        accepted=3,
        rejects=[(5, "lon,lat", "coord_zero")],
    )
    partly(
        "beijing_coordinates.csv",
        csv_bytes(RENTALS, rows("bj", {1: {"经度": "116.404", "纬度": "39.915"}})),
        accepted=3,
        rejects=[(2, "lon,lat", "coord_outside")],
    )
    partly(
        "one_coordinate.csv",
        csv_bytes(RENTALS, rows("one", {1: {"纬度": ""}})),
        accepted=3,
        rejects=[(2, "lon,lat", "coord_incomplete")],
    )
    partly(
        "no_coordinates.csv",
        csv_bytes(RENTALS, rows("noc", {1: {"经度": "", "纬度": ""}})),
        accepted=4,
        rejects=[],
    )  # kept, flagged as without coordinates
    partly(
        "fullwidth_digits.csv",
        csv_bytes(RENTALS, rows("fw", {1: {"经度": FULLWIDTH_LON, "纬度": FULLWIDTH_LAT}})),
        accepted=4,
        rejects=[],
    )
    partly(
        "words_for_numbers.csv",
        csv_bytes(RENTALS, rows("word", {2: {"房间数": "三"}})),
        accepted=3,
        rejects=[(3, "rooms", "not_number")],
    )
    partly(
        "fractional_rooms.csv",
        csv_bytes(RENTALS, rows("frac", {2: {"房间数": "2.5"}})),
        accepted=3,
        rejects=[(3, "rooms", "not_integer")],
    )
    partly(
        "negative_area.csv",
        csv_bytes(RENTALS, rows("neg", {1: {"建筑面积": "-30"}})),
        accepted=3,
        rejects=[(2, "floor_area_m2", "out_of_range")],
    )
    partly(
        "unknown_kind.csv",
        csv_bytes(RENTALS, rows("kind", {3: {"房屋类型": "城堡"}})),
        accepted=3,
        rejects=[(4, "kind", "not_in_choices")],
    )
    partly(
        "ten_thousand_characters.csv",
        csv_bytes(RENTALS, rows("long", {1: {"详细地址": "长" * 10_000}})),
        accepted=3,
        rejects=[(2, "address", "too_long")],
    )
    partly(
        "formula_cells.csv",
        csv_bytes(
            RENTALS,
            rows(
                "fx",
                {
                    1: {"详细地址": '=HYPERLINK("http://x","点我")'},
                    2: {"房东姓名": "@SUM(A1:A9)"},
                    3: {"房东姓名": "+cmd|' /C calc'!A0"},
                },
            ),
        ),
        accepted=1,
        rejects=[
            (2, "address", "formula"),
            (3, "landlord_name", "formula"),
            (4, "landlord_name", "formula"),
        ],
    )
    partly(
        "bad_phone.csv",
        csv_bytes(RENTALS, rows("ph", {1: {"房东电话": "12345"}})),
        accepted=3,
        rejects=[(2, "landlord_phone", "phone_format")],
    )
    partly(
        "required_empty.csv",
        csv_bytes(RENTALS, rows("req", {2: {"详细地址": " "}, 3: {"房屋类型": ""}})),
        accepted=2,
        rejects=[(3, "address", "required"), (4, "kind", "required")],
    )
    partly(
        "duplicate_refs_in_file.csv",
        csv_bytes(RENTALS, [*rows("dup", {}), rental("dup", 2)]),
        accepted=4,
        rejects=[(6, "external_ref", "duplicate_in_file")],
    )
    partly(
        "duplicate_refs_across_files.csv",
        csv_bytes(RENTALS, [rental("cross", 1), rental("cross", 2, 房间数="3")]),
        accepted=2,
        rejects=[],
        before=("duplicate_refs_across_files_first.csv", "rentals"),
        counts={"inserted": 0, "updated": 1, "unchanged": 1},
    )
    (HERE / "duplicate_refs_across_files_first.csv").write_bytes(
        csv_bytes(RENTALS, [rental("cross", 1), rental("cross", 2)])
    )
    ragged = (
        csv_bytes(RENTALS, rows("rag", {}))
        + b"BAD-rag-9,x,1,119.95,30.05,\xe5\x8d\x95\xe9\x97\xb4,1,20,a,13900000009,extra,more\r\n"
    )
    partly("ragged_row.csv", ragged, accepted=4, rejects=[(6, "", "row_too_many_fields")])
    short = csv_bytes(RENTALS, rows("short", {})) + "BAD-short-9,白鹭村9组\r\n".encode()
    partly("short_row.csv", short, accepted=4, rejects=[(6, "kind", "required")])
    blank_lines = csv_bytes(RENTALS, rows("blank", {})).replace(
        b"\r\nBAD-blank-3", b"\r\n\r\n\r\nBAD-blank-3"
    )
    partly("blank_lines.csv", blank_lines, accepted=4, rejects=[])
    newline = csv_bytes(
        RENTALS, rows("nl", {1: {"详细地址": "白鹭村\n1组1号"}, 3: {"房间数": "x"}})
    )
    partly("quoted_newline.csv", newline, accepted=3, rejects=[(4, "rooms", "not_number")])
    partly(
        "duplicate_headers.csv",
        csv_bytes([*RENTALS, "详细地址"], [[*r, "另一地址"] for r in rows("dh", {})]),
        accepted=4,
        rejects=[],
    )
    partly(
        "sensitive_columns.csv",
        csv_bytes(
            [*RENTALS, "民族", "宗教信仰", "怀孕情况", "健康状况", "节育措施"],
            [[*r, "汉", "无", "否", "良好", "无"] for r in rows("sens", {})],
        ),
        accepted=4,
        rejects=[],
        dropped=["民族", "宗教信仰", "怀孕情况", "健康状况", "节育措施"],
    )
    partly(
        "explicit_mapping.csv",
        csv_bytes(
            ["编号", "门牌", "类别", "X", "Y"],
            [["BAD-map-1", "白鹭村1组", "单间", "119.951", "30.051"]],
        ),
        accepted=1,
        rejects=[],
        args=[
            "--map",
            "external_ref=编号",
            "--map",
            "address=门牌",
            "--map",
            "kind=类别",
            "--map",
            "lon=X",
            "--map",
            "lat=Y",
        ],
    )
    partly(
        "gcj02_points.csv",
        csv_bytes(RENTALS, rows("gcj", {})),
        accepted=4,
        rejects=[],
        args=["--crs", "gcj02"],
    )
    xl = xlsx_bytes(
        RENTALS,
        [
            [*rental("xl", 1)[:3], 119.95, 30.05, "单间", 1, 20.5, "房东", 13900000001],
            [*rental("xl", 2)[:3], "abc", 30.05, "单间", 1, 20, "房东", 13900000002],
        ],
    )
    partly("numbers_in_xlsx.xlsx", xl, accepted=1, rejects=[(3, "lon", "not_number")])


def other_kinds() -> None:
    def residents(rows: list[list[str]]) -> bytes:
        return csv_bytes(RESIDENTS, rows)

    base = [[person(i), f"住户{i}", "", f"D00-P{i:06d}", "2026-06-01", ""] for i in range(1, 4)]
    partly(
        "residents_bad_check_digit.csv",
        residents(
            [
                *base,
                [
                    person(9)[:-1] + ("0" if person(9)[-1] != "0" else "1"),
                    "错号",
                    "",
                    "D00-P000009",
                    "2026-06-01",
                    "",
                ],
            ]
        ),
        kind="residents",
        accepted=3,
        rejects=[(5, "id_number", "id_check_digit")],
    )
    partly(
        "residents_bad_birth_date.csv",
        residents(
            [*base, [id_number("34122119901332001"), "错日", "", "D00-P000009", "2026-06-01", ""]]
        ),
        kind="residents",
        accepted=3,
        rejects=[(5, "id_number", "id_birth_date")],
    )
    partly(
        "residents_short_id.csv",
        residents([*base, ["3412211990", "短号", "", "D00-P000009", "2026-06-01", ""]]),
        kind="residents",
        accepted=3,
        rejects=[(5, "id_number", "id_format")],
    )
    partly(
        "residents_bad_dates.csv",
        residents(
            [
                *base,
                [person(10), "日期", "", "D00-P000010", "2026-13-45", ""],
                [person(11), "日期", "", "D00-P000011", "昨天", ""],
            ]
        ),
        kind="residents",
        accepted=3,
        rejects=[(5, "moved_in", "date_impossible"), (6, "moved_in", "not_a_date")],
    )
    partly(
        "residents_future_move_in.csv",
        residents([*base, [person(12), "未来", "", "D00-P000012", "2030-01-01", ""]]),
        kind="residents",
        accepted=3,
        rejects=[(5, "moved_in", "date_future")],
    )
    partly(
        "residents_out_before_in.csv",
        residents([*base, [person(13), "倒序", "", "D00-P000013", "2026-06-01", "2026-01-01"]]),
        kind="residents",
        accepted=3,
        rejects=[(5, "dates", "date_order")],
    )
    partly(
        "residents_unknown_property.csv",
        residents([*base, [person(14), "无房", "", "NO-SUCH-UNIT", "2026-06-01", ""]]),
        kind="residents",
        accepted=3,
        rejects=[(5, "property_ref", "property_unknown")],
    )
    partly(
        "residents_overlapping_stay.csv",
        residents(
            [
                *base,
                [person(16), "重叠", "", "D00-P000020", "2026-01-01", "2026-05-01"],
                [person(16), "重叠", "", "D00-P000021", "2026-03-01", "2026-06-01"],
            ]
        ),
        kind="residents",
        accepted=4,
        rejects=[(6, "moved_in", "stay_overlap")],
    )
    partly(
        "residents_move_within_file.csv",
        residents(
            [
                [person(17), "搬家", "", "D00-P000022", "2026-02-01", ""],
                [person(17), "搬家", "", "D00-P000023", "2026-08-01", ""],
            ]
        ),
        kind="residents",
        accepted=2,
        rejects=[],
        counts={"inserted": 2},
    )
    partly(
        "residents_bad_phone.csv",
        residents([*base, [person(15), "电话", "1380000", "D00-P000015", "2026-06-01", ""]]),
        kind="residents",
        accepted=3,
        rejects=[(5, "phone", "phone_format")],
    )
    # Excel keeps an 18-digit number as a float: the last digits are gone.
    id_as_number = xlsx_bytes(
        RESIDENTS, [[float(person(18)[:-1] + "0"), "数字号", "", "D00-P000016", "2026-06-01", ""]]
    )
    partly(
        "residents_id_as_number.xlsx",
        id_as_number,
        kind="residents",
        accepted=0,
        rejects=[(2, "id_number", "code_lost_digits")],
    )
    visits = ["房屋编号", "走访时间", "走访结果", "见到人数", "走访组"]
    partly(
        "visits_bad_outcome.csv",
        csv_bytes(
            visits,
            [
                ["D00-P000001", "2026-11-01 09:00", "已核实", "1", "甲组"],
                ["D00-P000002", "2026-11-01", "很好", "1", "甲组"],
            ],
        ),
        kind="visits",
        accepted=1,
        rejects=[(3, "outcome", "not_in_choices")],
    )
    partly(
        "visits_unknown_property.csv",
        csv_bytes(
            visits,
            [
                ["D00-P000001", "2026-11-02", "空置", "0", ""],
                ["NOPE-1", "2026-11-02", "已核实", "1", ""],
            ],
        ),
        kind="visits",
        accepted=1,
        rejects=[(3, "property_ref", "property_unknown")],
    )
    partly(
        "visits_negative_seen.csv",
        csv_bytes(visits, [["D00-P000003", "2026-11-03", "已核实", "-1", ""]]),
        kind="visits",
        accepted=0,
        rejects=[(2, "residents_seen", "out_of_range")],
    )
    jobs = ["身份证号", "单位编号", "入职日期"]
    (HERE / "employment_people_first.csv").write_bytes(residents(base))
    partly(
        "employment_unknown_worksite.csv",
        csv_bytes(
            jobs,
            [[person(1), "D00-W0001", "2026-06-05"], [person(2), "NO-SUCH-SITE", "2026-06-01"]],
        ),
        kind="employment",
        accepted=1,
        rejects=[(3, "worksite_ref", "worksite_unknown")],
        before=("employment_people_first.csv", "residents"),
    )
    partly(
        "employment_unknown_person.csv",
        csv_bytes(jobs, [[person(777), "D00-W0001", "2026-06-01"]]),
        kind="employment",
        accepted=0,
        rejects=[(2, "id_number", "person_unknown")],
    )
    sites = ["单位编号", "单位名称", "单位类型", "经度", "纬度", "从业人数"]
    partly(
        "worksites_bad_kind.xlsx",
        xlsx_bytes(
            sites,
            [
                ["BAD-W-1", "示范厂", "工厂", 119.95, 30.05, 30],
                ["BAD-W-2", "示范塔", "城堡", 119.95, 30.05, 5],
            ],
        ),
        kind="worksites",
        accepted=1,
        rejects=[(3, "kind", "not_in_choices")],
    )


def main() -> None:
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    whole_file_refusals()
    row_problems()
    other_kinds()
    (HERE / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(manifest)} files in {HERE}")


if __name__ == "__main__":
    main()
