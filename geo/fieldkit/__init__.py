"""Field kits and what comes back from them: the ODK form and the unit and resident lists a
team's phones carry (:mod:`~geo.fieldkit.forms`), reading ODK Central's submission export
and a GeoPackage's visits (:mod:`~geo.fieldkit.submissions`), and the rules a submission
must pass: its kit's expiry, the team's share, same-day conflicts
(:mod:`~geo.fieldkit.checks`), proof by door plate and GPS (:mod:`~geo.fieldkit.evidence`).

Pure functions on frames and plain values; the files are written in :mod:`geo.io.kits`.
"""

from geo.fieldkit.checks import REFUSAL_REASONS, conflicting_days, records_people, refusals
from geo.fieldkit.evidence import PROVEN_WITHIN_M, distances_m, plate_hash, proof
from geo.fieldkit.forms import (
    OUTCOMES,
    RESIDENTS_FILE,
    UNITS_FILE,
    KitStamp,
    resident_list,
    unit_list,
    xlsform,
)
from geo.fieldkit.submissions import (
    NEWCOMER_KEY_CHARS,
    NEWCOMER_REPEAT,
    SHANGHAI,
    SUBMISSION_COLUMNS,
    kit_day,
    local_time,
    newcomer_key,
    read_gpkg_visits,
    read_odk_export,
    read_odk_newcomers,
)

__all__ = [
    "NEWCOMER_KEY_CHARS",
    "NEWCOMER_REPEAT",
    "OUTCOMES",
    "PROVEN_WITHIN_M",
    "REFUSAL_REASONS",
    "RESIDENTS_FILE",
    "SHANGHAI",
    "SUBMISSION_COLUMNS",
    "UNITS_FILE",
    "KitStamp",
    "conflicting_days",
    "distances_m",
    "kit_day",
    "local_time",
    "newcomer_key",
    "plate_hash",
    "proof",
    "read_gpkg_visits",
    "read_odk_export",
    "read_odk_newcomers",
    "records_people",
    "refusals",
    "resident_list",
    "unit_list",
    "xlsform",
]
