"""Faults speak: each fault of the disk, the file or the server, met by a real command, is one
line in Chinese and English naming the cause and what to do, never "internal error", and
leaves nothing half written. One table, run on both backends (the SQLite file faults need
no server and run in both runs; a full disk is made with SQLite's own page limit)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import event

from geo.errors import GridhouseError
from geo.i18n import bilingual
from geo.services import auditing, uploads
from geo.services.setup import open_database
from tests import databases
from tests.conftest import ADMIN, AS_OF, run_cli

STREET = box(119.90, 30.00, 120.00, 30.10)


@dataclass(frozen=True)
class Fault:
    """A fault: how to make it (returns the command's arguments and a check that nothing
    was half written), and what the one line must say (in English; Chinese beside it)."""

    make: Callable[[Path], tuple[list[str], Callable[[], None]]]
    says: str
    postgis_only: bool = False


def _unchanged(path: Path) -> Callable[[], None]:
    before = path.read_bytes()
    return lambda: None if path.read_bytes() == before else pytest.fail(f"{path} changed")


def random_bytes(directory: Path) -> tuple[list[str], Callable[[], None]]:
    path = directory / "random.sqlite"
    path.write_bytes(os.urandom(8192))
    return ["--db", str(path), "audit", "verify"], _unchanged(path)


def truncated(directory: Path) -> tuple[list[str], Callable[[], None]]:
    path = directory / "cut.sqlite"
    open_database(str(path)).db.dispose()
    with path.open("r+b") as handle:  # cut short after its first page
        handle.truncate(4096)
    return ["--db", str(path), "audit", "verify"], _unchanged(path)


def folder(directory: Path) -> tuple[list[str], Callable[[], None]]:
    path = directory / "folder.sqlite"
    path.mkdir()
    return ["--db", str(path), "audit", "verify"], lambda: None


def refusing_server(_directory: Path) -> tuple[list[str], Callable[[], None]]:
    return ["--db", "postgresql+psycopg://u:secret@127.0.0.1:1/gh", "audit", "verify"], lambda: None


def unknown_host(_directory: Path) -> tuple[list[str], Callable[[], None]]:
    url = "postgresql+psycopg://u:secret@no-such-host.invalid/gh"
    return ["--db", url, "audit", "verify"], lambda: None


def missing_database(_directory: Path) -> tuple[list[str], Callable[[], None]]:
    return ["--db", databases.server_url("gh_no_such_database"), "audit", "verify"], lambda: None


def _areas_unchanged(url: str) -> Callable[[], None]:
    before = databases.scalar(url, "SELECT count(*) FROM area")

    def check() -> None:
        assert databases.scalar(url, "SELECT count(*) FROM area") == before

    return check


def mixed_crs_layers(directory: Path) -> tuple[list[str], Callable[[], None]]:
    url = databases.new_database(directory, "layers", migrated=True)
    path = directory / "mixed.gpkg"
    wgs = gpd.GeoDataFrame({"name": ["甲街道"], "code": ["330110001"]}, geometry=[STREET],
                           crs="EPSG:4326")  # fmt: skip
    wgs.to_file(path, layer="wgs84", driver="GPKG")
    wgs.to_crs("EPSG:3857").assign(code=["330110002"]).to_file(path, layer="web", driver="GPKG")
    args = ["--db", url, "import", "areas", str(path), "--level", "street", "--code-field", "code"]
    return args, _areas_unchanged(url)


def long_area_name(directory: Path) -> tuple[list[str], Callable[[], None]]:
    url = databases.new_database(directory, "names", migrated=True)
    path = directory / "long.geojson"
    named = gpd.GeoDataFrame({"name": ["很长的街道名" * 50], "code": ["330110001"]},
                             geometry=[STREET], crs="EPSG:4326")  # fmt: skip
    named.to_file(path, driver="GeoJSON")
    args = ["--db", url, "import", "areas", str(path), "--level", "street", "--code-field", "code"]
    return args, _areas_unchanged(url)


def newer_schema(directory: Path) -> tuple[list[str], Callable[[], None]]:
    """A database a newer Gridhouse has migrated past the revisions this one knows."""
    url = databases.new_database(directory, "newer", migrated=True)
    databases.execute(url, "UPDATE alembic_version SET version_num = '0099'")
    before = databases.rows(url, "SELECT * FROM audit ORDER BY id")

    def check() -> None:
        assert databases.scalar(url, "SELECT version_num FROM alembic_version") == "0099"
        assert databases.rows(url, "SELECT * FROM audit ORDER BY id") == before

    return ["--db", url, "health"], check


FAULTS = {
    "database file of random bytes": Fault(random_bytes, "not an SQLite database"),
    "truncated database": Fault(truncated, "damaged or incomplete"),
    "--db a directory": Fault(folder, "is a folder, not a file"),
    "PostgreSQL refusing": Fault(refusing_server, "cannot reach the database server"),
    "PostgreSQL unreachable": Fault(unknown_host, "cannot reach the database server"),
    "PostgreSQL without the database": Fault(
        missing_database, "has no such database", postgis_only=True
    ),
    "GeoPackage layers in different CRSs": Fault(mixed_crs_layers, "several layers"),
    "area name longer than its column": Fault(long_area_name, "at most 200 characters"),
    "database from a newer Gridhouse": Fault(newer_schema, "newer version of Gridhouse"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_is_one_bilingual_line_naming_the_cause_with_nothing_half_written(name, tmp_path):
    fault = FAULTS[name]
    if fault.postgis_only and not databases.POSTGIS:
        pytest.skip("needs a PostgreSQL server (the PostGIS run)")
    args, nothing_half_written = fault.make(tmp_path)
    result = run_cli(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    zh, _, en = lines[0].partition(" | ")
    assert zh and fault.says in en, lines[0]
    assert "internal error" not in en and "Traceback" not in result.stderr
    assert "secret" not in result.stderr  # a password in --db is never printed
    nothing_half_written()


def rentals(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数"])
    for i in range(rows):
        writer.writerow([f"FULL-{i:05d}", f"满盘路{i}号" * 8, "", "", "单间", 1])
    return buffer.getvalue().encode()


@databases.sqlite_only  # PostgreSQL's disk cannot be filled without root: see the README
def test_a_full_disk_mid_import_says_so_and_keeps_nothing(demo_copy):
    opened = open_database(demo_copy)
    with opened.db.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    before = databases.scalar(demo_copy, "SELECT count(*) FROM property")

    @event.listens_for(opened.db.engine, "connect")
    def _disk_nearly_full(dbapi_connection, _record):  # SQLite's own limit: a real "full"
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 10}")

    opened.db.engine.dispose()
    with pytest.raises(GridhouseError) as refused:
        uploads.import_upload(opened, ADMIN, kind="rentals", data=rentals(5000),
                              filename="full.csv", as_of=AS_OF)  # fmt: skip
    text = bilingual(refused.value.key, **refused.value.params)
    assert refused.value.key == "disk_full" and "the disk is full" in text
    assert "nothing was saved" in text and "free some space" in text
    opened.db.dispose()
    reopened = open_database(demo_copy)
    assert databases.scalar(demo_copy, "SELECT count(*) FROM property") == before
    assert databases.scalar(demo_copy, "SELECT count(*) FROM property WHERE external_ref "
                            "LIKE 'FULL-%'") == 0  # fmt: skip
    assert auditing.verify_audit(reopened, ADMIN)["ok"] is True
    reopened.db.dispose()
