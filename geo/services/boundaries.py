"""Import area boundaries from a file and keep every point's area up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.areas import LEVELS, prepare_areas, sibling_issues
from geo.errors import InputError
from geo.io.boundaries import read_boundaries
from geo.services.access import Actor, in_scope, require
from geo.services.placement import bump_boundary_version, replace_all
from geo.services.setup import Opened
from geo.store import audit, queries
from geo.store.records import count_rows, insert_areas, load_areas, put_setting
from geo.store.schema import area


def import_boundaries(
    opened: Opened,
    actor: Actor,
    path: Path,
    *,
    level: str,
    name_field: str,
    code_field: str | None = None,
    crs: str | None = None,
) -> dict[str, Any]:
    """Read -> repair -> find parents -> store (new codes added, known codes replaced) ->
    re-place every property and worksite, all in one transaction.

    Returns counts, the names of repaired or dropped areas, and overlaps/gaps between the
    imported siblings with their area in m2.
    """
    require(actor, "import_areas")
    if level not in LEVELS:
        raise InputError("level_unknown", level=level, levels=", ".join(LEVELS))
    raw = read_boundaries(path, crs=crs)
    with opened.db.write() as conn:
        parents = _parents(conn, level)
        prepared = prepare_areas(
            raw, level=level, name_field=name_field, code_field=code_field, parents=parents
        )
        frame = prepared.frame
        if "kind" not in frame or frame["kind"].isna().all():
            frame["kind"] = level
        existing = queries.existing_area_codes(conn, frame["code"])
        replaced = frame.loc[frame["code"].isin(existing)]
        for row in replaced.itertuples():
            queries.replace_area_geometry(
                conn, code=row.code, name=row.name, geometry=row.geometry, area_m2=row.area_m2
            )
        insert_areas(conn, frame.loc[~frame["code"].isin(existing)])
        if level == "street" and frame["code"].str.fullmatch(r"\d{9,12}").all():
            put_setting(conn, "local_region", str(frame["code"].iloc[0])[:6])
        bump_boundary_version(conn)
        moved = replace_all(conn, url=opened.db.url)
        issues = _issues(frame, parents)
        summary = {
            "level": level,
            "areas": len(frame),
            "added": int(len(frame) - len(replaced)),
            "replaced": len(replaced),
            "repaired": prepared.repaired,
            "dropped": prepared.dropped,
            "without_parent": int(frame["parent_code"].isna().sum()) if parents is not None else 0,
            "overlaps": int((issues["kind"] == "overlap").sum()),
            "gaps": int((issues["kind"] == "gap").sum()),
            "issues": [
                {"kind": kind, "codes": codes, "area_m2": round(float(m2), 1)}
                for kind, codes, m2 in zip(
                    issues["kind"], issues["codes"], issues["area_m2"], strict=True
                )
            ],
            "points_moved": moved,
            "total_areas": count_rows(conn, area),
        }
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="areas.import",
            object_type="area",
            object_id=level,
            count=len(frame),
            detail={"file": path.name, **{k: v for k, v in summary.items() if k != "issues"}},
        )
    return summary


def _parents(conn: Any, level: str) -> gpd.GeoDataFrame | None:
    above = LEVELS[LEVELS.index(level) - 1] if LEVELS.index(level) > 0 else None
    if above is None:
        return None
    parents = load_areas(conn, level=above)
    return parents if len(parents) else None


def _issues(frame: gpd.GeoDataFrame, parents: gpd.GeoDataFrame | None) -> pd.DataFrame:
    if parents is None:
        return sibling_issues(frame)
    found = [
        sibling_issues(frame.loc[frame["parent_code"] == code], outline=geom)
        for code, geom in zip(parents["code"], parents.geometry, strict=True)
        if (frame["parent_code"] == code).any()
    ]
    orphans = frame.loc[frame["parent_code"].isna()]
    if len(orphans):
        found.append(sibling_issues(orphans))
    return pd.concat(found, ignore_index=True) if found else sibling_issues(frame.iloc[:0])


def area_shapes(opened: Opened, actor: Actor, *, level: str) -> gpd.GeoDataFrame:
    """The boundaries (code, name, parent_code, geometry in WGS-84) of one level that the
    actor may see."""
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        shapes = load_areas(conn, level=level)
        everything = load_areas(conn, geometry=False)
    visible = everything.loc[in_scope(everything, actor), "code"]
    columns = ["code", "name", "parent_code", "geometry"]
    return shapes.loc[shapes["code"].isin(visible), columns].reset_index(drop=True)


def area_choices(opened: Opened, actor: Actor) -> pd.DataFrame:
    """Code, name and level of every area the actor may see, top level first (for pickers)."""
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        everything = load_areas(conn, geometry=False)
    visible = everything.loc[in_scope(everything, actor)]
    order = visible["level"].map({level: i for i, level in enumerate(LEVELS)})
    return (
        visible.assign(_order=order)
        .sort_values(["_order", "code"])[["code", "name", "level"]]
        .reset_index(drop=True)
    )
