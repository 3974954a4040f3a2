"""The Gridhouse tables as SQLAlchemy Core metadata: the data model of ARCHITECTURE.md.

One module per subject, every table in the one :data:`metadata` of :mod:`.base` (whose
CHECKs come from :mod:`geo.vocabulary`): :mod:`.areas` (areas, settings, landlords, rental
units), :mod:`.people` (people and their stays), :mod:`.work` (worksites, employment),
:mod:`.sweeps` (sweeps, teams, visits, back-check finds), :mod:`.kits` (field kits,
submissions, reviews, proofs, door plates), :mod:`.imports` (import batches, the change log)
and :mod:`.accounts` (users, sessions, the audit log); :mod:`.figures` keeps the tallies
the overview reads. Importing this package registers
every table, which is what Alembic compares the migrations against.
"""

from geo.store.schema.accounts import app_session, app_user, audit
from geo.store.schema.areas import area, landlord, property_, setting
from geo.store.schema.base import (
    POSTGIS_GEOMETRY,
    Geometry,
    enum_check,
    enum_condition,
    is_postgis_only,
    metadata,
)
from geo.store.schema.figures import (
    figure_dirty,
    figure_new_unit,
    figure_newest,
    figure_stay_day,
    figure_unit_day,
    figure_unit_month,
    figure_visit_day,
    figure_worksites,
    published_figure,
)
from geo.store.schema.imports import change_log, import_batch
from geo.store.schema.kits import kit, plate, review_item, submission, visit_proof
from geo.store.schema.people import person, residence
from geo.store.schema.sweeps import assignment, field_find, sweep, team, team_member, visit
from geo.store.schema.work import employment, worksite

__all__ = [
    "POSTGIS_GEOMETRY",
    "Geometry",
    "app_session",
    "app_user",
    "area",
    "assignment",
    "audit",
    "change_log",
    "employment",
    "enum_check",
    "enum_condition",
    "field_find",
    "figure_dirty",
    "figure_new_unit",
    "figure_newest",
    "figure_stay_day",
    "figure_unit_day",
    "figure_unit_month",
    "figure_visit_day",
    "figure_worksites",
    "import_batch",
    "is_postgis_only",
    "kit",
    "landlord",
    "metadata",
    "person",
    "plate",
    "property_",
    "published_figure",
    "residence",
    "review_item",
    "setting",
    "submission",
    "sweep",
    "team",
    "team_member",
    "visit",
    "visit_proof",
    "worksite",
]
