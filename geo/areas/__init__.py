"""Area boundaries: prepare them, check siblings, and place points in them.

Boundaries arrive as polygons in WGS-84 from whatever a surveyor drew.
:func:`prepare_areas` repairs them, names them and finds each one's parent
(:mod:`geo.areas.prepare`, shapes from :mod:`geo.areas.shapes`); :func:`sibling_issues`
reports where siblings overlap or leave gaps (:mod:`geo.areas.siblings`); :class:`AreaIndex`
answers "which area is this point in?" for millions of points at a time, and its module
(:mod:`geo.areas.index`) is the one home of the tie rule for points on edges.
"""

from geo.areas.index import NONE, AreaIndex
from geo.areas.prepare import PreparedAreas, codes_as_text, prepare_areas
from geo.areas.shapes import Shapes, areas_m2, polygonal, repair_geometries, shapes_to_polygons
from geo.areas.siblings import ISSUE_COLUMNS, SLIVER_WIDTH_M, sibling_issues

__all__ = [
    "ISSUE_COLUMNS",
    "NONE",
    "SLIVER_WIDTH_M",
    "AreaIndex",
    "PreparedAreas",
    "Shapes",
    "areas_m2",
    "codes_as_text",
    "polygonal",
    "prepare_areas",
    "repair_geometries",
    "shapes_to_polygons",
    "sibling_issues",
]
