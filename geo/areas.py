"""Prepare area boundaries and assign points to them.

Boundaries arrive as polygons in WGS-84 from whatever a surveyor drew. :func:`prepare_areas`
repairs them, names them and finds each one's parent; :func:`sibling_issues` reports where
siblings overlap or leave gaps; :class:`AreaIndex` answers "which area is this point in?" for
millions of points at a time.

Tie rule for points on a shared edge: a point that lies on the boundary of two or more areas
and strictly inside none belongs to the one that comes **first in the index's order** (areas
are indexed sorted by code, so the lowest code wins). A point on the outer edge of a single
area belongs to that area. A point in no area gets no area (``-1`` / ``None``), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from geo.crs import (
    WGS84,
    CRSLike,
    geometries_to_degrees,
    geometries_to_metres,
    metric_crs_for_bounds,
    to_metres,
)
from geo.errors import InputError
from geo.vocabulary import AREA_LEVELS

IntArray = npt.NDArray[np.int64]

# A boundary point this close to a cell edge (in cells) counts as in both cells it separates.
_EDGE_EPS = 1e-6
_NONE = -1
_MIXED = -2


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Keep only the polygonal part of a geometry, as a MultiPolygon (None when empty)."""
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(geom)
    polys: list[BaseGeometry] = []
    for part in parts:
        if part.geom_type == "Polygon":
            polys.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            kept = _polygonal(part)
            if kept is not None:
                polys.extend(shapely.get_parts(kept))
    if not polys:
        return None
    return shapely.MultiPolygon(polys)


CLOSE_WITHIN_M = 20.0
"""A line whose ends lie this close (a GPS walk back to where it began) is a closed ring."""

SHAPE_KINDS = ("polygon", "closed_line", "open_line", "point", "empty")


@dataclass(frozen=True)
class Shapes:
    """Each feature as a polygon (or None), what it was drawn as, and its open ends' gap."""

    geometry: gpd.GeoSeries
    kind: npt.NDArray[np.str_]
    gap_m: npt.NDArray[np.float64]


def shapes_to_polygons(geoms: gpd.GeoSeries, *, close_within_m: float = CLOSE_WITHIN_M) -> Shapes:
    """Turn what people draw boundaries as into polygons, saying what each one was.

    Polygons (also inside a GeometryCollection or KML MultiGeometry) stay polygons; lines
    and GPS tracks whose ends meet within ``close_within_m`` metres become polygons
    ('closed_line'); other lines ('open_line', with the gap between their ends in metres),
    points and empty shapes become None. Heights (z) are dropped.

    >>> import shapely
    >>> ring = shapely.LineString([(120, 30), (120.01, 30), (120.01, 30.01), (120, 30)])
    >>> walk = shapely.LineString([(120, 30), (120.01, 30), (120.01, 30.01)])
    >>> found = shapes_to_polygons(gpd.GeoSeries([ring, walk, shapely.Point(120, 30)], crs=4326))
    >>> found.kind.tolist(), [g is None for g in found.geometry]
    (['closed_line', 'open_line', 'point'], [False, True, True])
    """
    values = shapely.force_2d(np.asarray(geoms.values, dtype=object))
    out: list[BaseGeometry | None] = []
    kinds: list[str] = []
    gaps = np.zeros(len(values))
    metric = None
    for i, geom in enumerate(values):
        if geom is None or geom.is_empty:
            out.append(None)
            kinds.append("empty")
            continue
        polygons = _polygonal(geom)
        if polygons is not None:
            out.append(polygons)
            kinds.append("polygon")
            continue
        lines = [p for p in _flat_parts(geom) if p.geom_type in ("LineString", "LinearRing")]
        if not lines:
            out.append(None)
            kinds.append("point")
            continue
        if metric is None:
            metric = metric_crs_for_bounds(tuple(shapely.total_bounds(values)))
        gap = max(_end_gap_m(line, metric) for line in lines)
        gaps[i] = gap
        if gap <= close_within_m and all(len(line.coords) >= 3 for line in lines):
            rings = [shapely.Polygon(list(line.coords)) for line in lines]
            out.append(shapely.MultiPolygon(rings))
            kinds.append("closed_line")
        else:
            out.append(None)
            kinds.append("open_line")
    return Shapes(
        geometry=gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs),
        kind=np.asarray(kinds, dtype=str),
        gap_m=gaps,
    )


def _flat_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    parts: list[BaseGeometry] = []
    for part in shapely.get_parts(geom):
        if part.geom_type.startswith("Multi") or part.geom_type == "GeometryCollection":
            parts.extend(_flat_parts(part))
        else:
            parts.append(part)
    return parts


def _end_gap_m(line: BaseGeometry, metric: CRSLike) -> float:
    coords = np.asarray(line.coords)
    x, y = to_metres(coords[[0, -1], 0], coords[[0, -1], 1], crs=metric)
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, npt.NDArray[np.bool_]]:
    """Make every geometry a valid MultiPolygon; return them and a mask of those repaired.

    Self-intersecting rings ("bow ties") are split by ``make_valid``; lines and points that
    repair leaves behind are dropped; a geometry with no area left becomes None.
    """
    values = np.asarray(geoms.values, dtype=object)
    invalid = ~shapely.is_valid(values) & ~shapely.is_missing(values)
    fixed = values.copy()
    fixed[invalid] = shapely.make_valid(values[invalid])
    out = [_polygonal(g) for g in fixed]
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs), invalid


def areas_m2(geoms: gpd.GeoSeries) -> npt.NDArray[np.float64]:
    """Measure WGS-84 polygons in square metres in the extent's Gauss-Kruger/UTM zone."""
    if geoms.crs is None:
        msg = "geometries have no CRS; set it first, e.g. geoms.set_crs('EPSG:4326')"
        raise ValueError(msg)
    if len(geoms) == 0:
        return np.zeros(0)
    wgs = geoms.to_crs(WGS84)
    metric = metric_crs_for_bounds(tuple(wgs.total_bounds))
    return np.asarray(wgs.to_crs(metric).area.to_numpy(), dtype=np.float64)


@dataclass(frozen=True)
class PreparedAreas:
    """Areas ready to store: one row per area with code, name, level, parent_code, geometry."""

    frame: gpd.GeoDataFrame
    repaired: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    closed_lines: list[str] = field(default_factory=list)
    """Areas drawn as lines or GPS tracks that return to their start, stored as polygons."""
    left_out: dict[str, list[str]] = field(default_factory=dict)
    """Features that cannot be areas, by kind ('open_line', 'point', 'empty'): their names."""
    open_gap_m: float = 0.0
    """The widest gap between the ends of an open line left out, in metres."""


def prepare_areas(
    raw: gpd.GeoDataFrame,
    *,
    level: str,
    name_field: str,
    code_field: str | None = None,
    parents: gpd.GeoDataFrame | None = None,
) -> PreparedAreas:
    """Validate -> repair -> measure -> find parents, for boundaries read from a file.

    Parameters
    ----------
    raw : GeoDataFrame in any CRS (converted to WGS-84 here).
    level : one of :data:`geo.vocabulary.AREA_LEVELS`.
    name_field, code_field : columns holding each area's name and unique code. Without a code
        field the code is made from the parent's code (or the level) and a running number.
    parents : areas of the level above (columns ``code`` and ``geometry``, WGS-84); each new
        area's parent is the one containing its representative point.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> raw = gpd.GeoDataFrame({"n": ["A"]}, geometry=[shapely.box(120, 30, 120.01, 30.01)],
    ...                        crs="EPSG:4326")
    >>> prepare_areas(raw, level="community", name_field="n").frame[["code", "name"]].values
    array([['community-001', 'A']], dtype=object)
    """
    frame = _check_fields(raw, level=level, name_field=name_field, code_field=code_field)
    shapes = shapes_to_polygons(frame.geometry)
    names = frame["name"].astype(str)
    left_out = {
        kind: names[shapes.kind == kind].tolist()
        for kind in ("open_line", "point")
        if (shapes.kind == kind).any()
    }
    open_gap_m = float(shapes.gap_m[shapes.kind == "open_line"].max(initial=0.0))
    frame = frame.set_geometry(shapes.geometry)
    geometry, repaired_mask = repair_geometries(frame.geometry)
    frame = frame.set_geometry(geometry)
    empty = frame.geometry.isna().to_numpy()
    was_shape = np.isin(shapes.kind, ("polygon", "closed_line", "empty"))
    dropped = frame.loc[empty & was_shape, "name"].astype(str).tolist()
    repaired = frame.loc[repaired_mask & ~empty, "name"].astype(str).tolist()
    closed = names[(shapes.kind == "closed_line") & ~empty].tolist()
    if empty.all():
        raise InputError(
            "areas_none",
            open_lines=len(left_out.get("open_line", [])),
            gap_m=round(open_gap_m),
            points=len(left_out.get("point", [])),
            empty=int((shapes.kind == "empty").sum()),
            broken=len(dropped) - int((shapes.kind == "empty").sum()),
        )
    frame = frame.loc[~empty].copy()
    frame["parent_code"] = _parent_codes(frame, parents)
    if code_field is None:
        frame["code"] = _generated_codes(frame, level=level)
    frame["area_m2"] = areas_m2(frame.geometry)
    frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
    columns = ["code", "name", "level", "parent_code", "area_m2", "geometry"]
    extra = [c for c in ("population", "kind") if c in frame.columns]
    out = gpd.GeoDataFrame(frame[columns + extra], geometry="geometry", crs=WGS84)
    return PreparedAreas(
        frame=out,
        repaired=repaired,
        dropped=dropped,
        closed_lines=closed,
        left_out=left_out,
        open_gap_m=open_gap_m,
    )


def _check_fields(
    raw: gpd.GeoDataFrame, *, level: str, name_field: str, code_field: str | None
) -> gpd.GeoDataFrame:
    if level not in AREA_LEVELS:
        raise InputError("level_unknown", level=level, levels=", ".join(AREA_LEVELS.codes))
    name_field = _field(raw, name_field)
    code_field = None if code_field is None else _field(raw, code_field)
    if raw.crs is None:
        raise InputError("crs_missing")
    if len(raw) == 0:
        raise InputError("file_empty")
    frame = raw.to_crs(WGS84)
    out = gpd.GeoDataFrame(
        {"name": frame[name_field].astype(str).str.strip(), "level": level},
        geometry=frame.geometry.values,
        crs=WGS84,
    )
    if code_field is not None:
        codes = codes_as_text(frame[code_field])
        missing = codes.eq("")
        if missing.any():
            raise InputError(
                "code_missing",
                field=code_field,
                names=", ".join(out.loc[missing.to_numpy(), "name"][:5]),
            )
        duplicated = codes[codes.duplicated()].unique().tolist()
        if duplicated:
            raise InputError("code_duplicate", codes=", ".join(duplicated[:5]))
        out["code"] = codes.to_numpy()
    for optional in ("population", "kind"):
        if optional in frame.columns:
            out[optional] = frame[optional].to_numpy()
    return out


def codes_as_text(values: pd.Series) -> pd.Series:
    """Area codes as the digits people write, whatever type the file stored them as.

    A .dbf Real/Double field or a GeoJSON number gives 330110901001.0 or 3.30110901001e11;
    a code is its digits, never a float's spelling. Text stays text (stripped).

    >>> codes_as_text(pd.Series([330110901001.0, 3.30110901002e11, None])).tolist()
    ['330110901001', '330110901002', '']
    >>> codes_as_text(pd.Series(["0571 ", "330110901003.0", "C01"])).tolist()
    ['0571', '330110901003', 'C01']
    """
    return pd.Series([_code_text(v) for v in values], index=values.index, dtype=object)


def _code_text(value: object) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    if text.lower() in ("nan", "none", "null"):
        return ""
    number = text.replace(",", "")
    if len(number) < 30 and _FLOAT_SPELLING.fullmatch(number):
        as_float = float(number)
        if as_float.is_integer() and abs(as_float) < 2**53:
            return str(int(as_float))
    return text


_FLOAT_SPELLING = re.compile(r"[0-9]+\.0+|[0-9](\.[0-9]+)?[eE]\+?[0-9]+")


def _field(raw: gpd.GeoDataFrame, wanted: str) -> str:
    """The column named ``wanted``, or the one column that differs from it only in case."""
    if wanted in raw.columns:
        return wanted
    same = [str(c) for c in raw.columns if str(c).casefold() == wanted.casefold()]
    if len(same) == 1:
        return same[0]
    shown = [str(c) for c in raw.columns if c != raw.geometry.name]
    raise InputError("field_missing", field=wanted, columns=", ".join(shown))


def _parent_codes(frame: gpd.GeoDataFrame, parents: gpd.GeoDataFrame | None) -> list[str | None]:
    if parents is None or len(parents) == 0:
        return [None] * len(frame)
    index = AreaIndex(parents.geometry, labels=parents["code"].astype(str).to_numpy())
    points = shapely.point_on_surface(np.asarray(frame.geometry.values, dtype=object))
    return index.labels_for(shapely.get_x(points), shapely.get_y(points))


def _generated_codes(frame: gpd.GeoDataFrame, *, level: str) -> list[str]:
    prefix = frame["parent_code"].fillna(level).astype(str)
    running = frame.groupby(prefix, sort=False).cumcount() + 1
    return [f"{p}-{n:03d}" for p, n in zip(prefix, running, strict=True)]


SLIVER_WIDTH_M = 10.0
"""A gap narrower than this on average (twice its area over its perimeter) is a sliver; gaps
that open to the outside are found up to twice this wide (a closing of the siblings' union)."""

ISSUE_COLUMNS = ["kind", "codes", "area_m2", "width_m", "lon", "lat", "geometry"]


def sibling_issues(
    areas: gpd.GeoDataFrame,
    *,
    outline: BaseGeometry | None = None,
    min_area_m2: float = 1.0,
    sliver_width_m: float = SLIVER_WIDTH_M,
) -> pd.DataFrame:
    """List overlaps between sibling areas and gaps (and slivers) between them, in m2.

    ``areas`` holds the siblings (columns code and geometry; WGS-84). A gap is land inside
    ``outline`` (the parent's boundary) that no sibling covers or, without an outline, land
    the siblings' union leaves out: holes it encloses, and notches up to twice
    ``sliver_width_m`` wide that open to the outside (slivers between two siblings drawn
    apart). Returns columns kind ('overlap', 'gap' or 'sliver': a gap narrower on average
    than ``sliver_width_m``), codes (the areas involved or bordering it), area_m2, width_m,
    lon/lat (a point inside it) and geometry, largest first; pieces under ``min_area_m2``
    are left out.
    """
    rows: list[dict[str, object]] = []
    geoms = np.asarray(areas.geometry.values, dtype=object)
    if len(geoms) == 0:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    codes = areas["code"].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    for i, j in zip(left[pairs], right[pairs], strict=True):
        shared = _polygonal(shapely.intersection(geoms[i], geoms[j]))
        if shared is not None:
            rows.append({"kind": "overlap", "codes": f"{codes[i]},{codes[j]}", "geometry": shared})
    union = shapely.union_all(geoms)
    if outline is not None:
        gaps = list(shapely.get_parts(_polygonal(shapely.difference(outline, union))))
    else:
        gaps = _gaps_in_union(union, width_m=2 * sliver_width_m)
    rows.extend({"kind": "gap", "codes": "", "geometry": gap} for gap in gaps)
    if not rows:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    issues = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    issues = issues.set_geometry(_without_spikes(issues.geometry))
    issues = issues.loc[issues.geometry.notna()].copy()
    issues["area_m2"] = areas_m2(issues.geometry)
    issues = issues.loc[issues["area_m2"] >= min_area_m2].copy()
    issues["width_m"] = _mean_widths_m(issues.geometry)
    is_gap = (issues["kind"] == "gap").to_numpy()
    issues.loc[is_gap, "codes"] = [
        ",".join(codes[np.unique(tree.query(gap, predicate="dwithin", distance=1e-6))])
        for gap in issues.geometry[is_gap]
    ]
    sliver = (issues["kind"] == "gap") & (issues["width_m"] < sliver_width_m)
    issues.loc[sliver, "kind"] = "sliver"
    inside = shapely.point_on_surface(np.asarray(issues.geometry.values, dtype=object))
    issues["lon"] = shapely.get_x(inside)
    issues["lat"] = shapely.get_y(inside)
    ordered = issues.sort_values("area_m2", ascending=False).reset_index(drop=True)
    return pd.DataFrame(ordered[ISSUE_COLUMNS])


def _gaps_in_union(union: BaseGeometry, *, width_m: float) -> list[BaseGeometry]:
    """Holes of the union, and notches narrower than ``width_m`` that open to the outside."""
    rings = [r for p in shapely.get_parts(union) for r in getattr(p, "interiors", [])]
    holes = [shapely.Polygon(r) for r in rings]
    metric = metric_crs_for_bounds(tuple(shapely.bounds(union)))
    in_metres = geometries_to_metres(np.array([union], dtype=object), crs=metric)[0]
    half = width_m / 2
    closed = shapely.buffer(
        shapely.buffer(in_metres, half, join_style="mitre", mitre_limit=10.0),
        -half,
        join_style="mitre",
        mitre_limit=10.0,
    )
    notches_m = _polygonal(shapely.difference(closed, in_metres))
    if notches_m is None:
        return holes
    notches = geometries_to_degrees(np.array([notches_m], dtype=object), crs=metric)[0]
    found = _polygonal(shapely.union_all([*holes, notches]))
    return [] if found is None else list(shapely.get_parts(found))


def _without_spikes(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Issues snapped to a centimetre grid in metres, so that the zero-width spikes left by
    subtracting nearly equal edges vanish instead of inflating perimeters and neighbours."""
    if len(geoms) == 0:
        return geoms
    metric = metric_crs_for_bounds(tuple(geoms.total_bounds))
    shapes = geometries_to_metres(np.asarray(geoms.values, dtype=object), crs=metric)
    snapped = shapely.set_precision(shapes, 0.01)
    kept = np.array([_polygonal(g) for g in snapped], dtype=object)
    present = np.array([g is not None for g in kept], dtype=bool)
    out = np.full(len(kept), None, dtype=object)
    if present.any():
        out[present] = geometries_to_degrees(kept[present], crs=metric)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def _mean_widths_m(geoms: gpd.GeoSeries) -> npt.NDArray[np.float64]:
    """Twice area over perimeter, in metres: the width of a long thin strip."""
    if len(geoms) == 0:
        return np.zeros(0)
    metric = metric_crs_for_bounds(tuple(geoms.total_bounds))
    shapes = geometries_to_metres(np.asarray(geoms.values, dtype=object), crs=metric)
    perimeter = shapely.length(shapes)
    area = shapely.area(shapes)
    return np.where(perimeter > 0, 2 * area / np.where(perimeter > 0, perimeter, 1), 0.0)


class AreaIndex:
    """A grid index over non-overlapping areas that assigns points without most polygon tests.

    The areas' extent is cut into square cells. A cell that lies strictly inside one area
    answers for every point in it; a cell touched by no area answers "none"; only points in
    cells that a boundary crosses are tested, against just the areas touching that cell. The
    answer agrees with ``geopandas.sjoin(predicate="within")`` everywhere off the edges and
    applies the module's tie rule on them. Build once per boundary version and reuse.

    >>> import shapely
    >>> index = AreaIndex([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], labels=["A", "B"])
    >>> index.labels_for([0.5, 1.0, 1.5, 5.0], [0.5, 0.5, 0.5, 0.5])
    ['A', 'A', 'B', None]
    """

    def __init__(
        self,
        geometries: gpd.GeoSeries | npt.ArrayLike,
        *,
        labels: npt.ArrayLike | None = None,
        cells: int | None = None,
    ) -> None:
        geoms = np.asarray(getattr(geometries, "values", geometries), dtype=object)
        if len(geoms) == 0:
            msg = "AreaIndex needs at least one area"
            raise ValueError(msg)
        self.geometries = geoms
        self.labels = np.asarray(labels if labels is not None else np.arange(len(geoms)))
        shapely.prepare(geoms)
        self._tree = shapely.STRtree(geoms)
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        target = cells if cells is not None else min(2_000_000, max(65_536, 2000 * len(geoms)))
        span = max(maxx - minx, maxy - miny, 1e-9)
        self._size = float(np.sqrt((maxx - minx) * (maxy - miny) / target)) or span / 64
        self._origin = (float(minx), float(miny))
        self._nx = int(np.floor((maxx - minx) / self._size)) + 1
        self._ny = int(np.floor((maxy - miny) / self._size)) + 1
        self._cell_label, self._cand_offsets, self._cand_areas = self._classify_cells()

    def _classify_cells(self) -> tuple[IntArray, IntArray, IntArray]:
        """Label each cell with its one containing area, _NONE, or _MIXED plus candidates.

        Cells that a boundary enters are "mixed", with the areas owning those boundaries as
        candidates. The other cells form connected regions that no boundary enters; one
        point test per region labels all its cells.
        """
        mixed_cell, mixed_area = self._cells_near_boundaries()
        is_mixed = np.zeros(self._nx * self._ny, dtype=bool)
        is_mixed[mixed_cell] = True
        regions, _ = ndimage.label(~is_mixed.reshape(self._ny, self._nx))
        flat_regions = regions.ravel()
        _, first_cell = np.unique(flat_regions, return_index=True)
        first_cell = first_cell[1:] if flat_regions[first_cell[0]] == 0 else first_cell
        iy, ix = np.divmod(first_cell, self._nx)
        centre_x = self._origin[0] + (ix + 0.5) * self._size
        centre_y = self._origin[1] + (iy + 0.5) * self._size
        region_label = np.concatenate([[_MIXED], self._exact(centre_x, centre_y)])
        label = region_label[flat_regions].astype(np.int64)
        offsets = np.zeros(self._nx * self._ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(mixed_cell, minlength=self._nx * self._ny), out=offsets[1:])
        return label, offsets, mixed_area

    def _cells_near_boundaries(self) -> tuple[IntArray, IntArray]:
        """Return unique (cell, area) pairs, sorted, for the cells each area's boundary enters.

        Boundaries are split into segments at most half a cell long, so a segment spans at
        most a 2x2 block of cells: the block of its two end cells. End points within a hair
        (``_EDGE_EPS`` of a cell) of a cell edge count on both sides, so rounding can never
        leave a crossed cell unmarked.
        """
        lines = shapely.get_parts(
            shapely.segmentize(shapely.boundary(self.geometries), self._size / 2)
        )
        owner_of_line = np.repeat(
            np.arange(len(self.geometries)),
            shapely.get_num_geometries(shapely.boundary(self.geometries)),
        )
        coords, line = shapely.get_coordinates(lines, return_index=True)
        fx = (coords[:, 0] - self._origin[0]) / self._size
        fy = (coords[:, 1] - self._origin[1]) / self._size
        same_line = line[1:] == line[:-1]
        lo_x = np.floor(np.minimum(fx[:-1], fx[1:]) - _EDGE_EPS).astype(np.int64)[same_line]
        hi_x = np.floor(np.maximum(fx[:-1], fx[1:]) + _EDGE_EPS).astype(np.int64)[same_line]
        lo_y = np.floor(np.minimum(fy[:-1], fy[1:]) - _EDGE_EPS).astype(np.int64)[same_line]
        hi_y = np.floor(np.maximum(fy[:-1], fy[1:]) + _EDGE_EPS).astype(np.int64)[same_line]
        owner = owner_of_line[line[:-1][same_line]]
        keys = []
        for dx in range(3):
            for dy in range(3):
                cx, cy = lo_x + dx, lo_y + dy
                ok = (cx <= hi_x) & (cy <= hi_y)
                ok &= (cx >= 0) & (cx < self._nx) & (cy >= 0) & (cy < self._ny)
                keys.append((cy[ok] * self._nx + cx[ok]) * len(self.geometries) + owner[ok])
        unique = np.unique(np.concatenate(keys))
        cell, area = np.divmod(unique, len(self.geometries))
        return cell.astype(np.int64), area.astype(np.int64)

    def _exact(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> IntArray:
        """Assign points by an exact tree query: the lowest area that covers each point."""
        out = np.full(len(x), _NONE, dtype=np.int64)
        if len(x) == 0:
            return out
        point, area = self._tree.query(shapely.points(x, y), predicate="intersects")
        order = np.lexsort((area, point))
        winners, first = np.unique(point[order], return_index=True)
        out[winners] = area[order][first]
        return out

    @property
    def mixed_cell_share(self) -> float:
        """Share of cells that a boundary crosses (where points need a polygon test)."""
        return float(np.mean(self._cell_label == _MIXED))

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
        """Return each point's area position in the index (``-1`` where in no area).

        Recipe: locate the cell -> take the answer of whole cells -> test the points left in
        boundary cells against their candidate areas -> break ties on edges by order.
        """
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        cell = self._locate_cells(x, y)
        result = np.full(len(x), _NONE, dtype=np.int64)
        known = cell >= 0
        result[known] = self._cell_label[cell[known]]
        mixed = np.flatnonzero(result == _MIXED)
        result[mixed] = self._test_candidates(x[mixed], y[mixed], cell[mixed])
        return result

    def labels_for(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> list[str | None]:
        """Return each point's area label (None where in no area)."""
        positions = self.assign(lon, lat)
        return [None if p < 0 else str(self.labels[p]) for p in positions]

    def _locate_cells(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> IntArray:
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self._origin[0]) / self._size)
            fy = np.floor((y - self._origin[1]) / self._size)
        ok = np.isfinite(fx) & np.isfinite(fy) & (fx >= 0) & (fy >= 0)
        ok &= (fx < self._nx) & (fy < self._ny)
        cell = np.full(len(x), -1, dtype=np.int64)
        cell[ok] = fy[ok].astype(np.int64) * self._nx + fx[ok].astype(np.int64)
        return cell

    def _test_candidates(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], cell: IntArray
    ) -> IntArray:
        """Point-in-polygon for points in boundary cells, lowest candidate first."""
        out = np.full(len(x), _NONE, dtype=np.int64)
        if len(x) == 0:
            return out
        starts = self._cand_offsets[cell]
        counts = self._cand_offsets[cell + 1] - starts
        point = np.repeat(np.arange(len(x)), counts)
        first_of_point = np.repeat(np.cumsum(counts) - counts, counts)
        candidate = self._cand_areas[
            np.repeat(starts, counts) + np.arange(len(point)) - first_of_point
        ]
        geoms = self.geometries[candidate]
        px, py = x[point], y[point]
        for predicate in (shapely.contains_xy, shapely.intersects_xy):
            open_ = out[point] == _NONE
            if not open_.any():
                break
            hit = np.zeros(len(point), dtype=bool)
            hit[open_] = predicate(geoms[open_], px[open_], py[open_])
            # Candidates are sorted by area position within each point: the first hit wins.
            winners, first = np.unique(point[hit], return_index=True)
            out[winners] = candidate[hit][first]
        # Only overlapping areas can hold a point that none of its cell's candidates holds.
        unresolved = np.flatnonzero(out == _NONE)
        out[unresolved] = self._exact(x[unresolved], y[unresolved])
        return out
