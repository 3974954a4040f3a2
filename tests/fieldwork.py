"""What the field hands back, made the way the real apps make it: ODK Central's submission
export built from a kit's own XForm (its field names and group paths), and door plates read
back from a printed sheet with a QR decoder."""

from __future__ import annotations

import base64
import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
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


def repeats(xform: str) -> list[str]:
    """The nodesets of an XForm's repeats (``/data/visit/newcomer``)."""
    return [r.attrib["nodeset"] for r in ET.fromstring(xform).iter(f"{XFORMS}repeat")]


def form_fields(xform: str) -> list[tuple[str, str]]:
    """(column, type) of every field of an XForm as ODK Central names its CSV columns:
    the path below the root joined by '-', a geopoint split into four columns. Fields
    inside a repeat go to the repeat's own table, not here; the repeat leaves a
    ``SET-OF-<path>`` column."""
    root = ET.fromstring(xform)
    fields = []
    inner = repeats(xform)
    for bind in root.iter(f"{XFORMS}bind"):
        nodeset = bind.attrib["nodeset"]
        if any(nodeset.startswith(f"{r}/") for r in inner):
            continue
        path = nodeset.split("/")[2:]
        column = "-".join(path)
        kind = bind.attrib.get("type", "string")
        if kind == "geopoint":
            fields += [
                (f"{column}-{part}", "geo")
                for part in ("Latitude", "Longitude", "Altitude", "Accuracy")
            ]
        else:
            fields.append((column, kind))
    fields += [("SET-OF-" + "-".join(r.split("/")[2:]), "set") for r in inner]
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
            **{
                c: f"{row['key']}/{c.rsplit('-', 1)[-1]}"
                for c, kind in fields
                if kind == "set" and row.get("newcomers")
            },
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


def odk_zip(xform: str, rows: list[dict[str, Any]]) -> bytes:
    """ODK Central's zip export of ``rows`` (see :func:`odk_export`): the form's CSV and,
    beside it, each repeat's table ``<form id>-<repeat>.csv`` with the repeat's fields,
    ``PARENT_KEY`` (the submission's id) and ``KEY`` (``<PARENT_KEY>/<repeat>[n]``). A row's
    ``newcomers`` is a list of {name, id, phone}."""
    form_id = re.search(r'<data id="([^"]+)"', xform) or re.search(r' id="([^"]+)"', xform)
    assert form_id is not None
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{form_id.group(1)}.csv", odk_export(xform, rows))
        for nodeset in repeats(xform):
            name = nodeset.rsplit("/", 1)[-1]
            columns = [
                b.attrib["nodeset"].rsplit("/", 1)[-1]
                for b in ET.fromstring(xform).iter(f"{XFORMS}bind")
                if b.attrib["nodeset"].startswith(f"{nodeset}/")
            ]
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([*columns, "PARENT_KEY", "KEY"])
            for row in rows:
                for number, person in enumerate(row.get("newcomers", []), start=1):
                    values = {
                        f"{name}_name": person.get("name", ""),
                        f"{name}_id": person.get("id", ""),
                        f"{name}_phone": person.get("phone", ""),
                    }
                    writer.writerow(
                        [
                            *[values.get(c, "") for c in columns],
                            row["key"],
                            f"{row['key']}/{name}[{number}]",
                        ]
                    )
            z.writestr(f"{form_id.group(1)}-{name}.csv", out.getvalue())
    return archive.getvalue()


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
