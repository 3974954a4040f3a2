"""One demo street office: worksites, rental units, people and their jobs."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from geo.demo.boundaries import points_inside, street_areas
from geo.demo.identities import id_numbers, person_names, phone_numbers
from geo.demo.parameters import (
    FLOATING,
    LOCAL_REGION,
    ORIGINS,
    PRODUCTS,
    PROPERTIES,
    RESIDENTS,
    ROADS,
    SURNAMES,
    WORKSITE_KINDS,
)
from geo.demo.visits import draw_visits
from geo.indicators import is_floating

# --------------------------------------------------------------------------- one street


def generate_street(
    rng: np.random.Generator,
    *,
    copy: int,
    origin: tuple[float, float],
    as_of: date,
    taken_ids: set[str],
) -> dict[str, pd.DataFrame]:
    areas, polygons = street_areas(rng, copy, origin)
    communities = areas.loc[areas["level"] == "community"].reset_index(drop=True)
    worksites = draw_worksites(rng, copy, communities, polygons)
    properties = draw_properties(rng, copy, communities, polygons, worksites, as_of)
    persons, residences = draw_people(rng, copy, properties, as_of, taken_ids)
    employments = draw_employments(rng, persons, residences, properties, worksites, as_of)
    teams = pd.DataFrame(
        {
            "name": [f"{n}{k}组" for n in communities["name"] for k in (1, 2)],
            "community_code": np.repeat(communities["code"].to_numpy(), 2),
        }
    )
    visits, targets = draw_visits(rng, communities, properties, residences, worksites, teams, as_of)
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


def draw_worksites(
    rng: np.random.Generator,
    copy: int,
    communities: pd.DataFrame,
    polygons: list[BaseGeometry],
) -> pd.DataFrame:
    villages = np.flatnonzero(communities["kind"].to_numpy() == "village")
    urban = np.flatnonzero(communities["kind"].to_numpy() == "community")
    industrial = rng.choice(villages, 4, replace=False)
    frames = []
    for kind, (count, median, suffix) in WORKSITE_KINDS.items():
        if kind in ("factory", "logistics"):
            homes = rng.choice(industrial, count)
        elif kind == "building_site":
            homes = rng.integers(0, len(polygons), count)
        else:
            homes = rng.choice(np.concatenate([urban, urban, villages]), count)
        xy = np.vstack([points_inside(rng, polygons[h], 1) for h in homes])
        workers = np.maximum(1, np.round(rng.lognormal(math.log(median), 0.6, count))).astype(int)
        product = rng.choice(PRODUCTS, count)
        surname = rng.choice(SURNAMES, count)
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
        for r, n in zip(rng.choice(ROADS, len(out)), rng.integers(1, 999, len(out)), strict=True)
    ]
    out["contact_name"] = person_names(rng, len(out))
    out["contact_phone"] = phone_numbers(rng, len(out))
    return out


def draw_properties(
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
        centres = points_inside(rng, geom, int(rng.integers(2, 5)))
        clustered = points_inside(rng, geom, int(n * 0.7), centres=centres, spread_m=140.0)
        xy = np.vstack([clustered, points_inside(rng, geom, n - len(clustered))])
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
    road = rng.choice(ROADS, n)
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
    names, phones = person_names(rng, landlords), phone_numbers(rng, landlords)
    out["landlord_name"] = names[landlord]
    out["landlord_phone"] = phones[landlord]
    out["status"] = "active"
    registered_ago = np.where(
        rng.random(n) < 0.03, rng.integers(0, 120, n), rng.integers(730, 2200, n)
    )
    out["registered_on"] = [as_of - timedelta(days=int(d)) for d in registered_ago]
    return out.drop(columns=["area"])


def draw_people(
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
    codes = np.array([c for c, _ in ORIGINS])
    weights = np.array([w for _, w in ORIGINS], dtype=float)
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
            "name": person_names(rng, n),
            "id_number": id_numbers(rng, origin, birth, sex, taken_ids),
            "sex": sex,
            "birth_year": [b.year for b in birth],
            "origin": origin,
            "phone": phone_numbers(rng, n),
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


def draw_employments(
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
    floating = is_floating(person["origin"], local_region=LOCAL_REGION).to_numpy(bool)
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
