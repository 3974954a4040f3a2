"""People: unmasking an identifier (a separate, audited act) and retention."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any, Final

from geo.errors import NotFoundError
from geo.i18n import message
from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.store import audit
from geo.store.people import anonymise, departed_before, sealed_identifiers
from geo.store.users import now

ENV_RETENTION_DAYS: Final = "GRIDHOUSE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS: Final = 730


def unmask_person(opened: Opened, actor: Actor, person_id: int) -> dict[str, Any]:
    """A person's ID number and phone in clear, for roles that may unmask; always audited."""
    require(actor, "unmask")
    with opened.db.write() as conn:
        row = sealed_identifiers(conn, person_id)
        if row is None or row["anonymised_at"] is not None:
            raise NotFoundError("person_not_found", person=person_id)
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="unmask",
            object_type="person",
            object_id=str(person_id),
        )
    return {
        "person": person_id,
        "name": row["name"],
        "id_number": opened.keys.unseal(row["id_cipher"]) if row["id_cipher"] else None,
        "phone": opened.keys.unseal(row["phone_cipher"]) if row["phone_cipher"] else None,
    }


def retention_days() -> int:
    value = os.environ.get(ENV_RETENTION_DAYS)
    return int(value) if value else DEFAULT_RETENTION_DAYS


def run_retention(
    opened: Opened, actor: Actor, *, days: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """Anonymise everyone whose last stay ended more than ``days`` ago (default from
    $GRIDHOUSE_RETENTION_DAYS, else 730); counts per area stay as they were."""
    require(actor, "setup")
    keep_days = retention_days() if days is None else days
    cutoff = (today or date.today()) - timedelta(days=keep_days)
    with opened.db.write() as conn:
        ids = departed_before(conn, cutoff)
        done = anonymise(conn, ids, when=now(), label=message("anonymised"))
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="retention.run",
            count=done,
            detail={"days": keep_days, "cutoff": cutoff.isoformat()},
        )
    return {"anonymised": done, "days": keep_days, "cutoff": cutoff.isoformat()}
