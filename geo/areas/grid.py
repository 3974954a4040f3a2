"""The regular grid behind :class:`geo.areas.index.AreaIndex`: where it lies, the areas'
edges in its units, which cells they enter, and the connected regions of the other cells
(what the boundary cells need is in :mod:`geo.areas.boundary`).

Everything here works in cell units: ``u = (lon - origin_lon) * scale`` (``scale`` cells per
degree), so cell ``(i, j)`` covers ``i <= u < i + 1`` and ``j <= v < j + 1``. Cells are square
in degrees; no projection is needed, because the grid only sorts points into cells and the
tests made in them are exact in any affine frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MARGIN: Final = 2
"""Empty cells around the areas' extent: points beyond the grid are clamped into them."""
EDGE_EPS: Final = 1e-6
"""An edge this close (in cells) to a cell's side is counted in the cells on both sides, so
rounding can never leave a cell that an edge enters unmarked."""
PIECE: Final = 1.0
"""Edges are cut into pieces at most this long (in cells): a piece then spans at most two
cells each way (three with EDGE_EPS), and crosses at most one row's middle line."""


@dataclass(frozen=True)
class Frame:
    """The grid's placement: origin (degrees), cells per degree and the cell counts."""

    origin_x: float
    origin_y: float
    scale: float
    nx: int
    ny: int

    @classmethod
    def around(cls, bounds: tuple[float, float, float, float], cells: int) -> Frame:
        """About ``cells`` square cells over ``bounds``, with :data:`MARGIN` cells round."""
        minx, miny, maxx, maxy = bounds
        width, height = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
        size = float(np.sqrt(width * height / max(cells, 1)))
        size = min(max(size, max(width, height) / 4096), max(width, height))
        scale = 1.0 / size
        nx = int(np.floor(width * scale)) + 1 + 2 * MARGIN
        ny = int(np.floor(height * scale)) + 1 + 2 * MARGIN
        return cls(minx - MARGIN * size, miny - MARGIN * size, scale, nx, ny)

    def to_cells(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Degrees to cell units (the one formula used at build and at query time)."""
        return (x - self.origin_x) * self.scale, (y - self.origin_y) * self.scale

    def locate(
        self, x: FloatArray, y: FloatArray
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Points in degrees -> (u, v) in cell units and their cell's column and row.

        Points beyond the grid (and NaN, which ``fmax`` turns to 0) are clamped into its empty
        margin; their (u, v) are clamped alike. Same arithmetic as :meth:`to_cells`."""
        u = np.subtract(x, self.origin_x)
        u *= self.scale
        v = np.subtract(y, self.origin_y)
        v *= self.scale
        np.fmin(np.fmax(u, 0.0, out=u), self.nx - 1, out=u)
        np.fmin(np.fmax(v, 0.0, out=v), self.ny - 1, out=v)
        return u, v, u.astype(np.int32), v.astype(np.int32)

    def to_degrees(self, u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Cell units back to degrees."""
        return u / self.scale + self.origin_x, v / self.scale + self.origin_y


@dataclass(frozen=True)
class Edges:
    """Boundary pieces in cell units (a -> b) and the area each belongs to, in area order."""

    ax: FloatArray
    ay: FloatArray
    bx: FloatArray
    by: FloatArray
    owner: IntArray


def boundary_edges(geoms: npt.NDArray[np.object_], frame: Frame) -> Edges:
    """Every ring's edges, cut into pieces of at most :data:`PIECE` cells.

    Consecutive pieces of an edge share their cut point bit for bit, so a ring stays closed.
    """
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    u, v = frame.to_cells(coords[:, 0], coords[:, 1])
    start = np.flatnonzero(ring[1:] == ring[:-1])
    ax, ay, bx, by = u[start], v[start], u[start + 1], v[start + 1]
    kept = np.flatnonzero((ax != bx) | (ay != by))
    if len(kept) < len(start):  # repeated vertices
        start, ax, ay, bx, by = start[kept], ax[kept], ay[kept], bx[kept], by[kept]
    owner = part_owner[ring_part[ring[start]]].astype(np.int64)
    pieces = np.ceil(np.hypot(bx - ax, by - ay) * (1 / PIECE)).astype(np.int64)
    if int(pieces.max(initial=1)) <= 1:
        return Edges(ax, ay, bx, by, owner)
    pieces = np.maximum(pieces, 1)
    edge = np.repeat(np.arange(len(ax)), pieces)
    step = np.arange(len(edge)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    n = pieces[edge]
    t0, t1 = step / n, (step + 1) / n
    dx, dy = (bx - ax)[edge], (by - ay)[edge]
    sx, sy = ax[edge] + dx * t0, ay[edge] + dy * t0
    last = step + 1 == n
    ex = np.where(last, bx[edge], ax[edge] + dx * t1)
    ey = np.where(last, by[edge], ay[edge] + dy * t1)
    return Edges(sx, sy, ex, ey, owner[edge])


@dataclass(frozen=True)
class Touches:
    """(cell, edge) pairs, sorted by cell then edge (so by area within a cell)."""

    cell: IntArray
    edge: IntArray


def cells_touched(edges: Edges, frame: Frame) -> Touches:
    """The cells each piece enters, its ends widened by :data:`EDGE_EPS`: the cells of its
    bounding box that the piece's line also passes (a separating-axis test)."""
    lo_x = np.floor(np.minimum(edges.ax, edges.bx) - EDGE_EPS).astype(np.int64)
    hi_x = np.floor(np.maximum(edges.ax, edges.bx) + EDGE_EPS).astype(np.int64)
    lo_y = np.floor(np.minimum(edges.ay, edges.by) - EDGE_EPS).astype(np.int64)
    hi_y = np.floor(np.maximum(edges.ay, edges.by) + EDGE_EPS).astype(np.int64)
    wide, tall = hi_x - lo_x + 1, hi_y - lo_y + 1
    # A piece whose box is one cell wide or tall enters every cell of it; others may miss
    # a corner cell of their box.
    line = np.flatnonzero((wide == 1) | (tall == 1))
    block = np.flatnonzero((wide > 1) & (tall > 1))
    keys = []
    for chosen, test in ((line, False), (block, True)):
        count = wide[chosen] * tall[chosen]
        edge = np.repeat(chosen, count)
        local = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
        step_y, step_x = np.divmod(local, wide[edge])
        cx, cy = lo_x[edge] + step_x, lo_y[edge] + step_y
        if test:
            ex, ey = (edges.bx - edges.ax)[edge], (edges.by - edges.ay)[edge]
            # The piece's line at the widened cell's corners: it passes the cell unless
            # all four lie on one side (the separating-axis test).
            base = ex * (cy - EDGE_EPS - edges.ay[edge]) - ey * (cx - EDGE_EPS - edges.ax[edge])
            up, right = ex * (1 + 2 * EDGE_EPS), -ey * (1 + 2 * EDGE_EPS)
            low = base + np.minimum(up, 0) + np.minimum(right, 0)
            high = base + np.maximum(up, 0) + np.maximum(right, 0)
            keep = np.flatnonzero((low <= 0) & (high >= 0))
            cx, cy, edge = cx[keep], cy[keep], edge[keep]
        keys.append((cy * frame.nx + cx) * len(wide) + edge)
    key = np.sort(np.concatenate(keys))
    cell, piece = np.divmod(key, len(wide))
    return Touches(cell, piece)


def free_regions(mixed_cells: IntArray, frame: Frame) -> tuple[IntArray, FloatArray, FloatArray]:
    """Connected regions of the cells no edge enters: each cell's region (0 for a boundary
    cell) and, per region 1.., the centre of one of its cells in cell units."""
    free = np.ones(frame.nx * frame.ny, dtype=bool)
    free[mixed_cells] = False
    regions, count = ndimage.label(free.reshape(frame.ny, frame.nx))
    flat = regions.ravel()
    some_cell = np.zeros(count + 1, dtype=np.int64)
    some_cell[flat] = np.arange(len(flat))
    iy, ix = np.divmod(some_cell[1:], frame.nx)
    return flat.astype(np.int64), ix + 0.5, iy + 0.5
