"""Area lists for sweep teams as files: CSV, XLSX, GeoJSON, KML, GPX and a printable PDF.

A list is a frame in walking order with the columns of :data:`LIST_COLUMNS` (Chinese headers,
the ones the visits upload reads back) plus ``lon``/``lat`` in WGS-84. Spreadsheet cells are
text, never formulas; the columns a team fills in come blank. Phone map apps get KML and GPX
waypoints and the route line in WGS-84; the PDF embeds a CJK font so it prints anywhere.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import pandas as pd

from geo.errors import InputError
from geo.io.exports import excel_csv

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
)
"""What a team is given, in this order."""
FILL_COLUMNS: Final = ("走访时间", "走访结果", "见到人数", "备注")
"""What a team writes back (the visits upload reads these headers)."""
OUTCOME_HINT: Final = "已核实/有变化/无人在家/拒绝/空置/查无此人"
FORMATS: Final = ("csv", "xlsx", "geojson", "kml", "gpx", "pdf")
FONT_ENV: Final = "GRIDHOUSE_PDF_FONT"
"""A TrueType/OpenType font (or collection) with Chinese glyphs, for PDF lists."""
_FONT_DIRS: Final = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
_FONT_NAMES: Final = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc")


def sheet(items: pd.DataFrame) -> pd.DataFrame:
    """The list as a team sees it: given columns, then blank columns to fill in."""
    table = items[list(LIST_COLUMNS)].astype(object).where(items[list(LIST_COLUMNS)].notna(), "")
    for column in FILL_COLUMNS:
        table[column] = ""
    return table


def write(items: pd.DataFrame, fmt: str, *, title: str) -> bytes:
    """The list in format ``fmt`` (one of :data:`FORMATS`)."""
    writers: dict[str, Callable[[pd.DataFrame, str], bytes]] = {
        "csv": lambda t, _title: excel_csv(sheet(t)),
        "xlsx": _xlsx,
        "geojson": _geojson,
        "kml": _kml,
        "gpx": _gpx,
        "pdf": _pdf,
    }
    if fmt not in writers:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(FORMATS))
    return writers[fmt](items, title)


def _xlsx(items: pd.DataFrame, title: str) -> bytes:
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


def _features(items: pd.DataFrame) -> list[dict[str, Any]]:
    table = sheet(items)
    located = items["lon"].notna() & items["lat"].notna()
    features = []
    for (_, row), (_, unit), has in zip(table.iterrows(), items.iterrows(), located, strict=True):
        geometry = (
            {
                "type": "Point",
                "coordinates": [round(float(unit["lon"]), 7), round(float(unit["lat"]), 7)],
            }
            if has
            else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": row.to_dict()})
    return features


def _geojson(items: pd.DataFrame, title: str) -> bytes:
    collection = {"type": "FeatureCollection", "name": title, "features": _features(items)}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def _located(items: pd.DataFrame) -> pd.DataFrame:
    return items.loc[items["lon"].notna() & items["lat"].notna()]


def _label(row: pd.Series) -> str:
    return f"{row['序号']} {row['房屋编号']}"


def _where(row: pd.Series) -> str:
    return f"{row['地址']} {row['房间'] or ''}".strip()


def _kml(items: pd.DataFrame, title: str) -> bytes:
    points = _located(items)
    marks = []
    for _, row in points.iterrows():
        marks.append(
            "<Placemark>"
            f"<name>{escape(_label(row))}</name>"
            f"<description>{escape(_where(row))}</description>"
            "<ExtendedData>"
            + "".join(
                f'<Data name="{escape(c)}"><value>{escape(str(row[c]))}</value></Data>'
                for c in ("序号", "房屋编号", "走访组", "登记人数")
            )
            + "</ExtendedData>"
            f"<Point><coordinates>{row['lon']:.7f},{row['lat']:.7f}</coordinates></Point>"
            "</Placemark>"
        )
    line = " ".join(
        f"{lon:.7f},{lat:.7f}" for lon, lat in zip(points["lon"], points["lat"], strict=True)
    )
    route = (
        f"<Placemark><name>{escape('走访路线')}</name>"
        f"<LineString><coordinates>{line}</coordinates></LineString></Placemark>"
        if len(points) >= 2
        else ""
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>{escape(title)}</name>"
        f"<Folder><name>{escape('走访点')}</name>{''.join(marks)}</Folder>"
        f"<Folder><name>{escape('路线')}</name>{route}</Folder>"
        "</Document></kml>"
    )
    return document.encode("utf-8")


def _gpx(items: pd.DataFrame, title: str) -> bytes:
    points = _located(items)

    def point(tag: str, row: pd.Series) -> str:
        return (
            f'<{tag} lat="{row["lat"]:.7f}" lon="{row["lon"]:.7f}">'
            f"<name>{escape(_label(row))}</name><desc>{escape(_where(row))}</desc></{tag}>"
        )

    waypoints = "".join(point("wpt", row) for _, row in points.iterrows())
    route = "".join(point("rtept", row) for _, row in points.iterrows())
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="Gridhouse" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<metadata><name>{escape(title)}</name></metadata>"
        f"{waypoints}<rte><name>{escape(title)}</name>{route}</rte></gpx>"
    )
    return document.encode("utf-8")


def cjk_font() -> Path | None:
    """A font with Chinese glyphs: ``$GRIDHOUSE_PDF_FONT``, else a Noto Sans CJK or WenQuanYi
    font in the usual font folders (Debian: the fonts-noto-cjk package)."""
    explicit = os.environ.get(FONT_ENV)
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
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


def _pdf(items: pd.DataFrame, title: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = cjk_font()
    if font is None:
        raise InputError("pdf_font_missing", variable=FONT_ENV)
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("cjk", fname=str(font), collection_font_number=_collection_index(font))
    pdf.set_font("cjk", size=14)
    pdf.add_page()
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.cell(
        0,
        6,
        f"共 {len(items)} 户，按走访顺序排列；结果填：{OUTCOME_HINT}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _route_map(pdf, _located(items), top=pdf.get_y() + 2, height=150)
    pdf.add_page()
    table = sheet(items)[
        ["序号", "房屋编号", "地址", "房间", "登记人数", "登记人员", "走访结果", "见到人数", "备注"]
    ]
    widths = (12, 28, 78, 16, 14, 48, 24, 16, 41)
    pdf.set_font("cjk", size=8)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230)),
        line_height=5,
        repeat_headings=1,
    ) as rows:
        rows.row([str(c) for c in table.columns])
        for values in table.itertuples(index=False):
            rows.row([_short(str(v), 60) for v in values])
    return bytes(pdf.output())


def _short(text: str, limit: int) -> str:
    """A cell that fits a printed row: long text cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _route_map(pdf: object, points: pd.DataFrame, *, top: float, height: float) -> None:
    """The route drawn to scale (equirectangular at the list's latitude is exact enough for
    a few kilometres), every unit a dot, every tenth numbered, start and end marked."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    if points.empty:
        return
    import numpy as np

    lat0 = float(np.radians(points["lat"].mean()))
    x = (points["lon"].to_numpy(float) * np.cos(lat0)) * 111_320.0
    y = points["lat"].to_numpy(float) * 110_574.0
    left, width = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
    scale = min(width, height) / span
    px = left + (x - x.min()) * scale
    py = top + height - (y - y.min()) * scale
    pdf.set_draw_color(40, 90, 200)
    pdf.set_line_width(0.3)
    for i in range(1, len(px)):
        pdf.line(float(px[i - 1]), float(py[i - 1]), float(px[i]), float(py[i]))
    pdf.set_fill_color(200, 40, 40)
    pdf.set_font("cjk", size=6)
    for i, (a, b) in enumerate(zip(px, py, strict=True)):
        pdf.circle(x=float(a), y=float(b), radius=0.6, style="F")
        if i % 10 == 0 or i == len(px) - 1:
            pdf.text(float(a) + 1, float(b) - 1, str(points["序号"].iloc[i]))
    metres = 10 ** int(np.floor(np.log10(span / 4))) if span > 4 else 1
    pdf.set_draw_color(0, 0, 0)
    pdf.line(left, top + height + 4, left + metres * scale, top + height + 4)
    pdf.text(left, top + height + 8, f"{metres} 米")
