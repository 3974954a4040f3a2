"""Import area boundaries from a file, level by level, in one transaction (or a dry run
that keeps nothing), and re-place every point afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.areas import prepare_areas
from geo.errors import InputError
from geo.i18n import Phrase, message
from geo.io.boundaries import BoundaryFile, read_boundaries
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.boundaries.moves import moves, placements, placements_now
from geo.services.boundaries.quality import level_issues
from geo.services.placement import bump_boundary_version, replace_all
from geo.services.setup import Opened
from geo.store.areas import existing_area_codes, insert_areas, load_areas, replace_area_geometry
from geo.store.frames import count_rows
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
            before = placements(conn)
            summaries = [
                _import_level(
                    conn, files[lvl], level=lvl, name_field=name_field, code_field=code_field
                )
                for lvl in ordered
            ]
            for summary in summaries:
                summary["file"] = path.name
            if dry_run:
                after = placements_now(conn, before)
            else:
                bump_boundary_version(conn)
                replace_all(conn, url=opened.db.url)
                after = placements(conn)
            moved = moves(before, after, load_areas(conn, geometry=False))
            last = summaries[-1]
            last["points_moved"] = int(moved["units"] + moved["worksites"])
            last["moved"] = moved
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
    issues = level_issues(frame, parents)
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
        "gaps": int(issues["kind"].isin(["gap", "sliver"]).sum()),
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


def _parents(conn: Any, level: str) -> gpd.GeoDataFrame | None:
    levels = AREA_LEVELS.codes
    above = levels[levels.index(level) - 1] if levels.index(level) > 0 else None
    if above is None:
        return None
    parents = load_areas(conn, level=above)
    return parents if len(parents) else None
