"""Place points in areas: the one home of "which area is this point in?" and of its tie rule.

**Tie rule** (the one definition; :func:`geo.store.places.place_in_database` says the same
in SQL): among the areas that cover a point, one that holds it in its interior wins over one
it only touches on the boundary; among equals the area **first in the index's order** wins
(areas are indexed sorted by code, so the lowest code). A point on the outer edge of a single
area belongs to that area; a point on an edge two areas share, to the lower code. A point in
no area gets no area (``-1`` / ``None``), never a guess. Off the edges the answer is
``geopandas.sjoin(predicate="within")``'s.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo.areas.boundary import boundary_cells
from geo.areas.grid import Frame, boundary_edges, cells_touched, free_regions

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

NONE: Final = -1
"""The position given to a point in no area."""
_MIXED: Final = -2  # cell codes <= _MIXED name boundary cell (_MIXED - code)
_TOLERANCE: Final = 1e-8
"""A point whose crossing test comes this close (in cells squared) to a tie, such as a point
on an edge or a vertex, is placed by the exact test instead (ample for coordinates that are
exact to about 1e-10 cells)."""
_NO_BITS: Final = np.uint64(0)
_CHUNK: Final = 1 << 19
"""Points assigned at a time: bounds the working memory (about 60 bytes a point, 30 MB a
chunk), which stays flat however many points come."""


def _default_cells(areas: int, vertices: int) -> int:
    """About 4,000 cells an area (a boundary cell then holds about two edge pieces), at most
    2**21 (an 8 MB table), fewer when the edges are many: the build's work grows with edge
    pieces and cells, the crossing test's with the share of points in boundary cells."""
    by_vertices = 2**21 * 60_000 // max(vertices, 1)
    return int(max(2**18, min(4_000 * areas, 2**21, by_vertices)))


class AreaIndex:
    """A grid index over areas that assigns millions of points in a few numpy passes.

    The areas' extent is cut into square cells. A cell no edge enters answers for every point
    in it (an area or none). In a cell an edge enters, each point is tested against the few
    edge pieces in that cell: the segment from the point to the cell's reference point (whose
    areas are known from the build) crosses each area's edges an odd number of times exactly
    when the point's side differs from the reference's. Points that come within a hair of an
    edge or vertex, and cells where areas overlap, are placed by the exact test
    (:meth:`exact`), which applies the module's tie rule. Build once per boundary version.

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
        minx, miny, maxx, maxy = (float(b) for b in shapely.total_bounds(geoms))
        vertices = int(shapely.get_num_coordinates(geoms).sum())
        frame = Frame.around(
            (minx, miny, maxx, maxy), cells or _default_cells(len(geoms), vertices)
        )
        self._frame = frame
        edges = boundary_edges(geoms, frame)
        boundary = boundary_cells(edges, cells_touched(edges, frame), frame, len(geoms))
        # Free cells: one exact test per connected region labels all its cells.
        region, cx, cy = free_regions(boundary.cells, frame)
        region_code = np.empty(len(cx) + 1, dtype=np.int32)
        region_code[1:] = self.exact(*frame.to_degrees(cx, cy))
        code = region_code[region]
        code[boundary.cells] = _MIXED - np.arange(len(boundary.cells), dtype=np.int32)
        self._code = code
        self._cells = boundary

    @property
    def mixed_cell_share(self) -> float:
        """Share of cells that an edge enters (where points need the crossing test)."""
        return float(np.mean(self._code <= _MIXED))

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, threads: int = 1) -> IntArray:
        """Return each point's area position in the index (``-1`` where in no area).

        ``lon``/``lat`` in the areas' CRS (degrees, WGS-84); NaN gives ``-1``. Points are
        taken :data:`_CHUNK` at a time, on ``threads`` threads (numpy releases the GIL).
        Recipe: locate the cell -> take whole cells' answers -> cross-test the points in
        boundary cells -> leave ties and overlaps to :meth:`exact`.
        """
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        out = np.empty(len(x), dtype=np.int64)
        spans = [slice(s, min(s + _CHUNK, len(x))) for s in range(0, len(x), _CHUNK)]
        if threads > 1 and len(spans) > 1:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda s: self._assign_into(x[s], y[s], out[s]), spans))
        else:
            for span in spans:
                self._assign_into(x[span], y[span], out[span])
        return out

    def labels_for(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> list[str | None]:
        """Return each point's area label (None where in no area)."""
        positions = self.assign(lon, lat)
        return [None if p < 0 else str(self.labels[p]) for p in positions]

    def _assign_into(self, x: FloatArray, y: FloatArray, out: IntArray) -> None:
        u, v, iu, iv = self._frame.locate(x, y)
        cell = iv * np.int32(self._frame.nx)
        cell += iu
        code = self._code[cell]
        out[:] = code
        mixed = np.flatnonzero(code <= _MIXED)
        if len(mixed) == 0:
            return
        boundary_cell = _MIXED - code[mixed].astype(np.int64)
        pu = u[mixed] - iu[mixed]
        pv = v[mixed] - iv[mixed]
        placed, unsure = self._cross_test(boundary_cell, pu, pv)
        out[mixed] = placed
        redo = mixed[unsure]
        if len(redo):
            out[redo] = self.exact(x[redo], y[redo])

    def _cross_test(
        self, cell: IntArray, pu: FloatArray, pv: FloatArray
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Positions of points in boundary cells (coordinates relative to the cell's corner),
        and which of them the exact test must settle."""
        grid = self._cells
        starts = grid.starts[cell]
        counts = grid.starts[cell + 1] - starts
        offsets = np.cumsum(counts) - counts
        point = np.repeat(np.arange(len(cell)), counts)
        piece = np.arange(len(point)) + np.repeat(starts - offsets, counts)
        dx = (grid.ref_x[cell] - pu)[point]
        dy = (grid.ref_y[cell] - pv)[point]
        ax = grid.ax[piece] - pu[point]
        ay = grid.ay[piece] - pv[point]
        ex, ey = grid.ex[piece], grid.ey[piece]
        # Which side of the segment point -> reference each end of the piece lies on, and
        # which side of the piece the point lies on (the reference's side is stored).
        side_a = dx * ay - dy * ax
        side_b = dx * (ay + ey) - dy * (ax + ex)
        side_p = ey * ax - ex * ay
        crosses = ((side_a > 0) != (side_b > 0)) & ((side_p > 0) != grid.ref_left[piece])
        near = np.minimum(np.abs(side_a), np.abs(side_b))
        np.minimum(near, np.abs(side_p), out=near)
        unsure = grid.exact[cell]
        unsure[point[near < _TOLERANCE]] = True
        # Each crossed piece flips the side of the areas in its mask (bit s: column s).
        flips = np.bitwise_xor.reduceat(np.where(crosses, grid.mask[piece], _NO_BITS), offsets)
        inside = grid.inside[cell] ^ flips
        lowest = inside & (~inside + np.uint64(1))
        column = np.frexp(lowest.astype(np.float64))[1] - 1  # the lowest area: first column
        placed = grid.candidate[cell, np.maximum(column, 0)]
        placed[inside == 0] = NONE
        return placed, unsure

    def exact(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
        """The tie rule itself, point by point with shapely (slow; for the few points the
        grid leaves open): among the areas covering a point, one holding it inside wins over
        one touching it on the boundary, then the lowest position; -1 when none covers it."""
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        out = np.full(len(x), NONE, dtype=np.int64)
        if len(x) == 0:
            return out
        point, area = self._tree.query(shapely.points(x, y), predicate="intersects")
        touching = ~shapely.contains_xy(self.geometries[area], x[point], y[point])
        order = np.lexsort((area, touching, point))
        winners, first = np.unique(point[order], return_index=True)
        out[winners] = area[order][first]
        return out
