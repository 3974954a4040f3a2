"""The list as a printable PDF (A4 landscape): the route sketch, then the table with every
resident on a line of their own, in an embedded Chinese font so it prints anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from geo.errors import InputError
from geo.i18n import message
from geo.io.arealists.sheet import OUTCOME_HINT, located, sheet
from geo.io.arealists.sketch import INK, RULE, route_map

FONT_ENV: Final = "GRIDHOUSE_PDF_FONT"
"""The setting that names the font file (:attr:`geo.settings.Settings.pdf_font`)."""
"""A TrueType/OpenType font (or collection) with Chinese glyphs, for PDF lists."""


_FONT_DIRS: Final = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")


_FONT_NAMES: Final = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc")


def cjk_font(explicit: Path | None = None) -> Path | None:
    """A font with Chinese glyphs: ``explicit`` (None when it is no file), else a Noto Sans
    CJK or WenQuanYi font in the usual font folders (Debian: the fonts-noto-cjk package)."""
    if explicit is not None:
        explicit = explicit.expanduser()
        return explicit if explicit.is_file() else None
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for name in _FONT_NAMES:
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return found
    return None


def _collection_index(path: Path) -> int:
    """In a font collection, the simplified Chinese face (Noto's "SC"), else the first."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as collection:
        for index, font in enumerate(collection.fonts):
            family = str(font["name"].getDebugName(1) or "")
            if family.endswith((" SC", " CN")):
                return index
    return 0


PDF_COLUMNS: Final = (
    ("序号", 13),
    ("房屋编号", 26),
    ("地址", 62),
    ("房间", 14),
    ("登记人数", 14),
    ("登记人员", 52),
    ("走访结果", 30),
    ("见到人数", 15),
    ("备注", 51),
)
"""The printed table's columns and their widths in mm (277 mm: A4 landscape inside 10 mm)."""


RESIDENTS_PER_ROW: Final = 25
"""A unit with more residents goes on over continuation rows (a row must fit on a page)."""


_HEADING_FILL: Final = (238, 238, 238)


def write_pdf(items: pd.DataFrame, title: str, *, font_file: Path | None = None) -> bytes:
    """A4 landscape: the route sketch on the first page, then the table, black on white
    with light grey rules, every resident of a unit on a line of their own."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = cjk_font(font_file)
    if font is None:
        raise InputError("pdf_font_missing", variable=FONT_ENV)
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_font("cjk", fname=str(font), collection_font_number=_collection_index(font))
    pdf.set_text_color(INK)
    pdf.set_font("cjk", size=14)
    pdf.add_page()
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    summary = message("arealist_summary", units=len(items), outcomes=OUTCOME_HINT)
    pdf.cell(0, 5, summary, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, message("arealist_route_note"), new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    route_map(pdf, located(items), top=top, height=pdf.h - pdf.b_margin - top - 10)
    pdf.add_page()
    columns = [name for name, _ in PDF_COLUMNS]
    table = sheet(items)[columns].astype(str)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(INK)
    pdf.set_draw_color(RULE)
    pdf.set_fill_color(255)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=[width for _, width in PDF_COLUMNS],
        width=sum(width for _, width in PDF_COLUMNS),
        headings_style=FontFace(emphasis=None, color=INK, fill_color=_HEADING_FILL),
        cell_fill_mode="NONE",
        line_height=4.2,
        text_align="LEFT",
        v_align="TOP",
        padding=(0.8, 1),
        min_row_height=7,  # room to write the outcome by hand
        repeat_headings=1,
    ) as rows:
        rows.row(columns)
        for values in table.itertuples(index=False):
            for row in _printed_rows(dict(zip(columns, values, strict=True))):
                rows.row(row)
    return bytes(pdf.output())


def _printed_rows(unit: dict[str, str]) -> list[list[str]]:
    """A unit's printed row(s): its residents one a line, and a unit with more than
    :data:`RESIDENTS_PER_ROW` of them goes on over rows marked as continued."""
    people = [p.strip() for p in unit["登记人员"].split("；") if p.strip()]
    chunks = [
        people[i : i + RESIDENTS_PER_ROW] for i in range(0, len(people), RESIDENTS_PER_ROW)
    ] or [[]]
    rows = []
    for number, chunk in enumerate(chunks):
        if number == 0:
            row = {**unit, "登记人员": "\n".join(chunk)}
        else:
            row = {name: "" for name in unit}
            row["序号"] = message("arealist_continued", n=unit["序号"])
            row["登记人员"] = "\n".join(chunk)
        rows.append(list(row.values()))
    return rows
