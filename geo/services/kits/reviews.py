"""The review queue: a unit's day whose submissions disagree, listed for registrars and
admins and settled by keeping one submission, both or neither."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from geo.errors import InputError, NotFoundError, PermissionDeniedError
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope, within_scope
from geo.services.setup import Opened
from geo.store import reviews as review_store
from geo.store import submissions as submission_store

DECISIONS: Final = ("one", "both", "neither")


def review_queue(opened: Opened, actor: Actor) -> pd.DataFrame:
    """Units whose submissions of one day disagree, one row per held submission (no personal
    data: outcomes, counts, team and times). For registrars and admins."""
    require(actor, "import")
    with opened.db.read() as conn:
        return review_store.review_queue(conn, communities=communities_in_scope(conn, actor))


def decide_review(
    opened: Opened, actor: Actor, review_id: int, *, decision: str, keep: str | None = None
) -> dict[str, Any]:
    """Settle a unit's disagreeing day: accept ``one`` (the submission ``keep``), ``both``
    (each becomes a visit) or ``neither`` (no visit). Audited."""
    require(actor, "import")
    if decision not in DECISIONS:
        raise InputError("review_decision_unknown", decision=decision, choices=", ".join(DECISIONS))
    with opened.db.write() as conn:
        item = review_store.review_row(conn, review_id)
        allowed = communities_in_scope(conn, actor)
        if item is None or not within_scope(item["community_id"], allowed):
            raise NotFoundError("review_not_found", review=review_id)
        if item["status"] != "open":
            raise InputError("review_decided", review=review_id)
        held = review_store.held_on(conn, int(item["property_id"]), item["day"])
        if decision == "one" and keep not in set(held["submission_id"]):
            raise InputError("review_keep_unknown", submission=str(keep))
        chosen = {
            "one": held["submission_id"] == keep,
            "both": pd.Series(True, index=held.index),
            "neither": pd.Series(False, index=held.index),
        }[decision]
        for kept in held.loc[chosen].to_dict("records"):
            submission_store.store_visit(conn, {str(k): v for k, v in kept.items()})
        review_store.decline(conn, held.loc[~chosen, "submission_id"].tolist())
        review_store.close_review(conn, review_id, decision=decision, user=actor.name)
        record(
            conn,
            actor,
            "review.decide",
            object_type="property",
            object_id=item["property_id"],
            count=int(chosen.sum()),
            detail={
                "review": review_id,
                "day": item["day"].isoformat(),
                "decision": decision,
                "kept": sorted(held.loc[chosen, "submission_id"]),
                "declined": sorted(held.loc[~chosen, "submission_id"]),
            },
        )
    return {"review": review_id, "decision": decision, "visits": int(chosen.sum())}


def may_review(actor: Actor) -> bool:
    """Whether the review queue is for this actor (registrars and admins)."""
    try:
        require(actor, "import")
    except PermissionDeniedError:
        return False
    return True
