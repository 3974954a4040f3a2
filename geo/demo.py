"""Generate the demo street office: synthetic, seeded, and sized like a real one.

Everything here is invented (names, ID numbers, phones, boundaries) and labelled so: the
street is called 示范街道（合成数据）. One copy is placed near 119.95 E, 30.05 N in Zhejiang
with 19 urban communities and 33 villages that tile the street without gaps, each split into
grids of about 300 households; about 13,000 rental units house about 36,000 residents (about
32,000 of them floating), 450 worksites employ most of them, and two years of visits leave
coverage that differs strongly between communities. ``scale=N`` lays N such street offices
side by side (N=80 is about one million rental units), for benchmarks.

The generator is pure: it returns frames with identifiers in clear (all synthetic); the
service that stores them seals the identifiers like any upload.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from geo.coverage import COMPLETED_OUTCOMES, month_ends
from geo.crs import WGS84, geometries_to_degrees, to_degrees, to_metres
from geo.identifiers import id_check_digit

CENTRE_LON: Final = 119.95
CENTRE_LAT: Final = 30.05
METRIC_EPSG: Final = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
LOCAL_REGION: Final = "330110"  # hukou region of the demo street's own residents
STREET_NAME: Final = "示范街道（合成数据）"

N_COMMUNITIES: Final = 19
N_VILLAGES: Final = 33
POPULATION: Final = 116_000
PROPERTIES: Final = 13_000
RESIDENTS: Final = 36_000
FLOATING: Final = 32_000
WORKSITES: Final = 450
NOT_FOUND: Final = 4_500
HOUSEHOLDS_PER_GRID: Final = 300
PERSONS_PER_HOUSEHOLD: Final = 2.8
COPY_SPACING_M: Final = 12_000.0

_COMMUNITY_NAMES = [
    "东湖",
    "西溪",
    "南苑",
    "北港",
    "文昌",
    "和睦",
    "春晖",
    "金桥",
    "银湖",
    "翠苑",
    "清泉",
    "锦绣",
    "新华",
    "长乐",
    "永安",
    "太平",
    "仁和",
    "康宁",
    "瑞丰",
]
_VILLAGE_NAMES = [
    "白鹭",
    "青山",
    "石桥",
    "塘湾",
    "柳岸",
    "梅林",
    "竹园",
    "桃源",
    "荷塘",
    "枫林",
    "杏坛",
    "李家",
    "王家",
    "张家",
    "陈家",
    "沈家",
    "周家",
    "徐家",
    "朱家",
    "何家",
    "高桥",
    "上河",
    "下河",
    "前山",
    "后山",
    "东庄",
    "西庄",
    "南庄",
    "北庄",
    "新塘",
    "溪口",
    "江口",
    "湖埠",
]
_ROADS = [
    "文一",
    "文二",
    "学院",
    "天目山",
    "古墩",
    "余杭塘",
    "五常",
    "丰潭",
    "紫金港",
    "联胜",
    "荆长",
    "闲林",
    "留和",
    "龙舟",
]
_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞斌宇浩凯婷雪琳")
_PRODUCTS = [
    "电子",
    "纺织",
    "服装",
    "机械",
    "五金",
    "包装",
    "塑料",
    "家具",
    "印刷",
    "食品",
    "汽配",
    "灯具",
]
_WORKSITE_KINDS = {
    # kind: (count per street, median declared workers, name suffix)
    "factory": (190, 60, "厂"),
    "building_site": (35, 120, "项目工地"),
    "market": (20, 30, "农贸市场"),
    "restaurant": (110, 12, "餐馆"),
    "logistics": (45, 50, "物流园"),
    "shop": (50, 5, "商店"),
}
# Hukou origins of floating residents: (county code, weight). Provinces by first two digits.
_ORIGINS = (
    ("341221", 6),
    ("341222", 5),
    ("341621", 4),
    ("341226", 3),  # Anhui
    ("411621", 4),
    ("411623", 4),
    ("411722", 3),
    ("411321", 3),  # Henan
    ("360730", 4),
    ("361121", 4),
    ("360428", 3),  # Jiangxi
    ("511321", 4),
    ("511621", 3),
    ("510921", 3),  # Sichuan
    ("520521", 5),
    ("520502", 4),  # Guizhou
    ("431122", 3),
    ("430524", 3),  # Hunan
    ("421221", 3),
    ("420982", 2),  # Hubei
    ("530621", 3),
    ("530623", 2),  # Yunnan
    ("330327", 3),
    ("331121", 2),
    ("330881", 1),  # Zhejiang, other cities
    ("450821", 3),
    ("500101", 3),
    ("320321", 2),
    ("371321", 2),
    ("620421", 1),
)


SWEEP_STARTED_DAYS_AGO: Final = 8
SWEEP_DAYS: Final = 30
SWEEP_UNITS_PER_DAY: Final = 20
"""Units a demo team visits a day (below the planning pace, as in real life)."""
SWEEP_TEAMS: Final = {"一组": ("demo-sweeper",), "二组": ("demo-registrar",)}
SWEEP_LIMIT: Final = 480
SWEEP_OUTCOMES: Final = (
    # (area-list label as a team writes it, share)
    ("已核实", 0.70),
    ("有变化", 0.08),
    ("无人在家", 0.13),
    ("拒绝", 0.04),
    ("空置", 0.05),
)


@dataclass(frozen=True)
class DemoSweep:
    """The sweep in progress in the demo: two villages of middling coverage, two teams with
    members, planned by the sweep service, worked for some days (the loader records those
    visits through the visits upload, as a team returns its filled-in area list)."""

    name: str
    starts_on: date
    ends_on: date
    areas: tuple[str, ...]
    teams: dict[str, tuple[str, ...]]
    limit: int


def _demo_sweep(coverage: pd.DataFrame, as_of: date) -> DemoSweep:
    villages = coverage.loc[coverage["kind"] == "village"]
    middling = villages.iloc[np.argsort(np.abs(villages["target"].to_numpy() - 0.7))[:2]]
    starts = as_of - timedelta(days=SWEEP_STARTED_DAYS_AGO)
    return DemoSweep(
        name=f"{starts.year}年{starts.month}月出租房屋集中清查（演示）",
        starts_on=starts,
        ends_on=starts + timedelta(days=SWEEP_DAYS - 1),
        areas=tuple(sorted(middling["code"])),
        teams=dict(SWEEP_TEAMS),
        limit=SWEEP_LIMIT,
    )


def fill_area_list(
    items: pd.DataFrame, sweep: DemoSweep, *, as_of: date, seed: int
) -> pd.DataFrame:
    """An area list (the columns of :mod:`geo.io.arealists`) as the teams filled it in by
    the day before ``as_of``: each team works down its list in walking order,
    SWEEP_UNITS_PER_DAY units a working day from the sweep's start; rows not reached yet stay
    blank. Outcomes drawn with ``seed``; residents seen as registered when completed."""
    rng = np.random.default_rng([seed, 91])
    out = items.copy()
    position = pd.to_numeric(out["序号"]).to_numpy(int) - 1
    day = position // SWEEP_UNITS_PER_DAY
    worked = (as_of - sweep.starts_on).days  # days before as_of
    done = day < worked
    labels = [label for label, _ in SWEEP_OUTCOMES]
    shares = np.array([share for _, share in SWEEP_OUTCOMES])
    outcome = rng.choice(labels, size=len(out), p=shares / shares.sum())
    registered = pd.to_numeric(out["登记人数"]).fillna(0).to_numpy(int)
    outcome = np.where((outcome == "空置") & (registered > 0), "已核实", outcome)
    outcome = np.where((registered == 0) & np.isin(outcome, ["已核实", "有变化"]), "空置", outcome)
    minutes = 9 * 60 + (position % SWEEP_UNITS_PER_DAY) * 20 + rng.integers(0, 15, len(out))
    when = [
        f"{(sweep.starts_on + timedelta(days=int(d))).isoformat()} {m // 60:02d}:{m % 60:02d}"
        for d, m in zip(day, minutes, strict=True)
    ]
    seen = np.where(np.isin(outcome, ["已核实", "有变化"]), registered, 0)
    out["走访时间"] = np.where(done, when, "")
    out["走访结果"] = np.where(done, outcome, "")
    out["见到人数"] = np.where(done, seen.astype(str), "")
    return out


@dataclass(frozen=True)
class DemoDistrict:
    """The demo data as frames keyed by external references (not database ids)."""

    areas: gpd.GeoDataFrame
    worksites: pd.DataFrame
    properties: pd.DataFrame
    persons: pd.DataFrame
    residences: pd.DataFrame
    employments: pd.DataFrame
    teams: pd.DataFrame
    visits: pd.DataFrame
    as_of: date
    sweep: DemoSweep


def generate_district(*, seed: int = 2026, scale: int = 1, as_of: date) -> DemoDistrict:
    """Generate ``scale`` synthetic street offices, with visits up to ``as_of``.

    >>> demo = generate_district(seed=1, scale=1, as_of=date(2026, 1, 1))  # doctest: +SKIP
    >>> (demo.areas["kind"] == "village").sum()  # doctest: +SKIP
    33
    """
    if scale < 1:
        msg = f"scale must be a whole number >= 1, got {scale}"
        raise ValueError(msg)
    centre_x, centre_y = to_metres([CENTRE_LON], [CENTRE_LAT], crs=METRIC_EPSG)
    cx, cy = float(centre_x[0]), float(centre_y[0])
    width = math.ceil(math.sqrt(scale))
    copies = []
    taken_ids: set[str] = set()  # ID numbers must be unique across every copy
    for copy in range(scale):
        origin = (
            cx + (copy % width) * COPY_SPACING_M,
            cy + (copy // width) * COPY_SPACING_M,
        )
        rng = np.random.default_rng([seed, copy])
        copies.append(
            _generate_street(rng, copy=copy, origin=origin, as_of=as_of, taken_ids=taken_ids)
        )
    frames = {name: pd.concat([c[name] for c in copies], ignore_index=True) for name in copies[0]}
    areas = frames["areas"]
    areas["geometry"] = geometries_to_degrees(areas["geometry"], crs=METRIC_EPSG)
    for name in ("worksites", "properties"):
        lon, lat = to_degrees(frames[name]["x"], frames[name]["y"], crs=METRIC_EPSG)
        frames[name] = frames[name].drop(columns=["x", "y"]).assign(lon=lon, lat=lat)
    return DemoDistrict(
        areas=gpd.GeoDataFrame(areas, geometry="geometry", crs=WGS84),
        worksites=frames["worksites"],
        properties=frames["properties"],
        persons=frames["persons"],
        residences=frames["residences"],
        employments=frames["employments"],
        teams=frames["teams"],
        visits=frames["visits"],
        as_of=as_of,
        sweep=_demo_sweep(copies[0]["coverage"], as_of),
    )


# --------------------------------------------------------------------------- boundaries


def warp(
    xy: npt.NDArray[np.float64], *, amplitude_m: float, wavelength_m: float
) -> npt.NDArray[np.float64]:
    """Displace metric coordinates by a smooth field that depends only on position.

    Shared vertices move together, so a tiling stays a tiling; amplitude/wavelength < 1/(2pi)
    keeps the map one-to-one, so no edges cross.
    """
    k = 2 * math.pi / wavelength_m
    x, y = xy[:, 0], xy[:, 1]
    dx = amplitude_m * (np.sin(k * y + 1.3) * 0.6 + np.sin(k * 0.37 * (x + y)) * 0.4)
    dy = amplitude_m * (np.sin(k * x + 0.7) * 0.6 + np.cos(k * 0.41 * (x - y)) * 0.4)
    return np.column_stack([x + dx, y + dy])


def irregular_tiling(
    outline: BaseGeometry,
    seeds: npt.NDArray[np.float64],
    *,
    amplitude_m: float = 0.0,
    wavelength_m: float = 1.0,
    segment_m: float = 100.0,
) -> list[BaseGeometry]:
    """Cut ``outline`` into one polygon per seed (Voronoi), optionally with warped edges.

    The cells' noded linework is densified and warped once, then polygonised, so neighbours
    share every vertex exactly: the result tiles the (warped) outline with no gaps.
    Returns polygons in seed order.
    """
    points = shapely.multipoints(seeds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(points, extend_to=outline.envelope, ordered=True)
    )
    cells = shapely.intersection(cells, outline)
    linework = shapely.union_all(shapely.boundary(cells))
    if amplitude_m > 0:
        linework = shapely.transform(
            shapely.segmentize(linework, segment_m),
            lambda xy: warp(xy, amplitude_m=amplitude_m, wavelength_m=wavelength_m),
        )
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(linework))))
    # A cell clipped to a concave outline can fall apart into several faces: each face goes
    # to the cell it overlaps most, and a seed's polygon is the union of its faces.
    face_idx, cell_idx = shapely.STRtree(cells).query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_idx], cells[cell_idx]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for f, c, o in zip(face_idx, cell_idx, overlap, strict=True):
        if o > best[f]:
            owner[f], best[f] = c, o
    if (owner < 0).any() or len(set(owner)) != len(cells):
        msg = "tiling failed: a face has no cell or a cell no face; use a smaller warp amplitude"
        raise RuntimeError(msg)
    return [shapely.union_all(faces[owner == i]) for i in range(len(cells))]


def _outline(rng: np.random.Generator, origin: tuple[float, float]) -> BaseGeometry:
    theta = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    radius = 4300.0 * (1 + 0.14 * np.sin(3 * theta + p1) + 0.07 * np.sin(5 * theta + p2))
    return shapely.Polygon(
        np.column_stack([origin[0] + radius * np.cos(theta), origin[1] + radius * np.sin(theta)])
    )


def _spread_points(
    rng: np.random.Generator, region: BaseGeometry, n: int, *, min_gap_m: float
) -> npt.NDArray[np.float64]:
    """Pick n points inside ``region``, greedily at least ``min_gap_m`` apart when possible."""
    candidates = _points_inside(rng, region, max(40 * n, 400))
    chosen = [candidates[0]]
    gap = min_gap_m
    while len(chosen) < n:
        for c in candidates:
            if len(chosen) == n:
                break
            if np.min(np.hypot(*(np.asarray(chosen) - c).T)) >= gap:
                chosen.append(c)
        gap *= 0.8
    return np.asarray(chosen[:n])


def _points_inside(
    rng: np.random.Generator,
    region: BaseGeometry,
    n: int,
    *,
    centres: npt.NDArray[np.float64] | None = None,
    spread_m: float = 0.0,
) -> npt.NDArray[np.float64]:
    """n random points inside ``region``: uniform, or normal around ``centres``."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    out = np.empty((0, 2))
    while len(out) < n:
        m = 2 * (n - len(out)) + 16
        if centres is None:
            xy = rng.uniform((minx, miny), (maxx, maxy), (m, 2))
        else:
            xy = centres[rng.integers(0, len(centres), m)] + rng.normal(0, spread_m, (m, 2))
        out = np.vstack([out, xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _areas(
    rng: np.random.Generator, copy: int, origin: tuple[float, float]
) -> tuple[pd.DataFrame, list[BaseGeometry]]:
    outline = _outline(rng, origin)
    core = shapely.Point(origin[0] + 700, origin[1] + 300).buffer(1700)
    urban = _spread_points(rng, core.intersection(outline), N_COMMUNITIES, min_gap_m=520)
    rural_region = outline.buffer(-250).difference(core.buffer(450))
    rural = _spread_points(rng, rural_region, N_VILLAGES, min_gap_m=1050)
    seeds = np.vstack([urban, rural])
    polygons = irregular_tiling(
        outline, seeds, amplitude_m=55.0, wavelength_m=420.0, segment_m=60.0
    )
    street_geom = shapely.union_all(polygons)
    street_code = f"{LOCAL_REGION}{901 + copy:03d}"
    suffix = "" if copy == 0 else f" {copy + 1}"
    weights = np.concatenate(
        [rng.gamma(9.0, 1.0, N_COMMUNITIES) * 3.55, rng.gamma(9.0, 1.0, N_VILLAGES) * 1.5]
    )
    population = np.round(weights / weights.sum() * POPULATION).astype(int)
    rows: list[dict[str, object]] = [
        {
            "code": street_code,
            "name": STREET_NAME + suffix,
            "level": "street",
            "kind": "street",
            "parent_code": None,
            "population": int(population.sum()),
            "geometry": street_geom,
        },
    ]
    for i, geom in enumerate(polygons):
        village = i >= N_COMMUNITIES
        j = i - N_COMMUNITIES if village else i
        code = f"{street_code}{(201 + j) if village else (1 + j):03d}"
        name = f"{_VILLAGE_NAMES[j]}村" if village else f"{_COMMUNITY_NAMES[j]}社区"
        rows.append(
            {
                "code": code,
                "name": name + suffix,
                "level": "community",
                "kind": "village" if village else "community",
                "parent_code": street_code,
                "population": int(population[i]),
                "geometry": geom,
            }
        )
        rows.extend(_grids(rng, geom, code=code, name=name + suffix, population=population[i]))
    return pd.DataFrame(rows), polygons


def _grids(
    rng: np.random.Generator, community: BaseGeometry, *, code: str, name: str, population: int
) -> list[dict[str, object]]:
    households = population / PERSONS_PER_HOUSEHOLD
    n = max(1, round(households / HOUSEHOLDS_PER_GRID))
    if n == 1:
        parts = [community]
    else:
        seeds = _spread_points(rng, community, n, min_gap_m=math.sqrt(community.area / n) * 0.7)
        parts = irregular_tiling(community, seeds)
    shares = rng.dirichlet(np.full(n, 20.0))
    counts = np.floor(shares * population).astype(int)
    counts[: population - counts.sum()] += 1
    return [
        {
            "code": f"{code}{g + 1:02d}",
            "name": f"{name}第{g + 1}网格",
            "level": "grid",
            "kind": "grid",
            "parent_code": code,
            "population": int(counts[g]),
            "geometry": part,
        }
        for g, part in enumerate(parts)
    ]


# --------------------------------------------------------------------------- one street


def _generate_street(
    rng: np.random.Generator,
    *,
    copy: int,
    origin: tuple[float, float],
    as_of: date,
    taken_ids: set[str],
) -> dict[str, pd.DataFrame]:
    areas, polygons = _areas(rng, copy, origin)
    communities = areas.loc[areas["level"] == "community"].reset_index(drop=True)
    worksites = _worksites(rng, copy, communities, polygons)
    properties = _properties(rng, copy, communities, polygons, worksites, as_of)
    persons, residences = _people(rng, copy, properties, as_of, taken_ids)
    employments = _employments(rng, persons, residences, properties, worksites, as_of)
    teams = pd.DataFrame(
        {
            "name": [f"{n}{k}组" for n in communities["name"] for k in (1, 2)],
            "community_code": np.repeat(communities["code"].to_numpy(), 2),
        }
    )
    visits, targets = _visits(rng, communities, properties, residences, worksites, teams, as_of)
    coverage = pd.DataFrame(
        {"code": communities["code"], "kind": communities["kind"], "target": targets}
    )
    return {
        "areas": areas,
        "worksites": worksites,
        "properties": properties,
        "persons": persons,
        "residences": residences,
        "employments": employments,
        "teams": teams,
        "visits": visits,
        "coverage": coverage,
    }


def _worksites(
    rng: np.random.Generator,
    copy: int,
    communities: pd.DataFrame,
    polygons: list[BaseGeometry],
) -> pd.DataFrame:
    villages = np.flatnonzero(communities["kind"].to_numpy() == "village")
    urban = np.flatnonzero(communities["kind"].to_numpy() == "community")
    industrial = rng.choice(villages, 4, replace=False)
    frames = []
    for kind, (count, median, suffix) in _WORKSITE_KINDS.items():
        if kind in ("factory", "logistics"):
            homes = rng.choice(industrial, count)
        elif kind == "building_site":
            homes = rng.integers(0, len(polygons), count)
        else:
            homes = rng.choice(np.concatenate([urban, urban, villages]), count)
        xy = np.vstack([_points_inside(rng, polygons[h], 1) for h in homes])
        workers = np.maximum(1, np.round(rng.lognormal(math.log(median), 0.6, count))).astype(int)
        product = rng.choice(_PRODUCTS, count)
        surname = rng.choice(_SURNAMES, count)
        names = [
            f"{communities['name'].iloc[h]}{p}{suffix}"
            if kind == "factory"
            else f"{s}记{suffix}"
            if kind in ("restaurant", "shop")
            else f"{communities['name'].iloc[h]}{suffix}{i + 1}"
            for i, (h, p, s) in enumerate(zip(homes, product, surname, strict=True))
        ]
        frames.append(
            pd.DataFrame(
                {
                    "name": names,
                    "kind": kind,
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                    "declared_workers": workers,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["external_ref"] = [f"D{copy:02d}-W{i:04d}" for i in range(len(out))]
    out["address"] = [
        f"{r}路{n}号"
        for r, n in zip(rng.choice(_ROADS, len(out)), rng.integers(1, 999, len(out)), strict=True)
    ]
    out["contact_name"] = _names(rng, len(out))
    out["contact_phone"] = _phones(rng, len(out))
    return out


def _properties(
    rng: np.random.Generator,
    copy: int,
    communities: pd.DataFrame,
    polygons: list[BaseGeometry],
    worksites: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    kinds = communities["kind"].to_numpy()
    n_dorm = int(PROPERTIES * 0.02)
    n_rest = PROPERTIES - n_dorm
    weight = rng.gamma(2.5, 1.0, len(communities)) * np.where(kinds == "village", 1.9, 1.0)
    per_area = rng.multinomial(n_rest, weight / weight.sum())
    frames = []
    for i, n in enumerate(per_area):
        geom = polygons[i]
        centres = _points_inside(rng, geom, int(rng.integers(2, 5)))
        clustered = _points_inside(rng, geom, int(n * 0.7), centres=centres, spread_m=140.0)
        xy = np.vstack([clustered, _points_inside(rng, geom, n - len(clustered))])
        village = kinds[i] == "village"
        kind_p = [0.10, 0.50, 0.0, 0.36, 0.04] if village else [0.80, 0.15, 0.0, 0.03, 0.02]
        kind = rng.choice(["flat", "room", "dormitory", "self_built", "group_rental"], n, p=kind_p)
        frames.append(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "kind": kind, "area": i}))
    big = worksites.loc[worksites["kind"].isin(["factory", "building_site", "logistics"])]
    employer = big.sample(n_dorm, replace=True, weights="declared_workers", random_state=rng)
    angle = rng.uniform(0, 2 * np.pi, n_dorm)
    distance = rng.uniform(40, 220, n_dorm)
    frames.append(
        pd.DataFrame(
            {
                "x": employer["x"].to_numpy() + distance * np.cos(angle),
                "y": employer["y"].to_numpy() + distance * np.sin(angle),
                "kind": "dormitory",
                "area": -1,
                "worksite_ref": employer["external_ref"].to_numpy(),
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    n = len(out)
    kind = out["kind"].to_numpy()
    rooms = np.select(
        [kind == "flat", kind == "room", kind == "self_built", kind == "dormitory"],
        [rng.integers(1, 5, n), np.ones(n, int), rng.integers(3, 13, n), rng.integers(8, 41, n)],
        rng.integers(2, 5, n),
    )
    per_room_m2 = np.select(
        [kind == "flat", kind == "room", kind == "dormitory", kind == "group_rental"],
        [
            rng.uniform(25, 40, n),
            rng.uniform(12, 25, n),
            rng.uniform(14, 24, n),
            rng.uniform(12, 18, n),
        ],
        rng.uniform(18, 30, n),
    )
    out["external_ref"] = [f"D{copy:02d}-P{i:06d}" for i in range(n)]
    out["rooms"] = rooms
    out["floor_area_m2"] = np.round(rooms * per_room_m2, 1)
    out["max_occupants"] = rooms * 2
    village_area = communities["name"].to_numpy()
    area_name = np.where(out["area"].to_numpy() >= 0, village_area[out["area"].clip(0)], "")
    road = rng.choice(_ROADS, n)
    number = rng.integers(1, 400, n)
    unit = rng.integers(1, 30, n)
    out["address"] = [
        f"{a}{u % 9 + 1}组{num}号"
        if a.endswith("村")
        else f"{r}路{num}号{u}幢{u * 100 + num % 9 + 1}室"
        for a, r, num, u in zip(area_name, road, number, unit, strict=True)
    ]
    landlords = max(1, n // 3)
    landlord = rng.integers(0, landlords, n)
    names, phones = _names(rng, landlords), _phones(rng, landlords)
    out["landlord_name"] = names[landlord]
    out["landlord_phone"] = phones[landlord]
    out["status"] = "active"
    registered_ago = np.where(
        rng.random(n) < 0.03, rng.integers(0, 120, n), rng.integers(730, 2200, n)
    )
    out["registered_on"] = [as_of - timedelta(days=int(d)) for d in registered_ago]
    return out.drop(columns=["area"])


def _people(
    rng: np.random.Generator,
    copy: int,
    properties: pd.DataFrame,
    as_of: date,
    taken_ids: set[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    kind = properties["kind"].to_numpy()
    rooms = properties["rooms"].to_numpy()
    weight = np.select(
        [kind == "flat", kind == "room", kind == "self_built", kind == "group_rental"],
        [2.4, 1.5, rooms * 1.15, rooms * 3.4],
        rooms * 3.2,
    ) * (rng.random(len(kind)) > 0.06)  # about 6 % stand empty
    occupancy = rng.multinomial(RESIDENTS, weight / weight.sum())
    home = np.repeat(np.arange(len(kind)), occupancy)
    n_current = len(home)
    n_former = int(RESIDENTS * 0.08)
    n = n_current + n_former
    local_weight = np.where(kind[home] == "flat", 6.0, 1.0)
    local = np.zeros(n, dtype=bool)
    local[
        rng.choice(
            n_current, RESIDENTS - FLOATING, replace=False, p=local_weight / local_weight.sum()
        )
    ] = True
    codes = np.array([c for c, _ in _ORIGINS])
    weights = np.array([w for _, w in _ORIGINS], dtype=float)
    origin = np.where(local, LOCAL_REGION, rng.choice(codes, n, p=weights / weights.sum()))
    age = np.where(
        local, rng.integers(0, 86, n), np.clip(rng.normal(33, 10, n), 16, 68).astype(int)
    )
    age = np.where(~local & (rng.random(n) < 0.08), rng.integers(0, 16, n), age)
    sex = rng.choice(np.array(["M", "F"]), n, p=[0.56, 0.44])
    birth = np.array(
        [
            as_of - timedelta(days=int(a * 365.25 + d))
            for a, d in zip(age, rng.integers(0, 365, n), strict=True)
        ]
    )
    persons = pd.DataFrame(
        {
            "key": [f"D{copy:02d}-H{i:06d}" for i in range(n)],
            "name": _names(rng, n),
            "id_number": _id_numbers(rng, origin, birth, sex, taken_ids),
            "sex": sex,
            "birth_year": [b.year for b in birth],
            "origin": origin,
            "phone": _phones(rng, n),
        }
    )
    # Current stays began up to six years ago; a tenth moved here from another unit.
    stay_days = np.minimum(rng.exponential(420, n_current), 6 * 365).astype(int)
    moved_in = np.array([as_of - timedelta(days=int(d)) for d in stay_days])
    permit = ~local[:n_current] & (stay_days > 180) & (rng.random(n_current) < 0.75)
    persons["permit_no"] = None
    persons["permit_expiry"] = None
    idx = np.flatnonzero(permit)
    persons.loc[idx, "permit_no"] = [f"{LOCAL_REGION}{copy:02d}{i:08d}" for i in idx]
    persons.loc[idx, "permit_expiry"] = [
        as_of + timedelta(days=int(d)) for d in rng.integers(-60, 365, len(idx))
    ]
    current = pd.DataFrame(
        {"person": np.arange(n_current), "property": home, "moved_in": moved_in, "moved_out": None}
    )
    movers = np.flatnonzero(rng.random(n_current) < 0.10)
    gap = rng.integers(0, 20, len(movers))
    length = rng.integers(120, 900, len(movers))
    before = pd.DataFrame(
        {
            "person": movers,
            "property": rng.integers(0, len(kind), len(movers)),
            "moved_out": [
                moved_in[p] - timedelta(days=int(g)) for p, g in zip(movers, gap, strict=True)
            ],
        }
    )
    before["moved_in"] = [
        o - timedelta(days=int(d)) for o, d in zip(before["moved_out"], length, strict=True)
    ]
    former_out = rng.integers(1, 400, n_former)
    former = pd.DataFrame(
        {
            "person": np.arange(n_current, n),
            "property": rng.integers(0, len(kind), n_former),
            "moved_out": [as_of - timedelta(days=int(d)) for d in former_out],
        }
    )
    former["moved_in"] = [
        o - timedelta(days=int(d))
        for o, d in zip(former["moved_out"], rng.integers(60, 800, n_former), strict=True)
    ]
    residences = pd.concat([current, before, former], ignore_index=True)
    delay = np.where(
        rng.random(len(residences)) < 0.82,
        rng.integers(0, 4, len(residences)),
        rng.integers(4, 30, len(residences)),
    )
    residences["reported_on"] = [
        min(d + timedelta(days=int(k)), as_of)
        for d, k in zip(residences["moved_in"], delay, strict=True)
    ]
    # Move-outs are reported with the same mix of delays (reused, so that the random stream,
    # and with it the rest of the district, stays what it was).
    residences["moved_out_reported_on"] = [
        None if pd.isna(o) else min(o + timedelta(days=int(k)), as_of)
        for o, k in zip(residences["moved_out"], delay[::-1], strict=True)
    ]
    residences["person_key"] = persons["key"].to_numpy()[residences["person"]]
    residences["property_ref"] = properties["external_ref"].to_numpy()[residences["property"]]
    rooms_of = rooms[residences["property"].to_numpy()]
    residences["room"] = [
        str(101 + int(r)) for r in rng.integers(0, 10**6, len(residences)) % rooms_of
    ]
    return persons, residences


def _employments(
    rng: np.random.Generator,
    persons: pd.DataFrame,
    residences: pd.DataFrame,
    properties: pd.DataFrame,
    worksites: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    current = residences.loc[residences["moved_out"].isna()]
    person = persons.iloc[current["person"].to_numpy()]
    age = as_of.year - person["birth_year"].to_numpy()
    floating = person["origin"].to_numpy() != LOCAL_REGION
    works = floating & (age >= 16) & (age <= 60) & (rng.random(len(person)) < 0.88)
    home = properties.iloc[current["property"].to_numpy()[works]]
    tree = cKDTree(worksites[["x", "y"]].to_numpy())
    _, near = tree.query(home[["x", "y"]].to_numpy(), k=15)
    size = worksites["declared_workers"].to_numpy()[near].astype(float)
    pick = (
        size.cumsum(axis=1) > rng.random((len(near), 1)) * size.sum(axis=1, keepdims=True)
    ).argmax(axis=1)
    site = worksites["external_ref"].to_numpy()[near[np.arange(len(near)), pick]]
    dorm = (
        home["worksite_ref"].notna().to_numpy()
        if "worksite_ref" in home
        else np.zeros(len(home), bool)
    )
    stays = dorm & (rng.random(len(home)) < 0.9)  # one in ten dormitory residents works elsewhere
    site = np.where(
        stays, home["worksite_ref"].to_numpy() if "worksite_ref" in home else site, site
    )
    since = [
        m + timedelta(days=int(d))
        for m, d in zip(
            current["moved_in"].to_numpy()[works], rng.integers(0, 30, len(home)), strict=True
        )
    ]
    since = [min(s, as_of) for s in since]
    delay = np.where(
        rng.random(len(home)) < 0.8, rng.integers(0, 4, len(home)), rng.integers(4, 25, len(home))
    )
    return pd.DataFrame(
        {
            "person_key": person["key"].to_numpy()[works],
            "worksite_ref": site,
            "since": since,
            "until": None,
            "reported_on": [
                min(s + timedelta(days=int(k)), as_of) for s, k in zip(since, delay, strict=True)
            ],
        }
    )


def _visits(
    rng: np.random.Generator,
    communities: pd.DataFrame,
    properties: pd.DataFrame,
    residences: pd.DataFrame,
    worksites: pd.DataFrame,
    teams: pd.DataFrame,
    as_of: date,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """The visits, and each community's 90-day coverage it was drawn for."""
    n_prop = len(properties)
    index = AreaLookup(communities)
    community = index.positions(properties)
    targets = rng.permutation(np.linspace(0.45, 0.97, len(communities)))
    target = targets[community]
    occupied = np.bincount(
        residences.loc[residences["moved_out"].isna(), "property"], minlength=n_prop
    )
    rows = []
    # The last 90 days: a completed visit with the community's probability, else maybe an attempt.
    done = rng.random(n_prop) < target
    tried = ~done & (rng.random(n_prop) < 0.5)
    day = rng.integers(0, COVERAGE_DAYS, n_prop)
    day = np.where(done, _inspection_days(rng, target, as_of), day)
    completed_outcome = np.where(
        occupied == 0, "vacant", np.where(rng.random(n_prop) < 0.88, "verified", "changes_found")
    )
    failed_outcome = np.where(rng.random(n_prop) < 0.8, "nobody_home", "refused")
    for mask, outcome in ((done, completed_outcome), (tried, failed_outcome)):
        rows.append(
            pd.DataFrame(
                {"property": np.flatnonzero(mask), "days_ago": day[mask], "outcome": outcome[mask]}
            )
        )
    # The earlier months of the overview's year: monthly inspection, as in the current month.
    rows.append(_monthly_history(rng, targets, community, done, occupied, as_of))
    history_days = (as_of - month_ends(as_of, HISTORY_MONTHS)[0].replace(day=1)).days
    # Seven earlier quarters, kept before that year: visited more often where coverage is
    # good now.
    for quarter in range(1, 8):
        visited = rng.random(n_prop) < 0.35 + 0.55 * target
        ago = quarter * 91 + rng.integers(0, 91, n_prop)
        visited &= ago > history_days
        roll = rng.random(n_prop)
        outcome = np.select(
            [roll < 0.70, roll < 0.80, roll < 0.92, roll < 0.95],
            ["verified", "changes_found", "nobody_home", "refused"],
            "vacant",
        )
        rows.append(
            pd.DataFrame(
                {
                    "property": np.flatnonzero(visited),
                    "days_ago": ago[visited],
                    "outcome": outcome[visited],
                }
            )
        )
    visits = pd.concat(rows, ignore_index=True)
    # Units registered in the last four months have not been visited yet.
    new = (
        pd.to_datetime(properties["registered_on"]) > pd.Timestamp(as_of - timedelta(days=120))
    ).to_numpy()
    visits = visits.loc[~new[visits["property"].to_numpy()]].reset_index(drop=True)
    visits["residents_seen"] = np.where(
        visits["outcome"].isin(COMPLETED_OUTCOMES), occupied[visits["property"]], 0
    )
    visits["visited_at"] = _times(rng, as_of, visits["days_ago"].to_numpy())
    visits["property_ref"] = properties["external_ref"].to_numpy()[visits["property"]]
    visits["team"] = teams["name"].to_numpy()[
        2 * community[visits["property"]] + rng.integers(0, 2, len(visits))
    ]
    visits["person_key"] = None
    visits["worksite_ref"] = None
    people = _person_checks(rng, visits, residences)
    site_visits = _worksite_visits(rng, worksites, as_of)
    columns = [
        "property_ref",
        "worksite_ref",
        "person_key",
        "visited_at",
        "outcome",
        "residents_seen",
        "team",
    ]
    combined: pd.DataFrame = pd.concat(
        [visits[columns], people[columns], site_visits[columns]], ignore_index=True
    )
    return combined, targets


class AreaLookup:
    """Which community each generated unit lies in (positions into ``communities``)."""

    def __init__(self, communities: pd.DataFrame) -> None:
        self.geoms = np.asarray(communities["geometry"], dtype=object)
        self.tree = shapely.STRtree(self.geoms)

    def positions(self, frame: pd.DataFrame) -> npt.NDArray[np.int64]:
        points = shapely.points(frame["x"].to_numpy(), frame["y"].to_numpy())
        distance = self.tree.query_nearest(points, return_distance=False, all_matches=False)
        out = np.zeros(len(frame), dtype=np.int64)
        out[distance[0]] = distance[1]
        return out


COVERAGE_DAYS: Final = 90
"""The window of the coverage each community's visits are drawn for."""
MONTHLY_GAP: Final = 0.03
"""The demo's monthly inspection rate of a community sits this far below its 90-day
coverage, so the overview's inspection map spreads over its three colours (met, near,
below the 80 % target) instead of one."""


def _inspection_days(
    rng: np.random.Generator, target: npt.NDArray[np.float64], as_of: date
) -> npt.NDArray[np.int64]:
    """Days ago of each unit's completed visit of the last 90 days: with probability
    (target - MONTHLY_GAP) / target in the calendar month up to ``as_of`` (so the month's
    inspection rate is about target - MONTHLY_GAP), else earlier in the 90 days. Drawn from
    a child generator: the rest of the district stays as the seed made it."""
    child = rng.spawn(1)[0]
    month_days = as_of.day  # days ago 0 .. day - 1 fall in this month
    in_month = child.random(len(target)) < np.clip(target - MONTHLY_GAP, 0, 1) / target
    return np.where(
        in_month,
        child.integers(0, month_days, len(target)),
        child.integers(month_days, COVERAGE_DAYS, len(target)),
    )


HISTORY_MONTHS: Final = 12
"""Calendar months of monthly inspection behind the demo (the overview charts as many):
the current one up to ``as_of`` and the eleven before it."""
HISTORY_NOISE: Final = 0.035
"""Spread of a community's rate from month to month around its 90-day coverage less
MONTHLY_GAP."""
SPRING_FESTIVAL_DIP: Final = 0.06
"""How much lower every community's rate is in February, when many tenants go home for the
Spring Festival."""
HARD_UNIT_VISIT: Final = 0.04
HARD_UNIT_ATTEMPT: Final = 0.15
"""Monthly chances of a completed visit and of an attempt (nobody home, refused) at a unit
that the 90-day window finds uncovered, in the part of a month before that window."""


def _monthly_history(
    rng: np.random.Generator,
    targets: npt.NDArray[np.float64],
    community: npt.NDArray[np.int64],
    done: npt.NDArray[np.bool_],
    occupied: npt.NDArray[np.int64],
    as_of: date,
) -> pd.DataFrame:
    """Completed visits and attempts of the HISTORY_MONTHS - 1 calendar months before the
    one of ``as_of`` (property positions, days ago, outcomes), so every month of the
    overview's inspection chart has a believable rate of its own.

    Each community's rate in a month is its 90-day coverage less MONTHLY_GAP (as in the
    current month), moved by a draw of its own (HISTORY_NOISE) and lower in February
    (SPRING_FESTIVAL_DIP). The units covered in the last 90 days (``done``) carry the rate;
    the others get a visit or an attempt now and then, only before the 90-day window, so the
    90-day coverage stays what it was drawn for. Drawn from a child generator: the rest of
    the district stays as the seed made it."""
    child = rng.spawn(1)[0]
    n_prop = len(community)
    rows = []
    for end in month_ends(as_of, HISTORY_MONTHS)[:-1]:
        first = end.replace(day=1)
        newest, oldest = (as_of - end).days, (as_of - first).days
        rate = targets - MONTHLY_GAP + child.normal(0, HISTORY_NOISE, len(targets))
        if first.month == 2:
            rate -= SPRING_FESTIVAL_DIP
        share = np.clip(rate / targets, 0, 1)[community]
        visited = done & (child.random(n_prop) < share)
        days = child.integers(newest, oldest + 1, n_prop)
        roll = child.random(n_prop)
        outcome = np.where(
            occupied == 0, "vacant", np.where(roll < 0.9, "verified", "changes_found")
        )
        before = max(newest, COVERAGE_DAYS)  # the hard units' part of the month
        if before <= oldest:
            hard_day = child.integers(before, oldest + 1, n_prop)
            hard = child.random(n_prop)
            reached = ~done & (hard < HARD_UNIT_VISIT)
            tried = ~done & ~reached & (hard < HARD_UNIT_VISIT + HARD_UNIT_ATTEMPT)
            days = np.where(visited, days, hard_day)
            outcome = np.where(tried, np.where(roll < 0.8, "nobody_home", "refused"), outcome)
            visited |= reached | tried
        rows.append(
            pd.DataFrame(
                {
                    "property": np.flatnonzero(visited),
                    "days_ago": days[visited],
                    "outcome": outcome[visited],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _person_checks(
    rng: np.random.Generator, visits: pd.DataFrame, residences: pd.DataFrame
) -> pd.DataFrame:
    """Resident-level checks made during completed unit visits; about NOT_FOUND end not_found."""
    completed = visits.loc[visits["outcome"].isin(["verified", "changes_found"])]
    by_property = completed.sort_values("visited_at").groupby("property")["visited_at"]
    last = by_property.last()
    first = by_property.first()
    current = residences.loc[residences["moved_out"].isna()].copy()
    current["last_visit"] = current["property"].map(last)
    current["first_visit"] = current["property"].map(first)
    moved_in = pd.to_datetime(current["moved_in"])
    eligible = current.loc[current["last_visit"].notna() & (current["last_visit"] > moved_in)]
    chosen = eligible.sample(min(len(eligible), NOT_FOUND + 1_000), random_state=rng)
    lost, found = chosen.iloc[:NOT_FOUND], chosen.iloc[NOT_FOUND:]
    rows = [
        lost.assign(visited_at=lost["last_visit"], outcome="not_found"),
        found.assign(visited_at=found["last_visit"], outcome="verified"),
    ]
    earlier = found.loc[found["first_visit"] < found["last_visit"]]
    rows.append(earlier.assign(visited_at=earlier["first_visit"], outcome="not_found"))
    out = pd.concat(rows, ignore_index=True)
    visit_team = visits.drop_duplicates(["property", "visited_at"]).set_index(
        ["property", "visited_at"]
    )["team"]
    out["team"] = visit_team.reindex(
        pd.MultiIndex.from_arrays([out["property"], out["visited_at"]])
    ).to_numpy()
    out["residents_seen"] = None
    out["worksite_ref"] = None
    return out


def _worksite_visits(
    rng: np.random.Generator, worksites: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    count = rng.integers(1, 7, len(worksites))
    site = np.repeat(np.arange(len(worksites)), count)
    days = rng.integers(0, 730, len(site))
    return pd.DataFrame(
        {
            "property_ref": None,
            "worksite_ref": worksites["external_ref"].to_numpy()[site],
            "person_key": None,
            "visited_at": _times(rng, as_of, days),
            "outcome": np.where(rng.random(len(site)) < 0.9, "verified", "changes_found"),
            "residents_seen": None,
            "team": None,
        }
    )


# --------------------------------------------------------------------------- identities


def _times(rng: np.random.Generator, as_of: date, days_ago: npt.NDArray[np.int64]) -> pd.Series:
    base = pd.Timestamp(as_of) - pd.to_timedelta(days_ago, unit="D")
    minutes = rng.integers(8 * 60 + 30, 20 * 60, len(days_ago))
    return pd.Series(base + pd.to_timedelta(minutes, unit="m"))


def _names(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    surname = rng.choice(_SURNAMES, n)
    given = np.char.add(
        rng.choice(_GIVEN, n), np.where(rng.random(n) < 0.7, rng.choice(_GIVEN, n), "")
    )
    return np.char.add(surname, given)


def _phones(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    prefix = rng.choice(np.array(["13", "15", "17", "18", "19"]), n)
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))


def _id_numbers(
    rng: np.random.Generator,
    origin: npt.NDArray[np.str_],
    birth: npt.NDArray[np.object_],
    sex: npt.NDArray[np.str_],
    taken: set[str],
) -> list[str]:
    """Synthetic GB 11643 numbers: region, birth date, sequence (odd for men), check digit.

    Numbers already in ``taken`` are avoided; the new ones are added to it.
    """
    born = np.array([b.strftime("%Y%m%d") for b in birth])
    male = sex == "M"
    out: list[str] = [""] * len(origin)
    todo = np.arange(len(origin))
    while len(todo):
        seq = rng.integers(0, 500, len(todo)) * 2 + male[todo]
        retry = []
        for i, s in zip(todo, seq, strict=True):
            first17 = f"{origin[i]}{born[i]}{s:03d}"
            if first17 in taken:
                retry.append(i)
                continue
            taken.add(first17)
            out[i] = first17 + id_check_digit(first17)
        todo = np.asarray(retry, dtype=np.int64)
    return out
