"""Turn an upload's text columns into table rows: cells made ready for validation
(:mod:`~geo.intake.preparing`, with :mod:`~geo.intake.coordinates` and
:mod:`~geo.intake.spreadsheet`), then natural keys, repeats within a file, fields derived
from the ID number and identifiers sealed (:mod:`~geo.intake.rows`), and the summary of how
the file was read (:mod:`~geo.intake.summary`).

Pure functions on frames; the upload service stores what they return.
"""

from geo.intake.coordinates import CoordinateSplit, split_coordinates
from geo.intake.preparing import Prepared, prepare
from geo.intake.rows import (
    PROBLEM_COLUMNS,
    natural_key,
    person_rows,
    problems_for,
    repeated_in_file,
)
from geo.intake.spreadsheet import (
    CODE_FIELDS,
    CODE_TYPES,
    code_as_number,
    code_fields,
    midnight_as_date,
)
from geo.intake.summary import SUMMARY_ITEMS, SUMMARY_TEXT, bounded, layout_summary

__all__ = [
    "CODE_FIELDS",
    "CODE_TYPES",
    "PROBLEM_COLUMNS",
    "SUMMARY_ITEMS",
    "SUMMARY_TEXT",
    "CoordinateSplit",
    "Prepared",
    "bounded",
    "code_as_number",
    "code_fields",
    "layout_summary",
    "midnight_as_date",
    "natural_key",
    "person_rows",
    "prepare",
    "problems_for",
    "repeated_in_file",
    "split_coordinates",
]
