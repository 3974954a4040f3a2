"""Area lists for sweep teams as files: CSV, XLSX, GeoJSON, KML, KMZ, GPX and a printable PDF.

A list is a frame in walking order with the columns of :data:`LIST_COLUMNS` (Chinese headers,
the ones the visits upload reads back) plus ``lon``/``lat`` in WGS-84. Spreadsheet cells are
text, never formulas; the columns a team fills in come blank. Phone map apps get KML (or KMZ)
and GPX waypoints and each team's route in WGS-84; GPX routes come in legs a handheld takes
(:data:`GPX_LEG_POINTS`) with short unique names. Every text field of every format is cleaned
of control and invisible characters (:func:`clean_text`), so the XML formats are well-formed
whatever is stored; the PDF embeds a CJK font so it prints anywhere.

A list that comes back filled in (Excel or WPS may retype 房屋编号 as ``3.30111E+19`` or drop
its leading zeros) is matched to its units by :func:`match_returned`: the 核对码
(:func:`unit_code`, a short code Excel cannot retype), the reference, or the sweep, the
address and the room.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
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
    "核对码",
)
"""What a team is given, in this order (核对码: :func:`unit_code`)."""
FILL_COLUMNS: Final = ("走访时间", "走访结果", "见到人数", "备注")
"""What a team writes back (the visits upload reads these headers)."""
OUTCOME_HINT: Final = "已核实/有变化/无人在家/拒绝/空置/查无此人"
FORMATS: Final = ("csv", "xlsx", "geojson", "kml", "kmz", "gpx", "pdf")
GPX_LEG_POINTS: Final = 250
"""Points in one GPX route at most: many handheld receivers take no more per route."""
GPX_NAME_LENGTH: Final = 10
"""Waypoint and route names are unique within this many characters (older Garmin units)."""
CODE_PREFIX: Final = "U"
_CODE_DIGITS: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code reads aloud and types back unambiguously."""
FONT_ENV: Final = "GRIDHOUSE_PDF_FONT"
"""The setting that names the font file (:attr:`geo.settings.Settings.pdf_font`)."""
"""A TrueType/OpenType font (or collection) with Chinese glyphs, for PDF lists."""
_FONT_DIRS: Final = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
_FONT_NAMES: Final = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc")


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


def unit_code(property_id: int) -> str:
    """A unit's 核对码: ``U``, its number in base 32 and a check character. A letter in
    front, so neither Excel nor WPS retypes it as a number or a date; short enough to copy
    by hand; a mistyped character fails the check.

    >>> unit_code(1), unit_code(12345), parse_unit_code("u-c1s-v")
    ('U14', 'UC1SV', 12345)
    """
    if property_id < 0:
        raise ValueError(property_id)
    digits = ""
    rest = int(property_id)
    while True:
        rest, place = divmod(rest, 32)
        digits = _CODE_DIGITS[place] + digits
        if rest == 0:
            break
    return CODE_PREFIX + digits + _check(digits)


def _check(digits: str) -> str:
    total = sum((2 * i + 3) * _CODE_DIGITS.index(c) for i, c in enumerate(digits))
    return _CODE_DIGITS[(total + len(digits)) % 32]


def parse_unit_code(text: object) -> int | None:
    """The unit a 核对码 names (case, spaces, dashes and full-width forms do not matter; the
    letters O, I and L are read as 0, 1 and 1); None for anything else.

    >>> parse_unit_code("UC1SV"), parse_unit_code("UC1SW"), parse_unit_code(""), parse_unit_code(3)
    (12345, None, None, None)
    """
    if not isinstance(text, str):
        return None
    folded = re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text)).upper()
    if len(folded) < 3 or not folded.startswith(CODE_PREFIX):
        return None
    body = folded[1:].translate(str.maketrans("OIL", "011"))
    digits, check = body[:-1], body[-1]
    if any(c not in _CODE_DIGITS for c in body) or _check(digits) != check:
        return None
    value = 0
    for c in digits:
        value = value * 32 + _CODE_DIGITS.index(c)
    return value


_SCIENTIFIC: Final = re.compile(r"[+]?(\d+)(?:\.(\d*))?[eE][+]?(\d+)")


def ref_consistent(given: object, stored: object) -> bool:
    """Whether a 房屋编号 that came back from a spreadsheet may be ``stored``: the same text,
    the same number without its leading zeros (``457`` for ``000457``), or the number in
    scientific notation Excel and WPS show (``3.30111E+19``, ``3.30110902001001e+19``)
    within the rounding its digits allow.

    >>> s = "33011090200100100021"
    >>> [ref_consistent(g, s) for g in ("3.30111E+19", "3.30110902001001e+19", "3.30112E+19")]
    [True, True, False]
    >>> ref_consistent("457", "000457"), ref_consistent("457", "0457A"), ref_consistent("", "1")
    (True, False, False)
    """
    text = unicodedata.normalize("NFKC", str(given or "")).strip()
    known = unicodedata.normalize("NFKC", str(stored or "")).strip()
    if not text or not known:
        return False
    if text == known:
        return True
    if not known.isdigit():
        return False
    if text.isdigit():
        return text.lstrip("0") == known.lstrip("0")
    found = _SCIENTIFIC.fullmatch(text)
    if not found:
        return False
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    significant = len((found.group(1) + (found.group(2) or "")).lstrip("0")) or 1
    half = Decimal(5).scaleb(value.adjusted() - significant)
    return abs(Decimal(known) - value) <= half


def _plain(value: object) -> str:
    """Text folded for comparing addresses: NFKC, no control characters, no white space."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return re.sub(r"\s+", "", clean_text(unicodedata.normalize("NFKC", str(value)))).casefold()


def _room(value: object) -> str:
    """A room folded for comparing: :func:`_plain`, and no leading zeros in a run of digits
    (Excel drops them: ``0102`` comes back as ``102``); ``-1`` stays ``-1``.

    >>> _room("0102"), _room(" -1 "), _room("B01"), _room(None), _room("102.0")
    ('102', '-1', 'b1', '', '102')
    """
    text = _plain(value)
    text = re.sub(r"^([+-]?\d+)\.0+$", r"\1", text)
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


def match_returned(rows: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The unit of each row of a list that came back, and how it was found.

    ``rows`` may hold ``unit_code`` (核对码), ``property_ref``, ``address``, ``room`` and
    ``sweep``; ``units`` the candidates: ``id``, ``external_ref``, ``address``, ``room`` and
    ``sweeps`` (the sweeps the unit is assigned to, a set). A row is matched, in this order,
    by its 核对码 (when the row's reference or address agrees with that unit, or it gives
    neither), by its exact reference, or by the address and the room among its sweep's units
    (all units when it names no sweep) when exactly one unit fits, and that unit's reference
    is consistent with what is left of the row's (:func:`ref_consistent`). Returns the unit
    ids (NaN: none) and for each row ``code``, ``ref``, ``address`` or ``""``.
    """
    index = rows.index
    found: list[float] = [math.nan] * len(rows)
    how: list[str] = [""] * len(rows)
    if units.empty or rows.empty:
        return pd.Series(found, index=index, dtype=float), pd.Series(how, index=index, dtype=object)
    empty = pd.Series("", index=index, dtype=object)

    def column(name: str) -> list[object]:
        values = rows.get(name, empty)
        return values.astype(object).where(values.notna(), "").tolist()

    codes, refs, addresses, rooms, sweeps = (
        column(c) for c in ("unit_code", "property_ref", "address", "room", "sweep")
    )
    unit_ids = [int(i) for i in units["id"].tolist()]
    by_id = {i: n for n, i in enumerate(unit_ids)}
    stored_refs = [
        "" if r is None or (isinstance(r, float) and math.isnan(r)) else str(r)
        for r in units["external_ref"].astype(object).tolist()
    ]
    by_ref: dict[str, int] = {}
    for n, known in enumerate(stored_refs):
        if known:
            by_ref.setdefault(known, n)
    unit_addresses, unit_rooms = units["address"].tolist(), units["room"].tolist()
    places: dict[tuple[str, str], list[int]] = {}

    def by_place(key: tuple[str, str]) -> list[int]:
        if not places:  # built when a row first needs it: most rows match by code or ref
            for n, pair in enumerate(zip(unit_addresses, unit_rooms, strict=True)):
                places.setdefault((_plain(pair[0]), _room(pair[1])), []).append(n)
        return places.get(key, [])

    member = units["sweeps"].tolist() if "sweeps" in units else [set()] * len(units)
    for position, (code, ref, address, room, sweep) in enumerate(
        zip(codes, refs, addresses, rooms, sweeps, strict=True)
    ):
        ref_text = str(ref).strip()
        coded = parse_unit_code(str(code)) if code else None
        if coded is not None and coded in by_id:
            n = by_id[coded]
            agrees = (
                (not ref_text and not str(address).strip())
                or ref_consistent(ref_text, stored_refs[n])
                or _plain(address) == _plain(unit_addresses[n])
            )
            if agrees:
                found[position], how[position] = unit_ids[n], "code"
                continue
        if ref_text and ref_text in by_ref:
            found[position], how[position] = unit_ids[by_ref[ref_text]], "ref"
            continue
        place = (_plain(address), _room(room))
        if not place[0]:
            continue
        fits = by_place(place)
        number = _sweep_number(sweep)
        if number is not None:
            fits = [n for n in fits if number in member[n]]
        if ref_text:
            fits = [n for n in fits if ref_consistent(ref_text, stored_refs[n])]
        if len(fits) == 1:
            found[position], how[position] = unit_ids[fits[0]], "address"
    return pd.Series(found, index=index, dtype=float), pd.Series(how, index=index, dtype=object)


def _sweep_number(value: object) -> int | None:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


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


def write(items: pd.DataFrame, fmt: str, *, title: str, font_file: Path | None = None) -> bytes:
    """The list in format ``fmt`` (one of :data:`FORMATS`); a PDF in ``font_file`` when
    given, else a Chinese font found in the system font folders."""
    writers: dict[str, Callable[[pd.DataFrame, str], bytes]] = {
        "csv": lambda t, _title: excel_csv(sheet(t)),
        "xlsx": _xlsx,
        "geojson": _geojson,
        "kml": _kml,
        "kmz": _kmz,
        "gpx": _gpx,
        "pdf": lambda t, heading: _pdf(t, heading, font_file=font_file),
    }
    if fmt not in writers:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(FORMATS))
    return writers[fmt](items, clean_text(title))


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


def _x(value: object) -> str:
    """Text for XML, element or attribute: cleaned (:func:`clean_text`) and escaped."""
    return escape(clean_text(value), {'"': "&quot;", "'": "&apos;"})


def _label(row: pd.Series) -> str:
    return f"{row['序号']} {row['房屋编号']}".strip()


def _where(row: pd.Series) -> str:
    return f"{row['地址']} {row['房间']}".strip()


def _stops(items: pd.DataFrame) -> pd.DataFrame:
    """The located units as text (:func:`sheet`) with lon, lat, a short unique name (the stop
    number, after a team letter when the list has several teams: ``007``, ``B012``) and the
    team's letter, in list order."""
    points = _located(items)
    table = sheet(points).assign(lon=points["lon"].to_numpy(), lat=points["lat"].to_numpy())
    teams = list(dict.fromkeys(table["走访组"].tolist()))
    letters = {team: _letters(i) for i, team in enumerate(teams)} if len(teams) > 1 else {}
    prefix = table["走访组"].map(lambda team: letters.get(team, ""))
    names: list[str] = []
    taken: set[str] = set()
    for lead, number in zip(prefix.tolist(), table["序号"].tolist(), strict=True):
        base = f"{lead}{int(number):03d}" if str(number).isdigit() else f"{lead}{number}"
        base = base[: GPX_NAME_LENGTH - 2]
        name, extra = base, 1
        while name[:GPX_NAME_LENGTH] in taken:
            extra += 1
            name = f"{base}.{extra}"
        taken.add(name[:GPX_NAME_LENGTH])
        names.append(name)
    return table.assign(short=names, prefix=prefix.to_numpy())


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...

    >>> _letters(0), _letters(25), _letters(26)
    ('A', 'Z', 'AA')
    """
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _legs(stops: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """Each team's route in walking order, in legs of at most :data:`GPX_LEG_POINTS` points:
    (short name: the team letter and the first and last stop, e.g. ``A001-250``; the team;
    the stops)."""
    out = []
    for team, route in stops.groupby("走访组", sort=False):
        for start in range(0, len(route), GPX_LEG_POINTS):
            leg = route.iloc[start : start + GPX_LEG_POINTS]
            first, last = leg["short"].iloc[0], leg["short"].iloc[-1]
            lead = str(leg["prefix"].iloc[0])
            name = first if len(leg) == 1 else f"{first}-{last[len(lead) :]}"
            out.append((name, str(team), leg))
    return out


def _description(row: pd.Series) -> str:
    parts = (_where(row), row["房屋编号"], row["核对码"], row["走访组"])
    return " · ".join(p for p in parts if p)


def _kml_document(items: pd.DataFrame, title: str) -> str:
    stops = _stops(items)
    marks = []
    for _, row in stops.iterrows():
        marks.append(
            "<Placemark>"
            f"<name>{_x(_label(row))}</name>"
            f"<description>{_x(_description(row))}</description>"
            "<ExtendedData>"
            + "".join(
                f'<Data name="{_x(c)}"><value>{_x(row[c])}</value></Data>'
                for c in ("序号", "房屋编号", "核对码", "走访组", "登记人数")
            )
            + "</ExtendedData>"
            f"<Point><coordinates>{row['lon']:.7f},{row['lat']:.7f}</coordinates></Point>"
            "</Placemark>"
        )
    routes = []
    for team, route in stops.groupby("走访组", sort=False):
        if len(route) < 2:
            continue
        line = " ".join(
            f"{lon:.7f},{lat:.7f}" for lon, lat in zip(route["lon"], route["lat"], strict=True)
        )
        name = f"走访路线 {team}".strip()
        routes.append(
            f"<Placemark><name>{_x(name)}</name>"
            f"<LineString><coordinates>{line}</coordinates></LineString></Placemark>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>{_x(title)}</name>"
        f"<Folder><name>{_x('走访点')}</name>{''.join(marks)}</Folder>"
        f"<Folder><name>{_x('路线')}</name>{''.join(routes)}</Folder>"
        "</Document></kml>"
    )


def _kml(items: pd.DataFrame, title: str) -> bytes:
    return _kml_document(items, title).encode("utf-8")


def _kmz(items: pd.DataFrame, title: str) -> bytes:
    """The KML zipped as ``doc.kml`` (what Google Earth, My Maps and Ovital open)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", _kml(items, title))
    return out.getvalue()


def _gpx(items: pd.DataFrame, title: str) -> bytes:
    """Waypoints named by their stop (short, unique within :data:`GPX_NAME_LENGTH`), and
    each team's route in legs of at most :data:`GPX_LEG_POINTS` points."""
    stops = _stops(items)

    def point(tag: str, row: pd.Series) -> str:
        return (
            f'<{tag} lat="{row["lat"]:.7f}" lon="{row["lon"]:.7f}">'
            f"<name>{_x(row['short'])}</name><desc>{_x(_description(row))}</desc></{tag}>"
        )

    waypoints = "".join(point("wpt", row) for _, row in stops.iterrows())
    legs = _legs(stops)
    routes = "".join(
        f"<rte><name>{_x(name)}</name>"
        f"<desc>{_x(f'{title} · {team} · {number}/{len(legs)}')}</desc>"
        + "".join(point("rtept", row) for _, row in leg.iterrows())
        + "</rte>"
        for number, (name, team, leg) in enumerate(legs, start=1)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="Gridhouse" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<metadata><name>{_x(title)}</name></metadata>"
        f"{waypoints}{routes}</gpx>"
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
