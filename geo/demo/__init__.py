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

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import WGS84, geometries_to_degrees, to_degrees, to_metres
from geo.demo.boundaries import irregular_tiling, warp
from geo.demo.parameters import (
    CENTRE_LAT,
    CENTRE_LON,
    COPY_SPACING_M,
    LOCAL_REGION,
    METRIC_EPSG,
    STREET_NAME,
    SWEEP_DAYS,
    SWEEP_LIMIT,
    SWEEP_OUTCOMES,
    SWEEP_STARTED_DAYS_AGO,
    SWEEP_TEAMS,
    SWEEP_UNITS_PER_DAY,
)
from geo.demo.street import generate_street

__all__ = [
    "LOCAL_REGION",
    "STREET_NAME",
    "DemoDistrict",
    "DemoSweep",
    "fill_area_list",
    "generate_district",
    "irregular_tiling",
    "warp",
]


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
            generate_street(rng, copy=copy, origin=origin, as_of=as_of, taken_ids=taken_ids)
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
