"""Time the planners' maps at city scale, beside a naive marker map of the same points.

Prints one JSON object:
{"bench": "maps", "scale", "units", "residents", "overview_level", "payload_bytes",
 "build_warm_s", "overview_cold_s", "payload_bytes_communities", "cluster_cold_s",
 "clusters", "naive_points", "naive_markercluster_s", "naive_payload_bytes"}

- payload_bytes / build_warm_s: the overview map as the page first shows it (the top level
  with more than one area: streets at scale > 1), built from the cached aggregates the page
  holds (the page caches them by data version), rendered to the HTML that is sent to the
  browser. overview_cold_s is the aggregation itself on an empty cache.
  payload_bytes_communities: the same map with every community and village at once.
- cluster_cold_s: the clusters page's default view on an empty cache: DBSCAN clusters of the
  first street's floating residents' homes (queries, clustering, hulls, origins, worksites)
  and its map rendered to HTML.
- naive_*: ``folium.plugins.MarkerCluster`` with one marker per floating residents' home
  in the whole jurisdiction, capped at --naive-cap points (it would not finish on all).

    python bench/maps.py [--scale 80] [--db existing-demo.sqlite] [--naive-cap 100000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import folium
from folium.plugins import MarkerCluster

from geo import maps
from geo.services import boundaries, spatial, statistics
from geo.services.access import Actor
from geo.services.setup import load_demo, open_database
from geo.store.residents import floating_homes
from geo.store.stored_settings import get_setting

AS_OF = date(2026, 11, 29)
PLANNER = Actor(name="bench-planner", role="planner")


def overview_html(figures: statistics.Overview, shapes: Any) -> str:
    """The overview page's map, exactly as pages/overview.py builds it."""
    joined = shapes.drop(columns="parent_code").merge(
        figures.table, on=["code", "name"], how="left"
    )
    fmap = maps.choropleth(
        joined,
        value_column="rental_units",
        legend_title="出租房屋",
        tooltip_columns={"name": "名称", "rental_units": "出租房屋", "residents": "居住人员"},
        id_column="code",
    )
    return str(fmap.get_root().render())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=80)
    parser.add_argument("--db", help="an existing demo database of that scale (else built)")
    parser.add_argument("--naive-cap", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = args.db or str(Path(directory) / "maps.sqlite")
        opened = open_database(path)
        if args.db is None:
            load_demo(opened, Actor(name="bench", role="admin"), scale=args.scale, as_of=AS_OF)
        with sqlite3.connect(opened.db.engine.url.database) as conn:
            units, residents, streets = conn.execute(
                "SELECT (SELECT count(*) FROM property), "
                "(SELECT count(*) FROM residence WHERE moved_out IS NULL), "
                "(SELECT count(*) FROM area WHERE level = 'street')"
            ).fetchone()
        level = "street" if streets > 1 else "community"

        started = time.perf_counter()
        figures = statistics.overview_figures(opened, PLANNER, level=level, as_of=AS_OF)
        shapes = boundaries.area_shapes(opened, PLANNER, level=level)
        overview_cold_s = time.perf_counter() - started
        started = time.perf_counter()
        html = overview_html(figures, shapes)
        build_warm_s = time.perf_counter() - started
        all_communities = overview_html(
            statistics.overview_figures(opened, PLANNER, level="community", as_of=AS_OF),
            boundaries.area_shapes(opened, PLANNER, level="community"),
        )

        first_street = str(shapes["code"].iloc[0]) if level == "street" else None
        started = time.perf_counter()
        found = spatial.floating_clusters(opened, PLANNER, as_of=AS_OF, area=first_street)
        outline = boundaries.area_shapes(opened, PLANNER, level="community")
        if first_street is not None:
            outline = outline.loc[outline["parent_code"] == first_street]
        fmap = maps.base_map(outline.total_bounds)
        maps.add_outlines(fmap, outline)
        maps.add_choropleth(
            fmap,
            found.shapes,
            value_column="residents",
            legend_title="聚集区流动人口",
            tooltip_columns={"cluster": "编号", "residents": "流动人口", "units": "出租房屋"},
        )
        fmap.get_root().render()
        cluster_cold_s = time.perf_counter() - started

        with opened.db.read() as conn:
            homes = floating_homes(
                conn, as_of=AS_OF, local_region=get_setting(conn, "local_region") or ""
            )
        points = homes.head(args.naive_cap)
        started = time.perf_counter()
        naive = folium.Map(location=[points["lat"].mean(), points["lon"].mean()], zoom_start=12)
        cluster = MarkerCluster().add_to(naive)
        for lat, lon, n in zip(points["lat"], points["lon"], points["floating"], strict=True):
            folium.Marker([lat, lon], tooltip=f"{n}").add_to(cluster)
        naive_html = naive.get_root().render()
        naive_s = time.perf_counter() - started
        opened.db.dispose()
    print(
        json.dumps(
            {
                "bench": "maps",
                "scale": args.scale,
                "units": units,
                "residents": residents,
                "overview_level": level,
                "payload_bytes": len(html.encode()),
                "build_warm_s": round(build_warm_s, 3),
                "overview_cold_s": round(overview_cold_s, 2),
                "payload_bytes_communities": len(all_communities.encode()),
                "cluster_cold_s": round(cluster_cold_s, 2),
                "clusters": len(found.shapes),
                "naive_points": len(points),
                "naive_homes_total": len(homes),
                "naive_markercluster_s": round(naive_s, 2),
                "naive_payload_bytes": len(naive_html.encode()),
            }
        )
    )


if __name__ == "__main__":
    main()
