"""Understand an upload's headers: which column is which field, and which must be dropped.

The registry never stores health, pregnancy, contraception, religion or ethnicity data.
Columns whose header names such data are dropped before anything else looks at the file,
and the summary lists them. Everything else is matched to fields by synonym; an explicit
mapping (field=column) wins over guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from geo.errors import InputError
from geo.fields import Field, fields_of, normalise_header

SENSITIVE_HEADER = re.compile(  # sensitive categories: such columns are dropped, never stored
    "|".join(
        (
            r"健康|病史|疾病|病情|患病|传染|残疾|血型|体检",  # sensitive: dropped
            r"health|disease|medical|diagnos",  # sensitive: dropped
            r"怀孕|孕|妊娠|产检|pregnan|gestation",  # sensitive: dropped
            r"避孕|节育|环情|上环|结扎|计生|contracept|sterili",  # sensitive: dropped
            r"宗教|信仰|教派|religio|faith",  # sensitive: dropped
            r"民族|族别|ethnic",  # sensitive: dropped
        )
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ColumnPlan:
    """How an upload's columns were understood."""

    mapping: dict[str, str]
    """field name -> header in the file"""
    dropped: list[str] = field(default_factory=list)
    """headers dropped because they name sensitive data"""
    ignored: list[str] = field(default_factory=list)
    """headers not used for any field"""
    missing: list[str] = field(default_factory=list)
    """required fields no column supplies"""
    coordinates: str | None = None
    """the header of one column holding both coordinates (``lng,lat``, ``lat,lng`` or
    ``POINT(x y)``), used when no column gives longitude and latitude apart"""

    def preview(self) -> list[dict[str, str]]:
        """One row per header: what it became ('field', 'dropped' or 'ignored')."""
        rows = [{"column": c, "field": f, "use": "field"} for f, c in self.mapping.items()]
        if self.coordinates is not None:
            rows.append({"column": self.coordinates, "field": COORDINATES, "use": "field"})
        rows += [{"column": c, "field": "", "use": "dropped"} for c in self.dropped]
        rows += [{"column": c, "field": "", "use": "ignored"} for c in self.ignored]
        return rows


COORDINATES = "coordinates"
"""The name under which one column holding both coordinates is mapped (``--map
coordinates=坐标``)."""
COORDINATE_HEADERS: Final = (
    "坐标",
    "经纬度",
    "经纬度坐标",
    "坐标经纬度",
    "位置坐标",
    "坐标位置",
    "点位坐标",
    "点位",
    "定位",
    "gps坐标",
    "gps",
    "高德坐标",
    "百度坐标",
    "lnglat",
    "lnglats",
    "lonlat",
    "latlng",
    "latlon",
    "lnglat坐标",
    "coordinates",
    "coordinate",
    "coords",
    "wkt",
    "geometry",
    "geom",
    "point",
    "location",
)
"""Headers of one column holding both coordinates (compared after normalise_header, so
"经纬度（lng,lat）" and "Coordinates" are found too)."""


def header_score(cells: Sequence[str], kind: str) -> int:
    """How many distinct fields of ``kind`` the cells of a row name: the header of a table
    is the row among its first ones that names the most (title rows name none).

    >>> header_score(["东湖社区出租房屋登记表"], "rentals")
    0
    >>> header_score(["房屋编号", "详细地址", "经度", "纬度"], "rentals")
    4
    """
    fields = fields_of(kind)
    named: set[str] = set()
    for cell in cells:
        text = str(cell).strip()
        if not text or len(text) > 40:
            continue
        match = _guess(text, fields, exclude=named)
        if match is not None:
            named.add(match)
        elif _is_coordinates_header(text):
            named.add(COORDINATES)
    return len(named)


def _is_coordinates_header(header: str) -> bool:
    key = normalise_header(header)
    return any(key == h or (len(h) >= 2 and key.startswith(h)) for h in _COORDINATE_KEYS)


def is_sensitive(header: str) -> bool:
    """True when a header names data the registry must never store (it is dropped).

    >>> is_sensitive("民族"), is_sensitive("Religion"), is_sensitive("姓名")
    (True, True, False)
    """
    return bool(SENSITIVE_HEADER.search(str(header)))


def plan_columns(
    headers: list[str], *, kind: str, explicit: dict[str, str] | None = None
) -> ColumnPlan:
    """Match headers to the fields of ``kind``.

    Recipe: drop sensitive columns -> apply the explicit mapping -> match the rest by exact
    synonym, then by the longest synonym a header starts with -> list what is missing.
    """
    fields = fields_of(kind)
    dropped = [h for h in headers if is_sensitive(h)]
    usable = [h for h in headers if h not in dropped]
    explicit = dict(explicit or {})
    combined = explicit.pop(COORDINATES, None)
    if combined is not None and combined not in usable:
        raise InputError("map_column_missing", column=combined, columns=", ".join(usable))
    mapping = _explicit(explicit, fields=fields, headers=usable, dropped=dropped)
    taken = set(mapping.values())
    for header in usable:
        if header in taken:
            continue
        match = _guess(header, fields, exclude=set(mapping))
        if match is not None:
            mapping[match] = header
            taken.add(header)
    if combined is None and "lon" in fields and "lon" not in mapping and "lat" not in mapping:
        combined = next((h for h in usable if h not in taken and _is_coordinates_header(h)), None)
    if combined is not None:
        taken.add(combined)
    ignored = [h for h in usable if h not in taken]
    missing = [f.name for f in fields.values() if f.required and f.name not in mapping]
    ordered = {name: mapping[name] for name in fields if name in mapping}
    return ColumnPlan(
        mapping=ordered, dropped=dropped, ignored=ignored, missing=missing, coordinates=combined
    )


def _explicit(
    explicit: dict[str, str], *, fields: dict[str, Field], headers: list[str], dropped: list[str]
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for name, header in explicit.items():
        if name not in fields:
            raise InputError("map_field_unknown", field=name, fields=", ".join(fields))
        if header in dropped:
            continue  # a sensitive column stays dropped, whatever the mapping says
        if header not in headers:
            raise InputError("map_column_missing", column=header, columns=", ".join(headers))
        mapping[name] = header
    return mapping


def _guess(header: str, fields: dict[str, Field], *, exclude: set[str]) -> str | None:
    key = normalise_header(header)
    if not key:
        return None
    best: tuple[int, str] | None = None
    for candidate in fields.values():
        if candidate.name in exclude:
            continue
        for folded in _folded(candidate.synonyms):
            if key == folded:
                return candidate.name
            if (
                len(folded) >= 2
                and key.startswith(folded)
                and (best is None or len(folded) > best[0])
            ):
                best = (len(folded), candidate.name)
    return None if best is None else best[1]


@lru_cache(maxsize=512)
def _folded(synonyms: tuple[str, ...]) -> tuple[str, ...]:
    """A field's synonyms as :func:`normalise_header` folds them (folded once)."""
    return tuple(normalise_header(s) for s in synonyms)


_COORDINATE_KEYS: Final = tuple(normalise_header(h) for h in COORDINATE_HEADERS)
