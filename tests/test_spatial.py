"""Clusters in metres, hexagons, crowding, boundary distances, coverage over time, and the
map layers that draw them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import maps
from geo.clusters import NOISE, density_clusters, hexagon_cells, hexagon_density, project
from geo.coverage import coverage_by_month, month_ends, unit_coverage
from geo.crs import wgs84_to_gcj02
from geo.indicators import is_floating
from geo.quality import near_boundary
from geo.services import spatial, statistics
from geo.store.area_counts import resident_counts_by_area
from geo.store.places import unit_places
from geo.store.residents import current_residents, floating_homes
from geo.store.stored_settings import get_setting
from geo.store.visits import completed_visit_days, last_visits
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER

METRES_PER_DEGREE_LAT = 110_900.0


def blob(rng, lon, lat, n, spread_m):
    return (
        lon + rng.normal(0, spread_m, n) / (METRES_PER_DEGREE_LAT * np.cos(np.radians(lat))),
        lat + rng.normal(0, spread_m, n) / METRES_PER_DEGREE_LAT,
    )


def test_dense_neighbourhoods_become_clusters_and_scattered_homes_stay_out():
    rng = np.random.default_rng(1)
    ax, ay = blob(rng, 120.00, 30.00, 80, 40)
    bx, by = blob(rng, 120.03, 30.00, 60, 40)  # about 2.9 km east
    nx = rng.uniform(119.95, 120.08, 40)
    ny = rng.uniform(29.95, 30.05, 40)
    lon, lat = np.concatenate([ax, bx, nx]), np.concatenate([ay, by, ny])
    weight = np.full(len(lon), 2)
    points = project(lon, lat)
    labels = density_clusters(points.x, points.y, weight, eps_m=60, min_residents=20)
    a, b = labels[:80], labels[80:140]
    assert set(a) <= {0, NOISE} and (a == 0).mean() > 0.9  # the larger blob is cluster 0
    assert set(b) <= {1, NOISE} and (b == 1).mean() > 0.9
    assert (labels[140:] == NOISE).mean() > 0.9


def test_a_single_crowded_building_is_a_cluster_by_its_weight():
    points = project([120.0, 120.5], [30.0, 30.0])
    labels = density_clusters(points.x, points.y, [60, 3], eps_m=100, min_residents=50)
    assert labels.tolist() == [0, NOISE]


def test_eps_is_in_metres_not_degrees():
    # two homes 80 m apart east-west at 30 N are neighbours with eps 100 m, not with 60 m
    dlon = 80 / (111_320 * np.cos(np.radians(30)))
    points = project([120.0, 120.0 + dlon], [30.0, 30.0])
    near = density_clusters(points.x, points.y, [10, 10], eps_m=100, min_residents=20)
    far = density_clusters(points.x, points.y, [10, 10], eps_m=60, min_residents=20)
    assert near.tolist() == [0, 0] and far.tolist() == [NOISE, NOISE]


def test_hexagon_density_sums_weights_per_cell():
    cells = hexagon_cells([120.0, 120.00001, 121.0], [30.0, 30.00001, 30.0], resolution=9)
    density = hexagon_density(cells, [3, 4, 5])
    assert sorted(density["count"]) == [5, 7]
    assert (density["km2"].between(0.08, 0.13)).all()  # resolution 9 is about 0.1 km2
    assert all(shape.is_valid for shape in density["geometry"])


def test_distance_to_the_edge_of_ones_own_area_is_in_metres():
    dlon = 1000 / (111_320 * np.cos(np.radians(30)))
    square = shapely.box(120.0, 30.0, 120.0 + dlon, 30.0 + 1000 / METRES_PER_DEGREE_LAT)
    geometries = pd.Series([square], index=[7])
    three_m_in = 120.0 + 3 / (111_320 * np.cos(np.radians(30)))
    distance = near_boundary(
        np.array([three_m_in, 120.0 + dlon / 2]),
        np.array([30.0 + 500 / METRES_PER_DEGREE_LAT] * 2),
        np.array([7, 7]),
        geometries,
    )
    assert distance[0] == pytest.approx(3.0, abs=0.1)
    assert distance[1] == pytest.approx(500.0, rel=0.01)


def test_the_sql_floating_rule_is_the_python_one(demo):
    with demo.db.read() as conn:
        local = get_setting(conn, "local_region")
        homes = floating_homes(conn, as_of=AS_OF, local_region=local)
        residents = current_residents(conn, as_of=AS_OF)
    assert local
    expected = is_floating(residents["origin"], local_region=local).sum()
    placed = homes["floating"].sum()
    with databases.connect(demo.db.url) as conn:
        unplaced = conn.execute(
            "SELECT count(*) FROM residence r JOIN property p ON p.id = r.property_id "
            "JOIN person s ON s.id = r.person_id WHERE p.lon IS NULL AND r.moved_out IS NULL "
            "AND p.status = 'active' AND substr(s.origin, 1, 6) != ?",
            (local,),
        ).fetchone()[0]
    assert placed + unplaced == expected


def test_cluster_residents_add_up_to_the_clustered_total(demo):
    found = spatial.floating_clusters(demo, ADMIN, as_of=AS_OF)
    assert len(found.shapes) > 5
    assert found.shapes["residents"].sum() == found.clustered
    assert 0 < found.clustered <= found.floating_total
    assert found.shapes["origins"].str.match(r"^\S+ \d+%").all()


def test_a_planner_gets_no_hexagon_with_fewer_than_five(demo):
    cells = spatial.floating_hexagons(demo, PLANNER, as_of=AS_OF)
    admin_cells = spatial.floating_hexagons(demo, ADMIN, as_of=AS_OF)
    assert (cells["count"] >= 5).all()
    assert len(admin_cells) > len(cells) and admin_cells["count"].sum() > cells["count"].sum()


def test_worker_homes_count_the_workers_who_live_here(demo):
    sites = spatial.worksite_layer(demo, ADMIN, as_of=AS_OF)
    biggest = int(sites.sort_values("workers").iloc[-1]["id"])
    homes = spatial.worker_homes(demo, ADMIN, biggest, as_of=AS_OF)
    with databases.connect(demo.db.url) as conn:
        here = conn.execute(
            "SELECT count(*) FROM employment e JOIN residence r ON r.person_id = e.person_id "
            "JOIN property p ON p.id = r.property_id WHERE e.worksite_id = ? "
            "AND e.until IS NULL AND r.moved_out IS NULL AND p.status = 'active'",
            (biggest,),
        ).fetchone()[0]
    assert homes.housed_here == here
    assert homes.cells["count"].sum() == here
    assert 0 <= homes.crowded <= here


def test_coverage_at_the_last_month_end_is_todays_coverage(demo):
    with demo.db.read() as conn:
        units = unit_places(conn)
        last = last_visits(conn, as_of=AS_OF)
        visits = completed_visit_days(conn, since=date(2025, 1, 1), as_of=AS_OF)
    active = units.loc[units["status"] == "active"]
    today = unit_coverage(units, last, as_of=AS_OF, window_days=90)["covered"].mean()
    trend = coverage_by_month(active["id"], visits, ends=month_ends(AS_OF, 12), window_days=90)
    assert len(trend) == 12 and trend["month_end"].iloc[-1] == AS_OF
    assert trend["coverage"].iloc[-1] == pytest.approx(today)
    service = statistics.coverage_trend(demo, ADMIN, as_of=AS_OF)  # units placed in an area
    flags = unit_coverage(units, last, as_of=AS_OF, window_days=90)
    placed = active.loc[active["community_id"].notna(), "id"]
    assert service["covered"].iloc[-1] == flags.loc[flags["id"].isin(placed), "covered"].sum()


def test_a_streets_headline_is_the_sum_of_its_communities(demo):
    figures = statistics.overview_figures(demo, ADMIN, level="community", as_of=AS_OF)
    table = figures.table
    assert figures.headline["rental_units"] == table["rental_units"].sum()
    covered = (table["coverage"] * table["rental_units"]).sum()
    assert figures.headline["coverage"] == pytest.approx(covered / table["rental_units"].sum())
    one = table.iloc[0]
    inside = statistics.overview_figures(demo, ADMIN, level="grid", as_of=AS_OF, area=one["code"])
    assert inside.headline["rental_units"] == one["rental_units"]
    assert (inside.table["parent_code"] == one["code"]).all()


def shapes_frame():
    return gpd.GeoDataFrame(
        {"code": ["a"], "name": ["甲"], "n": [3]},
        geometry=[shapely.box(120.0, 30.0, 120.01, 30.01)],
        crs="EPSG:4326",
    )


def test_a_chinese_basemap_shifts_every_layer_to_gcj02():
    plain = maps.choropleth(
        shapes_frame(), value_column="n", legend_title="n", tooltip_columns={"name": "名"}
    )
    shifted = maps.choropleth(
        shapes_frame(),
        value_column="n",
        legend_title="n",
        tooltip_columns={"name": "名"},
        basemap="amap",
    )
    gx, _gy = wgs84_to_gcj02(120.0, 30.0)
    assert "[120.0, 30.0]" in plain.get_root().render()
    assert f"{float(gx):.6f}"[:9] in shifted.get_root().render()


def test_a_map_without_basemap_needs_nothing_from_the_internet():
    fmap = maps.base_map(shapes_frame().total_bounds)
    maps.add_outlines(fmap, shapes_frame())
    maps.add_points(
        fmap,
        gpd.GeoDataFrame(
            {"kind": ["factory"], "size": [10], "name": ["厂"]},
            geometry=gpd.points_from_xy([120.005], [30.005]),
            crs="EPSG:4326",
        ),
        colour_column="kind",
        colours={"factory": "#1f78b4"},
        size_column="size",
        tooltip_columns={"name": "名"},
        legend_title="类型",
        legend_labels={"factory": "工厂"},
    )
    html = fmap.get_root().render()
    assert re.findall(r"https?://[^\s\"')]+", html) == []
    assert "/app/static/leaflet/leaflet.js" in html


def test_the_sql_resident_counts_follow_is_floating(demo):
    with demo.db.read() as conn:
        local = get_setting(conn, "local_region")
        counted = resident_counts_by_area(conn, as_of=AS_OF, local_region=local)
        residents = current_residents(conn, as_of=AS_OF)
    assert counted["residents"].sum() == len(residents)
    floating = is_floating(residents["origin"], local_region=local)
    assert counted["floating_residents"].sum() == floating.sum()
    visits = databases.read_sql(demo.db.url, "SELECT person_id, visited_at, outcome FROM visit")
    latest = (
        visits.dropna(subset=["person_id"]).sort_values("visited_at").groupby("person_id").last()
    )
    missing = set(latest.index[latest["outcome"] == "not_found"])
    assert counted["not_found_residents"].sum() == residents["person_id"].isin(missing).sum()


def test_worksite_hexagons_hold_every_declared_worker(demo):
    sites = spatial.worksite_layer(demo, ADMIN, as_of=AS_OF)
    cells = spatial.worksite_hexagons(demo, ADMIN, as_of=AS_OF)
    assert cells["count"].sum() == pd.to_numeric(sites["declared_workers"]).fillna(1).sum()


def test_a_worksite_file_lists_its_workers_masked_with_their_homes(demo):
    from geo.errors import PermissionDeniedError

    sites = spatial.worksite_layer(demo, ADMIN, as_of=AS_OF)
    site = sites.sort_values("workers").iloc[-1]
    file = spatial.worksite_file(demo, ADMIN, int(site["id"]), as_of=AS_OF)
    assert len(file.workers) == site["workers"]
    assert file.workers["id_masked"].str.contains(r"\*{8}").all()
    homes = spatial.worker_homes(demo, ADMIN, int(site["id"]), as_of=AS_OF)
    assert file.workers["external_ref"].notna().sum() == homes.housed_here
    assert file.workers["crowded"].sum() == homes.crowded
    with pytest.raises(PermissionDeniedError):
        spatial.worksite_file(demo, PLANNER, int(site["id"]), as_of=AS_OF)


def test_a_registrar_of_one_community_sees_only_the_workers_who_live_there(demo):
    """A worksite in a registrar's community lists its workers who live in the register
    there; workers living in another community are counted, never named (their homes are
    another area's records)."""
    from geo.services.access import Actor

    homes = databases.read_sql(
        demo.db.url,
        "SELECT e.worksite_id, w.community_id AS site, p.community_id AS home, a.code"
        " FROM employment e JOIN worksite w ON w.id = e.worksite_id"
        " JOIN area a ON a.id = w.community_id"
        " JOIN residence r ON r.person_id = e.person_id AND r.moved_out IS NULL"
        " JOIN property p ON p.id = r.property_id WHERE e.until IS NULL",
    )
    mixed = homes.assign(away=homes["home"] != homes["site"]).groupby("worksite_id")
    site = mixed["away"].agg(["any", "all"]).query("`any` and not `all`").index[0]
    code = homes.loc[homes["worksite_id"] == site, "code"].iloc[0]
    scoped = Actor(name="cun", role="registrar", areas=frozenset({code}))
    full = spatial.worksite_file(demo, ADMIN, int(site), as_of=AS_OF)
    mine = spatial.worksite_file(demo, scoped, int(site), as_of=AS_OF)
    assert 0 < len(mine.workers) < len(full.workers)
    assert mine.elsewhere == len(full.workers) - len(mine.workers) > 0
    refs = set(mine.workers["external_ref"].dropna())
    in_code = databases.read_sql(
        demo.db.url,
        "SELECT p.external_ref FROM property p JOIN area a ON a.id = p.community_id"
        f" WHERE a.code = '{code}'",
    )
    ours = set(in_code["external_ref"])
    assert refs <= ours
    kept = full.workers["external_ref"].isna() | full.workers["external_ref"].isin(ours)
    assert len(mine.workers) == kept.sum()
    assert full.elsewhere == 0


def test_the_monthly_inspection_rate_counts_each_calendar_month_against_the_target(demo):
    trend = statistics.coverage_trend(demo, ADMIN, as_of=AS_OF, window_days=0)
    assert trend["month_end"].tolist() == month_ends(AS_OF, 12)
    with databases.connect(demo.db.url) as conn:
        units = {
            r[0]
            for r in conn.execute(
                "SELECT id FROM property WHERE status = 'active' AND community_id IS NOT NULL"
            )
        }
        visits = conn.execute(
            "SELECT property_id, visited_at FROM visit WHERE property_id IS NOT NULL"
            " AND outcome IN ('verified', 'changes_found', 'vacant')"
        ).fetchall()
    for row in trend.itertuples():
        first = row.month_end.replace(day=1).isoformat()
        last = (row.month_end + timedelta(days=1)).isoformat()
        inspected = {p for p, at in visits if p in units and first <= at < last}
        assert row.covered == len(inspected)
        assert row.coverage == pytest.approx(len(inspected) / len(units))
        expected = "met" if row.coverage >= 0.8 else "near" if row.coverage >= 0.7 else "below"
        assert (row.target, row.status) == (0.8, expected)
