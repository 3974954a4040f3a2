"""Make the small tables of tests/data/tables/ (run from the repository root):

    .venv/bin/python tests/data/tables/make_tables.py

Each file is one kind of table as spreadsheet programs and registrars write them; the tests
(tests/test_tables.py, tests/test_intake.py) say what each must give.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
HEADER = ["房屋编号", "详细地址", "房间号", "经度", "纬度", "房屋类型", "房间数"]
ROWS = [
    ["K-1", "东湖路41号", "101", 119.9551, 30.0601, "单间", 1],
    ["K-2", "东湖路43号", "201", 119.9553, 30.0603, "整套", 3],
]


def rewrite(path: Path, edit) -> None:
    """Rewrite the parts of an XLSX (name -> bytes) through ``edit``, as another program
    saving the file would."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, edit(name, data))


def sheet(book, title, rows):
    ws = book.create_sheet(title)
    for row in rows:
        ws.append(row)
    return ws


def new_book():
    book = openpyxl.Workbook()
    book.remove(book.active)
    return book


def formula_without_value() -> None:
    """Row 3's room count is a formula saved without its value (openpyxl, scripts, some
    exporters): the row must be refused, never stored with an empty count."""
    book = new_book()
    sheet(book, "登记表", [HEADER, ROWS[0], [*ROWS[1][:6], "=1+2"]])
    book.save(HERE / "formula_without_value.xlsx")


def hidden_sheet() -> None:
    """A visible register and a hidden sheet of lookup values: only the register is read."""
    book = new_book()
    sheet(book, "登记表", [HEADER, *ROWS])
    hidden = sheet(book, "代码表", [["房屋类型", "代码"], ["单间", "1"], ["整套", "2"]])
    hidden.sheet_state = "hidden"
    book.save(HERE / "hidden_sheet.xlsx")


def two_sheets() -> None:
    """Two visible sheets with data (two communities' registers): the reader asks which."""
    book = new_book()
    sheet(book, "东湖社区", [HEADER, ROWS[0]])
    sheet(book, "西湖社区", [HEADER, ROWS[1]])
    sheet(book, "空白", [])
    book.save(HERE / "two_sheets.xlsx")


def units_row() -> None:
    """A second header line of units and notes under the header (CSV and XLSX)."""
    notes = ["（如 A-1）", "", "", "（度）", "（度）", "例：单间", "单位：间"]
    text = "\n".join(",".join(str(c) for c in r) for r in [HEADER, notes, *ROWS]) + "\n"
    (HERE / "units_row.csv").write_text(text, encoding="utf-8")
    book = new_book()
    sheet(book, "登记表", [HEADER, ["(ref)", "(address)", "(room)", "(lon)", "(lat)"], *ROWS])
    book.save(HERE / "units_row.xlsx")


def english_second_header() -> None:
    """Chinese headers with the English ones under them."""
    english = ["ref", "address", "room", "lon", "lat", "kind", "rooms"]
    text = "\n".join(",".join(str(c) for c in r) for r in [HEADER, english, *ROWS]) + "\n"
    (HERE / "english_second_header.csv").write_text(text, encoding="utf-8")


def title_rows_csv() -> None:
    """A GBK CSV with a title line and a 填报单位 line above the header (Excel's 'CSV')."""
    lines = [
        "西湖社区流动人口租住登记表,,,,,,",
        "填报单位：西湖社区居委会,,,,填报日期：2026年11月20日,,",
        ",,,,,,",
        ",".join(HEADER),
        *(",".join(str(c) for c in r) for r in ROWS),
    ]
    (HERE / "title_rows.csv").write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")


def merged_heading_xlsx() -> None:
    """A merged heading over groups of columns (房屋信息 | 位置 | 情况) above the header."""
    book = new_book()
    ws = sheet(
        book,
        "Sheet1",
        [
            ["东湖社区出租房屋台账"],
            ["房屋信息", None, None, "位置", None, "情况", None],
            HEADER,
            *ROWS,
        ],
    )
    ws.merge_cells("A1:G1")
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:E2")
    ws.merge_cells("F2:G2")
    book.save(HERE / "merged_heading.xlsx")


DATE_FORMATS = {
    # built-in ids Excel leaves out of styles.xml (Chinese Excel's long and short dates)
    "builtin_31": 31,
    "builtin_57": 57,
    "builtin_14": 14,
    # custom formats as Chinese Excel and WPS write them
    "custom_cn": 'yyyy"年"m"月"d"日"',
    "custom_locale": "[$-804]yyyy年m月d日;@",
    "custom_dbnum": '[DBNum1][$-804]yyyy"年"m"月"d"日"',
    "custom_slash": "yyyy/m/d;@",
}


def date_formats() -> None:
    """One residents sheet per date format: move-in 2026-10-08 (serial 46303) under each."""
    for name, fmt in DATE_FORMATS.items():
        book = new_book()
        ws = sheet(
            book,
            "Sheet1",
            [
                ["身份证号", "姓名", "房屋编号", "入住日期"],
                ["430521199307261476", "丁某", "D00-P000001", date(2026, 10, 8)],
            ],
        )
        cell = ws["D2"]
        cell.number_format = fmt if isinstance(fmt, str) else 'yyyy"年"m"月"d"日"'
        path = HERE / f"dates_{name}.xlsx"
        book.save(path)
        if isinstance(fmt, int):  # a built-in id: no numFmt in the file, only its number

            def to_builtin(part: str, data: bytes, fmt: int = fmt) -> bytes:
                if part != "xl/styles.xml":
                    return data
                data = re.sub(rb"<numFmts.*?</numFmts>", b"", data, flags=re.S)
                return re.sub(rb'numFmtId="16[4-9]"', f'numFmtId="{fmt}"'.encode(), data)

            rewrite(path, to_builtin)


def stale_dimension() -> None:
    """A register re-saved by WPS: the sheet's stored used range says A1 (or a stale B2)."""
    for ref in ("A1", "A1:B2"):
        book = new_book()
        sheet(book, "登记表", [HEADER, *ROWS])
        path = HERE / f"stale_dimension_{ref.replace(':', '_')}.xlsx"
        book.save(path)

        def stale(part: str, data: bytes, ref: str = ref) -> bytes:
            if part.startswith("xl/worksheets/sheet"):
                return re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
            return data

        rewrite(path, stale)


def coordinates_in_one_column() -> None:
    """One column of coordinate pairs: AMap's lng,lat, lat,lng, and WKT POINT(x y)."""
    lines = {
        "coords_latlng.csv": [
            "房屋编号,地址,经纬度",
            'L-1,东湖路71号,"30.057633, 119.960012"',
            'L-2,东湖路73号,"30.057902,119.960311"',
            "L-3,东湖路75号,不详",
        ],
        "coords_point.csv": [
            "房屋编号,地址,WKT",
            "P-1,东湖路81号,POINT(119.960012 30.057633)",
            "P-2,东湖路83号,POINT (119.960311 30.057902)",
            "P-3,东湖路85号,",
        ],
    }
    for name, rows in lines.items():  # with the unit's kind, which rentals require
        kinds = ["房屋类型"] + ["单间"] * (len(rows) - 1)
        text = "".join(f"{row},{kind}\n" for row, kind in zip(rows, kinds, strict=True))
        (HERE / name).write_text(text, encoding="utf-8")


def invisible_characters() -> None:
    """Text pasted from Word and chat apps: a vertical tab, zero-width spaces, a right-to-left
    override, full-width letters in a name, a tab and a line break in a note."""
    rows = [
        "身份证号,姓名,房屋编号,入住日期,备注",
        '430521199307261476,"丁\u200b某\u202e",D00-P000001,2026-10-08,"一楼\t朝南\n有阳台"',
        '510921198502142584,"\uff37ang\u3000Li",D00-P000002,2026-10-08,"东湖路\u000b3号"',
        '110101199003074514,"<b>王</b>",D00-P000003,2026-10-08,',
    ]
    (HERE / "invisible_characters.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def impossible_visit_times() -> None:
    """Visit times no clock shows (25:00, 99:99) and a day February does not have, among a
    good one: refused as impossible, never rolled over into the next day."""
    rows = [
        "房屋编号,走访时间,走访结果",
        "D00-P000001,2026-11-29 25:00,已核实",
        "D00-P000002,2026-11-27 99:99,已核实",
        "D00-P000003,2026-02-30 10:00,已核实",
        "D00-P000004,2026/11/28 23:59,已核实",
    ]
    (HERE / "visits_impossible_times.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def numeric_codes() -> None:
    """房屋编号 and 房东电话 typed as numbers: 15 digits a spreadsheet keeps, 18 it does not
    (Excel stores 3.30110901001001E+17), and a CSV saved from such a sheet."""
    book = new_book()
    ws = sheet(book, "登记表", [["房屋编号", "详细地址", "房屋类型", "房东电话"]])
    ws.append([330110901001001.0, "东湖路91号", "单间", 13812345678.0])
    ws.append([3.30110901001001e17, "东湖路93号", "单间", 13812345679])
    ws.append(["330110901001002", "东湖路95号", "单间", ""])
    book.save(HERE / "numeric_codes.xlsx")
    rows = [
        "房屋编号,详细地址,房屋类型",
        "3.30111E+19,东湖路97号,单间",
        "330110901001003,东湖路99号,单间",
    ]
    (HERE / "numeric_codes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def unterminated_quote() -> None:
    """Row 2 opens a quote it never closes, then 1000 good rows: the quote is named on its
    row and the 1000 rows are read, not swallowed into one cell."""
    rows = ["房屋编号,详细地址,房屋类型", 'Q1,"unterminated,单间']
    rows += [f"Q{n},东湖路{n}号,单间" for n in range(2, 1002)]
    (HERE / "unterminated_quote.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    formula_without_value()
    hidden_sheet()
    two_sheets()
    units_row()
    english_second_header()
    title_rows_csv()
    merged_heading_xlsx()
    date_formats()
    stale_dimension()
    coordinates_in_one_column()
    invisible_characters()
    impossible_visit_times()
    numeric_codes()
    unterminated_quote()
