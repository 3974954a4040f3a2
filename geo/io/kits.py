"""Field kits as files: the ODK kit (XLSForm, its XForm, the team's unit and resident lists,
the kit's stamp), the GeoPackage kit for QField and Mergin Maps, ODK Central's submission
export and a GeoPackage's visits read back, and printable door plates (QR codes).

Bytes in, bytes or frames out; the rules live in :mod:`geo.fieldkit`.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from geo.cells import neutralise_frame
from geo.crs import WGS84
from geo.errors import InputError
from geo.fieldkit import OUTCOMES, RESIDENTS_FILE, UNITS_FILE, KitStamp, xlsform
from geo.i18n import message
from geo.markup import html_text

FORM_XLSX: Final = "form.xlsx"
FORM_XML: Final = "form.xml"
STAMP_FILE: Final = "kit.json"
GPKG_VISITS: Final = "visits"
GPKG_UNITS: Final = "units"
GPKG_GRIDS: Final = "grids"
GPKG_STAMP: Final = "kit"
GPKG_CHOICES: Final = "outcome_choices"


def stamp_json(stamp: KitStamp, *, kind: str, units: int) -> bytes:
    """The kit's stamp: what it is, for whom, from when until when."""
    return json.dumps(
        {
            "kit": stamp.kit_id,
            "format": kind,
            "sweep": stamp.sweep_id,
            "sweep_name": stamp.sweep_name,
            "team": stamp.team,
            "issued_on": stamp.issued_on.isoformat(),
            "expires_on": stamp.expires_on.isoformat(),
            "units": units,
            "form_id": stamp.form_id,
        },
        ensure_ascii=False,
        indent=1,
    ).encode("utf-8")


def xlsform_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The XLSForm sheets as an XLSX workbook (every cell text)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": True}
    )
    for name, table in sheets.items():
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, [str(c) for c in table.columns])
        for number, row in enumerate(table.astype(str).itertuples(index=False), start=1):
            for place, value in enumerate(row):
                if value:
                    ws.write_string(number, place, value)
    book.close()
    return out.getvalue()


def xform(form_xlsx: bytes) -> str:
    """The XForm (the XML ODK Collect and ODK Central load) converted from an XLSForm by
    pyxform; a form pyxform refuses raises ``kit_form_invalid``."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        return str(convert(xlsform=form_xlsx, warnings=[], file_type=".xlsx").xform)
    except PyXFormError as error:
        raise InputError("kit_form_invalid", reason=str(error)[:200]) from None


def _csv(table: pd.DataFrame) -> bytes:
    """A list ODK reads: UTF-8 without a BOM (its first column must be ``name``)."""
    return neutralise_frame(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def odk_kit(
    stamp: KitStamp, units: pd.DataFrame, residents: pd.DataFrame, *, record_people: bool
) -> dict[str, bytes]:
    """The files of an ODK kit: the XLSForm, its XForm, the unit list (walking order), the
    masked resident list and the stamp. ``units`` and ``residents`` come from
    :func:`geo.fieldkit.unit_list` and :func:`geo.fieldkit.resident_list`."""
    form = xlsform_xlsx(xlsform(stamp, record_people=record_people))
    return {
        FORM_XLSX: form,
        FORM_XML: xform(form).encode("utf-8"),
        UNITS_FILE: _csv(units),
        RESIDENTS_FILE: _csv(residents),
        STAMP_FILE: stamp_json(stamp, kind="odk", units=len(units)),
    }


def visits_template() -> gpd.GeoDataFrame:
    """The empty visits table of a GeoPackage kit: the ODK form's fields, the point where
    the visit was made."""
    columns: dict[str, Any] = {
        "uuid": pd.Series(dtype=object),
        "unit": pd.Series(dtype=object),
        "plate": pd.Series(dtype=object),
        "visited_at": pd.Series(dtype=object),
        "outcome": pd.Series(dtype=object),
        "seen": pd.Series(dtype="int32"),
        "confirmed": pd.Series(dtype="int32"),
        "new_residents": pd.Series(dtype="int32"),
        "accuracy_m": pd.Series(dtype="float64"),
        "note": pd.Series(dtype=object),
    }
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=WGS84))


def gpkg_kit(
    stamp: KitStamp, units: pd.DataFrame, residents: pd.DataFrame, grids: gpd.GeoDataFrame
) -> bytes:
    """A GeoPackage for QField and Mergin Maps: ``units`` (points in walking order, with
    their masked residents), ``grids`` (outlines), an empty ``visits`` table, the outcome
    value list and the kit's stamp."""
    import pyogrio

    who = residents.groupby("unit")["label"].agg("；".join) if len(residents) else pd.Series()
    points = gpd.GeoDataFrame(
        units.drop(columns=["lon", "lat"]).assign(residents=units["name"].map(who).fillna("")),
        geometry=shapely.points(units["lon"].to_numpy(float), units["lat"].to_numpy(float)),
        crs=WGS84,
    )
    choices = pd.DataFrame(
        {
            "code": list(OUTCOMES),
            "label_zh": [message(f"outcome_{c}", lang="zh") for c in OUTCOMES],
            "label_en": [message(f"outcome_{c}", lang="en") for c in OUTCOMES],
        }
    )
    stamp_table = pd.DataFrame([json.loads(stamp_json(stamp, kind="gpkg", units=len(units)))])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kit.gpkg"
        write = pyogrio.write_dataframe
        write(points, path, layer=GPKG_UNITS, driver="GPKG", geometry_type="Point")
        write(grids, path, layer=GPKG_GRIDS, driver="GPKG", geometry_type="MultiPolygon")
        write(visits_template(), path, layer=GPKG_VISITS, driver="GPKG", geometry_type="Point")
        write(choices, path, layer=GPKG_CHOICES, driver="GPKG")
        write(stamp_table, path, layer=GPKG_STAMP, driver="GPKG")
        return path.read_bytes()


def read_gpkg_kit(data: bytes) -> tuple[dict[str, Any], pd.DataFrame]:
    """A GeoPackage kit's stamp and its visits table (``lon``/``lat`` from each point)."""
    import pyogrio

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kit.gpkg"
        path.write_bytes(data)
        try:
            layers = {str(name) for name, _ in pyogrio.list_layers(path)}
        except Exception:  # GDAL raises its own errors for a file that is no GeoPackage
            raise InputError("kit_file_unreadable") from None
        if not {GPKG_STAMP, GPKG_VISITS} <= layers:
            raise InputError("kit_file_unreadable")
        stamp = pyogrio.read_dataframe(path, layer=GPKG_STAMP).iloc[0].to_dict()
        visits = pyogrio.read_dataframe(path, layer=GPKG_VISITS)
    geometry = visits.geometry
    frame = pd.DataFrame(visits.drop(columns="geometry"))
    frame["lon"] = geometry.x.where(~geometry.is_empty & geometry.notna())
    frame["lat"] = geometry.y.where(~geometry.is_empty & geometry.notna())
    return stamp, frame


def read_odk_export(data: bytes, filename: str) -> pd.DataFrame:
    """ODK Central's submission export, its CSV or its zip (the form's own CSV inside; the
    repeat tables beside it are left out), every cell text."""
    if filename.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                tables = [
                    n
                    for n in archive.namelist()
                    if n.lower().endswith(".csv") and "/" not in n.strip("/")
                ]
                if not tables:
                    raise InputError("kit_file_unreadable")
                main = min(tables, key=len)  # repeats are named <form>-<repeat>.csv
                data = archive.read(main)
        except zipfile.BadZipFile:
            raise InputError("kit_file_unreadable") from None
    try:
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise InputError("kit_file_unreadable") from None


def read_odk_repeat(data: bytes, filename: str, *, repeat: str) -> pd.DataFrame:
    """The table of one repeat (``<form id>-<repeat>.csv``) in ODK Central's zip export,
    every cell text; an empty frame for a CSV export or a zip without that table."""
    if not filename.lower().endswith(".zip"):
        return pd.DataFrame()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [
                n
                for n in archive.namelist()
                if "/" not in n.strip("/") and n.lower().endswith(f"-{repeat}.csv")
            ]
            if not names:
                return pd.DataFrame()
            table = archive.read(min(names, key=len))
    except zipfile.BadZipFile:
        raise InputError("kit_file_unreadable") from None
    try:
        return pd.read_csv(
            io.BytesIO(table), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise InputError("kit_file_unreadable") from None


def plates_sheet(plates: pd.DataFrame, *, title: str) -> bytes:
    """A printable HTML sheet of door plates, six to an A4 page: each a QR code (segno) of
    its token, with the unit's address and reference for the installer.

    ``plates``: token, ref, address, room."""
    import segno

    cards = []
    for token, ref, address, room in plates[["token", "ref", "address", "room"]].itertuples(
        index=False, name=None
    ):
        code = segno.make_qr(str(token), error="m")
        image = code.png_data_uri(scale=8, border=4)
        where = html_text(f"{address} {room or ''}".strip())
        cards.append(
            '<div class="plate">'
            f'<img src="{image}" alt="QR">'
            f'<div class="where">{where}</div>'
            f'<div class="ref">{html_text(ref or "")}</div>'
            "</div>"
        )
    page = (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{html_text(title)}</title><style>"
        "@page{size:A4;margin:10mm}body{font-family:sans-serif;margin:0}"
        "h1{font-size:12pt}.sheet{display:flex;flex-wrap:wrap;gap:6mm}"
        ".plate{width:60mm;border:0.3mm solid #999;padding:3mm;text-align:center;"
        "break-inside:avoid}.plate img{width:50mm;height:50mm}"
        ".where{font-size:10pt}.ref{font-size:8pt;color:#555}"
        "</style></head><body>"
        f'<h1>{html_text(title)}</h1><div class="sheet">{"".join(cards)}</div>'
        "</body></html>"
    )
    return page.encode("utf-8")
