"""Import area boundaries from a file and keep every point's area up to date."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import AreaIndex, prepare_areas, sibling_issues
from geo.crs import WGS84
from geo.errors import InputError
from geo.i18n import Phrase, message
from geo.io.boundaries import BoundaryFile, boundary_layers, read_boundaries
from geo.services.access import Actor, in_scope, require
from geo.services.auditing import record
from geo.services.placement import bump_boundary_version, replace_all
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.store.areas import existing_area_codes, insert_areas, load_areas, replace_area_geometry
from geo.store.frames import count_rows
from geo.store.places import point_places
from geo.store.schema import area
from geo.store.stored_settings import put_setting
from geo.text import checked_name
from geo.vocabulary import AREA_LEVELS


class _DryRunDoneError(Exception):
    """Raised inside the write transaction of a dry run so that nothing is kept."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.summary = summary


def import_boundaries(
    opened: Opened,
    actor: Actor,
    path: Path,
    *,
    level: str,
    name_field: str,
    code_field: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Read -> check -> repair -> find parents -> store (new codes added, known codes
    replaced) -> re-place every property and worksite, all in one transaction.

    Returns counts, how the file was read (layer, encoding, CRS, notes), the names of
    repaired, closed or left-out shapes, overlaps/gaps between the imported siblings with
    their area in m2 and place, and how many units and worksites moved per area. With
    ``dry_run`` the same summary comes back and nothing is kept.
    """
    return import_hierarchy(
        opened,
        actor,
        path,
        levels={level: layer},
        name_field=name_field,
        code_field=code_field,
        crs=crs,
        dry_run=dry_run,
    )


def import_hierarchy(
    opened: Opened,
    actor: Actor,
    path: Path,
    *,
    levels: dict[str, str | None],
    name_field: str,
    code_field: str | None = None,
    crs: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import several levels from the layers of one file (street, then community, then grid),
    each finding its parents by containment in the level above, in one transaction.

    ``levels`` maps a level to the layer holding it (None: the file's only polygon layer).
    One level gives that level's summary; several give ``{"levels": [summary, ...]}``.
    """
    require(actor, "import_areas")
    for level in levels:
        if level not in AREA_LEVELS:
            raise InputError("level_unknown", level=level, levels=", ".join(AREA_LEVELS.codes))
    ordered = [lvl for lvl in AREA_LEVELS.codes if lvl in levels]
    files = {lvl: read_boundaries(path, crs=crs, layer=levels[lvl]) for lvl in ordered}
    try:
        with opened.db.write() as conn:
            before = _placements(conn)
            summaries = [
                _import_level(
                    conn, files[lvl], level=lvl, name_field=name_field, code_field=code_field
                )
                for lvl in ordered
            ]
            for summary in summaries:
                summary["file"] = path.name
            if dry_run:
                after = _placements_now(conn, before)
            else:
                bump_boundary_version(conn)
                replace_all(conn, url=opened.db.url)
                after = _placements(conn)
            moves = _moves(before, after, load_areas(conn, geometry=False))
            last = summaries[-1]
            last["points_moved"] = int(moves["units"] + moves["worksites"])
            last["moved"] = moves
            last["total_areas"] = count_rows(conn, area)
            result = summaries[0] if len(summaries) == 1 else {"levels": summaries}
            if dry_run:
                for summary in summaries:
                    summary["dry_run"] = True
                raise _DryRunDoneError(result)
            for summary in summaries:
                record(
                    conn,
                    actor,
                    "areas.import",
                    object_type="area",
                    object_id=summary["level"],
                    count=summary["areas"],
                    detail={
                        k: v for k, v in summary.items() if k not in ("issues", "notes", "moved")
                    },
                )
    except _DryRunDoneError as done:
        return done.summary
    return result


LEFT_OUT_NOTES = {"open_line": "note_left_out_open_line", "point": "note_left_out_point"}


def _import_level(
    conn: Any,
    source: BoundaryFile,
    *,
    level: str,
    name_field: str,
    code_field: str | None,
) -> dict[str, Any]:
    parents = _parents(conn, level)
    prepared = prepare_areas(
        source.frame, level=level, name_field=name_field, code_field=code_field, parents=parents
    )
    frame = prepared.frame
    frame["name"] = _area_names(frame)
    if "kind" not in frame or frame["kind"].isna().all():
        frame["kind"] = level
    _refuse_codes_of_other_levels(conn, frame, level=level)
    existing = existing_area_codes(conn, frame["code"])
    replaced = frame.loc[frame["code"].isin(existing)]
    for row in replaced.itertuples():
        replace_area_geometry(
            conn, code=row.code, name=row.name, geometry=row.geometry, area_m2=row.area_m2
        )
    insert_areas(conn, frame.loc[~frame["code"].isin(existing)])
    if level == "street" and frame["code"].str.fullmatch(r"\d{9,12}").all():
        put_setting(conn, "local_region", str(frame["code"].iloc[0])[:6])
    issues = _issues(frame, parents)
    notes = list(source.notes)
    if prepared.closed_lines:
        notes.append({"key": "note_closed_lines", "n": len(prepared.closed_lines)})
    for kind, names in prepared.left_out.items():
        notes.append(
            {
                "key": LEFT_OUT_NOTES[kind],
                "n": len(names),
                "names": ", ".join(names[:5]),
                "gap_m": round(prepared.open_gap_m),
            }
        )
    if prepared.repaired:
        notes.append(
            {
                "key": "note_repaired",
                "n": len(prepared.repaired),
                "names": ", ".join(prepared.repaired[:5]),
            }
        )
    return {
        "level": level,
        "layer": source.layer,
        "encoding": source.encoding,
        "encoding_from": source.encoding_how,
        "crs": source.crs,
        "areas": len(frame),
        "added": int(len(frame) - len(replaced)),
        "replaced": len(replaced),
        "repaired": prepared.repaired,
        "dropped": prepared.dropped,
        "closed_lines": prepared.closed_lines,
        "left_out": prepared.left_out,
        "open_gap_m": round(prepared.open_gap_m, 1),
        "without_parent": int(frame["parent_code"].isna().sum()) if parents is not None else 0,
        "overlaps": int((issues["kind"] == "overlap").sum()),
        "gaps": int((issues["kind"] == "gap").sum()),
        "issues": [
            {
                "kind": kind,
                "codes": codes,
                "area_m2": round(float(m2), 1),
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
            }
            for kind, codes, m2, lon, lat in zip(
                issues["kind"],
                issues["codes"],
                issues["area_m2"],
                issues["lon"],
                issues["lat"],
                strict=True,
            )
        ],
        "notes": notes,
    }


def _area_names(frame: gpd.GeoDataFrame) -> list[str]:
    """Each area's name cleaned as an upload's names are; the import is refused, naming the
    area by its code, when a name is too long, reads as a formula or holds markup."""

    def which(code: str) -> Phrase:
        zh, en = (message("name_of_area", lang, code=code) for lang in ("zh", "en"))
        return Phrase(zh, en)

    return [
        checked_name(str(name), field=which(code), required=False, max_length=200)
        for code, name in zip(frame["code"].astype(str), frame["name"], strict=True)
    ]


def _refuse_codes_of_other_levels(conn: Any, frame: gpd.GeoDataFrame, *, level: str) -> None:
    """A code names one area: a grid file may not take over a community by reusing its code."""
    known = load_areas(conn, geometry=False)
    clash = known.loc[known["code"].isin(frame["code"]) & (known["level"] != level)]
    if len(clash):
        raise InputError(
            "code_other_level",
            codes=", ".join(clash["code"].astype(str).head(5)),
            level=str(clash["level"].iloc[0]),
            names=", ".join(clash["name"].astype(str).head(5)),
        )


def _placements(conn: Any) -> pd.DataFrame:
    """Every unit and worksite with its community and grid ids (table, id, ids, lon, lat)."""
    frames = [point_places(conn, table).assign(table=table) for table in ("property", "worksite")]
    kept = [frame for frame in frames if len(frame)]
    return pd.concat(kept, ignore_index=True) if kept else frames[0]


def _placements_now(conn: Any, before: pd.DataFrame) -> pd.DataFrame:
    """Where each point would lie in the boundaries as they stand in this transaction.

    Indexes are built here rather than taken from the placement cache, which is keyed by
    the boundary version a dry run never commits.
    """
    after = before.copy()
    lon, lat = before["lon"].to_numpy(float), before["lat"].to_numpy(float)
    for level, column in (("community", "community_id"), ("grid", "grid_id")):
        shapes = load_areas(conn, level=level)
        ids = np.full(len(before), np.nan)
        if len(shapes) and len(before):
            index = AreaIndex(shapes.geometry, labels=shapes["id"].to_numpy())
            positions = index.assign(lon, lat)
            hit = positions >= 0
            ids[hit] = index.labels[positions[hit]]
        after[column] = ids
    return after


def _moves(before: pd.DataFrame, after: pd.DataFrame, areas: pd.DataFrame) -> dict[str, Any]:
    """How many units and worksites change area, and per area how many leave and arrive."""
    keyed_before = before.set_index(["table", "id"])
    keyed_after = after.set_index(["table", "id"]).reindex(keyed_before.index)
    codes = areas.set_index("id")["code"]
    names = areas.set_index("code")["name"]
    rows: dict[tuple[str, str], dict[str, int]] = {}
    moved_any = pd.Series(False, index=keyed_before.index)
    for level, column in (("community", "community_id"), ("grid", "grid_id")):
        old = keyed_before[column].astype(float)
        new = keyed_after[column].astype(float)
        changed = old.fillna(-1) != new.fillna(-1)
        moved_any |= changed
        for ids, direction in ((old, "out"), (new, "in")):
            counted = ids[changed & ids.notna()].map(codes).value_counts()
            for code, n in counted.items():
                entry = rows.setdefault((level, str(code)), {"out": 0, "in": 0})
                entry[direction] += int(n)
    per_area = [
        {"level": level, "code": code, "name": str(names.get(code, "")), **counts}
        for (level, code), counts in sorted(rows.items())
    ]
    tables = moved_any.groupby(level=0).sum()
    return {
        "units": int(tables.get("property", 0)),
        "worksites": int(tables.get("worksite", 0)),
        "per_area": per_area,
    }


def _parents(conn: Any, level: str) -> gpd.GeoDataFrame | None:
    levels = AREA_LEVELS.codes
    above = levels[levels.index(level) - 1] if levels.index(level) > 0 else None
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
        points = {t: point_places(conn, t) for t in ("property", "worksite")}
        allowed = communities_in_scope(conn, actor)
    visible = shapes.loc[in_scope(shapes, actor)] if actor.areas is not None else shapes
    found = []
    for level in AREA_LEVELS.codes:
        siblings = visible.loc[visible["level"] == level]
        if len(siblings) == 0:
            continue
        above = _parents_of(shapes, level)
        issues = _issues(siblings, above)
        if len(issues):
            found.append(issues.assign(level=level))
    columns = ["level", "kind", "codes", "area_m2", "width_m", "lon", "lat", "geometry"]
    issues = (
        gpd.GeoDataFrame(pd.concat(found, ignore_index=True), geometry="geometry", crs=WGS84)
        if found
        else gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=WGS84)
    )[columns]
    report: dict[str, Any] = {"issues": issues}
    if actor.aggregates_only:
        return report
    report["in_gaps"] = _points_in_gaps(issues, points, allowed)
    return report


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


def boundary_upload_layers(
    opened: Opened, actor: Actor, *, data: bytes, filename: str
) -> list[dict[str, str]]:
    """The layers of an uploaded boundary file (label and geometry type), for the upload
    page to offer one level per layer."""
    require(actor, "import_areas")
    del opened  # the file alone answers; the database is not read
    with _uploaded(data, filename) as path:
        return boundary_layers(path)


def import_boundary_upload(
    opened: Opened,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    levels: dict[str, str | None],
    name_field: str,
    code_field: str | None = None,
    crs: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """:func:`import_hierarchy` for a file uploaded through the app (its bytes and name)."""
    require(actor, "import_areas")
    with _uploaded(data, filename) as path:
        summary = import_hierarchy(
            opened,
            actor,
            path,
            levels=levels,
            name_field=name_field,
            code_field=code_field,
            crs=crs,
            dry_run=dry_run,
        )
    return summary if "levels" in summary else {"levels": [summary]}


@contextmanager
def _uploaded(data: bytes, filename: str) -> Iterator[Path]:
    """The upload as a file of its own name in a private folder, for GDAL to open."""
    name = Path(filename).name or "boundaries"
    with tempfile.TemporaryDirectory(prefix="boundary-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


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
    order = visible["level"].map({level: i for i, level in enumerate(AREA_LEVELS.codes)})
    return (
        visible.assign(_order=order)
        .sort_values(["_order", "code"])[["code", "name", "level"]]
        .reset_index(drop=True)
    )
