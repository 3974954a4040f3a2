"""The list in the file format asked for: one writer per format of :data:`FORMATS`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import pandas as pd

from geo.errors import InputError
from geo.io.arealists.pdf import write_pdf
from geo.io.arealists.sheet import clean_text, sheet, write_xlsx
from geo.io.arealists.waypoints import write_geojson, write_gpx, write_kml, write_kmz
from geo.io.exports import excel_csv

FORMATS: Final = ("csv", "xlsx", "geojson", "kml", "kmz", "gpx", "pdf")


def write(items: pd.DataFrame, fmt: str, *, title: str, font_file: Path | None = None) -> bytes:
    """The list in format ``fmt`` (one of :data:`FORMATS`); a PDF in ``font_file`` when
    given, else a Chinese font found in the system font folders."""
    writers: dict[str, Callable[[pd.DataFrame, str], bytes]] = {
        "csv": lambda t, _title: excel_csv(sheet(t)),
        "xlsx": write_xlsx,
        "geojson": write_geojson,
        "kml": write_kml,
        "kmz": write_kmz,
        "gpx": write_gpx,
        "pdf": lambda t, heading: write_pdf(t, heading, font_file=font_file),
    }
    if fmt not in writers:
        raise InputError("list_format_unknown", format=fmt, formats=", ".join(FORMATS))
    return writers[fmt](items, clean_text(title))
