"""What the crossing test needs in the cells that areas' edges enter: each cell's reference
point and the areas holding it, found by the crossing-number test along the rows' middle
lines, and the cell's edge pieces (an edge two areas share kept once). Cell units as in
:mod:`geo.areas.grid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.areas.grid import Edges, FloatArray, Frame, IntArray, Touches

CLEARANCE: Final = 1e-3
"""A reference point keeps at least this distance (in cells) from the line of every edge in
its cell; a cell with no such point among :data:`REFERENCE_X` x :data:`REFERENCE_Y` is
answered by the exact test."""
REFERENCE_X: Final = (0.5, 0.25, 0.75, 0.375, 0.625, 0.125, 0.875)
REFERENCE_Y: Final = 0.5
"""Candidate reference points in a cell, on its row's middle line (dyadic, so exact)."""
MAX_AREAS: Final = 63
"""A cell touched by more areas' edges than this is answered by the exact test."""
_MIXERS: Final = (
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0x27D4EB2F165667C5,
)
"""Odd multipliers that mix a piece's four coordinates into one sort key."""
_STEPS: Final = 1 << 16
"""Steps a cell is divided into when crossings are sorted along a line (as integers)."""


@dataclass(frozen=True)
class BoundaryCells:
    """What the crossing test needs in the cells that edges enter, numbered 0.. in cell
    order (``cells``).

    Per cell: its pieces ``starts[m]:starts[m + 1]`` in the per-piece arrays, a reference
    point ``(ref_x, ref_y)`` relative to the cell's corner, the areas whose edges enter it
    (``candidate``, ascending, padded with the number of areas) and which of them hold the
    reference point (``inside``, bit ``s`` for column ``s``), and whether only the exact test
    may answer there (``exact``: no clear reference point, more than :data:`MAX_AREAS`
    areas, or an area that no edge in the cell belongs to covers it, where areas overlap).
    Per piece (relative to its cell's corner): start ``(ax, ay)``, direction ``(ex, ey)``,
    the candidates whose side it changes (``mask``: two for an edge two areas share, which
    is kept once) and whether the reference point lies to its left (``ref_left``).
    """

    cells: IntArray
    starts: IntArray
    ref_x: FloatArray
    ref_y: FloatArray
    candidate: IntArray
    inside: npt.NDArray[np.uint64]
    exact: npt.NDArray[np.bool_]
    ax: FloatArray
    ay: FloatArray
    ex: FloatArray
    ey: FloatArray
    mask: npt.NDArray[np.uint64]
    ref_left: npt.NDArray[np.bool_]


def boundary_cells(edges: Edges, touches: Touches, frame: Frame, areas: int) -> BoundaryCells:
    """Recipe: number the cells -> list each cell's areas -> choose reference points ->
    find the areas holding each reference point (crossings of the cell row's middle line)."""
    new_cell = np.ones(len(touches.cell), dtype=bool)
    new_cell[1:] = touches.cell[1:] != touches.cell[:-1]
    first = np.flatnonzero(new_cell)
    cells = touches.cell[first]
    of_piece = np.cumsum(new_cell) - 1
    row, col = np.divmod(cells, frame.nx)
    # One gather of whole rows: the pieces are listed by cell, so reads are scattered.
    digest = _digest(edges).view(np.float64)
    rows = np.column_stack([edges.ax, edges.ay, edges.bx, edges.by, edges.owner, digest])
    rows = rows[touches.edge]
    ax, ay = rows[:, 0] - col[of_piece], rows[:, 1] - row[of_piece]
    ex, ey = rows[:, 2] - rows[:, 0], rows[:, 3] - rows[:, 1]
    owner = rows[:, 4].astype(np.int64)
    new_area = new_cell.copy()
    new_area[1:] |= owner[1:] != owner[:-1]
    group = np.cumsum(new_area) - 1
    slot = group - group[first][of_piece]
    width = int(slot.max(initial=0)) + 1
    candidate = np.full((len(cells), width), areas, dtype=np.int64)
    candidate[of_piece[new_area], slot[new_area]] = owner[new_area]
    ref_x, found = _reference_x(ax, ay, ex, ey, first)
    ref_y = np.full(len(cells), REFERENCE_Y)
    at = col + ref_x
    crossings = _middle_crossings(edges)
    inside, depth = _inside_and_depth(
        crossings, frame, row=row, at=at, candidate=candidate, areas=areas
    )
    exact = ~found | (depth != inside.sum(axis=1))
    if width > MAX_AREAS:
        exact[of_piece[slot >= MAX_AREAS]] = True
    ref_left = ex * (REFERENCE_Y - ay) - ey * (ref_x[of_piece] - ax) > 0
    bit = np.left_shift(np.uint64(1), np.minimum(slot, MAX_AREAS).astype(np.uint64))
    mask = np.where(slot < MAX_AREAS, bit, np.uint64(0))
    kept, mask = _merge_twins(rows, of_piece, mask)
    starts = np.zeros(len(cells) + 1, dtype=np.int64)
    np.cumsum(np.bincount(of_piece[kept], minlength=len(cells)), out=starts[1:])
    shown = inside[:, :MAX_AREAS].astype(np.uint64)
    held = np.bitwise_or.reduce(shown << np.arange(shown.shape[1], dtype=np.uint64), axis=1)
    return BoundaryCells(
        cells,
        starts,
        ref_x,
        ref_y,
        candidate,
        held,
        exact,
        ax[kept],
        ay[kept],
        ex[kept],
        ey[kept],
        mask,
        ref_left[kept],
    )


def _merge_twins(
    rows: FloatArray, of_cell: IntArray, mask: npt.NDArray[np.uint64]
) -> tuple[IntArray, npt.NDArray[np.uint64]]:
    """Keep one of each set of pieces in a cell with the same two ends (an edge that two
    areas share, drawn once by each), its mask the exclusive-or of theirs: crossing it
    changes the side of every area it bounds. ``rows`` holds each piece's ends (ax, ay, bx,
    by) in columns 0-3 and its digest's bits in column 5. Returns the kept pieces, still
    grouped by cell, and their masks."""
    if len(mask) == 0 or of_cell[-1] >= 1 << 24:  # the sort key holds 24 bits of cell
        return np.arange(len(mask)), mask
    digest = np.ascontiguousarray(rows[:, 5]).view(np.uint64)
    key = (of_cell.astype(np.uint64) << np.uint64(40)) ^ (digest >> np.uint64(24))
    order = np.argsort(key)  # by cell (the key's high bits), then by digest
    key = key[order]
    maybe = np.flatnonzero(key[1:] == key[:-1])
    one, other = rows[order[maybe]], rows[order[maybe + 1]]
    same = (one[:, 0] == other[:, 2]) & (one[:, 1] == other[:, 3])
    same &= (one[:, 2] == other[:, 0]) & (one[:, 3] == other[:, 1])
    forward = (one[:, 0] == other[:, 0]) & (one[:, 1] == other[:, 1])
    forward &= (one[:, 2] == other[:, 2]) & (one[:, 3] == other[:, 3])
    twin = np.zeros(len(key), dtype=bool)
    twin[maybe[same | forward] + 1] = True
    merged = mask[order]
    if twin.any():
        lead = np.maximum.accumulate(np.where(twin, 0, np.arange(len(key))))
        if (twin[1:] & twin[:-1]).any():  # three or more alike: areas overlap
            np.bitwise_xor.at(merged, lead[twin], merged[twin])
        else:
            merged[lead[twin]] ^= merged[twin]
    kept = np.flatnonzero(~twin)
    return order[kept], merged[kept]


def _reference_x(
    ax: FloatArray, ay: FloatArray, ex: FloatArray, ey: FloatArray, first: IntArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Per cell, the first of :data:`REFERENCE_X` on the middle line that keeps
    :data:`CLEARANCE` from the line of every piece in the cell, and whether one does."""
    ref_x = np.full(len(first), REFERENCE_X[0])
    found = np.zeros(len(first), dtype=bool)
    count = np.diff(np.append(first, len(ax)))
    open_cells = np.arange(len(first))
    pieces = np.arange(len(ax))
    length2 = ex * ex + ey * ey
    length2 *= CLEARANCE**2
    for x in REFERENCE_X:
        # Distance to the piece's line >= CLEARANCE, squared and multiplied out.
        side = ex[pieces] * (REFERENCE_Y - ay[pieces]) - ey[pieces] * (x - ax[pieces])
        far = (side * side >= length2[pieces]).view(np.uint8)
        bounds = np.cumsum(count[open_cells]) - count[open_cells]
        clear = np.minimum.reduceat(far, bounds).astype(bool)
        ref_x[open_cells[clear]] = x
        found[open_cells[clear]] = True
        open_cells = open_cells[~clear]
        if len(open_cells) == 0:
            break
        pieces = np.repeat(first[open_cells], count[open_cells])
        pieces += np.arange(len(pieces)) - np.repeat(
            np.cumsum(count[open_cells]) - count[open_cells], count[open_cells]
        )
    return ref_x, found


def _middle_crossings(edges: Edges) -> tuple[FloatArray, IntArray, IntArray]:
    """Where pieces cross the middle lines ``v = j + 0.5`` of the rows: (u, row, owner),
    sorted by row then u. The crossing-number test's half-open rule (a piece crosses when
    one end lies above the line and the other on or below it) counts a vertex on the line
    once."""
    top = np.maximum(edges.ay, edges.by)
    bottom = np.minimum(edges.ay, edges.by)
    row = np.ceil(top - REFERENCE_Y).astype(np.int64) - 1
    line = row + REFERENCE_Y
    hit = np.flatnonzero((bottom <= line) & (line < top))
    ax, ay, bx, by = edges.ax[hit], edges.ay[hit], edges.bx[hit], edges.by[hit]
    u = ax + (line[hit] - ay) * (bx - ax) / (by - ay)
    return u, row[hit], edges.owner[hit]


def _inside_and_depth(
    crossings: tuple[FloatArray, IntArray, IntArray],
    frame: Frame,
    *,
    row: IntArray,
    at: FloatArray,
    candidate: IntArray,
    areas: int,
) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Whether each cell's reference point ``(at, row + 0.5)`` lies inside each candidate
    (an odd number of the candidate's crossings of the row's middle line lie to its right),
    and how many areas hold it (along the line each area's crossings, counted from the
    right, enter it when odd and leave it when even).

    Positions along a line are compared as integers in steps of ``1 / _STEPS`` cells, far
    finer than :data:`CLEARANCE`, so sort keys stay exact however many areas and rows."""
    u, crossing_row, owner = crossings
    line = frame.nx * _STEPS
    step = np.floor(u * _STEPS).astype(np.int64)
    group = crossing_row * areas + owner
    by_area = np.argsort(group * line + step)
    keys = (group * line + step)[by_area]
    real = candidate < areas
    start = (row[:, None] * areas + candidate)[real] * line
    asked = start + np.floor(np.broadcast_to(at[:, None], candidate.shape)[real] * _STEPS)
    asked = asked.astype(np.int64)
    order = np.argsort(asked)
    right = np.empty(len(asked), dtype=np.int64)
    right[order] = np.searchsorted(keys, asked[order], side="right")
    end = np.empty(len(asked), dtype=np.int64)
    end[order] = np.searchsorted(keys, (start + line)[order], side="left")
    inside = np.zeros(candidate.shape, dtype=bool)
    inside[real] = ((end - right) & 1).astype(bool)

    sorted_group = group[by_area]
    last = np.ones(len(sorted_group), dtype=bool)
    last[:-1] = sorted_group[1:] != sorted_group[:-1]
    ends = np.flatnonzero(last)
    from_right = np.repeat(ends, np.diff(np.append(-1, ends))) - np.arange(len(last))
    enter = np.empty(len(u), dtype=np.int64)
    enter[by_area] = np.where(from_right & 1, -1, 1)
    along = crossing_row * line + step
    order = np.argsort(along)
    suffix = np.zeros(len(along) + 1, dtype=np.int64)
    suffix[:-1] = np.cumsum(enter[order][::-1])[::-1]
    along = along[order]
    right = np.searchsorted(along, row * line + np.floor(at * _STEPS).astype(np.int64), "right")
    stop = np.searchsorted(along, (row + 1) * line, side="left")
    return inside, suffix[right] - suffix[stop]


def _digest(edges: Edges) -> npt.NDArray[np.uint64]:
    """A mix of each piece's two ends, the same whichever way the piece runs."""
    mixers = np.array(_MIXERS, dtype=np.uint64)
    ends = [edges.ax, edges.ay, edges.bx, edges.by]
    bits = [
        np.ascontiguousarray(e).view(np.uint64) * m
        for e, m in zip(ends, mixers[[0, 1, 0, 1]], strict=True)
    ]
    start: npt.NDArray[np.uint64] = (bits[0] ^ bits[1]) * mixers[2]
    end: npt.NDArray[np.uint64] = (bits[2] ^ bits[3]) * mixers[2]
    return start ^ end
