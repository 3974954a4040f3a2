"""Area lists for sweep teams as files: CSV, XLSX, GeoJSON, KML, KMZ, GPX and a printable PDF.

A list is a frame in walking order with the columns of :data:`LIST_COLUMNS` (Chinese headers,
the ones the visits upload reads back) plus ``lon``/``lat`` in WGS-84. Spreadsheet cells are
text, never formulas; the columns a team fills in come blank (:mod:`~geo.io.arealists.sheet`).
Phone map apps get KML (or KMZ) and GPX waypoints and each team's route in WGS-84; GPX routes
come in legs a handheld takes (:data:`GPX_LEG_POINTS`) with short unique names
(:mod:`~geo.io.arealists.waypoints`). Every text field of every format is cleaned of control
and invisible characters (:func:`clean_text`), so the XML formats are well-formed whatever is
stored; the PDF embeds a CJK font so it prints anywhere (:mod:`~geo.io.arealists.pdf`, its
route drawn by :mod:`~geo.io.arealists.sketch`). :func:`write` picks the writer.

A list that comes back filled in (Excel or WPS may retype 房屋编号 as ``3.30111E+19`` or drop
its leading zeros) is matched to its units by :func:`match_returned`: the 核对码
(:func:`unit_code`, a short code Excel cannot retype), the reference, or the sweep, the
address and the room (:mod:`~geo.io.arealists.codes`, :mod:`~geo.io.arealists.returned`).
"""

from geo.io.arealists.codes import CODE_PREFIX, parse_unit_code, ref_consistent, unit_code
from geo.io.arealists.formats import FORMATS, write
from geo.io.arealists.pdf import FONT_ENV, PDF_COLUMNS, RESIDENTS_PER_ROW, cjk_font
from geo.io.arealists.returned import match_returned
from geo.io.arealists.sheet import FILL_COLUMNS, LIST_COLUMNS, OUTCOME_HINT, clean_text, sheet
from geo.io.arealists.waypoints import GPX_LEG_POINTS, GPX_NAME_LENGTH

__all__ = [
    "CODE_PREFIX",
    "FILL_COLUMNS",
    "FONT_ENV",
    "FORMATS",
    "GPX_LEG_POINTS",
    "GPX_NAME_LENGTH",
    "LIST_COLUMNS",
    "OUTCOME_HINT",
    "PDF_COLUMNS",
    "RESIDENTS_PER_ROW",
    "cjk_font",
    "clean_text",
    "match_returned",
    "parse_unit_code",
    "ref_consistent",
    "sheet",
    "unit_code",
    "write",
]
