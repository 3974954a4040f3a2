"""Sweeps: create a campaign, rank and split its units among teams, hand out area lists,
follow progress, carry what was not reached to the next list, and judge back-checks.

One module per job: :mod:`.planning` (create, list and plan sweeps), :mod:`.arealists`
(area lists as files), :mod:`.progress` (how far a sweep is, teams on a map),
:mod:`.backchecking` (LQAS back-checks, registration rates), :mod:`.figures` (what a
planner may see of a sweep's figures) and :mod:`.units` (a sweep's units in the actor's
scope)."""

from geo.services.sweeps.arealists import area_list, area_units_list
from geo.services.sweeps.backchecking import (
    FIELD_COMMUNITY,
    backchecks,
    field_backcheck,
    registration_rates,
)
from geo.services.sweeps.figures import disclosed_sweep_figures, sweep_scope_withheld
from geo.services.sweeps.planning import (
    UNITS_PER_TEAM_DAY,
    SweepPlan,
    create_sweep,
    list_sweeps,
    plan_sweep,
    rank_units,
    units_per_team_day,
)
from geo.services.sweeps.progress import sweep_progress, team_shapes, unit_status

__all__ = [
    "FIELD_COMMUNITY",
    "UNITS_PER_TEAM_DAY",
    "SweepPlan",
    "area_list",
    "area_units_list",
    "backchecks",
    "create_sweep",
    "disclosed_sweep_figures",
    "field_backcheck",
    "list_sweeps",
    "plan_sweep",
    "rank_units",
    "registration_rates",
    "sweep_progress",
    "sweep_scope_withheld",
    "team_shapes",
    "unit_status",
    "units_per_team_day",
]
