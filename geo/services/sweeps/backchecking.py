"""Back-checks of a sweep judged by LQAS: record-to-field (顺查, a later visit by another
team) and field-to-record (倒查, units found on the ground), and the registration rates
the finds feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import pandas as pd

from geo import clock, disclosure, registration
from geo import sweeps as rules
from geo.columns import plan_columns
from geo.coverage import COMPLETED_OUTCOMES, WINDOW_DAYS
from geo.errors import InputError
from geo.fields import normalise_header
from geo.io.tables import read_table
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.services.statistics import planner_time
from geo.services.sweeps.units import assigned_in_scope, found_sweep, units_in_sweep
from geo.store import registration as finds_store
from geo.store import sweeps as store
from geo.store.areas import load_areas


def backchecks(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    rule: rules.Lqas | None = None,
    as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """Record-to-field back-checks (顺查) of a sweep by LQAS.

    The sample: up to n units per community among those the sweep completed, drawn with the
    sweep's id as seed (the same sample every time). A sampled unit is re-checked by a later
    visit from another team; it fails when that visit's outcome differs from the sweep's or
    it saw a different number of residents. Each community passes with at most d failures.
    """
    require(actor, "view_records")
    today = as_of or clock.today()
    chosen = rule or rules.Lqas(seed=sweep_id)
    with opened.db.read() as conn:
        found = found_sweep(conn, sweep_id, actor)
        units = assigned_in_scope(conn, actor, sweep_id, as_of=today)
        visits = store.all_visits_to(conn, units["property_id"].tolist(), since=found["starts_on"])
    sweep_visits = visits.loc[visits["sweep_id"] == sweep_id]
    first = sweep_visits.sort_values("visited_at").drop_duplicates("property_id", keep="last")
    first = first.loc[first["outcome"].isin(COMPLETED_OUTCOMES)]
    eligible = units.merge(first, on="property_id", suffixes=("", "_sweep"))
    sample = rules.backcheck_sample(eligible, rules.Lqas(chosen.n, chosen.d, seed=sweep_id))
    later = visits.merge(
        sample[["property_id", "visited_at", "team_id_sweep"]].rename(
            columns={"visited_at": "swept_at"}
        ),
        on="property_id",
    )
    later = later.loc[
        (later["visited_at"] > later["swept_at"]) & (later["team_id"] != later["team_id_sweep"])
    ]
    recheck = later.sort_values("visited_at").drop_duplicates("property_id", keep="first")
    judged = sample.merge(
        recheck[["property_id", "outcome", "residents_seen"]].rename(
            columns={"outcome": "recheck_outcome", "residents_seen": "recheck_seen"}
        ),
        on="property_id",
        how="left",
    )
    differs = (judged["recheck_outcome"] != judged["outcome"]) | (
        judged["recheck_seen"].notna()
        & judged["residents_seen"].notna()
        & (judged["recheck_seen"] != judged["residents_seen"])
    )
    judged["failed"] = pd.Series(differs, dtype="boolean").where(judged["recheck_outcome"].notna())
    verdicts = rules.lqas_verdicts(judged, chosen)
    names = units.drop_duplicates("community_id").set_index("community_id")["community"]
    verdicts.insert(1, "community", verdicts["community_id"].map(names))
    return {"sample": judged, "verdicts": verdicts}


FIELD_COMMUNITY: Final = ("社区", "社区名称", "村", "村社区", "community")


def field_backcheck(
    opened: Opened,
    actor: Actor,
    sweep_id: int,
    *,
    data: bytes,
    filename: str,
    rule: rules.Lqas | None = None,
    as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """Field-to-record back-checks (倒查) of a sweep: a file of the units a team found on the
    ground (community, address, room) is matched with the registry of the sweep's areas;
    each community passes by LQAS when at most d of its first n finds are unregistered. The
    finds are dated ``as_of`` (default :func:`geo.clock.today`)."""
    require(actor, "view_records")
    today = as_of or clock.today()
    chosen = rule or rules.Lqas(seed=sweep_id)
    raw = read_table(data, filename)
    plan = plan_columns(list(raw.frame.columns), kind="visits", explicit=None)
    names = {normalise_header(n) for n in FIELD_COMMUNITY}
    community = next((c for c in raw.frame.columns if normalise_header(c) in names), None)
    if "address" not in plan.mapping or community is None:
        missing = "address" if "address" not in plan.mapping else "community"
        raise InputError("columns_missing", fields=missing, columns=", ".join(raw.frame.columns))
    found = pd.DataFrame(
        {
            "row": raw.row_numbers,
            "community": raw.frame[community].astype(str).str.strip().to_numpy(),
            "address": raw.frame[plan.mapping["address"]].to_numpy(),
            "room": raw.frame[plan.mapping["room"]].to_numpy() if "room" in plan.mapping else None,
        }
    )
    with opened.db.read() as conn:
        registered = units_in_sweep(conn, actor, found_sweep(conn, sweep_id, actor), as_of=today)
    judged = rules.field_to_record(found, registered, chosen)
    verdicts = rules.lqas_verdicts(judged.rename(columns={"community": "community_id"}), chosen)
    verdicts.insert(1, "community", verdicts["community_id"])
    with opened.db.write() as conn:
        finds_store.replace_field_finds(
            conn, sweep_id, rules.on_record(found, registered), user=actor.name, on=today
        )
        record(
            conn,
            actor,
            "sweep.backcheck_field",
            object_type="sweep",
            object_id=sweep_id,
            detail={
                "finds": len(found),
                "drawn": len(judged),
                "failed": int(judged["failed"].sum()),
            },
            changes_data=False,
        )
    return {"sample": judged, "verdicts": verdicts}


def registration_rates(
    opened: Opened, actor: Actor, *, window_days: int = WINDOW_DAYS, as_of: date | None = None
) -> pd.DataFrame:
    """Residence and rental registration rates per community over the window (see
    :mod:`geo.registration`); small counts suppressed for roles that see aggregates only."""
    require(actor, "view_aggregates")
    today = as_of or clock.today()
    if actor.aggregates_only:  # no day or window finer than the disclosure policy allows
        today, window_days = planner_time(today, window_days)
    since = today - timedelta(days=window_days - 1)
    with opened.db.read() as conn:
        allowed = communities_in_scope(conn, actor)
        seen = finds_store.seen_and_registered(conn, since=since, until=today, communities=allowed)
        finds = finds_store.field_finds(conn, since=since, until=today)
        if allowed is not None:
            areas = load_areas(conn, level="community", geometry=False)
            finds = finds.loc[finds["community"].isin(areas.loc[areas["id"].isin(allowed), "name"])]
    table = registration.registration_rates(seen, finds)
    if actor.aggregates_only:
        counts = ["residents_seen", "registered_seen", "units_found", "units_registered"]
        hidden = disclosure.protect_table(
            table,
            counts,
            parts_of=[("residents_seen", "registered_seen"), ("units_found", "units_registered")],
        )
        table = disclosure.withhold(table, hidden, derived=_RATES_DERIVED)
    return table


_RATES_DERIVED = {
    "residence_rate": ("residents_seen", "registered_seen"),
    "rental_rate": ("units_found", "units_registered"),
}
