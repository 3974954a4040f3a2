"""A rental unit's file (以房管人): the dwelling, its landlord, who lives and lived there,
and its visits; what a registrar opens to check or fix a record."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from geo.errors import ConflictError, InputError, NotFoundError
from geo.i18n import Phrase, Term, message
from geo.services.access import Actor, require
from geo.services.auditing import record, record_view
from geo.services.scope import communities_in_scope, within_scope
from geo.services.setup import Opened
from geo.store import audit
from geo.store.changes import record_changes
from geo.store.properties import (
    find_units,
    property_by_ref,
    stays_at,
    update_unit,
    visits_to,
)
from geo.text import form_texts
from geo.validation import check_record, reason_text


@dataclass(frozen=True)
class PropertyFile:
    unit: dict[str, Any]
    """the unit's fields, its landlord (masked phone), community, grid and upload batch"""
    stays: pd.DataFrame
    """name, id_masked, phone_masked, room, moved_in, moved_out (newest first)"""
    visits: pd.DataFrame
    """visited_at, outcome, residents_seen, team, note (newest first)"""


def property_file(opened: Opened, actor: Actor, ref: str) -> PropertyFile:
    """The file of the unit with reference ``ref``, for roles that see records, within
    their areas (identifiers masked)."""
    require(actor, "view_records")
    with opened.db.read() as conn:
        unit = property_by_ref(conn, ref.strip())
        allowed = communities_in_scope(conn, actor)
        if unit is None or not within_scope(unit["community_id"], allowed):
            raise NotFoundError("property_not_found", ref=ref)
        stays = stays_at(conn, unit["id"])
        visits = visits_to(conn, unit["id"])
    record_view(
        opened, actor, "view.property", object_type="property", object_id=ref, count=len(stays)
    )
    return PropertyFile(unit=unit, stays=stays, visits=visits)


def search_units(opened: Opened, actor: Actor, text: str, *, limit: int = 50) -> pd.DataFrame:
    """Units in the actor's areas whose address, room or reference contains every word of
    ``text`` (full-width forms folded, so "３号" finds "3号"): external_ref, address, room,
    community, lon, lat."""
    require(actor, "view_records")
    words = unicodedata.normalize("NFKC", text).split()
    if not words:
        raise InputError("search_empty")
    with opened.db.read() as conn:
        found = find_units(
            conn, words=words, communities=communities_in_scope(conn, actor), limit=limit
        )
    record_view(
        opened,
        actor,
        "units.search",
        object_type="property",
        count=len(found),
        detail={"words": len(words)},
    )
    return found


EDITABLE: Final = ("address", "room", "kind", "rooms", "floor_area_m2", "max_occupants", "status")
"""What a registrar may correct on a unit's file (its place comes from an upload)."""


def edit_unit(
    opened: Opened,
    actor: Actor,
    ref: str,
    changes: dict[str, str],
    *,
    seen: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Correct a unit's facts with the upload rules (Chinese or English values, e.g. 单间);
    the audit log keeps who changed what from what, and when. Returns the changed fields.

    ``seen``: the facts as the form showed them. If someone else (another session, an
    import) changed any of them since, nothing is saved and the conflict names the fields,
    so no one silently overwrites a correction they never saw."""
    require(actor, "import")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InputError("value_invalid", name="field", value=", ".join(unknown))
    changes = form_texts(changes)  # control and invisible characters out, as in an upload
    given = {k: v for k, v in changes.items() if v is not None and str(v).strip() != ""}
    values, problems = check_record(given, kind="rentals")
    if values is None:
        column, reason = problems[0]
        said = Phrase(
            reason_text(reason, kind="rentals", column=column, lang="zh"),
            reason_text(reason, kind="rentals", column=column, lang="en"),
        )
        raise InputError("edit_invalid", field=Term(f"field_{column}"), reason=said)
    with opened.db.write() as conn:
        unit = property_by_ref(conn, ref)
        allowed = communities_in_scope(conn, actor)
        if unit is None or not within_scope(unit["community_id"], allowed):
            raise NotFoundError("property_not_found", ref=ref)
        if seen is not None:
            moved = changed_since(unit, seen)
            if moved:
                names = "、".join(message(f"field_{f}") for f in moved)
                raise ConflictError("edited_meanwhile", ref=ref, fields=names)
        native = {k: (v.item() if hasattr(v, "item") else v) for k, v in values.items()}
        changed = {k: v for k, v in native.items() if v != unit.get(k)}
        if changed:
            update_unit(conn, unit["id"], changed)
            before = {k: unit.get(k) for k in changed}  # where undo of an import looks
            record_changes(conn, "property", [(unit["id"], before)], action="property.edit",
                           user=actor.name)  # fmt: skip
            record(
                conn,
                actor,
                "property.edit",
                object_type="property",
                object_id=ref,
                count=1,
                detail={
                    "before": {k: _plain(unit.get(k)) for k in changed},
                    "after": {k: _plain(v) for k, v in changed.items()},
                },
            )
    return {"property": ref, "changed": sorted(changed)}


def changed_since(unit: Mapping[str, Any], seen: Mapping[str, Any]) -> list[str]:
    """The editable facts whose stored value is no longer the one ``seen``.

    >>> changed_since({"rooms": 2, "room": None}, {"rooms": 2.0, "room": float("nan")})
    []
    >>> changed_since({"rooms": 3, "room": "101"}, {"rooms": 2, "room": "101"})
    ['rooms']
    """
    return [f for f in EDITABLE if f in seen and _comparable(unit.get(f)) != _comparable(seen[f])]


def _comparable(value: Any) -> Any:
    plain = _plain(value)
    if isinstance(plain, float) and plain != plain:  # NaN: nothing shown
        return None
    return float(plain) if isinstance(plain, int) and not isinstance(plain, bool) else plain


def unit_history(opened: Opened, actor: Actor, ref: str) -> list[dict[str, Any]]:
    """Who changed the unit's facts, when, from what to what (newest first)."""
    property_file(opened, actor, ref)  # the same rights and scope as reading the file
    with opened.db.read() as conn:
        rows = audit.entries(conn, action="property.edit", limit=5000)
    return [r for r in rows if r["object_id"] == ref]


def _plain(value: Any) -> Any:
    """A value as JSON holds it (dates as ISO text, numpy numbers as Python ones)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
