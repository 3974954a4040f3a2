"""The list as a team sees it, one row a unit in walking order: the given columns, their
text cleaned of control and invisible characters, then the blank columns a team fills in;
written as XLSX with every cell text."""

from __future__ import annotations

import io
import re
from typing import Final

import pandas as pd

from geo.io.arealists.codes import unit_code

LIST_COLUMNS: Final = (
    "序号",
    "任务编号",
    "走访组",
    "房屋编号",
    "社区",
    "网格",
    "地址",
    "房间",
    "登记人数",
    "登记人员",
    "核对码",
)
"""What a team is given, in this order (核对码: :func:`unit_code`)."""


FILL_COLUMNS: Final = ("走访时间", "走访结果", "见到人数", "备注")
"""What a team writes back (the visits upload reads these headers)."""


OUTCOME_HINT: Final = "已核实/有变化/无人在家/拒绝/空置/查无此人"


_UNWANTED: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]+"
)
"""Control characters (line breaks and tabs included: a list cell is one line), zero-width
and bidirectional-override characters, and code points XML 1.0 forbids."""


def clean_text(value: object) -> str:
    """A stored value as list text: control, zero-width and bidirectional characters become
    one space (``东湖路12号\v2幢`` -> ``东湖路12号 2幢``), and the text is trimmed; valid
    in XML 1.0, in CSV and in a spreadsheet cell.

    >>> clean_text("东湖路12号\x0b2幢"), clean_text(" a\u202eb\u200b "), clean_text(-1)
    ('东湖路12号 2幢', 'a b', '-1')
    """
    return _UNWANTED.sub(" ", str(value)).strip()


def sheet(items: pd.DataFrame) -> pd.DataFrame:
    """The list as a team sees it: given columns (their text cleaned, see
    :func:`clean_text`), then blank columns to fill in. A list without unit numbers
    (``property_id``) has a blank 核对码."""
    given = items.copy()
    if "核对码" not in given:
        ids = given["property_id"] if "property_id" in given else pd.Series(None, index=given.index)
        given["核对码"] = [
            "" if pd.isna(i) else unit_code(int(i)) for i in ids.astype(object).tolist()
        ]
    chosen = given[list(LIST_COLUMNS)].astype(object)
    table = chosen.where(chosen.notna(), "").map(
        lambda v: clean_text(v) if isinstance(v, str) else v
    )
    for column in FILL_COLUMNS:
        table[column] = ""
    return table


def write_xlsx(items: pd.DataFrame, title: str) -> bytes:
    """The list as one sheet, every cell text, the outcome column offering the outcomes."""
    import xlsxwriter

    table = sheet(items)
    out = io.BytesIO()
    # Every cell is text: a value such as "=1+1" or "00123" stays what it is.
    book = xlsxwriter.Workbook(
        out,
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "constant_memory": True,
            "in_memory": True,
        },
    )
    book.set_properties({"title": title})
    ws = book.add_worksheet("走访清单")
    text = book.add_format({"num_format": "@"})
    heading = book.add_format({"num_format": "@", "bold": True, "bg_color": "#E6E6E6"})
    widths = {"地址": 40, "登记人员": 28, "备注": 30, "走访时间": 18, "走访结果": 14}
    for index, column in enumerate(table.columns):
        ws.set_column(index, index, widths.get(column, 12), text)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, list(table.columns), heading)
    for number, row in enumerate(table.astype(str).itertuples(index=False, name=None), start=1):
        for place, value in enumerate(row):
            if value:  # blank cells keep the column's text format
                ws.write_string(number, place, value)
    outcome = list(table.columns).index("走访结果")
    ws.data_validation(
        1,
        outcome,
        max(1, len(table)),
        outcome,
        {"validate": "list", "source": OUTCOME_HINT.split("/"), "ignore_blank": True},
    )
    book.close()
    return out.getvalue()


def located(items: pd.DataFrame) -> pd.DataFrame:
    """The units that have both coordinates."""
    return items.loc[items["lon"].notna() & items["lat"].notna()]
