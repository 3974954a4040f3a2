"""Area shapes and choices the actor may see, for the maps and pickers of the pages."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.services.access import Actor, in_scope, require
from geo.services.setup import Opened
from geo.store.areas import load_areas
from geo.vocabulary import AREA_LEVELS


def area_shapes(opened: Opened, actor: Actor, *, level: str) -> gpd.GeoDataFrame:
    """The boundaries (code, name, parent_code, geometry in WGS-84) of one level that the
    actor may see."""
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        shapes = load_areas(conn, level=level)
        everything = load_areas(conn, geometry=False)
    visible = everything.loc[in_scope(everything, actor), "code"]
    columns = ["code", "name", "parent_code", "geometry"]
    return shapes.loc[shapes["code"].isin(visible), columns].reset_index(drop=True)


def area_choices(opened: Opened, actor: Actor) -> pd.DataFrame:
    """Code, name and level of every area the actor may see, top level first (for pickers)."""
    require(actor, "view_aggregates")
    with opened.db.read() as conn:
        everything = load_areas(conn, geometry=False)
    visible = everything.loc[in_scope(everything, actor)]
    order = visible["level"].map({level: i for i, level in enumerate(AREA_LEVELS.codes)})
    return (
        visible.assign(_order=order)
        .sort_values(["_order", "code"])[["code", "name", "level"]]
        .reset_index(drop=True)
    )
