"""Write the small boundary files of tests/test_boundary_files.py (run from the repository root:
``python -m tests.data.boundaries.make_boundary_files``). Every shape is a box on the street
119.95-119.98 E, 30.05-30.07 N, so the answers can be counted by eye."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

HERE = Path(__file__).parent
X0, X1, X2, Y0, Y1 = 119.95, 119.965, 119.98, 30.05, 30.07
YM = 30.06


def street() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": ["示范街道"], "编码": ["330110901"]},
        geometry=[shapely.box(X0, Y0, X2, Y1)],
        crs=4326,
    )


def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": ["东湖社区", "西溪社区"], "编码": ["330110901001", "330110901002"]},
        geometry=[shapely.box(X0, Y0, X1, Y1), shapely.box(X1, Y0, X2, Y1)],
        crs=4326,
    )


def grids() -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(X0, Y0, X1, YM),
        shapely.box(X0, YM, X1, Y1),
        shapely.box(X1, Y0, X2, YM),
        shapely.box(X1, YM, X2, Y1),
    ]
    return gpd.GeoDataFrame(
        {
            "名称": ["东湖一网格", "东湖二网格", "西溪一网格", "西溪二网格"],
            "编码": ["33011090100101", "33011090100102", "33011090100201", "33011090100202"],
        },
        geometry=boxes,
        crs=4326,
    )


def write_all() -> None:
    # Several layers in one GeoPackage, as a surveyor hands them over.
    gpkg = HERE / "surveyor_levels.gpkg"
    gpkg.unlink(missing_ok=True)
    for layer, frame in (("街道", street()), ("社区", communities()), ("网格", grids())):
        pyogrio.write_dataframe(frame, gpkg, layer=layer, driver="GPKG", append=gpkg.exists())
    # Codes stored as numbers: a GeoJSON number and a .dbf Real (float) field.
    numeric = communities().assign(编码=[330110901001.0, 330110901002.0])
    features = json.loads(numeric.to_json(drop_id=True))
    (HERE / "numeric_codes.geojson").write_text(json.dumps(features, ensure_ascii=False))
    with tempfile.TemporaryDirectory() as folder:
        shp = Path(folder) / "numeric_codes.shp"
        pyogrio.write_dataframe(
            numeric.rename(columns={"名称": "NAME", "编码": "CODE"}),
            shp,
            driver="ESRI Shapefile",
            encoding="UTF-8",
            layer_options={},
        )
        with zipfile.ZipFile(HERE / "numeric_codes_shp.zip", "w") as archive:
            for part in sorted(Path(folder).glob("numeric_codes.*")):
                archive.write(part, part.name)
    # Two shapefiles in one zip.
    with tempfile.TemporaryDirectory() as folder:
        for stem, frame in (("社区", communities()), ("网格", grids())):
            pyogrio.write_dataframe(
                frame, Path(folder) / f"{stem}.shp", driver="ESRI Shapefile", encoding="UTF-8"
            )
        with zipfile.ZipFile(HERE / "two_shapefiles.zip", "w") as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, f"边界/{part.name}")
    # Grids with a sliver (a 6 m strip) between two of them, an overlap, and a hole.
    metre = 1 / 96_000  # about a metre of longitude at 30 N
    sliver = gpd.GeoDataFrame(
        {"name": ["G1", "G2", "G3"], "code": ["G1", "G2", "G3"]},
        geometry=[
            shapely.box(X0, Y0, X1, Y1),
            shapely.box(X1 + 6 * metre, Y0, X2, YM),
            shapely.box(X1 - 30 * metre, YM, X2, Y1),
        ],
        crs=4326,
    )
    pyogrio.write_dataframe(sliver, HERE / "sliver_overlap.geojson", driver="GeoJSON")
    # A grid file that reuses a community's code.
    clash = grids().assign(编码=["330110901001", "G2", "G3", "G4"])
    pyogrio.write_dataframe(clash, HERE / "grid_reuses_community_code.geojson", driver="GeoJSON")
    # Open lines only: a walk that did not come back.
    walks = gpd.GeoDataFrame(
        {"name": ["未走完的网格"]},
        geometry=[shapely.LineString([(X0, Y0), (X1, Y0), (X1, Y1)])],
        crs=4326,
    )
    pyogrio.write_dataframe(walks, HERE / "open_lines.geojson", driver="GeoJSON")
    # Degrees labelled as a projected CRS (CGCS2000 GK CM 120E).
    pyogrio.write_dataframe(
        communities().set_crs(4549, allow_override=True),
        HERE / "degrees_labelled_metres.geojson",
        driver="GeoJSON",
    )
    # An Esri file geodatabase, zipped as people send it.
    with tempfile.TemporaryDirectory() as folder:
        gdb = Path(folder) / "区划.gdb"
        pyogrio.write_dataframe(communities(), gdb, layer="communities", driver="OpenFileGDB")
        target = HERE / "filegdb.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for part in sorted(gdb.rglob("*")):
                archive.write(part, part.relative_to(folder).as_posix())
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    write_all()
