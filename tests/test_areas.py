"""Boundary preparation and point-to-area assignment."""

from __future__ import annotations

import itertools

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


def shapely_answer(geoms, x, y) -> np.ndarray:
    """The tie rule point by point with shapely: the lowest area holding the point inside,
    else the lowest touching it, else -1."""
    geoms = np.asarray(geoms, dtype=object)
    inside = shapely.contains_xy(geoms[None, :], x[:, None], y[:, None])
    touching = shapely.intersects_xy(geoms[None, :], x[:, None], y[:, None])
    out = np.where(touching.any(axis=1), touching.argmax(axis=1), -1)
    return np.where(inside.any(axis=1), inside.argmax(axis=1), out)


def star(cx: float, cy: float, radius: float, *, points: int = 7, seed: int = 0):
    """A concave star-shaped polygon around (cx, cy) with jittered spikes."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, 2 * points, endpoint=False)
    radii = np.where(np.arange(2 * points) % 2 == 0, radius, radius * rng.uniform(0.3, 0.6))
    return shapely.Polygon(
        np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
    )


def awkward_areas(lon: float, lat: float) -> list:
    """Concave, holed, multipart, an enclave in a hole, and one area lying on another."""
    d = 0.01
    holed = shapely.box(lon, lat, lon + 4 * d, lat + 4 * d).difference(
        shapely.box(lon + d, lat + d, lon + 3 * d, lat + 3 * d)
    )
    enclave = star(lon + 2 * d, lat + 2 * d, 0.9 * d, seed=1)
    parts = shapely.MultiPolygon(
        [star(lon + 5.5 * d, lat + d, d, seed=2), star(lon + 5.5 * d, lat + 3.2 * d, d, seed=3)]
    )
    concave = star(lon + 8 * d, lat + 2 * d, 1.8 * d, points=11, seed=4)
    on_top = shapely.box(lon + 7.6 * d, lat + 1.6 * d, lon + 8.4 * d, lat + 2.4 * d)
    beside = shapely.box(lon + 4 * d, lat, lon + 5 * d, lat + d)  # shares an edge with holed
    return [holed, enclave, parts, on_top, concave, beside]


def probe_points(geoms, *, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over (and beyond) the areas, every vertex, and points along edges."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    pad = 0.2 * (maxx - minx)
    x = rng.uniform(minx - pad, maxx + pad, count)
    y = rng.uniform(miny - pad, maxy + pad, count)
    vertices = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    edges = shapely.boundary(np.asarray(geoms, dtype=object))
    along = shapely.line_interpolate_point(
        np.repeat(edges, 200), np.tile(np.linspace(0, 1, 200), len(edges)), normalized=True
    )
    on_edges = shapely.get_coordinates(along)
    return (
        np.concatenate([x, vertices[:, 0], on_edges[:, 0]]),
        np.concatenate([y, vertices[:, 1], on_edges[:, 1]]),
    )


CHINESE_PLACES = {  # lon, lat: a spread of China's extent, none near the antimeridian
    "Harbin": (126.6, 45.7),
    "Urumqi": (87.6, 43.8),
    "Lhasa": (91.1, 29.6),
    "Sanya": (109.5, 18.2),
    "Hangzhou": (120.1, 30.2),
}


@pytest.mark.parametrize("place", sorted(CHINESE_PLACES))
@pytest.mark.parametrize("cells", [None, 300])
def test_awkward_areas_place_every_point_as_shapely_does(place, cells):
    geoms = awkward_areas(*CHINESE_PLACES[place])
    x, y = probe_points(geoms, count=20_000, seed=len(place))
    ours = AreaIndex(geoms, cells=cells).assign(x, y)
    np.testing.assert_array_equal(ours, shapely_answer(geoms, x, y))
    assert {-1, 0, 1, 2, 3, 4, 5} <= set(ours.tolist())


def test_a_cell_where_more_areas_meet_than_a_mask_holds_is_answered_exactly():
    # 80 wedges of a pie around 120E 30N: the centre cell sees every one of them.
    rim = [(120 + 0.01 * np.cos(a), 30 + 0.01 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 81)]
    wedges = [shapely.Polygon([(120, 30), a, b]) for a, b in itertools.pairwise(rim)]
    rng = np.random.default_rng(4)
    x = np.concatenate([120 + rng.normal(0, 0.002, 20_000), [120.0]])
    y = np.concatenate([30 + rng.normal(0, 0.002, 20_000), [30.0]])
    index = AreaIndex(wedges, cells=400)
    assert index._cells.candidate.shape[1] > 63
    np.testing.assert_array_equal(index.assign(x, y), shapely_answer(wedges, x, y))


def test_an_area_holding_a_point_inside_wins_over_a_lower_one_it_only_touches():
    lower = shapely.box(0, 0, 1, 1)
    higher = shapely.box(0.5, 0.25, 2, 0.75)  # overlaps lower; (1, 0.5) is inside it
    index = AreaIndex([lower, higher])
    assert index.assign([1.0, 0.75, 1.5, 0.5], [0.5, 0.5, 0.5, 0.25]).tolist() == [1, 0, 1, 0]


def test_points_beyond_the_grid_and_missing_coordinates_are_in_no_area(irregular):
    index = AreaIndex(irregular.geometry)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, 180.0, 120.0])
    y = np.array([30.0, 30.0, 30.0, np.nan, 90.0, -np.inf])
    assert (index.assign(x, y) == -1).all()


def test_chunks_and_threads_give_the_same_answer(irregular, monkeypatch):
    from geo.areas import index as index_module

    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = irregular.total_bounds
    x, y = rng.uniform(minx, maxx, 30_000), rng.uniform(miny, maxy, 30_000)
    area_index = AreaIndex(irregular.geometry)
    whole = area_index.assign(x, y)
    monkeypatch.setattr(index_module, "_CHUNK", 4_096)
    np.testing.assert_array_equal(area_index.assign(x, y), whole)
    np.testing.assert_array_equal(area_index.assign(x, y, threads=2), whole)


def test_points_on_the_tiling_s_edges_and_vertices_follow_the_tie_rule(irregular):
    geoms = np.asarray(irregular.geometry.values)[:40]
    x, y = probe_points(geoms, count=5_000, seed=9)
    np.testing.assert_array_equal(AreaIndex(geoms).assign(x, y), shapely_answer(geoms, x, y))


def test_every_cell_an_edge_enters_is_a_boundary_cell(irregular):
    from geo.areas.boundary import boundary_cells
    from geo.areas.grid import Frame, boundary_edges, cells_touched

    geoms = np.asarray(irregular.geometry.values)
    frame = Frame.around(tuple(shapely.total_bounds(geoms)), 5_000)
    edges = boundary_edges(geoms, frame)
    marked = boundary_cells(edges, cells_touched(edges, frame), frame, len(geoms)).cells
    row, col = np.divmod(np.arange(frame.nx * frame.ny), frame.nx)
    x0, y0 = frame.to_degrees(col.astype(float), row.astype(float))
    x1, y1 = frame.to_degrees(col + 1.0, row + 1.0)
    boxes = shapely.box(x0, y0, x1, y1)
    entered, _ = shapely.STRtree(shapely.boundary(geoms)).query(boxes, predicate="intersects")
    assert set(np.unique(entered)) <= set(marked.tolist())
    assert len(marked) < 0.5 * frame.nx * frame.ny


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


def test_a_hairline_between_neighbours_from_rounded_coordinates_is_not_a_sliver():
    # Two 500 m squares whose shared edge was written 2 cm apart by two programs, and a
    # real 2 m strip beside them: only the strip is land nobody covers.
    to_degrees = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)

    def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
        xs, ys = to_degrees.transform([x0, x1, x1, x0], [y0, y0, y1, y1])
        return shapely.Polygon(zip(xs, ys, strict=True))

    x, y = 500_000.0, 3_320_000.0
    areas = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"]},
        geometry=[
            square(x, y, x + 500, y + 500),
            square(x + 500.02, y, x + 1000, y + 500),
            square(x + 1002, y, x + 1500, y + 500),
        ],
        crs="EPSG:4326",
    )
    found = sibling_issues(areas)
    assert len(found) == 1, found.drop(columns="geometry")
    assert set(found.iloc[0]["codes"].split(",")) == {"B", "C"}
    assert found.iloc[0]["area_m2"] == pytest.approx(1000, rel=0.03)
