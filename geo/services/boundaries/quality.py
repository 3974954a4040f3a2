"""Boundary quality: overlaps, gaps and slivers between sibling areas, and the units and
worksites whose point lies in a gap."""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import sibling_issues
from geo.crs import WGS84
from geo.services.access import Actor, in_scope, require
from geo.services.kept import Kept
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.store.areas import load_areas
from geo.store.places import point_places
from geo.vocabulary import AREA_LEVELS


def level_issues(frame: gpd.GeoDataFrame, parents: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Overlaps and gaps among the areas of one level (GeoDataFrame with ``parent_code``),
    checked parent by parent against its outline when ``parents`` is given; areas without
    a parent are checked among themselves. Columns as :func:`geo.areas.sibling_issues`."""
    if parents is None:
        return sibling_issues(frame)
    outline = dict(zip(parents["code"], parents.geometry, strict=True))
    found = [
        sibling_issues(children, outline=outline[code])
        for code, children in frame.groupby("parent_code", sort=True)
        if code in outline
    ]
    orphans = frame.loc[frame["parent_code"].isna()]
    if len(orphans):
        found.append(sibling_issues(orphans))
    return pd.concat(found, ignore_index=True) if found else sibling_issues(frame.iloc[:0])


def boundary_quality(opened: Opened, actor: Actor) -> dict[str, Any]:
    """Overlaps, gaps and slivers between sibling areas of every level, and what lies in them.

    Siblings are the areas of one level with the same parent; a gap is checked against the
    parent's outline when there is one, else against the union of the siblings (so a file
    loaded without its street still shows its slivers). ``issues`` (a GeoDataFrame: level,
    kind, codes, area_m2, width_m, lon, lat, geometry) is for everyone who sees aggregates;
    ``in_gaps`` lists the units and worksites whose point lies in a gap or sliver (kind,
    external_ref, address, lon, lat, level, codes) for roles that see records, in their scope.
    """
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        shapes = load_areas(conn)
        points = {
            t: point_places(conn, t)
            for t in ("property", "worksite")
            if not actor.aggregates_only  # the lists in gaps are records
        }
        allowed = communities_in_scope(conn, actor)
    visible = shapes.loc[in_scope(shapes, actor)] if actor.areas is not None else shapes
    issues = _issues(opened, shapes, visible)
    report: dict[str, Any] = {"issues": issues}
    if actor.aggregates_only:
        return report
    report["in_gaps"] = _points_in_gaps(issues, points, allowed)
    return report


_ISSUES: Kept[gpd.GeoDataFrame] = Kept(most=4)


def _issues(opened: Opened, shapes: gpd.GeoDataFrame, visible: gpd.GeoDataFrame) -> Any:
    """The issues of every level among ``visible`` (parents from ``shapes``), worked out
    once per set of boundaries: they change when boundaries do, not with each import (at
    city scale, 4,000 communities' grids take half a minute)."""
    digest = hashlib.blake2b(digest_size=20)
    for frame in (shapes, visible):
        digest.update("\x1f".join(map(str, frame["code"])).encode())
        digest.update("\x1f".join(map(str, frame["parent_code"])).encode())
        for wkb in shapely.to_wkb(np.asarray(frame.geometry.to_numpy(), dtype=object)):
            digest.update(wkb or b"")
    key = (opened.db.url, digest.digest())
    kept = _ISSUES.get(key)
    if kept is not None:
        return kept.copy()
    found = []
    for level in AREA_LEVELS.codes:
        siblings = visible.loc[visible["level"] == level]
        if len(siblings) == 0:
            continue
        issues = level_issues(siblings, _parents_of(shapes, level))
        if len(issues):
            found.append(issues.assign(level=level))
    columns = ["level", "kind", "codes", "area_m2", "width_m", "lon", "lat", "geometry"]
    issues = (
        gpd.GeoDataFrame(pd.concat(found, ignore_index=True), geometry="geometry", crs=WGS84)
        if found
        else gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=WGS84)
    )[columns]
    return _ISSUES.put(key, issues).copy()


def _parents_of(shapes: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame | None:
    levels = AREA_LEVELS.codes
    if levels.index(level) == 0:
        return None
    above = shapes.loc[shapes["level"] == levels[levels.index(level) - 1]]
    return above if len(above) else None


def _points_in_gaps(
    issues: gpd.GeoDataFrame, points: dict[str, pd.DataFrame], allowed: frozenset[int] | None
) -> pd.DataFrame:
    columns = ["kind", "external_ref", "lon", "lat", "level", "gap", "codes"]
    gaps = issues.loc[issues["kind"].isin(["gap", "sliver"])].reset_index(drop=True)
    rows = []
    for table, frame in points.items():
        frame = frame.loc[frame["lon"].notna() & frame["lat"].notna()]
        if allowed is not None:
            frame = frame.loc[frame["community_id"].isin(allowed)]
        if frame.empty or gaps.empty:
            continue
        xy = shapely.points(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        tree = shapely.STRtree(np.asarray(gaps.geometry.values, dtype=object))
        point, gap = tree.query(xy, predicate="within")
        hit = frame.iloc[point]
        rows.append(
            pd.DataFrame(
                {
                    "kind": table,
                    "external_ref": hit["external_ref"].to_numpy(),
                    "lon": hit["lon"].to_numpy(float),
                    "lat": hit["lat"].to_numpy(float),
                    "level": gaps["level"].to_numpy()[gap],
                    "gap": gaps["kind"].to_numpy()[gap],
                    "codes": gaps["codes"].to_numpy()[gap],
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
