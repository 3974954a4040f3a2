"""The list for phone map apps, in WGS-84: GeoJSON features, KML (or KMZ) placemarks with
each team's route, and GPX waypoints with routes in legs a handheld takes, under short
unique names."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, Final
from xml.sax.saxutils import escape

import pandas as pd

from geo.io.arealists.sheet import clean_text, located, sheet

GPX_LEG_POINTS: Final = 250
"""Points in one GPX route at most: many handheld receivers take no more per route."""


GPX_NAME_LENGTH: Final = 10
"""Waypoint and route names are unique within this many characters (older Garmin units)."""


def _features(items: pd.DataFrame) -> list[dict[str, Any]]:
    table = sheet(items)
    placed = items["lon"].notna() & items["lat"].notna()
    features = []
    for (_, row), (_, unit), has in zip(table.iterrows(), items.iterrows(), placed, strict=True):
        geometry = (
            {
                "type": "Point",
                "coordinates": [round(float(unit["lon"]), 7), round(float(unit["lat"]), 7)],
            }
            if has
            else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": row.to_dict()})
    return features


def write_geojson(items: pd.DataFrame, title: str) -> bytes:
    """A FeatureCollection named ``title``: each unit a point feature (no geometry when it
    has no coordinates) carrying its row of :func:`~geo.io.arealists.sheet.sheet`."""
    collection = {"type": "FeatureCollection", "name": title, "features": _features(items)}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def _x(value: object) -> str:
    """Text for XML, element or attribute: cleaned (:func:`clean_text`) and escaped."""
    return escape(clean_text(value), {'"': "&quot;", "'": "&apos;"})


def _label(row: pd.Series) -> str:
    return f"{row['序号']} {row['房屋编号']}".strip()


def _where(row: pd.Series) -> str:
    return f"{row['地址']} {row['房间']}".strip()


def _stops(items: pd.DataFrame) -> pd.DataFrame:
    """The located units as text (:func:`sheet`) with lon, lat, a short unique name (the stop
    number, after a team letter when the list has several teams: ``007``, ``B012``) and the
    team's letter, in list order."""
    points = located(items)
    table = sheet(points).assign(lon=points["lon"].to_numpy(), lat=points["lat"].to_numpy())
    teams = list(dict.fromkeys(table["走访组"].tolist()))
    letters = {team: _letters(i) for i, team in enumerate(teams)} if len(teams) > 1 else {}
    prefix = table["走访组"].map(lambda team: letters.get(team, ""))
    names: list[str] = []
    taken: set[str] = set()
    for lead, number in zip(prefix.tolist(), table["序号"].tolist(), strict=True):
        base = f"{lead}{int(number):03d}" if str(number).isdigit() else f"{lead}{number}"
        base = base[: GPX_NAME_LENGTH - 2]
        name, extra = base, 1
        while name[:GPX_NAME_LENGTH] in taken:
            extra += 1
            name = f"{base}.{extra}"
        taken.add(name[:GPX_NAME_LENGTH])
        names.append(name)
    return table.assign(short=names, prefix=prefix.to_numpy())


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...

    >>> _letters(0), _letters(25), _letters(26)
    ('A', 'Z', 'AA')
    """
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _legs(stops: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """Each team's route in walking order, in legs of at most :data:`GPX_LEG_POINTS` points:
    (short name: the team letter and the first and last stop, e.g. ``A001-250``; the team;
    the stops)."""
    out = []
    for team, route in stops.groupby("走访组", sort=False):
        for start in range(0, len(route), GPX_LEG_POINTS):
            leg = route.iloc[start : start + GPX_LEG_POINTS]
            first, last = leg["short"].iloc[0], leg["short"].iloc[-1]
            lead = str(leg["prefix"].iloc[0])
            name = first if len(leg) == 1 else f"{first}-{last[len(lead) :]}"
            out.append((name, str(team), leg))
    return out


def _description(row: pd.Series) -> str:
    parts = (_where(row), row["房屋编号"], row["核对码"], row["走访组"])
    return " · ".join(p for p in parts if p)


def _kml_document(items: pd.DataFrame, title: str) -> str:
    stops = _stops(items)
    marks = []
    for _, row in stops.iterrows():
        marks.append(
            "<Placemark>"
            f"<name>{_x(_label(row))}</name>"
            f"<description>{_x(_description(row))}</description>"
            "<ExtendedData>"
            + "".join(
                f'<Data name="{_x(c)}"><value>{_x(row[c])}</value></Data>'
                for c in ("序号", "房屋编号", "核对码", "走访组", "登记人数")
            )
            + "</ExtendedData>"
            f"<Point><coordinates>{row['lon']:.7f},{row['lat']:.7f}</coordinates></Point>"
            "</Placemark>"
        )
    routes = []
    for team, route in stops.groupby("走访组", sort=False):
        if len(route) < 2:
            continue
        line = " ".join(
            f"{lon:.7f},{lat:.7f}" for lon, lat in zip(route["lon"], route["lat"], strict=True)
        )
        name = f"走访路线 {team}".strip()
        routes.append(
            f"<Placemark><name>{_x(name)}</name>"
            f"<LineString><coordinates>{line}</coordinates></LineString></Placemark>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>{_x(title)}</name>"
        f"<Folder><name>{_x('走访点')}</name>{''.join(marks)}</Folder>"
        f"<Folder><name>{_x('路线')}</name>{''.join(routes)}</Folder>"
        "</Document></kml>"
    )


def write_kml(items: pd.DataFrame, title: str) -> bytes:
    """A placemark per located unit and a line per team's route, in UTF-8."""
    return _kml_document(items, title).encode("utf-8")


def write_kmz(items: pd.DataFrame, title: str) -> bytes:
    """The KML zipped as ``doc.kml`` (what Google Earth, My Maps and Ovital open)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", write_kml(items, title))
    return out.getvalue()


def write_gpx(items: pd.DataFrame, title: str) -> bytes:
    """Waypoints named by their stop (short, unique within :data:`GPX_NAME_LENGTH`), and
    each team's route in legs of at most :data:`GPX_LEG_POINTS` points."""
    stops = _stops(items)

    def point(tag: str, row: pd.Series) -> str:
        return (
            f'<{tag} lat="{row["lat"]:.7f}" lon="{row["lon"]:.7f}">'
            f"<name>{_x(row['short'])}</name><desc>{_x(_description(row))}</desc></{tag}>"
        )

    waypoints = "".join(point("wpt", row) for _, row in stops.iterrows())
    legs = _legs(stops)
    routes = "".join(
        f"<rte><name>{_x(name)}</name>"
        f"<desc>{_x(f'{title} · {team} · {number}/{len(legs)}')}</desc>"
        + "".join(point("rtept", row) for _, row in leg.iterrows())
        + "</rte>"
        for number, (name, team, leg) in enumerate(legs, start=1)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="Gridhouse" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<metadata><name>{_x(title)}</name></metadata>"
        f"{waypoints}{routes}</gpx>"
    )
    return document.encode("utf-8")
