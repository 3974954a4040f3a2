"""Boundary files as surveyors, GIS staff, Google Earth and GPS walks really make them: the
right areas (names, codes, counts, the units inside each) or one clear refusal.

The field cases are read from ../shared/field-cases (skipped when absent); the kinds with no
field case are small files in tests/data/boundaries (made by make_boundary_files.py there).
"""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.cli import main
from geo.errors import PermissionDeniedError
from geo.services import boundaries
from geo.services.setup import open_database
from tests import databases
from tests.conftest import ADMIN, PLANNER, ROOT

FIELD_CASES = ROOT.parent / "shared" / "field-cases"
DATA = Path(__file__).parent / "data" / "boundaries"
EAST, WEST = "东湖社区", "西溪社区"


def field_case(prefix: str) -> Path:
    found = sorted(FIELD_CASES.glob(f"{prefix}_*")) if FIELD_CASES.exists() else []
    if not found:
        pytest.skip(f"field case {prefix} absent")
    return found[0]


@pytest.fixture
def db(tmp_path) -> str:
    return databases.new_database(tmp_path, "b", migrated=True)


def gridhouse(capsys, *args: str | Path) -> tuple[int, dict, str]:
    """Run the command in-process; its exit code, the JSON it printed and its stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def import_areas(capsys, db: str, path: Path, *options: str) -> tuple[int, dict, str]:
    return gridhouse(capsys, "--db", db, "import", "areas", path, *options)


def areas(db: str, level: str) -> dict[str, tuple[str, str | None]]:
    """code -> (name, parent code) of the stored areas of one level."""
    rows = databases.read_sql(
        db,
        "SELECT a.code, a.name, p.code AS parent FROM area a "
        "LEFT JOIN area p ON p.id = a.parent_id WHERE a.level = ? ORDER BY a.code",
        (level,),
    )
    return {r.code: (r.name, r.parent) for r in rows.itertuples()}


def add_units(capsys, db: str, tmp_path: Path, points: dict[str, tuple[float, float]]) -> None:
    """Rental units at the given WGS-84 points, referenced by the dict's keys."""
    path = tmp_path / "units.csv"
    lines = ["房屋编号,地址,经度,纬度,房屋类型"]
    lines += [f"{ref},示范路{i}号,{x},{y},整套" for i, (ref, (x, y)) in enumerate(points.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, summary, err = gridhouse(capsys, "--db", db, "import", "rentals", path)
    assert code == 0, err
    assert summary["accepted"] == len(points)


def units_per_area(db: str, column: str = "community_id") -> dict[str, list[str]]:
    rows = databases.read_sql(
        db,
        f"SELECT a.name, p.external_ref FROM property p JOIN area a ON a.id = p.{column} "
        "ORDER BY p.external_ref",
    )
    out: dict[str, list[str]] = {}
    for row in rows.itertuples():
        out.setdefault(row.name, []).append(row.external_ref)
    return out


# One unit in each community of the field cases' street (119.95-119.98 E, 30.05-30.07 N).
UNITS = {"U-EAST": (119.952, 30.052), "U-WEST": (119.975, 30.065)}


# --- 1. encodings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "name_field", "code_field"),
    [("ascii_fields", "NAME", "CODE"), ("chinese_fields", "名称", "编码")],
)
def test_gh01_a_gbk_dbf_without_cpg_reads_right_names_and_chinese_field_names(
    capsys, db, folder, name_field, code_field
):
    shp = field_case("gh01") / folder / "comm.shp"
    code, summary, err = import_areas(
        capsys,
        db,
        shp,
        "--level",
        "community",
        "--name-field",
        name_field,
        "--code-field",
        code_field,
    )
    assert code == 0, err
    assert (summary["encoding"], summary["encoding_from"]) == ("GB18030", "detected")
    assert areas(db, "community") == {
        "330110901001": (EAST, None),
        "330110901002": (WEST, None),
    }


@pytest.mark.parametrize("spelling", ["936", "GBK", "CP936", " cp936\r\n", "UTF-8", "65001"])
def test_every_common_cpg_spelling_is_honoured(capsys, db, tmp_path, spelling):
    utf8 = spelling.strip() in ("UTF-8", "65001")
    frame = gpd.GeoDataFrame(
        {"名称": [EAST], "编码": ["330110901001"]},
        geometry=[shapely.box(119.95, 30.05, 119.965, 30.07)],
        crs=4326,
    )
    shp = tmp_path / "c.shp"
    pyogrio.write_dataframe(
        frame, shp, driver="ESRI Shapefile", encoding="UTF-8" if utf8 else "GBK"
    )
    (tmp_path / "c.cpg").write_text(spelling)
    code, summary, err = import_areas(
        capsys, db, shp, "--level", "community", "--name-field", "名称", "--code-field", "编码"
    )
    assert code == 0, err
    assert summary["encoding"] == ("UTF-8" if utf8 else "GB18030")
    assert summary["encoding_from"] == "cpg"
    assert areas(db, "community") == {"330110901001": (EAST, None)}


# --- 2. containers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "archive", ["ascii_in_folder.zip", "gbk_names_in_folder.zip", "gbk_names_root.zip"]
)
def test_gh03_a_zipped_shapefile_is_found_in_a_folder_and_under_gbk_names(capsys, db, archive):
    path = field_case("gh03") / archive
    code, summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "NAME", "--code-field", "CODE"
    )
    assert code == 0, err
    assert summary["areas"] == 2
    assert "社区边界" in summary["layer"] or summary["layer"] == "boundary/comm"
    assert areas(db, "community") == {
        "330110901001": (EAST, None),
        "330110901002": (WEST, None),
    }


def test_gh05_a_kmz_with_nested_folders_a_hole_and_a_pin_gives_three_areas(capsys, db, tmp_path):
    path = field_case("gh05") / "ge_communities.kmz"
    code, summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "Name"
    )
    assert code == 0, err
    assert summary["areas"] == 3
    assert summary["left_out"] == {"point": ["村委会"]}
    assert any("村委会" in note for note in summary["notes"])
    names = sorted(name for name, _ in areas(db, "community").values())
    assert names == sorted([EAST, WEST, "白鹭村"])
    # 白鹭村 fills the hole in 东湖社区: a unit there is in the village, not the community.
    add_units(capsys, db, tmp_path, {**UNITS, "U-VILLAGE": (119.9575, 30.0575)})
    assert units_per_area(db) == {EAST: ["U-EAST"], WEST: ["U-WEST"], "白鹭村": ["U-VILLAGE"]}


def test_two_shapefiles_in_one_zip_are_refused_naming_them_or_one_is_picked(capsys, db):
    path = DATA / "two_shapefiles.zip"
    code, _, err = import_areas(capsys, db, path, "--level", "grid", "--name-field", "名称")
    assert code == 2
    assert "边界/社区" in err and "边界/网格" in err and "--layer" in err
    code, summary, err = import_areas(
        capsys,
        db,
        path,
        "--level",
        "grid",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
        "--layer",
        "网格",
    )
    assert code == 0, err
    assert summary["areas"] == 4
    assert len(areas(db, "grid")) == 4


def test_a_zipped_file_geodatabase_is_read(capsys, db):
    code, _summary, err = import_areas(
        capsys,
        db,
        DATA / "filegdb.zip",
        "--level",
        "community",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    assert code == 0, err
    assert areas(db, "community") == {
        "330110901001": (EAST, None),
        "330110901002": (WEST, None),
    }


# --- 3. layers and levels ----------------------------------------------------------------


def test_a_geopackage_with_three_polygon_layers_is_never_flattened(capsys, db):
    path = DATA / "surveyor_levels.gpkg"
    code, summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "名称"
    )
    assert code == 2
    assert summary == {}
    assert all(layer in err for layer in ("街道", "社区", "网格"))
    assert areas(db, "community") == {}
    code, summary, err = import_areas(
        capsys,
        db,
        path,
        "--level",
        "community",
        "--layer",
        "社区",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    assert code == 0, err
    assert summary["areas"] == 2


def test_levels_load_a_whole_hierarchy_with_parents_by_containment(capsys, db, tmp_path):
    code, summary, err = import_areas(
        capsys,
        db,
        DATA / "surveyor_levels.gpkg",
        "--levels",
        "street=街道,community=社区,grid=网格",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    assert code == 0, err
    assert [(s["level"], s["areas"]) for s in summary["levels"]] == [
        ("street", 1),
        ("community", 2),
        ("grid", 4),
    ]
    assert areas(db, "street") == {"330110901": ("示范街道", None)}
    assert set(areas(db, "community").values()) == {(EAST, "330110901"), (WEST, "330110901")}
    grids = areas(db, "grid")
    assert {code: parent for code, (_, parent) in grids.items()} == {
        "33011090100101": "330110901001",
        "33011090100102": "330110901001",
        "33011090100201": "330110901002",
        "33011090100202": "330110901002",
    }
    add_units(capsys, db, tmp_path, UNITS)
    assert units_per_area(db, "grid_id") == {"东湖一网格": ["U-EAST"], "西溪二网格": ["U-WEST"]}


# --- 4. geometry kinds -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["track_boundary.kml", "lines.geojson"])
def test_gh06_closed_lines_and_gps_tracks_become_grids_with_a_note(capsys, db, tmp_path, name):
    path = field_case("gh06") / name
    code, summary, err = import_areas(capsys, db, path, "--level", "grid", "--name-field", "Name")
    assert code == 0, err
    assert summary["areas"] == 2
    assert summary["closed_lines"] == ["第1网格", "第2网格"]
    assert summary["notes"]
    add_units(capsys, db, tmp_path, {"U1": (119.955, 30.06), "U2": (119.97, 30.06)})
    assert units_per_area(db, "grid_id") == {"第1网格": ["U1"], "第2网格": ["U2"]}


def test_open_lines_only_is_exit_2_saying_why_and_stores_nothing(capsys, db):
    code, summary, err = import_areas(capsys, db, DATA / "open_lines.geojson", "--level", "grid")
    assert code == 2
    assert summary == {}
    assert "1 open lines" in err
    assert "Traceback" not in err
    assert areas(db, "grid") == {}


# --- 5. coordinate sanity ----------------------------------------------------------------


def test_gh07_zone_numbered_eastings_are_read_in_their_zone_crs(capsys, db, tmp_path):
    folder = field_case("gh07")
    code, _, err = import_areas(
        capsys,
        db,
        folder / "street.geojson",
        "--level",
        "street",
        "--name-field",
        "NAME",
        "--code-field",
        "CODE",
    )
    assert code == 0, err
    code, summary, err = import_areas(
        capsys,
        db,
        folder / "comm_cgcs2000.shp",
        "--level",
        "community",
        "--name-field",
        "NAME",
        "--code-field",
        "CODE",
    )
    assert code == 0, err
    assert summary["crs"] == "EPSG:4528"
    assert any("EPSG:4528" in note for note in summary["notes"])
    assert summary["without_parent"] == 0
    assert areas(db, "community") == {
        "330110901001": (EAST, "330110901"),
        "330110901002": (WEST, "330110901"),
    }
    add_units(capsys, db, tmp_path, UNITS)
    assert units_per_area(db) == {EAST: ["U-EAST"], WEST: ["U-WEST"]}


def test_zone_numbered_eastings_under_a_wrong_given_crs_are_refused_naming_the_right_one(
    capsys, db
):
    shp = field_case("gh07") / "comm_cgcs2000.shp"
    code, _, err = import_areas(
        capsys, db, shp, "--level", "community", "--name-field", "NAME", "--crs", "EPSG:4549"
    )
    assert code == 2
    assert "--crs EPSG:4528" in err


def test_gh10_lat_lon_rings_are_swapped_with_a_note(capsys, db, tmp_path):
    path = field_case("gh10") / "latlon_swapped.geojson"
    code, summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "name", "--code-field", "code"
    )
    assert code == 0, err
    assert any("[lat, lon]" in note for note in summary["notes"])
    add_units(capsys, db, tmp_path, UNITS)
    assert units_per_area(db) == {EAST: ["U-EAST"], WEST: ["U-WEST"]}


def test_degrees_labelled_as_a_projected_crs_are_refused_naming_the_fix(capsys, db):
    path = DATA / "degrees_labelled_metres.geojson"
    code, _, err = import_areas(capsys, db, path, "--level", "community", "--name-field", "名称")
    assert code == 2
    assert "--crs wgs84" in err
    assert areas(db, "community") == {}
    code, _, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "名称", "--crs", "wgs84"
    )
    assert code == 0, err


def test_metres_labelled_as_degrees_are_refused(capsys, db, tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[shapely.box(495_000, 3_325_000, 496_000, 3_326_000)], crs=4326
    )
    path = tmp_path / "m.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    code, _, err = import_areas(capsys, db, path, "--level", "community")
    assert code == 2
    assert "EPSG:4549" in err and "metres" in err


# --- 6. codes are text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fields"),
    [("numeric_codes.geojson", ("名称", "编码")), ("numeric_codes_shp.zip", ("NAME", "CODE"))],
)
def test_numeric_codes_are_stored_as_their_digits(capsys, db, name, fields):
    code, _, err = import_areas(
        capsys,
        db,
        DATA / name,
        "--level",
        "community",
        "--name-field",
        fields[0],
        "--code-field",
        fields[1],
    )
    assert code == 0, err
    assert sorted(areas(db, "community")) == ["330110901001", "330110901002"]


def test_a_code_of_another_level_is_refused_and_nothing_changes(capsys, db):
    code, _, err = import_areas(
        capsys,
        db,
        DATA / "surveyor_levels.gpkg",
        "--level",
        "community",
        "--layer",
        "社区",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    assert code == 0, err
    code, _, err = import_areas(
        capsys,
        db,
        DATA / "grid_reuses_community_code.geojson",
        "--level",
        "grid",
        "--name-field",
        "名称",
        "--code-field",
        "编码",
    )
    assert code == 2
    assert "330110901001" in err and "community" in err
    assert areas(db, "community")["330110901001"] == (EAST, None)
    assert areas(db, "grid") == {}


# --- 7. quality: slivers and overlaps without a parent ------------------------------------


def test_a_sliver_and_an_overlap_are_reported_with_size_and_place(capsys, db):
    code, summary, err = import_areas(
        capsys, db, DATA / "sliver_overlap.geojson", "--level", "grid", "--code-field", "code"
    )
    assert code == 0, err
    kinds = {issue["kind"]: issue for issue in summary["issues"]}
    sliver, overlap = kinds["sliver"], kinds["overlap"]
    # A 6 m strip between G1 and G2, 30.05-30.06 N (about 1,110 m long).
    assert sliver["area_m2"] == pytest.approx(6 * 1110, rel=0.1)
    assert {"G1", "G2"} <= set(sliver["codes"].split(","))
    assert 119.965 < sliver["lon"] < 119.9651 and 30.05 < sliver["lat"] < 30.06
    # G3 reaches 30 m into G1 over 30.06-30.07 N.
    assert overlap["codes"] == "G1,G3"
    assert overlap["area_m2"] == pytest.approx(30 * 1110, rel=0.1)


def two_areas_apart(
    tmp_path: Path, width_m: float, *, turned_deg: float = 0.0
) -> tuple[Path, shapely.Polygon]:
    """Two 1 km squares drawn ``width_m`` apart (in metres, CGCS2000 zone 120E, near
    119.95E 30.05N), both turned by ``turned_deg`` about the strip's centre; the file and the
    strip between them in WGS-84."""
    e0, n0 = 495_200.0, 3_324_700.0
    left = shapely.box(e0, n0, e0 + 1000, n0 + 1000)
    right = shapely.box(e0 + 1000 + width_m, n0, e0 + 2000 + width_m, n0 + 1000)
    strip = shapely.box(e0 + 1000, n0, e0 + 1000 + width_m, n0 + 1000)
    centre = (e0 + 1000 + width_m / 2, n0 + 500)
    turned = [shapely.affinity.rotate(g, turned_deg, origin=centre) for g in (left, right, strip)]
    shapes = gpd.GeoSeries(turned, crs=4549).to_crs(4326)
    path = tmp_path / f"apart_{width_m:g}m_{turned_deg:g}deg.geojson"
    frame = gpd.GeoDataFrame(
        {"name": ["左", "右"], "code": ["330110901001", "330110901002"]},
        geometry=list(shapes.iloc[:2]),
        crs=4326,
    )
    frame.to_file(path, driver="GeoJSON")
    return path, shapes.iloc[2]


@pytest.mark.parametrize(
    ("width_m", "turned_deg"),
    [(1, 0), (3, 0), (5, 0), (10, 0), (15, 0), (5, 30), (12, 63)],
)
def test_a_narrow_strip_between_two_areas_is_reported_never_a_crash(
    capsys, db, tmp_path, width_m, turned_deg
):
    # Strips 1-15 m wide used to stop the import with a topology error about half the time.
    path, strip = two_areas_apart(tmp_path, width_m, turned_deg=turned_deg)
    code, summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "name", "--code-field", "code"
    )
    assert code == 0, err
    assert set(areas(db, "community")) == {"330110901001", "330110901002"}
    found = [i for i in summary["issues"] if i["kind"] in ("gap", "sliver")]
    assert [i["kind"] for i in summary["issues"]] == [i["kind"] for i in found]  # no overlap
    assert len(found) == 1
    assert found[0]["kind"] == ("sliver" if width_m < 10.5 else "gap")
    assert found[0]["area_m2"] == pytest.approx(width_m * 1000, rel=0.03)
    assert found[0]["codes"] == "330110901001,330110901002"
    assert strip.buffer(1e-6).contains(shapely.Point(found[0]["lon"], found[0]["lat"]))


def test_the_reported_five_metre_gap_drawn_in_degrees_is_reported(capsys, db, tmp_path):
    path = tmp_path / "gap.geojson"
    boxes = [(119.95, 30.05, 119.96, 30.06), (119.96005, 30.05, 119.97, 30.06)]
    frame = gpd.GeoDataFrame(
        {"name": ["左", "右"], "code": ["330110901001", "330110901002"]},
        geometry=[shapely.box(*b) for b in boxes],
        crs=4326,
    )
    frame.to_file(path, driver="GeoJSON")
    for dry_run in (("--dry-run",), ()):
        code, summary, err = import_areas(
            capsys,
            db,
            path,
            "--level",
            "community",
            "--name-field",
            "name",
            "--code-field",
            "code",
            *dry_run,
        )
        assert code == 0, err
        (sliver,) = summary["issues"]
        assert sliver["kind"] == "sliver"
        assert sliver["area_m2"] == pytest.approx(5_350, rel=0.03)  # 4.8 m x 1,109 m
        assert 119.96 < sliver["lon"] < 119.96005 and 30.05 < sliver["lat"] < 30.06
    assert set(areas(db, "community")) == {"330110901001", "330110901002"}


def test_a_check_that_cannot_be_computed_is_named_not_a_crash(capsys, db, monkeypatch):
    from geo.areas import siblings

    def fails(*args: object, **kwargs: object) -> None:
        raise shapely.errors.GEOSException("TopologyException: side location conflict")

    monkeypatch.setattr(siblings, "_issues_in_metres", fails)
    code, summary, err = import_areas(
        capsys, db, DATA / "sliver_overlap.geojson", "--level", "grid", "--code-field", "code"
    )
    assert code == 0, err
    (unchecked,) = summary["issues"]
    assert unchecked["kind"] == "unchecked"
    assert {"G1", "G2", "G3"} <= set(unchecked["codes"].split(","))
    assert len(areas(db, "grid")) >= 3


# --- 8. points that move: a dry run ------------------------------------------------------


def test_a_dry_run_reports_units_moving_per_area_and_keeps_nothing(capsys, db, tmp_path):
    path = DATA / "surveyor_levels.gpkg"
    options = ("--name-field", "名称", "--code-field", "编码")
    code, _, err = import_areas(
        capsys, db, path, "--level", "community", "--layer", "社区", *options
    )
    assert code == 0, err
    add_units(
        capsys, db, tmp_path, {"A": (119.952, 30.06), "B": (119.963, 30.06), "C": (119.97, 30.06)}
    )
    # The redrawn boundary moves the line between the two communities 0.004 degrees west.
    moved = gpd.GeoDataFrame(
        {"名称": [EAST, WEST], "编码": ["330110901001", "330110901002"]},
        geometry=[
            shapely.box(119.95, 30.05, 119.961, 30.07),
            shapely.box(119.961, 30.05, 119.98, 30.07),
        ],
        crs=4326,
    )
    redrawn = tmp_path / "redrawn.geojson"
    pyogrio.write_dataframe(moved, redrawn, driver="GeoJSON")
    code, summary, err = import_areas(
        capsys, db, redrawn, "--level", "community", "--dry-run", *options
    )
    assert code == 0, err
    assert summary["dry_run"] is True
    assert summary["moved"]["units"] == 1
    per_area = {(m["code"], m["out"], m["in"]) for m in summary["moved"]["per_area"]}
    assert per_area == {("330110901001", 1, 0), ("330110901002", 0, 1)}
    assert units_per_area(db) == {EAST: ["A", "B"], WEST: ["C"]}  # nothing kept
    code, summary, err = import_areas(capsys, db, redrawn, "--level", "community", *options)
    assert code == 0, err
    assert summary["moved"]["units"] == 1
    assert units_per_area(db) == {EAST: ["A"], WEST: ["B", "C"]}


def test_unusable_zip_contents_exit_2_with_one_line(capsys, db, tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "边界见附件")
    code, _, err = import_areas(capsys, db, path, "--level", "community")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "notes.zip" in err
    shutil.rmtree(tmp_path / "nothing", ignore_errors=True)


def test_the_quality_report_lists_slivers_and_the_units_inside_them(capsys, db, tmp_path):
    code, _, err = import_areas(
        capsys, db, DATA / "sliver_overlap.geojson", "--level", "grid", "--code-field", "code"
    )
    assert code == 0, err
    in_sliver = (119.965 + 3 / 96_000, 30.055)  # 3 m east of G1, inside the 6 m strip
    add_units(capsys, db, tmp_path, {"IN-SLIVER": in_sliver, "IN-G2": (119.975, 30.055)})
    opened = open_database(db, create=False)
    try:
        report = boundaries.boundary_quality(opened, ADMIN)
        planner = boundaries.boundary_quality(opened, PLANNER)
    finally:
        opened.db.dispose()
    kinds = sorted(report["issues"]["kind"])
    assert kinds == ["overlap", "sliver"]
    assert report["issues"].geometry.is_valid.all()
    listed = report["in_gaps"]
    assert listed["external_ref"].tolist() == ["IN-SLIVER"]
    assert listed[["level", "gap"]].iloc[0].tolist() == ["grid", "sliver"]
    assert "in_gaps" not in planner  # planners see the drawn issues, never a unit
    assert sorted(planner["issues"]["kind"]) == kinds


def test_the_upload_page_services_offer_the_layers_and_load_levels_from_bytes(db):
    data = (DATA / "surveyor_levels.gpkg").read_bytes()
    opened = open_database(db, create=False)
    try:
        layers = boundaries.boundary_upload_layers(
            opened, ADMIN, data=data, filename="surveyor_levels.gpkg"
        )
        assert [layer["layer"] for layer in layers] == ["街道", "社区", "网格"]
        options = {"name_field": "名称", "code_field": "编码"}
        levels = {"street": "街道", "community": "社区"}
        checked = boundaries.import_boundary_upload(
            opened, ADMIN, data=data, filename="s.gpkg", levels=levels, dry_run=True, **options
        )
        assert [s["areas"] for s in checked["levels"]] == [1, 2]
        assert areas(db, "street") == {}  # a check keeps nothing
        boundaries.import_boundary_upload(
            opened, ADMIN, data=data, filename="s.gpkg", levels=levels, **options
        )
        with pytest.raises(PermissionDeniedError):
            boundaries.boundary_upload_layers(opened, PLANNER, data=data, filename="s.gpkg")
    finally:
        opened.db.dispose()
    assert set(areas(db, "community").values()) == {(EAST, "330110901"), (WEST, "330110901")}


@pytest.mark.parametrize(
    ("written", "cpg", "read_as"),
    [
        ("UTF-8", None, ("UTF-8", "detected")),
        ("GBK", None, ("GB18030", "detected")),
        ("GBK", "UTF-8", ("GB18030", "detected")),  # a template's .cpg over GBK text
    ],
)
def test_a_dbf_without_a_true_cpg_is_read_in_the_encoding_its_bytes_show(
    capsys, db, tmp_path, written, cpg, read_as
):
    frame = gpd.GeoDataFrame(
        {"名称": [EAST], "说明": ["长" * 60]},  # a 180-byte field: header bytes over 0x7f
        geometry=[shapely.box(119.95, 30.05, 119.965, 30.07)],
        crs=4326,
    )
    shp = tmp_path / "c.shp"
    pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding=written)
    (tmp_path / "c.cpg").unlink(missing_ok=True)
    if cpg:
        (tmp_path / "c.cpg").write_text(cpg)
    code, summary, err = import_areas(
        capsys, db, shp, "--level", "community", "--name-field", "名称"
    )
    assert code == 0, err
    assert (summary["encoding"], summary["encoding_from"]) == read_as
    assert [name for name, _ in areas(db, "community").values()] == [EAST]


def test_a_stray_file_beside_the_shapefile_in_a_zip_is_passed_over(capsys, db, tmp_path):
    path = tmp_path / "with_notes.zip"
    with (
        zipfile.ZipFile(DATA / "numeric_codes_shp.zip") as source,
        zipfile.ZipFile(path, "w") as out,
    ):
        for member in source.infolist():
            out.writestr(f"交付/{member.filename}", source.read(member))
        out.writestr("交付/metadata.json", "{not geojson")
    code, _summary, err = import_areas(
        capsys, db, path, "--level", "community", "--name-field", "NAME", "--code-field", "CODE"
    )
    assert code == 0, err
    assert sorted(areas(db, "community")) == ["330110901001", "330110901002"]


def test_a_track_ending_metres_from_its_start_closes_and_an_open_walk_is_left_out_named(
    capsys, db, tmp_path
):
    metre = 1 / 96_000
    track = shapely.LineString(  # back within about 8 m of where the walk began
        [
            (119.95, 30.05),
            (119.965, 30.05),
            (119.965, 30.07),
            (119.95, 30.07),
            (119.95 + 8 * metre, 30.05),
        ]
    )
    walk = shapely.LineString([(119.965, 30.05), (119.98, 30.05), (119.98, 30.07)])
    frame = gpd.GeoDataFrame({"name": ["闭合轨迹", "未闭合"]}, geometry=[track, walk], crs=4326)
    path = tmp_path / "tracks.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    code, summary, err = import_areas(capsys, db, path, "--level", "grid")
    assert code == 0, err
    assert summary["areas"] == 1
    assert summary["closed_lines"] == ["闭合轨迹"]
    assert summary["left_out"] == {"open_line": ["未闭合"]}
    assert any("未闭合" in note for note in summary["notes"])
    assert 2_550 < summary["open_gap_m"] < 2_750  # ends 1,445 m east and 2,218 m north apart


@pytest.mark.parametrize(
    ("prj_epsg", "x0", "expected"),
    [
        (None, 40_495_000, "EPSG:4528"),  # no .prj at all: CGCS2000 3-degree zone 40
        (4326, 40_495_000, "EPSG:4528"),  # a .prj that says degrees
        (2383, 40_495_000, "EPSG:2364"),  # Xian 1980 3-degree CM 120E: its datum's zone 40
        (None, 20_495_000, "EPSG:4498"),  # CGCS2000 6-degree zone 20
    ],
)
def test_zone_numbered_eastings_name_their_crs_whatever_the_prj_says(
    capsys, db, tmp_path, prj_epsg, x0, expected
):
    box = shapely.box(x0, 3_325_700, x0 + 1_400, 3_327_800)
    frame = gpd.GeoDataFrame({"name": ["东湖社区"]}, geometry=[box], crs=prj_epsg)
    shp = tmp_path / "zoned.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # writing without a .prj on purpose
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
    code, summary, err = import_areas(capsys, db, shp, "--level", "community")
    assert code == 0, err
    assert summary["crs"] == expected
    assert any(expected in note for note in summary["notes"])
    stored = databases.read_sql(db, "SELECT minx, maxx, miny, maxy FROM area").iloc[0]
    assert 73 < stored["minx"] < stored["maxx"] < 135 and 18 < stored["miny"] < 54


def test_eastings_without_the_zone_number_under_a_zone_crs_are_read_in_its_twin(
    capsys, db, tmp_path
):
    box = shapely.box(495_000, 3_325_700, 496_400, 3_327_800)
    frame = gpd.GeoDataFrame({"name": [EAST]}, geometry=[box], crs=4528)  # zone 40 declared
    shp = tmp_path / "unzoned.shp"
    pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
    code, summary, err = import_areas(capsys, db, shp, "--level", "community")
    assert code == 0, err
    assert summary["crs"] == "EPSG:4549"  # CGCS2000 3-degree GK CM 120E: zone 40's twin
    code, _, err = import_areas(capsys, db, shp, "--level", "community", "--crs", "EPSG:4528")
    assert code == 2
    assert "--crs EPSG:4549" in err
