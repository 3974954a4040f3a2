"""What the planners' map pages show besides the choropleth: clusters of floating residents'
homes, hexagon density, worksites and where their workers live, and data quality.

Every result is an aggregate (per cluster, hexagon or area); record lists in the data
quality report are for roles that see records. Roles that see aggregates only get what
:mod:`geo.disclosure` allows: figures as of the last month end, no cluster, hexagon or
figure below the threshold, cluster parameters within bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo import clock, disclosure
from geo.clusters import (
    DEFAULT_EPS_M,
    DEFAULT_H3_RESOLUTION,
    DEFAULT_MIN_RESIDENTS,
    H3_RESOLUTIONS,
    NOISE,
    cluster_hulls,
    density_clusters,
    hexagon_cells,
    hexagon_density,
    hexagon_ints,
    hexagon_names,
    hexagon_parents,
    hexagon_tree,
    project,
    top_shares,
)
from geo.crs import WGS84
from geo.errors import InputError, NotFoundError
from geo.indicators import crowded
from geo.io.exports import excel_csv
from geo.quality import near_boundary
from geo.regions import province_name
from geo.services.access import Actor, require
from geo.services.auditing import record, record_view
from geo.services.scope import communities_for, communities_in_scope
from geo.services.setup import Opened
from geo.services.statistics import (
    area_codes,
    kept_areas,
    published_clusters,
    published_floating_cells,
    published_worker_homes,
    published_worksite_workers,
    with_area_ids,
    worker_cells,
)
from geo.store import worksites as stored_worksites
from geo.store.areas import load_areas
from geo.store.database import Connection
from geo.store.lists import visits_to_worksite, workers_of
from geo.store.places import gridded_places, placed_by_community, unplaced_points
from geo.store.residents import floating_homes, floating_jobs, floating_origins
from geo.store.stored_settings import get_setting

NEAR_BOUNDARY_M = 5.0
"""A unit this close to a grid boundary is listed: one GPS error from the next grid."""


@dataclass(frozen=True)
class Clusters:
    """Density clusters of floating residents' homes and what they hold."""

    shapes: gpd.GeoDataFrame
    """cluster, residents, units, origins, worksites, geometry (WGS-84 hulls)"""
    floating_total: int | str
    clustered: int


def floating_clusters(
    opened: Opened,
    actor: Actor,
    *,
    eps_m: float = DEFAULT_EPS_M,
    min_residents: int = DEFAULT_MIN_RESIDENTS,
    as_of: date | None = None,
    lang: str = "zh",
    area: str | None = None,
) -> Clusters:
    """DBSCAN clusters (in metres) of the homes of floating residents in the actor's areas:
    per cluster its hull, residents, rental units, main regions of origin and worksites.

    ``area`` (a street or community) chooses the clusters with a home in it; each is the
    whole cluster found over the actor's areas (:func:`geo.disclosure.whole_cells`), and
    ``floating_total`` is the area's, protected with its siblings and parent for aggregate
    roles (:func:`_area_total`). Roles that see aggregates only see the month end's
    clusters as published (:func:`geo.services.statistics.published_clusters`): found over
    the whole registry, an area scope choosing among them as ``area`` does.
    InputError for a distance that is not positive or a minimum that is not a whole
    number of at least 1."""
    require(actor, "view_aggregates")
    if not eps_m > 0 or not min_residents >= 1 or int(min_residents) != min_residents:
        raise InputError("value_invalid", name="eps/min", value=f"{eps_m}/{min_residents}")
    min_residents = int(min_residents)
    if actor.aggregates_only and not disclosure.cluster_parameters_allowed(eps_m, min_residents):
        raise InputError(
            "disclosure_cluster_bounds",
            distances=", ".join(f"{d:.0f}" for d in disclosure.CLUSTER_EPS_M),
            minimums=", ".join(str(m) for m in disclosure.CLUSTER_MIN_RESIDENTS),
        )
    as_of = _as_of(actor, as_of)
    least_shown = disclosure.THRESHOLD if actor.aggregates_only else 1
    with opened.db.read() as conn:
        within = communities_for(conn, actor, area)
        scope = communities_in_scope(conn, actor)
        areas = kept_areas(opened, conn)
    if actor.aggregates_only:  # the month end as published (geo.services.statistics)
        homes = published_floating_cells(opened, as_of=as_of)
        shapes, touches = _kept_clusters(published_clusters(opened, as_of=as_of), areas, lang=lang)
    else:
        found, touches = whole_clusters(
            opened,
            scope,
            eps_m=eps_m,
            min_residents=min_residents,
            as_of=as_of,
            aggregates_only=False,
        )
        shapes, _ = _kept_clusters(found, areas, lang=lang, named=False)
        with opened.db.read() as conn:
            homes = floating_homes(
                conn,
                as_of=as_of,
                local_region=get_setting(conn, "local_region") or "",
                communities=scope,
            )
    in_area = _in_communities(homes, within)
    floating_total: int | str = int(homes.loc[in_area, "floating"].sum())
    if within is not None:  # an area, or a planner's scope among the whole registry's
        chosen = touches.loc[_in_communities(touches, within), "cluster"]
        shapes = gpd.GeoDataFrame(disclosure.whole_cells(shapes, chosen, key="cluster"), crs=WGS84)
    if actor.aggregates_only:  # a cluster is shown whole or not at all
        big = (shapes["residents"] >= least_shown) & (shapes["units"] >= least_shown)
        shapes = gpd.GeoDataFrame(shapes.loc[big].reset_index(drop=True), crs=WGS84)
        floating_total = _area_total(homes, areas, area, within)
        shapes = _leaving_no_few(shapes, int(homes.loc[in_area, "floating"].sum()))
    return Clusters(
        shapes=shapes,
        floating_total=floating_total,
        clustered=int(shapes["residents"].sum()) if len(shapes) else 0,
    )


def whole_clusters(
    opened: Opened,
    scope: frozenset[int] | None,
    *,
    eps_m: float,
    min_residents: int,
    as_of: date,
    aggregates_only: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The DBSCAN clusters of the floating residents' homes in ``scope`` (community ids;
    None: everywhere) on ``as_of``, one row per cluster: cluster (from 1), residents,
    units, origins_zh and origins_en (the main provinces of origin, named in each
    language), worksites, communities (the codes of the communities it has homes in,
    comma-separated), hull (WKT, WGS-84); and which communities each touches (cluster,
    community_id). For ``aggregates_only`` (what a planner's look publishes) regions and
    worksites named by fewer than the threshold are left out and hulls are coarse
    (:func:`geo.clusters.cluster_hulls`)."""
    least_shown = disclosure.THRESHOLD if aggregates_only else 1
    with opened.db.read() as conn:
        local = get_setting(conn, "local_region") or ""
        homes, origins, jobs = (
            query(conn, as_of=as_of, local_region=local, communities=scope)
            for query in (floating_homes, floating_origins, floating_jobs)
        )
        areas = kept_areas(opened, conn)
    points = project(homes["lon"], homes["lat"])
    labels = density_clusters(
        points.x, points.y, homes["floating"], eps_m=eps_m, min_residents=min_residents
    )
    homes = homes.assign(cluster=labels)
    member = homes.loc[homes["cluster"] != NOISE]
    by_cluster = member.groupby("cluster")
    table = pd.DataFrame(
        {
            "residents": by_cluster["floating"].sum(),
            "units": by_cluster.size(),
        }
    )
    cluster_of = member.set_index("property_id")["cluster"]
    origin_rows = origins.loc[origins["property_id"].isin(cluster_of.index)]
    provinces = origin_rows["province"].astype(str)
    for lang in ("zh", "en"):  # named once per code, not per resident
        named = {code: province_name(code, lang) for code in provinces.unique()}
        table[f"origins_{lang}"] = top_shares(
            provinces.map(named),
            origin_rows["property_id"].map(cluster_of),
            min_count=least_shown,
            weights=origin_rows["n"],
        )
    job_rows = jobs.loc[jobs["property_id"].isin(cluster_of.index)]
    table["worksites"] = top_shares(
        job_rows["worksite"],
        job_rows["property_id"].map(cluster_of),
        min_count=least_shown,
        weights=job_rows["n"],
    )
    hulls = cluster_hulls(points, labels, pad_m=eps_m / 3, coarse=aggregates_only)
    table = table.reindex(range(len(hulls)))
    text = ["origins_zh", "origins_en", "worksites"]
    table[text] = table[text].fillna("")
    code = area_codes(areas)
    touches = member.assign(cluster=member["cluster"] + 1)[["cluster", "community_id"]]
    touches = touches.drop_duplicates().reset_index(drop=True)
    coded = touches.dropna().assign(code=lambda t: t["community_id"].map(code)).dropna()
    table["communities"] = (
        coded.groupby("cluster")["code"]
        .agg(lambda c: ",".join(sorted(c)))
        .reindex(table.index + 1)
        .fillna("")
        .to_numpy()
    )
    table["hull"] = shapely.to_wkt(np.asarray(hulls, dtype=object), rounding_precision=6)
    table = table.reset_index(names="cluster").assign(cluster=lambda f: f["cluster"] + 1)
    table[["residents", "units"]] = table[["residents", "units"]].fillna(0).astype("int64")
    return table, touches


def _kept_clusters(
    table: pd.DataFrame, areas: pd.DataFrame, *, lang: str, named: bool = True
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The clusters of :func:`whole_clusters` (or as published) as the page shows them:
    cluster, residents, units, origins (in ``lang``), worksites, geometry; and, when
    ``named`` (published), which communities each touches (cluster, community_id)."""
    shapes = gpd.GeoDataFrame(
        table[["cluster", "residents", "units"]].assign(
            origins=table[f"origins_{'en' if lang == 'en' else 'zh'}"].fillna(""),
            worksites=table["worksites"].fillna(""),
        ),
        geometry=shapely.from_wkt(table["hull"].to_numpy(dtype=object)),
        crs=WGS84,
    )
    touches = pd.DataFrame(columns=["cluster", "community_id"])
    if named:
        pairs = pd.DataFrame(
            {
                "cluster": table["cluster"],
                "community_code": table["communities"].fillna("").str.split(","),
            }
        ).explode("community_code")
        named_pairs = pairs.loc[pairs["community_code"] != ""].reset_index(drop=True)
        touches = with_area_ids(named_pairs, areas).dropna()
    return shapes, touches.reset_index(drop=True)


def _leaving_no_few(shapes: gpd.GeoDataFrame, total: int) -> gpd.GeoDataFrame:
    """The shown clusters less the smallest, while the floating residents outside them
    (``total`` less their residents, which the overview's total gives) are 1 to
    THRESHOLD - 1: 32,000 less 31,999 in the clusters gave one isolated home's resident."""
    kept = shapes.sort_values("residents", kind="stable")
    while len(kept) and 0 < total - int(kept["residents"].sum()) < disclosure.THRESHOLD:
        kept = kept.iloc[1:]
    shown = shapes.loc[shapes.index.isin(kept.index)].reset_index(drop=True)
    return gpd.GeoDataFrame(shown, crs=shapes.crs)


def floating_hexagons(
    opened: Opened,
    actor: Actor,
    *,
    resolution: int = DEFAULT_H3_RESOLUTION,
    as_of: date | None = None,
    area: str | None = None,
) -> gpd.GeoDataFrame:
    """Floating residents per H3 hexagon in the actor's areas: cell, count, km2, per_km2,
    geometry. ``area`` (a street or community) chooses the hexagons that hold homes in it;
    each counts its whole hexagon in the actor's areas (:func:`geo.disclosure.whole_cells`).
    Hexagons below the small-count threshold are dropped for aggregate roles, who see the
    month end's cells as published over the whole registry, an area scope choosing among
    them as ``area`` does (a hexagon cut at the scope's edge gave a neighbour's homes back)."""
    require(actor, "view_aggregates")
    _check_resolution(resolution)
    as_of = _as_of(actor, as_of)
    if actor.aggregates_only:  # the month end as published (geo.services.statistics)
        with opened.db.read() as conn:
            within = communities_for(conn, actor, area)
        cells = published_floating_cells(opened, as_of=as_of)
        chosen = None if within is None else _in_communities(cells, within).to_numpy()
        return _cell_hexagons(
            actor, cells["cell"].to_numpy(), cells["floating"], resolution=resolution, chosen=chosen
        )
    with opened.db.read() as conn:
        within = communities_for(conn, actor, area)
        homes = floating_homes(
            conn,
            as_of=as_of,
            local_region=get_setting(conn, "local_region") or "",
            communities=communities_in_scope(conn, actor),
        )
    in_area = None if area is None else _in_communities(homes, within).to_numpy()
    return _hexagons(
        actor, homes["lon"], homes["lat"], homes["floating"], resolution=resolution, chosen=in_area
    )


def worksite_layer(opened: Opened, actor: Actor, *, as_of: date | None = None) -> gpd.GeoDataFrame:
    """Active worksites in the actor's areas: id, name, kind, declared_workers, workers
    (employed now), geometry (points). For roles that see aggregates only the workers are
    those of the last month end as published (:mod:`geo.services.statistics`), small ones
    withheld; a worksite added since shows none."""
    require(actor, "view_aggregates")
    day = _as_of(actor, as_of)
    with opened.db.read() as conn:  # a planner's workers are the month end's, as published
        found = stored_worksites.worksites_with_workers(
            conn, as_of=day, workers=not actor.aggregates_only
        )
        sites = _scoped(conn, actor, found)
    if actor.aggregates_only:
        published = published_worksite_workers(opened, as_of=day)
        workers = sites["id"].map(published)
        sites = disclosure.withhold_small(sites.assign(workers=workers.fillna(0)), ["workers"])
        sites.loc[workers.isna().to_numpy(), "workers"] = disclosure.WITHHELD
    return gpd.GeoDataFrame(
        sites.drop(columns=["lon", "lat", "community_id", "grid_id"]),
        geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
        crs=WGS84,
    )


def worksite_hexagons(
    opened: Opened,
    actor: Actor,
    *,
    resolution: int = DEFAULT_H3_RESOLUTION,
    as_of: date | None = None,
) -> gpd.GeoDataFrame:
    """Declared workers of active worksites per H3 hexagon (for a view with too many
    worksites to draw one by one): cell, count, km2, per_km2, geometry."""
    _check_resolution(resolution)
    sites = worksite_layer(opened, actor, as_of=as_of)
    weight = pd.to_numeric(sites["declared_workers"], errors="coerce").fillna(1)
    return _hexagons(actor, sites.geometry.x, sites.geometry.y, weight, resolution=resolution)


@dataclass(frozen=True)
class WorkerHomes:
    """Where one worksite's workers live, per hexagon, and how many live crowded."""

    cells: gpd.GeoDataFrame
    """cell, count, km2, per_km2, geometry"""
    workers: int | str
    housed_here: int | str
    crowded: int | str
    """(for roles that see aggregates only, each may be :data:`geo.disclosure.WITHHELD`)"""


def worker_homes(
    opened: Opened,
    actor: Actor,
    worksite_id: int,
    *,
    resolution: int = DEFAULT_H3_RESOLUTION,
    as_of: date | None = None,
) -> WorkerHomes:
    """The homes of a worksite's current workers aggregated to H3 hexagons, and the number
    of them living in crowded units (see :func:`geo.indicators.crowded`). For roles that see
    aggregates only: as of the last month end, each worksite's homes as published with the
    month end (:func:`geo.services.statistics.published_worker_homes`), its
    workers as the worksite layer shows them; nothing of a worksite registered since."""
    require(actor, "view_aggregates")
    _check_resolution(resolution)
    as_of = _as_of(actor, as_of)
    with opened.db.read() as conn:
        found = stored_worksites.worksites_with_workers(
            conn, as_of=as_of, workers=not actor.aggregates_only
        )
        sites = _scoped(conn, actor, found)
        if worksite_id not in set(sites["id"]):
            raise NotFoundError("worksite_not_found", worksite=worksite_id)
        scope = communities_in_scope(conn, actor)
    if actor.aggregates_only:  # the month end's workers, published with their homes
        kept = published_worker_homes(opened, as_of=as_of, worksite_id=worksite_id)
        if kept is None:  # registered (or placed) since: the month end has nothing of it
            return WorkerHomes(
                cells=_cell_hexagons(
                    actor, np.array([], dtype=np.uint64), pd.Series([]), resolution=resolution
                ),
                workers=disclosure.WITHHELD,
                housed_here=disclosure.WITHHELD,
                crowded=disclosure.WITHHELD,
            )
        with opened.db.read() as conn:
            homes = with_area_ids(kept, kept_areas(opened, conn))
        homes = homes.assign(cell=hexagon_ints(homes["cell"].fillna(_NO_CELL)))
        workers = int(published_worksite_workers(opened, as_of=as_of)[worksite_id])
    else:
        with opened.db.read() as conn:
            homes = worker_cells(stored_worksites.worker_homes(conn, worksite_id, as_of=as_of))
        workers = int(sites.loc[sites["id"] == worksite_id, "workers"].iloc[0])
    if scope is not None:
        homes = homes.loc[homes["community_id"].isin(scope)]
    housed = int(homes["workers"].sum())
    figures: dict[str, int | str] = {
        "workers": workers,
        "housed_here": housed,
        "crowded": int(homes["crowded"].sum()),
    }
    if actor.aggregates_only:
        figures = _disclosed_worker_figures(figures)
    placed = homes.loc[homes["cell"] != hexagon_ints([_NO_CELL])[0]]
    return WorkerHomes(
        cells=_cell_hexagons(
            actor, placed["cell"].to_numpy(), placed["workers"], resolution=resolution
        ),
        workers=figures["workers"],
        housed_here=figures["housed_here"],
        crowded=figures["crowded"],
    )


_NO_CELL = "0"
"""The cell of a home without a place (H3's null index)."""


def _disclosed_worker_figures(figures: dict[str, int | str]) -> dict[str, int | str]:
    """A worksite's worker figures as a planner may see them: each small one withheld, and
    a part withheld when the rest of its whole is small (workers housed nowhere on record,
    housed workers not crowded): those would come back by subtraction."""
    shown: dict[str, int | str] = {
        k: disclosure.count_or_withheld(int(v)) for k, v in figures.items()
    }
    shown = disclosure.withhold_difference(shown, "workers", "housed_here")
    return disclosure.withhold_difference(shown, "housed_here", "crowded")


@dataclass(frozen=True)
class WorksiteFile:
    """One worksite's workers (masked) with their homes, crowding, and its visits."""

    workers: pd.DataFrame
    """name, id_masked, phone_masked, since, external_ref, address, crowded"""
    visits: pd.DataFrame
    """visited_at, outcome, residents_seen, note"""
    elsewhere: int = 0
    """Workers who live in a unit outside the actor's areas: counted, never listed."""


def worksite_file(
    opened: Opened, actor: Actor, worksite_id: int, *, as_of: date | None = None
) -> WorksiteFile:
    """The workers of a worksite in the actor's areas, where each lives (a unit here, or
    none) and whether that unit is crowded, and the worksite's visits (roles that see
    records). A worker who lives in a unit outside an area-scoped actor's areas is a
    person of another area: only counted (``elsewhere``), as the worker homes are."""
    require(actor, "view_records")
    as_of = as_of or clock.today()
    with opened.db.read() as conn:
        sites = _scoped(conn, actor, stored_worksites.worksites_with_workers(conn, as_of=as_of))
        if worksite_id not in set(sites["id"]):
            raise NotFoundError("worksite_not_found", worksite=worksite_id)
        workers = workers_of(conn, worksite_id, as_of=as_of)
        homes = stored_worksites.worker_homes(conn, worksite_id, as_of=as_of)
        visits = visits_to_worksite(conn, worksite_id)
        allowed = communities_in_scope(conn, actor)
    here = workers["property_id"].isna()  # no home in the register: known by this worksite
    if allowed is not None:
        here |= workers["community_id"].isin(allowed)
    else:
        here[:] = True
    elsewhere = int((~here).sum())
    workers = workers.loc[here].reset_index(drop=True)
    is_crowded = crowded(homes["residents"], homes["rooms"], homes["floor_area_m2"])
    crowded_units = set(homes.loc[is_crowded, "property_id"])
    workers = workers.assign(crowded=workers["property_id"].isin(crowded_units))
    record_view(
        opened,
        actor,
        "view.worksite",
        object_type="worksite",
        object_id=str(worksite_id),
        count=len(workers),
    )
    return WorksiteFile(
        workers=workers.drop(columns=["property_id", "community_id"]),
        visits=visits,
        elsewhere=elsewhere,
    )


def data_quality(opened: Opened, actor: Actor) -> dict[str, Any]:
    """What keeps records off the map or in doubt.

    For everyone who sees aggregates: the mapped share per community (units inside one of
    its grids / units in the community) and overall, and boundary overlaps and gaps. For
    roles that see records also the lists: units and worksites without coordinates or
    outside every area, and units within a few metres of a grid boundary.
    """
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        areas = load_areas(conn, geometry=not actor.aggregates_only)
        per = placed_by_community(conn).set_index("community_id")
        unplaced = {t: unplaced_points(conn, t) for t in ("property", "worksite")}
        allowed = communities_in_scope(conn, actor)
        gridded = None if actor.aggregates_only else gridded_places(conn, allowed)
    communities = areas.loc[areas["level"] == "community"]
    if allowed is not None:
        communities = communities.loc[communities["id"].isin(allowed)]
        per = per.loc[per.index.isin(allowed)]
    shares = communities[["id", "code", "name"]].merge(
        per, left_on="id", right_index=True, how="left"
    )
    shares[["units", "in_grid"]] = shares[["units", "in_grid"]].fillna(0).astype(int)
    shares["mapped_share"] = shares["in_grid"] / shares["units"].where(shares["units"] > 0)
    all_units = int(per["units"].sum()) + len(unplaced["property"])  # placed, and in no area
    mapped = int(per["in_grid"].sum())
    report: dict[str, Any] = {
        "mapped_share": shares.drop(columns="id").reset_index(drop=True),
        "overall_mapped_share": mapped / all_units if all_units else float("nan"),
        "unplaced_units": len(unplaced["property"]),
        "unplaced_worksites": len(unplaced["worksite"]),
    }
    if actor.aggregates_only or gridded is None:
        return _disclosed_quality(report, unmapped=all_units - mapped)
    grids = areas.loc[areas["level"] == "grid"]
    distance = near_boundary(
        gridded["lon"].to_numpy(float),
        gridded["lat"].to_numpy(float),
        gridded["grid_id"].to_numpy(dtype=np.int64),
        grids.set_index("id").geometry,
    )
    close = gridded.assign(distance_m=distance).loc[distance <= NEAR_BOUNDARY_M]
    codes = areas.set_index("id")["code"]
    close = close.assign(grid=close["grid_id"].map(codes))
    report["near_boundary"] = close[
        ["external_ref", "lon", "lat", "grid", "distance_m"]
    ].reset_index(drop=True)
    report["unplaced"] = {t: frame for t, frame in unplaced.items()}
    return report


def _disclosed_quality(report: dict[str, Any], *, unmapped: int) -> dict[str, Any]:
    """The data-quality figures as a planner may see them: today's counts are finer in
    time than the month-end figures of the overview (the two would differ by a day's
    registrations), so a community shows only its mapped share, withheld where its units
    or those off every grid are small; the overall share is withheld where the ``unmapped``
    units (off every grid, or without a place) are small, since one minus it times the
    overview's units gives them back; counts of unplaced records are withheld when small.
    """
    shares = report["mapped_share"]
    small = disclosure.is_small(shares["units"]) | disclosure.is_small(
        shares["units"] - shares["in_grid"]
    )
    shown = shares.drop(columns=["units", "in_grid"]).astype({"mapped_share": object})
    shown.loc[small.to_numpy(), "mapped_share"] = disclosure.WITHHELD
    return {
        **report,
        "mapped_share": shown,
        "overall_mapped_share": (
            disclosure.WITHHELD
            if disclosure.count_or_withheld(unmapped) == disclosure.WITHHELD
            else report["overall_mapped_share"]
        ),
        "unplaced_units": disclosure.count_or_withheld(report["unplaced_units"]),
        "unplaced_worksites": disclosure.count_or_withheld(report["unplaced_worksites"]),
    }


def clusters_csv(opened: Opened, actor: Actor, shapes: gpd.GeoDataFrame) -> bytes:
    """The cluster table as CSV for Excel (UTF-8 with BOM), with each hull's centre; the
    export is audited."""
    require(actor, "view_aggregates")
    centre = shapes.geometry.representative_point()
    table = pd.DataFrame(shapes.drop(columns="geometry")).assign(
        lon=np.round(centre.x, 6), lat=np.round(centre.y, 6)
    )
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            "export.clusters",
            count=len(table),
            changes_data=False,
        )
    return excel_csv(table)


def _in_communities(homes: pd.DataFrame, within: frozenset[int] | None) -> pd.Series:
    """Which homes lie in the communities asked for (None: all of them)."""
    if within is None:
        return pd.Series(True, index=homes.index)
    return homes["community_id"].isin(within)


def _area_total(
    homes: pd.DataFrame, areas: pd.DataFrame, area: str | None, within: frozenset[int] | None
) -> int | str:
    """The floating residents of ``area`` (None: all the actor's areas, the communities
    ``within``; None: everywhere) as a planner may see them: all areas, their streets and
    communities protected as one tree over the whole registry's ``homes``
    (:func:`geo.disclosure.protect`), so the total of all areas minus the shown totals of
    its streets or communities gives no withheld one back, and a scope's total is the sum
    of its communities' when none of them is withheld (a tree per scope gave one back)."""
    root = "(all)"
    per_community = homes.groupby("community_id")["floating"].sum()
    by_id = areas.set_index("id")
    codes = by_id["code"].reindex(per_community.index).to_numpy()
    streets = by_id["parent_code"].reindex(per_community.index).fillna(root).to_numpy()
    counts = pd.concat(
        [
            pd.Series({root: int(homes["floating"].sum())}),
            pd.Series(per_community.to_numpy()).groupby(streets).sum().drop(root, errors="ignore"),
            pd.Series(per_community.to_numpy(), index=codes),
        ]
    ).to_frame("n")
    parent = pd.Series(
        [None, *([root] * (len(counts) - 1 - len(codes))), *streets], index=counts.index
    )
    hidden = disclosure.protect(counts, parent=parent, columns=["n"])["n"]
    if area is None and within is not None:
        mine = [str(c) for c in by_id["code"].reindex(sorted(within)).dropna()]
        mine = [c for c in mine if c in counts.index]  # the others have no floating resident
        if bool(hidden.reindex(mine).any()):
            return disclosure.WITHHELD
        return int(counts.loc[mine, "n"].sum())
    key = root if area is None else area
    if key not in counts.index:  # no floating resident there
        return 0
    return disclosure.WITHHELD if bool(hidden[key]) else int(counts.loc[key, "n"])


def _scoped(conn: Connection, actor: Actor, frame: pd.DataFrame) -> pd.DataFrame:
    allowed = communities_in_scope(conn, actor)
    if allowed is None:
        return frame
    return frame.loc[frame["community_id"].isin(allowed)].reset_index(drop=True)


def _as_of(actor: Actor, as_of: date | None) -> date:
    """The day figures are as of: the last month end for roles that see aggregates only."""
    day = as_of or clock.today()
    return disclosure.planner_day(clock.today()) if actor.aggregates_only else day


def _check_resolution(resolution: int) -> None:
    if resolution not in H3_RESOLUTIONS:
        raise InputError("value_invalid", name="resolution", value=resolution)


def _hexagons(
    actor: Actor,
    lon: pd.Series,
    lat: pd.Series,
    weight: pd.Series,
    *,
    resolution: int,
    chosen: npt.NDArray[np.bool_] | None = None,
) -> gpd.GeoDataFrame:
    """Weights per H3 hexagon at ``resolution``: cell, count, km2, per_km2, geometry.
    ``chosen`` (per point) picks the hexagons holding chosen points, each with its whole
    count (:func:`geo.disclosure.whole_cells`). For roles that see aggregates only, the
    hexagons of every resolution are protected as one tree
    (:func:`geo.disclosure.protect_levels`), so no two resolutions give a withheld one back."""
    finest = hexagon_cells(lon, lat, resolution=H3_RESOLUTIONS[-1])
    return _cell_hexagons(actor, finest, weight, resolution=resolution, chosen=chosen)


def _cell_hexagons(
    actor: Actor,
    finest: npt.NDArray[np.uint64],
    weight: pd.Series,
    *,
    resolution: int,
    chosen: npt.NDArray[np.bool_] | None = None,
) -> gpd.GeoDataFrame:
    """:func:`_hexagons` of weights already in their H3 cells of the finest resolution."""
    cells = hexagon_parents(finest, resolution)
    weights = pd.to_numeric(pd.Series(np.asarray(weight)), errors="coerce").fillna(0).to_numpy()
    density = hexagon_density(cells, weights)
    if chosen is not None:
        picked = pd.Series(cells[chosen]).loc[weights[chosen] > 0]
        density = disclosure.whole_cells(density, hexagon_names(picked.unique()))
    if actor.aggregates_only:
        tree = hexagon_tree(finest, weights)
        hidden = disclosure.protect_levels(
            tree["count"], parent=tree["parent"], level=tree["resolution"]
        )
        withheld = tree.index[hidden.to_numpy() & (tree["resolution"] == resolution).to_numpy()]
        density = density.loc[~density["cell"].isin(hexagon_names(withheld))]
    shapes = gpd.GeoDataFrame(
        density.drop(columns="geometry"),
        geometry=list(density["geometry"]) if len(density) else [],
        crs=WGS84,
    )
    shapes["geometry"] = shapely.set_precision(shapes.geometry.to_numpy(), 1e-6)
    return shapes.reset_index(drop=True)
