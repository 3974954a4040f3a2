"""Boundary preparation and point-to-area assignment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from geo.areas import AreaIndex, areas_m2, prepare_areas, sibling_issues
from geo.demo import irregular_tiling
from geo.errors import InputError

STEP = 0.01
X0, Y0 = 120.0, 30.0


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Nine 0.01-degree squares, three each side; codes A1..C3 (row letter, column number)."""
    rows = []
    for r, letter in enumerate("ABC"):
        for c in range(3):
            box = shapely.box(
                X0 + c * STEP, Y0 + r * STEP, X0 + (c + 1) * STEP, Y0 + (r + 1) * STEP
            )
            rows.append({"code": f"{letter}{c + 1}", "geometry": box})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def index_of(frame: gpd.GeoDataFrame, **options) -> AreaIndex:
    return AreaIndex(frame.geometry, labels=frame["code"].to_numpy(), **options)


def test_points_inside_each_square_get_that_square(squares):
    index = index_of(squares)
    cx = X0 + (np.arange(3) + 0.5) * STEP
    cy = Y0 + (np.arange(3) + 0.5) * STEP
    x, y = np.meshgrid(cx, cy)
    assert index.labels_for(x.ravel(), y.ravel()) == list(squares["code"])


def test_a_point_on_a_shared_edge_goes_to_the_lowest_code(squares):
    index = index_of(squares)
    # A1|A2 edge, A1/B1 edge, and B2|B3 edge.
    x = [X0 + STEP, X0 + 0.5 * STEP, X0 + 2 * STEP]
    y = [Y0 + 0.5 * STEP, Y0 + STEP, Y0 + 1.5 * STEP]
    assert index.labels_for(x, y) == ["A1", "A1", "B2"]


def test_a_point_where_four_squares_meet_goes_to_the_lowest_code(squares):
    index = index_of(squares)
    assert index.labels_for([X0 + 2 * STEP], [Y0 + 2 * STEP]) == ["B2"]


def test_outer_edge_points_belong_to_their_only_square_and_outside_points_to_none(squares):
    index = index_of(squares)
    x = [X0, X0 + 3 * STEP, X0 - 0.001, X0 + 0.5 * STEP, np.nan, 0.0]
    y = [Y0 + 0.5 * STEP, Y0 + 2.5 * STEP, Y0 + 0.5 * STEP, Y0 + 5 * STEP, Y0, 0.0]
    assert index.labels_for(x, y) == ["A1", "C3", None, None, None, None]


@pytest.fixture(scope="module")
def irregular() -> gpd.GeoDataFrame:
    """300 irregular polygons tiling a square (warped Voronoi cells), in degrees."""
    rng = np.random.default_rng(3)
    outline = shapely.box(0, 0, 20_000, 20_000)
    seeds = rng.uniform(500, 19_500, (300, 2))
    polygons = irregular_tiling(outline, seeds, amplitude_m=60, wavelength_m=500, segment_m=80)
    to_wgs = Transformer.from_crs(4549, 4326, always_xy=True)
    shifted = [
        shapely.transform(
            p,
            lambda xy: np.column_stack(to_wgs.transform(xy[:, 0] + 400_000, xy[:, 1] + 3_300_000)),
        )
        for p in polygons
    ]
    return gpd.GeoDataFrame({"code": [f"P{i:03d}" for i in range(300)]}, geometry=shifted, crs=4326)


def sjoin_positions(points_x, points_y, polygons: gpd.GeoDataFrame) -> np.ndarray:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(points_x, points_y), crs=4326)
    joined = gpd.sjoin(points, polygons[["geometry"]], predicate="within", how="left")
    first = joined["index_right"].groupby(level=0).first()
    return first.reindex(range(len(points))).fillna(-1).astype(int).to_numpy()


@pytest.mark.parametrize("cells", [None, 2_000])
def test_assignment_agrees_with_sjoin_within_on_random_points(irregular, cells):
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = irregular.total_bounds
    pad = 0.02
    x = rng.uniform(minx - pad, maxx + pad, 50_000)
    y = rng.uniform(miny - pad, maxy + pad, 50_000)
    ours = AreaIndex(irregular.geometry, cells=cells).assign(x, y)
    expected = sjoin_positions(x, y, irregular)
    assert (expected == -1).sum() > 1000  # some points really are outside
    np.testing.assert_array_equal(ours, expected)


def test_points_on_edges_get_exactly_one_area_that_covers_them(irregular):
    geoms = np.asarray(irregular.geometry.values)
    boundary_points = shapely.get_coordinates(shapely.boundary(geoms[:60]))[::7]
    x, y = boundary_points[:, 0], boundary_points[:, 1]
    ours = AreaIndex(irregular.geometry).assign(x, y)
    assert (ours >= 0).all()
    tree = shapely.STRtree(geoms)
    point_idx, area_idx = tree.query(shapely.points(x, y), predicate="intersects")
    lowest = np.full(len(x), -1)
    for p, a in zip(point_idx, area_idx, strict=True):
        lowest[p] = a if lowest[p] < 0 else min(lowest[p], a)
    np.testing.assert_array_equal(ours, lowest)
    # sjoin(within) leaves these points without an area; the tie rule gives each one area.
    assert (sjoin_positions(x, y, irregular) == -1).mean() > 0.9


def test_prepare_areas_repairs_a_bow_tie_and_drops_an_empty_shape():
    bow_tie = shapely.Polygon([(120, 30), (120.01, 30.01), (120.01, 30), (120, 30.01)])
    raw = gpd.GeoDataFrame(
        {"name": ["Good", "Bow tie", "Empty"]},
        geometry=[shapely.box(120.02, 30, 120.03, 30.01), bow_tie, shapely.Polygon()],
        crs=4326,
    )
    assert not bow_tie.is_valid
    prepared = prepare_areas(raw, level="community", name_field="name")
    assert prepared.repaired == ["Bow tie"]
    assert prepared.dropped == ["Empty"]
    assert prepared.frame.geometry.is_valid.all()
    repaired = prepared.frame.set_index("name").loc["Bow tie"]
    assert repaired.geometry.geom_type == "MultiPolygon"
    assert 0.45 * 1.07e6 < repaired["area_m2"] < 0.55 * 1.07e6  # two triangles, half the box


def test_prepare_areas_finds_parents_by_containment_and_makes_codes(squares):
    parents = squares.iloc[[0, 4]].reset_index(drop=True)  # A1 and B2
    children = gpd.GeoDataFrame(
        {"name": ["in A1", "in B2", "also A1", "nowhere"]},
        geometry=[
            shapely.box(X0 + 0.001, Y0 + 0.001, X0 + 0.004, Y0 + 0.004),
            shapely.box(X0 + 0.011, Y0 + 0.011, X0 + 0.019, Y0 + 0.019),
            shapely.box(X0 + 0.005, Y0 + 0.005, X0 + 0.009, Y0 + 0.009),
            shapely.box(X0 + 0.1, Y0 + 0.1, X0 + 0.11, Y0 + 0.11),
        ],
        crs=4326,
    )
    frame = prepare_areas(children, level="grid", name_field="name", parents=parents).frame
    by_name = frame.set_index("name")
    assert by_name.loc["in A1", "parent_code"] == "A1"
    assert by_name.loc["also A1", "parent_code"] == "A1"
    assert by_name.loc["in B2", "parent_code"] == "B2"
    assert by_name.loc["nowhere", "parent_code"] is None
    assert sorted(frame["code"]) == ["A1-001", "A1-002", "B2-001", "grid-001"]


def test_prepare_areas_refuses_duplicate_codes_and_missing_fields(squares):
    raw = squares.assign(name="x", code="same")
    with pytest.raises(InputError) as duplicate:
        prepare_areas(raw, level="grid", name_field="name", code_field="code")
    assert duplicate.value.key == "code_duplicate"
    with pytest.raises(InputError) as missing:
        prepare_areas(raw, level="grid", name_field="nom")
    assert missing.value.key == "field_missing"
    with pytest.raises(InputError) as level:
        prepare_areas(raw, level="county", name_field="name")
    assert level.value.key == "level_unknown"


def metric_boxes(*boxes: tuple[float, float, float, float]) -> gpd.GeoSeries:
    """Boxes drawn in metres (CGCS2000 GK zone 120E) near 120E 30N, returned in WGS-84."""
    e0, n0 = Transformer.from_crs(4326, 4549, always_xy=True).transform(X0, Y0)
    shapes = [shapely.box(e0 + a, n0 + b, e0 + c, n0 + d) for a, b, c, d in boxes]
    return gpd.GeoSeries(shapes, crs=4549).to_crs(4326)


def test_areas_are_measured_in_square_metres_not_degrees_or_web_mercator():
    square = metric_boxes((0, 0, 1000, 1000))
    measured = areas_m2(square)[0]
    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(square.iloc[0])[0])
    assert measured == pytest.approx(1_000_000, rel=2e-3)
    assert measured == pytest.approx(geodesic, rel=2e-3)
    web_mercator = square.to_crs(3857).area.iloc[0]
    assert web_mercator > 1.3 * measured  # what a Web Mercator measure would have claimed


def test_sibling_issues_report_overlaps_and_gaps_in_square_metres():
    # Two 100 m squares overlapping by 10 m x 100 m; a third leaves a 20 m x 100 m gap.
    shapes = metric_boxes((0, 0, 100, 100), (90, 0, 190, 100), (210, 0, 310, 100))
    siblings = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, geometry=shapes, crs=4326)
    outline = metric_boxes((0, 0, 310, 100)).iloc[0]
    issues = sibling_issues(siblings, outline=outline).set_index("kind")
    assert issues.loc["overlap", "codes"] == "a,b"
    assert issues.loc["overlap", "area_m2"] == pytest.approx(1000, rel=0.01)
    assert issues.loc["gap", "area_m2"] == pytest.approx(2000, rel=0.01)


def test_a_clean_tiling_has_no_issues(irregular):
    assert sibling_issues(irregular).empty
