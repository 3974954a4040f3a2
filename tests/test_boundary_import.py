"""Importing boundaries from every supported format through the gridhouse command."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo.crs import wgs84_to_gcj02
from geo.services.setup import open_database
from geo.store.areas import load_areas
from tests import databases
from tests.conftest import run_cli

X0, Y0 = 119.95, 30.05
STEP = 0.01


def communities() -> gpd.GeoDataFrame:
    """Two clean squares and one bow tie (a self-intersecting ring)."""
    bow_tie = shapely.Polygon(
        [
            (X0 + 2 * STEP, Y0),
            (X0 + 3 * STEP, Y0 + STEP),
            (X0 + 3 * STEP, Y0),
            (X0 + 2 * STEP, Y0 + STEP),
        ]
    )
    return gpd.GeoDataFrame(
        {"名称": ["东湖社区", "西溪社区", "白鹭村"], "编码": ["C01", "C02", "C03"]},
        geometry=[
            shapely.box(X0, Y0, X0 + STEP, Y0 + STEP),
            shapely.box(X0 + STEP, Y0, X0 + 2 * STEP, Y0 + STEP),
            bow_tie,
        ],
        crs="EPSG:4326",
    )


def write(frame: gpd.GeoDataFrame, directory: Path, fmt: str) -> Path:
    if fmt == "geojson":
        path = directory / "areas.geojson"
        pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    elif fmt == "gpkg":
        path = directory / "areas.gpkg"
        pyogrio.write_dataframe(frame, path, driver="GPKG", layer="communities")
    elif fmt in ("shp", "zip"):
        shp = directory / "areas.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
        path = shp
        if fmt == "zip":
            path = directory / "areas.zip"
            with zipfile.ZipFile(path, "w") as archive:
                for part in directory.glob("areas.*"):
                    if part.suffix != ".zip":
                        archive.write(part, part.name)
    elif fmt == "kml":
        path = directory / "areas.kml"
        pyogrio.write_dataframe(frame, path, driver="KML")
    else:
        raise AssertionError(fmt)
    return path


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "zip", "kml"])
def test_each_format_imports_and_the_broken_polygon_is_repaired(tmp_path, fmt):
    frame = communities()
    if fmt == "kml":  # KML keeps a Name field, not arbitrary attributes
        frame = frame.rename(columns={"名称": "Name"})
    name_field = "Name" if fmt == "kml" else "名称"
    path = write(frame, tmp_path, fmt)
    db = databases.new_database(tmp_path, "g", migrated=True)
    result = run_cli(
        "--db",
        str(db),
        "import",
        "areas",
        str(path),
        "--level",
        "community",
        "--name-field",
        name_field,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["areas"] == 3
    assert summary["added"] == 3
    assert summary["repaired"] == ["白鹭村"]
    assert summary["overlaps"] == 0
    opened = open_database(str(db), create=False)
    with opened.db.read() as conn:
        stored = load_areas(conn, level="community")
    opened.db.dispose()
    assert sorted(stored["name"]) == sorted(["东湖社区", "西溪社区", "白鹭村"])
    assert stored.geometry.is_valid.all()
    # Each clean square is about 1.07 km2 at 30 N; the bow tie keeps its two triangles.
    sizes = stored.set_index("name")["area_m2"]
    assert sizes["东湖社区"] == pytest.approx(1.0e6 * 1.07, rel=0.02)
    assert sizes["白鹭村"] == pytest.approx(sizes["东湖社区"] / 2, rel=0.02)


def test_codes_parents_and_reimport_replace_instead_of_duplicating(tmp_path):
    db = databases.new_database(tmp_path, "g", migrated=True)
    street = gpd.GeoDataFrame(
        {"name": ["示范街道"], "code": ["330110901"]},
        geometry=[shapely.box(X0, Y0, X0 + 3 * STEP, Y0 + STEP)],
        crs=4326,
    )
    street_path = write(street, tmp_path, "geojson").rename(tmp_path / "street.geojson")
    first = run_cli(
        "--db",
        str(db),
        "import",
        "areas",
        str(street_path),
        "--level",
        "street",
        "--code-field",
        "code",
    )
    assert first.returncode == 0, first.stderr
    path = write(communities(), tmp_path, "gpkg")
    args = (
        "--db",
        str(db),
        "import",
        "areas",
        str(path),
        "--level",
        "community",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    once = json.loads(run_cli(*args).stdout)
    twice = json.loads(run_cli(*args).stdout)
    assert (once["added"], once["replaced"], once["without_parent"]) == (3, 0, 0)
    assert (twice["added"], twice["replaced"]) == (0, 3)
    assert twice["total_areas"] == 4
    opened = open_database(str(db), create=False)
    with opened.db.read() as conn:
        stored = load_areas(conn, level="community", geometry=False)
    opened.db.dispose()
    assert set(stored["parent_code"]) == {"330110901"}
    assert sorted(stored["code"]) == ["C01", "C02", "C03"]


def test_gcj02_boundaries_are_stored_in_wgs84(tmp_path):
    wgs = shapely.box(X0, Y0, X0 + STEP, Y0 + STEP)
    shifted = shapely.transform(wgs, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    frame = gpd.GeoDataFrame({"name": ["A"]}, geometry=[shifted], crs=4326)
    path = write(frame, tmp_path, "geojson")
    db = databases.new_database(tmp_path, "g", migrated=True)
    result = run_cli(
        "--db", str(db), "import", "areas", str(path), "--level", "community", "--crs", "gcj02"
    )
    assert result.returncode == 0, result.stderr
    opened = open_database(str(db), create=False)
    with opened.db.read() as conn:
        stored = load_areas(conn, level="community").geometry.iloc[0]
    opened.db.dispose()
    # Back on the WGS-84 square to within a centimetre (1e-7 degrees).
    assert shapely.hausdorff_distance(stored, wgs) < 1e-7
    assert shapely.hausdorff_distance(shifted, wgs) > 0.002


@pytest.mark.parametrize(
    ("content", "suffix", "key"),
    [
        (b"", ".geojson", "无法读取文件"),
        (b"not json at all", ".geojson", "无法读取文件"),
        (b"PK\x03\x04 broken zip", ".zip", "无法读取文件"),
        (b"x", ".csv", "不支持的边界文件格式"),
    ],
)
def test_unusable_boundary_files_exit_2_with_one_line_and_no_change(tmp_path, content, suffix, key):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    db = databases.new_database(tmp_path, "g", migrated=True)
    result = run_cli("--db", str(db), "import", "areas", str(path), "--level", "community")
    assert result.returncode == 2
    assert result.stdout == ""
    assert key in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = run_cli(
        "--db",
        databases.new_database(tmp_path, "g", migrated=True),
        "import",
        "areas",
        str(tmp_path / "nope.geojson"),
        "--level",
        "grid",
    )
    assert result.returncode == 2
    assert "nope.geojson" in result.stderr
    assert "file not found" in result.stderr
    assert "Traceback" not in result.stderr
