"""Files field devices accept, from the field cases (../shared/field-cases, skipped when
absent) and from text already stored before intake cleaned it: every KML, KMZ and GPX export
parses with a strict XML parser; GPX routes come in legs a handheld takes, with short names
unique within 10 characters."""

from __future__ import annotations

import ast
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from geo.io import arealists
from geo.services import sweeps
from geo.services.setup import open_database
from tests import databases
from tests.conftest import ADMIN, AS_OF, ROOT

CASES = ROOT.parent / "shared" / "field-cases"
GPX = {"g": "http://www.topografix.com/GPX/1/1"}
KML = {"k": "http://www.opengis.net/kml/2.2"}
STORED = 'x<y & "z"\x0b\x01\u202e'
"""Text as it may sit in a database filled before intake cleaned it."""


def _case(name: str, tmp_path: Path) -> Path:
    """A writable copy of a field case's folder (skip when the cases are absent)."""
    found = sorted(CASES.glob(f"{name}_*")) if CASES.is_dir() else []
    if not found:
        pytest.skip(f"field case {name} is not available")
    target = tmp_path / found[0].name
    shutil.copytree(found[0], target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    target.chmod(0o755)
    return target


def _run_case(folder: Path) -> subprocess.CompletedProcess[str]:
    """The case's cmd.sh, inside its folder, with this environment's gridhouse first on PATH."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("GRIDHOUSE_DATABASE_URL", None)
    return subprocess.run(
        ["bash", "cmd.sh"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _no_control(text: str) -> bool:
    return not any(
        (ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text
    )


def test_gh12_a_vertical_tab_in_an_address_leaves_kml_and_gpx_well_formed(tmp_path):
    folder = _case("gh12", tmp_path)
    done = _run_case(folder)
    assert done.returncode == 0, done.stderr
    assert "list.kml well-formed" in done.stdout and "list.gpx well-formed" in done.stdout
    kml = ET.parse(folder / "list.kml").getroot()
    gpx = ET.parse(folder / "list.gpx").getroot()
    descriptions = [d.text or "" for d in kml.iter(f"{{{KML['k']}}}description")]
    assert len(descriptions) == 4
    pasted = next(d for d in descriptions if d.startswith("东湖路12号"))
    assert pasted.split(" · ")[0].replace(" ", "") == "东湖路12号2幢301"
    assert all(_no_control(t) for e in kml.iter() for t in (e.text, e.tail) if t)
    waypoints = gpx.findall("g:wpt", GPX)
    assert [w.findtext("g:name", namespaces=GPX) for w in waypoints] == ["001", "002", "003", "004"]
    assert all(_no_control(w.findtext("g:desc", namespaces=GPX) or "") for w in waypoints)
    # the other formats of the same list: the basement room and the leading zeros intact
    sheet = openpyxl.load_workbook(folder / "list.xlsx").active
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("房屋编号")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["33011090100100100013"][header.index("房间")] == "-1"
    assert "000123" in rows
    address = rows["33011090100100100012"][header.index("地址")]
    assert address.replace(" ", "") == "东湖路12号2幢" and _no_control(address)
    features = json.loads((folder / "list.geojson").read_text(encoding="utf-8"))["features"]
    assert all(_no_control(json.dumps(f, ensure_ascii=False)) for f in features)


def test_gh14_a_550_unit_list_reaches_a_handheld_in_legs_with_unique_short_names(tmp_path):
    folder = _case("gh14", tmp_path)
    done = _run_case(folder)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    exported = json.loads(lines[-2])
    seen = ast.literal_eval(lines[-1])  # the case's own check of what a handheld receives
    assert exported["units"] >= 550
    assert seen["waypoints"] == exported["units"] == sum(seen["points_per_route"])
    assert max(seen["points_per_route"]) <= arealists.GPX_LEG_POINTS
    assert seen["routes"] == len(seen["points_per_route"]) >= 3
    assert seen["longest_name"] <= 10 and seen["names_colliding_at_10_chars"] == 0
    root = ET.parse(folder / "list.gpx").getroot()
    route_names = [r.findtext("g:name", namespaces=GPX) for r in root.findall("g:rte", GPX)]
    assert len(set(route_names)) == len(route_names) and max(map(len, route_names)) <= 10


@pytest.fixture
def stored_badly(demo_copy):
    """The demo with its sweep's name, team names, addresses, rooms, references, area names and
    residents' names holding markup, quotes and control characters, as a database filled
    before intake cleaning would hold them."""
    for sql in (
        "UPDATE sweep SET name = name || ?",
        "UPDATE team SET name = name || ?",
        "UPDATE property SET address = address || ?",
        "UPDATE property SET room = COALESCE(room, '') || ?",
        "UPDATE area SET name = name || ?",
        "UPDATE person SET name = name || ?",
    ):
        databases.execute(demo_copy, sql, (STORED,))
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def test_every_export_of_text_stored_before_cleaning_is_well_formed(stored_badly):
    listed = sweeps.list_sweeps(stored_badly, ADMIN)
    sweep_id = int(listed["id"].iloc[0])
    files = {
        fmt: sweeps.area_list(stored_badly, ADMIN, sweep_id, fmt=fmt, as_of=AS_OF)[0]
        for fmt in ("kml", "kmz", "gpx", "csv", "geojson", "xlsx")
    }
    with zipfile.ZipFile(io.BytesIO(files["kmz"])) as archive:
        assert archive.read("doc.kml") == files["kml"]
    kml = ET.fromstring(files["kml"])
    gpx = ET.fromstring(files["gpx"])
    for root in (kml, gpx):
        texts = [t for e in root.iter() for t in (e.text, e.tail, *e.attrib.values()) if t]
        assert all(_no_control(t) for t in texts)
        assert any('x<y & "z"' in t for t in texts)  # kept as text, not lost
    assert all(
        len(r.findall("g:rtept", GPX)) <= arealists.GPX_LEG_POINTS
        for r in gpx.findall("g:rte", GPX)
    )
    assert _no_control(files["csv"].decode("utf-8-sig").replace("\r\n", ""))
    assert _no_control(files["geojson"].decode("utf-8"))
    sheet = openpyxl.load_workbook(io.BytesIO(files["xlsx"])).active
    assert all(
        _no_control(str(c.value)) for row in sheet.iter_rows() for c in row if c.value is not None
    )
    single = sweeps.area_units_list(
        stored_badly, ADMIN, str(_first_community(stored_badly)), fmt="kml", as_of=AS_OF
    )[0]
    assert ET.fromstring(single).tag.endswith("kml")


def _first_community(opened) -> str:
    from geo.store.areas import load_areas

    with opened.db.read() as conn:
        return str(load_areas(conn, level="community", geometry=False)["code"].iloc[0])
