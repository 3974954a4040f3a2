"""People: finding a person (masked), unmasking an identifier (a separate, audited act)
and retention."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Final

import pandas as pd

from geo import clock
from geo.errors import InputError, NotFoundError
from geo.i18n import message
from geo.identifiers import normalise_id_number, normalise_phone
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope
from geo.services.setup import Opened
from geo.store.changes import record_changes
from geo.store.people import (
    anonymise,
    departed_before,
    drop_rejects_before,
    find_people,
    forget_earlier_values,
    person_community,
    sealed_identifiers,
)
from geo.store.users import now
from geo.text import fold_name

DEFAULT_RETENTION_DAYS: Final = 730


def search_people(
    opened: Opened,
    actor: Actor,
    *,
    id_number: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """People by exact ID number or phone number (mobile or landline, in any spelling
    :func:`geo.identifiers.normalise_phone` folds, matched by HMAC) or by name prefix, in
    the actor's areas, identifiers masked. The search is audited without its terms."""
    require(actor, "view_records")
    id_number, phone, name = (v.strip() if v else None for v in (id_number, phone, name))
    name = fold_name(name) if name else None  # names are stored folded (geo.text)
    if not (id_number or phone or name):
        raise InputError("search_empty")
    keys = opened.keys
    id_hmac = keys.digest(normalise_id_number(id_number)) if id_number else None
    phone_hmac = keys.digest(normalise_phone(phone)) if phone else None
    with opened.db.write() as conn:
        found = find_people(
            conn,
            id_hmac=id_hmac,
            phone_hmac=phone_hmac,
            name=name,
            communities=communities_in_scope(conn, actor),
            limit=limit,
        )
        record(
            conn,
            actor,
            "people.search",
            object_type="person",
            count=len(found),
            detail={
                "by": [k for k, v in (("id", id_number), ("phone", phone), ("name", name)) if v]
            },
            changes_data=False,
        )
    return found.drop(columns="community_id")


def unmask_person(opened: Opened, actor: Actor, person_id: int) -> dict[str, Any]:
    """A person's ID number and phone in clear, for roles that may unmask, within their
    areas; always audited."""
    require(actor, "unmask")
    with opened.db.write() as conn:
        row = sealed_identifiers(conn, person_id)
        if row is None or row["anonymised_at"] is not None:
            raise NotFoundError("person_not_found", person=person_id)
        allowed = communities_in_scope(conn, actor)
        if allowed is not None and person_community(conn, person_id) not in allowed:
            raise NotFoundError("person_not_found", person=person_id)
        record(
            conn,
            actor,
            "unmask",
            object_type="person",
            object_id=str(person_id),
            changes_data=False,
        )
    return {
        "person": person_id,
        "name": row["name"],
        "id_number": opened.keys.unseal(row["id_cipher"]) if row["id_cipher"] else None,
        "phone": opened.keys.unseal(row["phone_cipher"]) if row["phone_cipher"] else None,
    }


def retention_days(opened: Opened) -> int:
    """Days people are kept after they moved out (``GRIDHOUSE_RETENTION_DAYS``, 730)."""
    return opened.settings.retention_days


def run_retention(
    opened: Opened, actor: Actor, *, days: int | None = None, as_of: date | None = None
) -> dict[str, Any]:
    """Anonymise everyone whose last stay ended more than ``days`` ago (default from
    ``GRIDHOUSE_RETENTION_DAYS``, else 730); counts per area stay as they were. Retention
    reaches every copy: the change log's earlier values of anonymised people, and the
    rejects reports of batches older than the cutoff."""
    require(actor, "setup")
    keep_days = retention_days(opened) if days is None else days
    cutoff = (as_of or clock.today()) - timedelta(days=keep_days)
    with opened.db.write() as conn:
        ids = departed_before(conn, cutoff)
        done = anonymise(conn, ids, when=now(), label=message("anonymised"))
        # Noted without the old values: undoing an import must neither restore them nor
        # silently override what retention did (geo.store.batches.undo_batch).
        record_changes(conn, "person", [(i, {}) for i in ids], action="retention", user=actor.name)
        history = forget_earlier_values(conn)
        rejects = drop_rejects_before(conn, datetime.combine(cutoff, time.min))
        record(
            conn,
            actor,
            "retention.run",
            count=done,
            detail={
                "days": keep_days,
                "cutoff": cutoff.isoformat(),
                "history": history,
                "rejects": rejects,
            },
        )
    return {
        "anonymised": done,
        "days": keep_days,
        "cutoff": cutoff.isoformat(),
        "history_cleared": history,
        "rejects_dropped": rejects,
    }
