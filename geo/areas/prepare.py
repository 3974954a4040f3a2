"""Areas read from a file made ready to store: repaired, coded, named and given parents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas.index import AreaIndex
from geo.areas.shapes import areas_m2, repair_geometries, shapes_to_polygons
from geo.crs import WGS84
from geo.errors import InputError
from geo.vocabulary import AREA_LEVELS


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
