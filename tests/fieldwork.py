"""What the field hands back, made the way the real apps make it: ODK Central's submission
export built from a kit's own XForm (its field names and group paths), and door plates read
back from a printed sheet with a QR decoder."""

from __future__ import annotations

import base64
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

XFORMS = "{http://www.w3.org/2002/xforms}"
CENTRAL_TAIL = (
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)


def form_fields(xform: str) -> list[tuple[str, str]]:
    """(column, type) of every field of an XForm as ODK Central names its CSV columns:
    the path below the root joined by '-', a geopoint split into four columns."""
    root = ET.fromstring(xform)
    fields = []
    for bind in root.iter(f"{XFORMS}bind"):
        path = bind.attrib["nodeset"].split("/")[2:]
        column = "-".join(path)
        kind = bind.attrib.get("type", "string")
        if kind == "geopoint":
            fields += [
                (f"{column}-{part}", "geo")
                for part in ("Latitude", "Longitude", "Altitude", "Accuracy")
            ]
        else:
            fields.append((column, kind))
    return fields


def odk_export(xform: str, rows: list[dict[str, Any]]) -> bytes:
    """ODK Central's CSV export of ``rows``; each row gives ``key`` (the instance id),
    ``unit``, ``outcome``, ``at`` (local time of the visit) and optionally ``kit``, ``plate``,
    ``lon``, ``lat``, ``seen``, ``confirmed``, ``new``, ``note``, ``review``, ``who``."""
    fields = form_fields(xform)
    kit = re.search(r'calculate="\'(\d+)\'"', xform)
    header = [
        "SubmissionDate",
        *[c for c, _ in fields if c != "meta-instanceID"],
        "meta-instanceID",
        *CENTRAL_TAIL,
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        at: datetime = row["at"]
        values = {
            "SubmissionDate": (at - timedelta(hours=8) + timedelta(minutes=30)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
            "kit": str(row.get("kit", kit.group(1) if kit else "")),
            "kit_expires": "",
            "visit-unit": str(row["unit"]),
            "visit-plate": row.get("plate", ""),
            "visit-gps-Latitude": row.get("lat", ""),
            "visit-gps-Longitude": row.get("lon", ""),
            "visit-gps-Altitude": "12.5" if row.get("lat", "") != "" else "",
            "visit-gps-Accuracy": "4.2" if row.get("lat", "") != "" else "",
            "visit-visited_at": at.strftime("%Y-%m-%dT%H:%M:%S.000+08:00"),
            "visit-outcome": row["outcome"],
            "visit-seen": row.get("seen", ""),
            "visit-confirmed": row.get("confirmed", ""),
            "visit-new_residents": row.get("new", ""),
            "visit-note": row.get("note", ""),
            "meta-instanceID": row["key"],
            "KEY": row["key"],
            "SubmitterID": "7",
            "SubmitterName": row.get("who", "collect-01"),
            "AttachmentsPresent": "0",
            "AttachmentsExpected": "0",
            "Status": "",
            "ReviewState": row.get("review", ""),
            "DeviceID": "collect:abc",
            "Edits": "0",
            "FormVersion": "1",
        }
        writer.writerow([values.get(c, "") for c in header])
    return out.getvalue().encode("utf-8")


def plates_on_sheet(sheet: bytes) -> list[tuple[str, str]]:
    """(token, the address printed under it) of every plate on a printed sheet, the token
    read from the QR image by a QR decoder (zxing-cpp), as a phone would."""
    import zxingcpp
    from PIL import Image

    text = sheet.decode("utf-8")
    found = []
    for image, where in re.findall(
        r'<img src="data:image/png;base64,([^"]+)"[^>]*><div class="where">([^<]*)</div>', text
    ):
        picture = Image.open(io.BytesIO(base64.b64decode(image)))
        decoded = zxingcpp.read_barcodes(picture)
        assert len(decoded) == 1
        found.append((decoded[0].text, where))
    return found
