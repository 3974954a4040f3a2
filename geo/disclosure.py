"""What a role that sees aggregates only may be shown: the disclosure policy.

One rule, applied once in every service that returns aggregates to planners:

- **primary suppression**: a count between 1 and ``THRESHOLD - 1`` is withheld;
- **derived figures**: a rate, share or density is withheld when any count it is computed
  from is withheld (density x area, share x units would give the count back), and so is
  a share whose part OR rest (total - part) is small: the share x total gives both back;
  shares of the same total that give one another back (coverage, attempted coverage,
  overdue share) are withheld together, also when a sum or difference of their parts is
  small (see :func:`protect`, ``parts_of`` and ``together``);
- **complementary suppression**: in every group where a total equals the sum of its parts
  (a parent area and its children, the headline and the areas it adds up), never exactly one
  member is withheld, so no withheld cell comes back by subtraction. The known remainder of
  a group (units on no grid) is assumed known to the reader;
- **whole cells**: an area filter chooses WHICH cells (hexagons, clusters) are shown, those
  holding homes of the area, never what they count: a shown cell carries the figure of the
  whole cell in the reader's scope (then suppressed as usual), so one cell shows the same
  figure or none in every call, and no sum or difference of calls leaves a part of a cell
  (see :func:`whole_cells`); an area's own total is protected with its siblings and parent;
- **one marker**: every withheld figure shows the same :data:`WITHHELD`, so a reader cannot
  tell a small count from a cell withheld to protect it (which would narrow it down);
- **coarse time**: figures are as of a month end (never one still to come), and the window
  is the calendar month or 90 days, so two choices never differ by a day's changes, and a
  count that does not depend on the window is withheld alike in both;
- **shapes**: an outline covers at least ``THRESHOLD`` units and is padded, so its corners
  are no one's door; a cluster is shown only with at least ``THRESHOLD`` residents and units,
  one setting of its parameters (see :data:`CLUSTER_EPS_M`, :data:`CLUSTER_MIN_RESIDENTS`).

Pure functions on frames; no database, no Streamlit.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import geometries_to_degrees, metric_crs_for_points, to_metres
from geo.digest import content_digest

THRESHOLD: Final = 5
"""Counts from 1 to THRESHOLD - 1 are withheld."""
WITHHELD: Final = "*"
"""What every withheld figure shows (small or withheld to protect one)."""
CLUSTER_EPS_M: Final = (150.0,)
"""The neighbour distance (metres) of a planner's density clusters: one. Two settings,
however far apart (50 and 55 m; 50 and 100 m; a minimum of 10 and of 20), grew a cluster by
one border home and gave its floating residents back."""
CLUSTER_MIN_RESIDENTS: Final = (50,)
"""The residents a planner's cluster core holds (one setting, as the distance)."""
OUTLINE_CELL_M: Final = 100.0
"""A planner's outline is drawn around the squares of this side (metres) that hold its
units, so no corner is a unit's place (a padded hull's arcs gave their centres back)."""


def is_small(values: pd.Series, *, threshold: int = THRESHOLD) -> pd.Series:
    """Counts that are withheld on their own: 1 to ``threshold - 1`` (text is never small).

    >>> is_small(pd.Series([0, 1, 4, 5, None])).tolist()
    [False, True, True, False, False]
    """
    number = pd.to_numeric(values, errors="coerce")
    return ((number > 0) & (number < threshold)).fillna(False).astype(bool)


def is_withheld(values: pd.Series) -> pd.Series:
    """Which figures show the withheld marker."""
    return values.astype(object).map(lambda v: isinstance(v, str) and v == WITHHELD).astype(bool)


def protect(
    counts: pd.DataFrame,
    *,
    parent: pd.Series,
    columns: Sequence[str],
    parts_of: Sequence[tuple[str, str]] = (),
    together: Sequence[Sequence[str]] = (),
    withheld: pd.DataFrame | None = None,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """Which cells to withhold (a boolean frame like ``counts[columns]``): the small ones
    (and those ``withheld`` marks: what another figure of the same cells withholds) and,
    column by column, as few others as it takes that no group of a parent and its
    children has exactly one withheld member.

    Parameters
    ----------
    counts : one row per node of a tree (index: node keys), the count columns.
    parent : per node its parent's key (NaN/None for a root); a parent's count is the sum
        of its children's plus a remainder the reader may know.
    parts_of : (total, part) pairs, ``part`` a subset of ``total`` in each row (covered
        units of the units): a share part / total gives back the part and the rest
        (total - part), so the part is withheld where the total is or the rest is small.
    together : groups of parts of one total whose shares give one another back (covered,
        attempted and overdue units: coverage, attempted coverage and the overdue share of
        the same units): a group is withheld whole in a row where any member is, or where
        any sum or difference of its members and their total (each once) is small
        (attempted but not completed, neither covered nor overdue).

    In a group whose parent is shown, the withheld children must be two or more and hold
    at least ``threshold`` together (else subtraction shows each is small): the complement
    is the smallest child that brings them there (least information lost), else the
    largest, else the parent. Each added cell may break another group, so this repeats
    until none is left.

    >>> t = pd.DataFrame({"n": [20, 3, 17]}, index=["c", "g1", "g2"])
    >>> protect(t, parent=pd.Series({"c": None, "g1": "c", "g2": "c"}), columns=["n"])["n"].tolist()
    [False, True, True]
    >>> u = pd.DataFrame({"units": [12, 5], "covered": [6, 3]}, index=["c", "g"])
    >>> protect(u, parent=pd.Series({"c": None, "g": "c"}), columns=["units", "covered"],
    ...     parts_of=[("units", "covered")])["covered"].tolist()
    [True, True]

    The same counts give the same cells: the answer is kept for the last
    :data:`_PROTECTED_MOST` inputs (keyed by their content, so figures that an import did
    not change are not protected again) and handed out as a copy.
    """
    key = content_digest(
        counts[list(columns)],
        parent.reindex(counts.index),
        withheld,
        (tuple(columns), tuple(parts_of), tuple(map(tuple, together)), threshold),
    )
    with _PROTECTED_LOCK:
        found = _PROTECTED.get(key)
        if found is not None:
            _PROTECTED.move_to_end(key)
    if found is None:
        found = _protect(
            counts,
            parent=parent,
            columns=columns,
            parts_of=parts_of,
            together=together,
            withheld=withheld,
            threshold=threshold,
        )
        with _PROTECTED_LOCK:
            _PROTECTED[key] = found
            while len(_PROTECTED) > _PROTECTED_MOST:
                _PROTECTED.popitem(last=False)
    return found.copy()


_PROTECTED: OrderedDict[bytes, pd.DataFrame] = OrderedDict()
_PROTECTED_MOST: Final = 32
_PROTECTED_LOCK = threading.Lock()


def _protect(
    counts: pd.DataFrame,
    *,
    parent: pd.Series,
    columns: Sequence[str],
    parts_of: Sequence[tuple[str, str]],
    together: Sequence[Sequence[str]],
    withheld: pd.DataFrame | None,
    threshold: int,
) -> pd.DataFrame:
    """:func:`protect`'s work, on inputs it has not seen."""
    values = counts[list(columns)].apply(pd.to_numeric, errors="coerce").fillna(0)
    given = withheld
    withheld = pd.DataFrame(
        {c: is_small(counts[c], threshold=threshold) for c in columns}, index=counts.index
    )
    if given is not None:
        withheld |= given.reindex(index=counts.index, columns=list(columns), fill_value=False)
    for total, part in parts_of:
        withheld[part] |= is_small(values[total] - values[part], threshold=threshold)
    for group in together:
        withheld.loc[_small_combination(values, group, parts_of, threshold), list(group)] = True
    groups = _groups_of(counts.index, parent.reindex(counts.index))
    changed = True
    while changed:
        before = withheld.to_numpy().copy()
        for total, part in parts_of:
            withheld[part] |= withheld[total]
        for group in together:
            any_hidden = withheld[list(group)].any(axis=1)
            for member in group:
                withheld[member] |= any_hidden
        for column in columns:
            withheld[column] = _complement(
                withheld[column], values[column], groups, threshold=threshold
            )
        changed = not np.array_equal(before, withheld.to_numpy())
    return withheld


def _groups_of(index: pd.Index, parent: pd.Series) -> _Groups:
    """The :class:`_Groups` of this tree, made once for each tree (a planner's overview
    protects the same areas for several windows, and the trend each month end's)."""
    return _groups_kept(tuple(index), tuple(None if pd.isna(p) else p for p in parent.tolist()))


@functools.lru_cache(maxsize=8)
def _groups_kept(index: tuple[Hashable, ...], parent: tuple[Hashable, ...]) -> _Groups:
    nodes = pd.Index(index, dtype=object)
    return _Groups(nodes, _groups(pd.Series(parent, index=nodes, dtype=object)))


class _Groups:
    """The groups of a tree (:func:`_groups`) as arrays over its nodes (in the order of
    ``index``), made once for every column and pass of :func:`protect`."""

    def __init__(
        self, index: pd.Index, groups: list[tuple[Hashable | None, list[Hashable]]]
    ) -> None:
        self.groups = groups
        self.at = {node: i for i, node in enumerate(index)}
        at = self.at
        self.heads = np.array([-1 if h is None else at[h] for h, _ in groups], dtype=np.int64)
        self.children = [[at[c] for c in children] for _, children in groups]
        self.members = np.array([i for kids in self.children for i in kids], dtype=np.int64)
        sizes = [len(kids) for kids in self.children]
        self.owner = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
        self.touches: dict[int, list[int]] = {}  # a node's groups: as a child, as a head
        for g, node in zip(self.owner.tolist(), self.members.tolist(), strict=True):
            self.touches.setdefault(node, []).append(g)
        for g, node in enumerate(self.heads.tolist()):
            if node >= 0:
                self.touches.setdefault(node, []).append(g)


def _complement(
    hidden_now: pd.Series,
    value: pd.Series,
    groups: _Groups,
    threshold: int = THRESHOLD,
) -> pd.Series:
    """One column's withheld cells with complements added until every group of a parent
    and its children is safe (see :func:`_unsafe`).

    Pass after pass, the groups are visited in order and each unsafe one gets a complement
    (:func:`_partner`). Which groups are unsafe at a pass's start is worked out for all at
    once; a group is then looked at only if it was, or if a cell of it (its head or a
    child) was withheld earlier in the pass: any other is safe when its turn comes. So the
    cells chosen are those of looking at every group in turn, at a city's 15,000 areas
    without a Python step per group and pass."""
    hidden = hidden_now.to_numpy(dtype=bool).copy()
    amounts = pd.to_numeric(value, errors="coerce").fillna(0).to_numpy(dtype=float)
    heads, members, owner = groups.heads, groups.members, groups.owner
    size = len(groups.groups)
    changed = True
    while changed:
        changed = False
        shown_head = (heads < 0) | ~hidden[np.maximum(heads, 0)]
        inside = hidden[members]
        count = np.bincount(owner, weights=inside, minlength=size)
        total = np.bincount(owner, weights=np.where(inside, amounts[members], 0.0),
                            minlength=size)  # fmt: skip
        unsafe = np.where(shown_head, (count == 1) | ((total > 0) & (total < threshold)),
                          count == 0)  # fmt: skip
        queue = np.flatnonzero(unsafe).tolist()
        queued = set(queue)
        heapq.heapify(queue)
        while queue:
            g = heapq.heappop(queue)
            head, children = groups.groups[g]
            head_at = int(heads[g])
            head_hidden = head_at >= 0 and bool(hidden[head_at])
            kids = groups.children[g]
            withheld = [float(amounts[i]) for i in kids if hidden[i]]
            if not _unsafe(withheld, head_hidden=head_hidden, threshold=threshold):
                continue
            free = {
                c: float(amounts[i]) for c, i in zip(children, kids, strict=True) if not hidden[i]
            }
            chosen = _partner(free, sum(withheld), head_hidden=head_hidden, threshold=threshold)
            if chosen is None and head is not None and not head_hidden:
                chosen = head
            if chosen is not None:
                where = groups.at[chosen]
                hidden[where] = True
                changed = True
                for later in groups.touches.get(where, []):
                    if later > g and later not in queued:
                        heapq.heappush(queue, later)
                        queued.add(later)
    return pd.Series(hidden, index=hidden_now.index, dtype=bool)


def _unsafe(withheld: Sequence[float], *, head_hidden: bool, threshold: int) -> bool:
    """Whether a group (a total and its parts) gives a withheld part back: with its total
    shown, one withheld part is the total minus the rest, and several whose sum is small
    (1 to ``threshold - 1``) show that each is small (7 = *, *, 6: the two hold 1); with
    its total withheld, the total is the sum of its parts when none is withheld.

    >>> _unsafe([3], head_hidden=False, threshold=5), _unsafe([1, 0], head_hidden=False,
    ...     threshold=5), _unsafe([3, 6], head_hidden=False, threshold=5)
    (True, True, False)
    >>> _unsafe([], head_hidden=True, threshold=5), _unsafe([3], head_hidden=True, threshold=5)
    (True, False)
    """
    if head_hidden:
        return not withheld
    total = sum(withheld)
    return len(withheld) == 1 or 0 < total < threshold


def _partner(
    free: Mapping[Hashable, float], withheld_sum: float, *, head_hidden: bool, threshold: int
) -> Hashable | None:
    """The part to withhold beside the withheld ones: the smallest that brings their sum to
    ``threshold`` (least information lost), else the largest (and the group is checked
    again); None when every part is withheld.

    >>> _partner({"a": 0, "b": 6, "c": 9}, 1, head_hidden=False, threshold=5)
    'b'
    >>> _partner({"a": 0, "b": 2}, 1, head_hidden=False, threshold=5)
    'b'
    """
    if not free:
        return None
    ordered = sorted(free, key=lambda k: (free[k], str(k)))
    if head_hidden:
        return ordered[0]
    enough = [k for k in ordered if withheld_sum + free[k] >= threshold]
    return enough[0] if enough else ordered[-1]


def _small_combination(
    values: pd.DataFrame,
    group: Sequence[str],
    parts_of: Sequence[tuple[str, str]],
    threshold: int,
) -> pd.Series:
    """Rows where some sum or difference of the group's members and their total (each
    once: sign +1, -1 or left out) is small: a count a reader of their shares would get.

    >>> v = pd.DataFrame({"units": [40, 40], "covered": [20, 20], "attempted": [22, 30]})
    >>> _small_combination(v, ["covered", "attempted"], [("units", "covered")], 5).tolist()
    [True, False]
    """
    totals = sorted({total for total, part in parts_of if part in group})
    terms = [*group, *totals]
    matrix = values[terms].to_numpy(dtype=float)
    found = np.zeros(len(values), dtype=bool)
    for signs in itertools.product((-1, 0, 1), repeat=len(terms)):
        if any(signs[: len(group)]):
            combined = np.abs(matrix @ np.asarray(signs, dtype=float))
            found |= (combined > 0) & (combined < threshold)
    return pd.Series(found, index=values.index)


def _groups(parent: pd.Series) -> list[tuple[Hashable | None, list[Hashable]]]:
    """(parent, children) of every node with children; the children of no parent (roots)
    form one group of their own only through an explicit root node."""
    known = set(parent.index)
    out: dict[Hashable, list[Hashable]] = {}
    for node, up in parent.items():
        if up is not None and not pd.isna(up) and up in known:
            out.setdefault(up, []).append(node)
    return [(head, sorted(children, key=str)) for head, children in sorted(out.items(), key=str)]


def protect_levels(
    count: pd.Series, *, parent: pd.Series, level: pd.Series, threshold: int = THRESHOLD
) -> pd.Series:
    """Which cells of a nested grid (H3 hexagons at several resolutions) to withhold, so
    that no choice of resolutions gives a withheld cell back by subtraction.

    Parameters
    ----------
    count : per cell (index) its count, exactly the sum of its children's.
    parent : per cell the cell one level coarser (ignored at the coarsest level, whose
        cells add up to a total the reader is taken to know).
    level : per cell its level, larger is finer (an H3 resolution); every level below a
        cell holds its children, down to the finest.

    Every withheld cell has withheld cells under it down to the finest level. A shown cell
    less any shown cells inside it leaves withheld cells; the least it can leave is their
    "mass": a finest cell's count, else the mass of its withheld children. Under a shown
    cell (and under the known total) the withheld children are none, or two or more with
    a mass of at least ``threshold`` together; else, from the finest level up, the cell
    is withheld too. Under the known total, cells are
    withheld beside the unsafe ones instead (each with its smallest child, that child's
    smallest child and so on: none equals the sum of its shown children), and a cell then
    withheld alone is known, so the same holds under it.

    >>> cells = pd.DataFrame({"count": [9, 3, 6, 1, 2, 6], "level": [1, 2, 2, 3, 3, 3],
    ...     "parent": ["", "a", "a", "b", "b", "c"]}, index=["a", "b", "c", "b1", "b2", "c1"])
    >>> protect_levels(cells["count"], parent=cells["parent"], level=cells["level"]).tolist()
    [True, True, True, True, True, True]
    """
    value = pd.to_numeric(count, errors="coerce").fillna(0).astype(float)
    hidden = is_small(value, threshold=threshold)
    levels = sorted(level.unique())
    if not levels:
        return hidden
    # mass: what a reader is left with inside a cell, its shown cells taken away: a finest
    # cell's count; else the mass of its withheld children (shown ones are known)
    mass = value.where((level == levels[-1]).to_numpy(), 0.0)
    for finer in reversed(levels[1:]):
        children = level.index[level == finer]
        by_parent = parent.loc[children].to_numpy()
        k = hidden.loc[children].groupby(by_parent).sum()
        inside = mass.loc[children].where(hidden.loc[children], 0.0).groupby(by_parent).sum()
        heads = inside.index.intersection(mass.index)
        mass.loc[heads] = inside.loc[heads]
        unsafe = (k > 0) & ((k == 1) | (inside < threshold))
        hidden.loc[unsafe.index[unsafe.to_numpy()].intersection(hidden.index)] = True
    below = pd.Series(parent.index, index=parent.to_numpy())  # each cell under its parent
    below = below.loc[level.reindex(below.to_numpy()).to_numpy() > levels[0]]

    def finer_than(cell: Any) -> list[Any]:
        return list(below.loc[[cell]]) if cell in below.index else []

    def left(members: list[Any]) -> float:
        return float(mass.loc[members].where(hidden.loc[members], 0.0).sum())

    def shown_inside(members: list[Any]) -> dict[Any, float]:
        """The shown cells nearest the top inside withheld ``members``."""
        frontier: list[Any] = list(members)
        found: dict[Any, float] = {}
        while frontier and not found:
            below_now = [kid for node in frontier for kid in finer_than(node)]
            found = {c: float(value.loc[c]) for c in below_now if not hidden.loc[c]}
            frontier = [c for c in below_now if hidden.loc[c]]
        return found

    def unsafe_group(members: list[Any]) -> bool:
        k = int(hidden.loc[members].sum())
        return k > 0 and (k == 1 or left(members) < threshold)

    known = [list(level.index[level == levels[0]])]  # the coarsest cells add up to a known total
    while known:
        members = known.pop()
        while unsafe_group(members):
            free: dict[Any, float] = {c: float(value.loc[c]) for c in members if not hidden.loc[c]}
            if not free:  # all withheld, still few: withhold a shown cell inside them
                free = shown_inside(members)
            pick: Any = _partner(free, left(members), head_hidden=False, threshold=threshold)
            if pick is None:
                break
            path: list[Any] = [pick]
            while True:  # down: a withheld cell equal to its shown children
                hidden.loc[path[-1]] = True
                kids = finer_than(path[-1])
                if not kids or any(hidden.loc[c] for c in kids):
                    break
                path.append(min(kids, key=lambda c: (value.loc[c], str(c))))
            for node in reversed(path[:-1]):
                mass.loc[node] = left(finer_than(node))
            node = pick
            while node not in members:  # up: the withheld cells holding it leave more
                node = parent.loc[node]
                mass.loc[node] = left(finer_than(node))
        alone = [c for c in members if hidden.loc[c]]
        if len(alone) == 1 and finer_than(alone[0]):  # the total less the rest: known
            known.append(finer_than(alone[0]))
    return hidden


def protect_table(
    table: pd.DataFrame,
    columns: Sequence[str],
    *,
    row_sums: Sequence[tuple[str, Sequence[str]]] = (),
    parts_of: Sequence[tuple[str, str]] = (),
    together: Sequence[Sequence[str]] = (),
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """Which cells of a table of parts to withhold: small ones, and others so that neither
    a column's total (taken as known) nor a row's sum (``row_sums``: total column -> the
    columns adding up to it) leaves exactly one withheld cell.

    ``parts_of`` names (total, part) pairs whose remainder is no column of the table but is
    read off by subtraction (seen 35, of whom registered 33: 2 not registered): a small
    remainder is withheld as a small cell would be, which withholds the part (and, by the
    rules above, what would give it back). ``together`` names groups of parts of one total
    withheld whole in a row, as :func:`protect` says.

    >>> t = pd.DataFrame({"assigned": [40, 30], "visited": [37, 30], "open": [3, 0]})
    >>> protect_table(t, ["assigned", "visited", "open"],
    ...     row_sums=[("assigned", ["visited", "open"])]).values.tolist()
    [[False, True, True], [False, True, True]]
    >>> seen = pd.DataFrame({"seen": [35, 51, 40], "registered": [33, 40, 40]})
    >>> protect_table(seen, ["seen", "registered"], parts_of=[("seen", "registered")]
    ...     ).values.tolist()
    [[False, True], [False, True], [False, False]]
    """
    remainders = {
        f"{total} - {part}": pd.to_numeric(table[total], errors="coerce")
        - pd.to_numeric(table[part], errors="coerce")
        for total, part in parts_of
    }
    if remainders:
        table = table.assign(**remainders)
        row_sums = [*row_sums, *((t, [p, f"{t} - {p}"]) for t, p in parts_of)]
        columns = [*columns, *remainders]
    withheld = pd.DataFrame(
        {c: is_small(table[c], threshold=threshold) for c in columns}, index=table.index
    )
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce").fillna(0)
    for group in together:
        withheld.loc[_small_combination(values, group, parts_of, threshold), list(group)] = True
    changed = True
    while changed:
        changed = False
        for group in together:
            spread = withheld[list(group)].any(axis=1)
            if not withheld.loc[spread, list(group)].to_numpy().all():
                withheld.loc[spread, list(group)] = True
                changed = True
        for column in columns:  # each column's total is known: a part alone would show
            hidden = withheld[column]
            if len(hidden) < 2:
                continue
            shut = values.loc[hidden, column].tolist()
            if _unsafe(shut, head_hidden=False, threshold=threshold):
                free = values.loc[~hidden, column].to_dict()
                pick = _partner(free, sum(shut), head_hidden=False, threshold=threshold)
                if pick is not None:
                    withheld.loc[pick, column] = True
                    changed = True
        for row in table.index:
            for total, parts in row_sums:
                head_hidden = bool(withheld.loc[row, total])
                shut = [values.loc[row, p] for p in parts if withheld.loc[row, p]]
                if not (head_hidden or shut):
                    continue
                if not _unsafe(shut, head_hidden=head_hidden, threshold=threshold):
                    continue
                free = {p: values.loc[row, p] for p in parts if not withheld.loc[row, p]}
                pick = _partner(free, sum(shut), head_hidden=head_hidden, threshold=threshold)
                if pick is None and not head_hidden:
                    pick = total
                if pick is not None:
                    withheld.loc[row, pick] = True
                    changed = True
    return withheld.drop(columns=list(remainders))


def withhold(
    table: pd.DataFrame,
    withheld: pd.DataFrame,
    *,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """``table`` with the withheld cells (and every derived figure whose inputs include a
    withheld one, ``derived``: figure -> the counts it is computed from) as the marker."""
    out = table.copy()
    hide = withheld.reindex(index=out.index, fill_value=False).astype(bool)
    for figure, inputs in (derived or {}).items():
        if figure in out:
            hide[figure] = hide.reindex(columns=list(inputs), fill_value=False).any(axis=1)
    for column in hide.columns:
        if column in out:
            out[column] = out[column].astype(object).where(~hide[column], WITHHELD)
    return out


def withhold_small(
    table: pd.DataFrame,
    columns: Sequence[str],
    *,
    derived: Mapping[str, Sequence[str]] | None = None,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """Primary suppression alone (a table of unrelated rows): small counts and the figures
    derived from them withheld.

    >>> withhold_small(pd.DataFrame({"n": [3, 8], "share": [0.3, 0.8]}), ["n"],
    ...     derived={"share": ["n"]}).values.tolist()
    [['*', '*'], [8, 0.8]]
    """
    small = pd.DataFrame({c: is_small(table[c], threshold=threshold) for c in columns})
    return withhold(table, small, derived=derived)


def withhold_difference(
    figures: dict[str, int | str], whole: str, part: str, *, threshold: int = THRESHOLD
) -> dict[str, int | str]:
    """Of two published counts where ``part`` is inside ``whole``, withhold ``part`` too
    when ``whole - part`` (the rest) is small: the rest could be worked out by subtraction.

    >>> withhold_difference({"workers": 12, "housed": 10}, "workers", "housed")["housed"]
    '*'
    """
    out = dict(figures)
    a, b = out[whole], out[part]
    if isinstance(a, str) or isinstance(b, str):
        return out
    if 0 < a - b < threshold:
        out[part] = WITHHELD
    return out


def whole_cells(
    whole: pd.DataFrame, chosen: Iterable[Hashable], *, key: str = "cell"
) -> pd.DataFrame:
    """The rows of ``whole`` (one per cell with the whole cell's figures, computed over the
    reader's whole scope) whose ``key`` is among ``chosen`` (the cells that hold homes of
    the area asked for): an area filter selects cells, it never clips their counts.

    >>> cells = pd.DataFrame({"cell": ["a", "b", "c"], "count": [7, 9, 12]})
    >>> whole_cells(cells, {"b", "c"}).values.tolist()
    [['b', 9], ['c', 12]]
    """
    return whole.loc[whole[key].isin(set(chosen))].reset_index(drop=True)


def count_or_withheld(value: int, *, threshold: int = THRESHOLD) -> int | str:
    """One count as published: itself, or the marker when small.

    >>> count_or_withheld(3), count_or_withheld(0), count_or_withheld(7)
    ('*', 0, 7)
    """
    return WITHHELD if 0 < value < threshold else int(value)


def month_end_on_or_before(day: date) -> date:
    """The last month end on or before ``day`` (``day`` itself when it is one).

    >>> month_end_on_or_before(date(2026, 11, 29)), month_end_on_or_before(date(2026, 11, 30))
    (datetime.date(2026, 10, 31), datetime.date(2026, 11, 30))
    """
    if (day + timedelta(days=1)).month != day.month:
        return day
    return day.replace(day=1) - timedelta(days=1)


PLANNER_WINDOW_DAYS: Final = 90
"""The one rolling window longer than a month a planner may choose (see :func:`coarse_window`)."""


def coarse_window(window_days: int, *, as_of: date) -> int:
    """A window a planner may see: the calendar month ending on ``as_of`` (a month end) for
    windows up to 45 days, else :data:`PLANNER_WINDOW_DAYS`. Two windows only: a count
    that does not depend on the window (overdue units) is withheld alike in both (see
    :func:`planner_windows`), so no third window shows it where these withhold it.

    >>> coarse_window(7, as_of=date(2026, 10, 31)), coarse_window(181, as_of=date(2026, 10, 31))
    (31, 90)
    """
    return as_of.day if window_days <= 45 else PLANNER_WINDOW_DAYS


def planner_windows(as_of: date) -> tuple[int, int]:
    """Every window a planner may see on ``as_of`` (a month end), in days."""
    return (as_of.day, PLANNER_WINDOW_DAYS)


def planner_day(today: date) -> date:
    """The one day a planner's figures are as of, whatever day was asked: the last month
    end before ``today``. Not today, whose records are still being entered (two reads that
    day would differ by single changes); not a month end still to come (it would show
    today's); and not an earlier month end, which the coverage trend already shows as
    parts of its own tree: the overview beside it at that day gave withheld grids back
    from the trend's community totals. History for planners is the trend.

    >>> planner_day(date(2026, 11, 29)), planner_day(date(2026, 11, 30))
    (datetime.date(2026, 10, 31), datetime.date(2026, 10, 31))
    >>> planner_day(date(2026, 12, 1))
    datetime.date(2026, 11, 30)
    """
    return month_end_on_or_before(today - timedelta(days=1))


def cluster_parameters_allowed(eps_m: float, min_residents: int) -> bool:
    """Whether a planner may run density clustering with these parameters.

    >>> cluster_parameters_allowed(1.0, 1), cluster_parameters_allowed(150.0, 50)
    (False, True)
    >>> cluster_parameters_allowed(100.0, 50)
    False
    """
    return (
        float(eps_m) in CLUSTER_EPS_M
        and int(min_residents) == min_residents
        and (int(min_residents) in CLUSTER_MIN_RESIDENTS)
    )


def outline(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    threshold: int = THRESHOLD,
    cell_m: float = OUTLINE_CELL_M,
) -> shapely.Geometry | None:
    """The outline a planner may see of some units (WGS-84): the convex hull of the
    ``cell_m`` squares (:func:`coarse_hull`) holding at least ``threshold`` distinct places;
    None for fewer.

    >>> outline([120.1, 120.2], [30.1, 30.2]) is None
    True
    """
    points = np.unique(
        np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)]), axis=0
    )
    if len(points) < threshold:
        return None
    crs = metric_crs_for_points(points[:, 0], points[:, 1])
    x, y = to_metres(points[:, 0], points[:, 1], crs=crs)
    shape: shapely.Geometry = geometries_to_degrees([coarse_hull(x, y, cell_m=cell_m)], crs=crs)[0]
    return shape


def coarse_hull(
    x: npt.ArrayLike, y: npt.ArrayLike, *, cell_m: float = OUTLINE_CELL_M
) -> shapely.Geometry:
    """The convex hull (metres) of the squares of side ``cell_m`` on the CRS's own grid
    that hold the points (x, y in metres): every corner is a corner of that grid, so none
    is a point's place, and a point is known only to lie in some square of the hull.

    >>> coarse_hull([10.0, 250.0], [20.0, 30.0]).bounds
    (0.0, 0.0, 300.0, 100.0)
    """
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    cells = np.unique(np.floor(xy / cell_m), axis=0)
    corners = np.concatenate([cells + corner for corner in ((0, 0), (1, 0), (0, 1), (1, 1))])
    return shapely.convex_hull(shapely.multipoints(corners * cell_m))
