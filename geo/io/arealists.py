"""Area lists for sweep teams as files: CSV, XLSX, GeoJSON, KML, GPX and a printable PDF.

A list is a frame in walking order with the columns of :data:`LIST_COLUMNS` (Chinese headers,
the ones the visits upload reads back) plus ``lon``/``lat`` in WGS-84. Spreadsheet cells are
text, never formulas; the columns a team fills in come blank. Phone map apps get KML and GPX
waypoints and the route line in WGS-84; the PDF embeds a CJK font so it prints anywhere.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import pandas as pd

from geo.crs import to_metres
from geo.errors import InputError
from geo.i18n import message
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
"""The setting that names the font file (:attr:`geo.settings.Settings.pdf_font`)."""
"""A TrueType/OpenType font (or collection) with Chinese glyphs, for PDF lists."""
_FONT_DIRS: Final = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
_FONT_NAMES: Final = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc")


def sheet(items: pd.DataFrame) -> pd.DataFrame:
    """The list as a team sees it: given columns, then blank columns to fill in."""
    table = items[list(LIST_COLUMNS)].astype(object).where(items[list(LIST_COLUMNS)].notna(), "")
    for column in FILL_COLUMNS:
        table[column] = ""
    return table


def write(items: pd.DataFrame, fmt: str, *, title: str, font_file: Path | None = None) -> bytes:
    """The list in format ``fmt`` (one of :data:`FORMATS`); a PDF in ``font_file`` when
    given, else a Chinese font found in the system font folders."""
    writers: dict[str, Callable[[pd.DataFrame, str], bytes]] = {
        "csv": lambda t, _title: excel_csv(sheet(t)),
        "xlsx": _xlsx,
        "geojson": _geojson,
        "kml": _kml,
        "gpx": _gpx,
        "pdf": lambda t, heading: _pdf(t, heading, font_file=font_file),
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
_INK: Final = 0
_RULE: Final = 170
_HEADING_FILL: Final = (238, 238, 238)


def _pdf(items: pd.DataFrame, title: str, *, font_file: Path | None = None) -> bytes:
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
    pdf.set_text_color(_INK)
    pdf.set_font("cjk", size=14)
    pdf.add_page()
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    summary = message("arealist_summary", units=len(items), outcomes=OUTCOME_HINT)
    pdf.cell(0, 5, summary, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, message("arealist_route_note"), new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    _route_map(pdf, _located(items), top=top, height=pdf.h - pdf.b_margin - top - 10)
    pdf.add_page()
    columns = [name for name, _ in PDF_COLUMNS]
    table = sheet(items)[columns].astype(str)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(_INK)
    pdf.set_draw_color(_RULE)
    pdf.set_fill_color(255)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=[width for _, width in PDF_COLUMNS],
        width=sum(width for _, width in PDF_COLUMNS),
        headings_style=FontFace(emphasis=None, color=_INK, fill_color=_HEADING_FILL),
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


def _nice_length(limit: float) -> int:
    """The longest 1, 2 or 5 times a power of ten not above ``limit`` (metres).

    >>> _nice_length(740), _nice_length(180), _nice_length(12)
    (500, 100, 10)
    """
    power: int = 10 ** math.floor(math.log10(max(limit, 1.0)))
    return max(m * power for m in (1, 2, 5) if m * power <= max(limit, 1.0))


def _route_map(pdf: object, points: pd.DataFrame, *, top: float, height: float) -> None:
    """The route drawn to scale, north up (in metres of the list's Gauss-Kruger zone, whose
    grid north is true north to within a degree or two): the walking line, every stop a dot
    with its number, the start and the end marked, a north arrow and a metric scale bar."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    if points.empty:
        return
    import numpy as np

    left, width = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_draw_color(_RULE)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, width, height)
    x, y = to_metres(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    inner = 12.0  # mm kept free inside the frame for labels, the arrow and the scale
    span_x, span_y = max(float(np.ptp(x)), 1.0), max(float(np.ptp(y)), 1.0)
    scale = min((width - 2 * inner) / span_x, (height - 2 * inner) / span_y)  # mm a metre
    x0 = left + (width - span_x * scale) / 2
    y0 = top + (height + span_y * scale) / 2
    px = x0 + (x - x.min()) * scale
    py = y0 - (y - y.min()) * scale
    pdf.set_draw_color(37, 99, 235)
    pdf.set_line_width(0.6)
    if len(px) >= 2:
        pdf.polyline(list(zip(px.tolist(), py.tolist(), strict=True)))
    numbers = points["序号"].astype(str).tolist()
    size = 7 if len(px) <= 200 else 6
    pdf.set_line_width(0.25)
    pdf.set_draw_color(_INK)
    last = len(px) - 1
    for i, (a, b) in enumerate(zip(px.tolist(), py.tolist(), strict=True)):
        colour = (22, 163, 74) if i == 0 else (220, 38, 38) if i == last else (255, 255, 255)
        pdf.set_fill_color(*colour)
        pdf.circle(x=a, y=b, radius=1.6 if i in (0, last) else 0.9, style="DF")
    pdf.set_font("cjk", size=size)
    pdf.set_fill_color(255)
    height_mm = size * 0.3528 + 0.4
    boxes = _label_boxes(
        px, py, [pdf.get_string_width(n) + 0.8 for n in numbers], height_mm, keep=(0, last)
    )
    for label, box in zip(numbers, boxes, strict=True):
        if box is not None:
            bx, by, bw, bh = box
            pdf.rect(bx, by, bw, bh, style="F")
            pdf.text(bx + 0.4, by + bh - 0.6, label)
    _north_arrow(pdf, left + width - 10, top + 4)
    _scale_bar(pdf, left + 6, top + height - 6, scale=scale, limit_mm=width / 4)


def _label_boxes(
    px: Any, py: Any, widths: list[float], height: float, *, keep: tuple[int, ...]
) -> list[tuple[float, float, float, float] | None]:
    """Where each stop's number goes (x, y, width, height in mm): the first place beside its
    dot that covers no other label and no other dot; none where every place is taken (the
    stops in ``keep``, the start and the end, are always numbered)."""
    import numpy as np

    xs, ys = np.asarray(px, float), np.asarray(py, float)
    placed: list[tuple[float, float, float, float]] = []
    found: list[tuple[float, float, float, float] | None] = []
    gap, dot = 1.2, 1.0
    for i, (a, b, w) in enumerate(zip(xs.tolist(), ys.tolist(), widths, strict=True)):
        choice = None
        options = [
            (a + gap, b - height - 0.3),
            (a + gap, b + 0.3),
            (a - gap - w, b - height - 0.3),
            (a - gap - w, b + 0.3),
            (a - w / 2, b - gap - height),
            (a - w / 2, b + gap),
        ]
        for x, y in options:
            near = (xs > x - dot) & (xs < x + w + dot) & (ys > y - dot) & (ys < y + height + dot)
            near[i] = False
            overlaps = any(
                x < ox + ow and ox < x + w and y < oy + oh and oy < y + height
                for ox, oy, ow, oh in placed
            )
            if not near.any() and not overlaps:
                choice = (x, y, w, height)
                break
        if choice is None and i in keep:
            choice = (options[0][0], options[0][1], w, height)
        if choice is not None:
            placed.append(choice)
        found.append(choice)
    return found


def _north_arrow(pdf: object, x: float, y: float) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_draw_color(_INK)
    pdf.set_fill_color(_INK)
    pdf.set_line_width(0.4)
    pdf.polygon([(x, y + 2), (x - 2.2, y + 8), (x, y + 6.6), (x + 2.2, y + 8)], style="DF")
    pdf.set_font("cjk", size=9)
    label = message("arealist_north")
    pdf.text(x - pdf.get_string_width(label) / 2, y + 12, label)


def _scale_bar(pdf: object, x: float, y: float, *, scale: float, limit_mm: float) -> None:
    """A bar of a round number of metres (or kilometres), at most ``limit_mm`` long."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    metres = _nice_length(limit_mm / scale)
    length = metres * scale
    pdf.set_draw_color(_INK)
    pdf.set_fill_color(_INK)
    pdf.set_line_width(0.3)
    pdf.rect(x, y - 1.2, length / 2, 1.2, style="DF")
    pdf.rect(x + length / 2, y - 1.2, length / 2, 1.2, style="D")
    pdf.set_font("cjk", size=8)
    label = (
        message("arealist_km", n=f"{metres / 1000:g}")
        if metres >= 1000
        else message("arealist_metres", n=f"{metres:g}")
    )
    pdf.text(x, y - 2.2, "0")
    pdf.text(x + length - pdf.get_string_width(label) / 2, y - 2.2, label)
