"""Moves, one person at a time (以房管人): move in (a known person matched by the HMAC of
their ID number, or a new one), move out, and a move between two units as one action.

A person lives in at most one unit on any day: a stay that would overlap another is refused
with a message naming the unit and dates it clashes with (only "not in your areas" when
that unit lies outside the actor's areas). The fields follow the residents upload's rules
(the same ID number in any spelling is the same person; no day after today). Every move is
audited and noted in the change log, so that undoing an import never silently overrides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Final

import pandas as pd

from geo import clock
from geo.errors import ConflictError, GridhouseError, InputError, NotFoundError
from geo.i18n import Term
from geo.identifiers import normalise_id_number, normalise_phone
from geo.intake import person_rows
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.scope import communities_in_scope, within_scope
from geo.services.setup import Opened
from geo.stays import overlapping
from geo.store.changes import record_changes
from geo.store.database import Connection
from geo.store.moves import (
    add_person,
    close_stay,
    open_stay,
    person_by_hmac,
    stays_of,
    unit_by_ref,
)
from geo.text import form_name, form_text
from geo.validation import check_record


def move_in(
    opened: Opened,
    actor: Actor,
    *,
    property_ref: str,
    on: date,
    id_number: str,
    name: str | None = None,
    phone: str | None = None,
    room: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Record that a person moved into a unit on ``on``; a person not on record yet needs a
    name. Refused when it overlaps a stay they already have (use :func:`move`)."""
    require(actor, "import")
    with _refusals_audited(opened, actor, "move.in"), opened.db.write() as conn:
        return move_in_within(
            conn,
            opened,
            actor,
            property_ref=property_ref,
            on=on,
            id_number=id_number,
            name=name,
            phone=phone,
            room=room,
            as_of=as_of,
        )


def move_in_within(
    conn: Connection,
    opened: Opened,
    actor: Actor,
    *,
    property_ref: str,
    on: date,
    id_number: str,
    name: str | None = None,
    phone: str | None = None,
    room: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """:func:`move_in` inside the caller's write transaction, with the same rules: for an
    import that records a visit and the people it found together (both or neither)."""
    require(actor, "import")
    reported = as_of or clock.today()
    name, room = form_name(name), form_text(room)  # cleaned and folded as an upload's cells
    _check_fields(
        {"id_number": id_number, "name": name, "phone": phone, "room": room, "moved_in": on},
        as_of=reported,
    )
    number = normalise_id_number(id_number, as_of=as_of)
    unit = _unit(conn, actor, property_ref)
    known = person_by_hmac(conn, opened.keys.digest(number))
    if known is None:
        if not (name and name.strip()):
            raise InputError("move_name_needed")
        person_id = _new_person(opened, conn, number, name.strip(), phone)
    else:
        person_id = int(known["id"])
        _refuse_overlap(stays_of(conn, person_id), on, communities_in_scope(conn, actor))
    stay = _open_stay(
        conn,
        actor,
        person_id=person_id,
        unit=unit,
        on=on,
        room=room,
        reported=reported,
        action="move.in",
        detail={"property": unit["external_ref"], "new": known is None},
    )
    _note_built_upon(conn, actor, "move.in", person_id=person_id, unit_id=unit["id"])
    return {"stay": stay, "person": person_id, "property": unit["external_ref"], "moved_in": on}


def move_out(
    opened: Opened,
    actor: Actor,
    *,
    id_number: str,
    on: date,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Close the person's current stay on ``on`` (not before it began, not after ``as_of``,
    default today)."""
    require(actor, "import")
    _check_fields({"id_number": id_number, "moved_out": on}, as_of=as_of or clock.today())
    number = normalise_id_number(id_number, as_of=as_of)
    with _refusals_audited(opened, actor, "move.out"), opened.db.write() as conn:
        person_id, current = _current_stay(opened, conn, actor, number)
        if on < current["moved_in"]:
            raise InputError("move_out_before_in", moved_in=current["moved_in"].isoformat())
        close_stay(conn, current["id"], moved_out=on, reported_on=as_of or clock.today())
        _note_closed(conn, actor, "move.out", current["id"])
        record(
            conn,
            actor,
            "move.out",
            object_type="residence",
            object_id=str(current["id"]),
            count=1,
            detail={"property": current["external_ref"], "on": on.isoformat()},
        )
    return {"stay": current["id"], "person": person_id, "moved_out": on}


def move(
    opened: Opened,
    actor: Actor,
    *,
    id_number: str,
    to_property_ref: str,
    on: date,
    room: str | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Move a person from their current unit to another on ``on``: the old stay closes and
    the new one opens that day, in one transaction (both or neither)."""
    require(actor, "import")
    reported = as_of or clock.today()
    _check_fields({"id_number": id_number, "room": room, "moved_in": on}, as_of=reported)
    number = normalise_id_number(id_number, as_of=as_of)
    with _refusals_audited(opened, actor, "move"), opened.db.write() as conn:
        person_id, current = _current_stay(opened, conn, actor, number)
        unit = _unit(conn, actor, to_property_ref)
        if unit["id"] == current["property_id"]:
            raise InputError("move_same_unit", property=unit["external_ref"])
        if on <= current["moved_in"]:
            raise InputError("move_out_before_in", moved_in=current["moved_in"].isoformat())
        others = [s for s in stays_of(conn, person_id) if s["id"] != current["id"]]
        _refuse_overlap(others, on, communities_in_scope(conn, actor))
        close_stay(conn, current["id"], moved_out=on, reported_on=as_of or clock.today())
        _note_closed(conn, actor, "move", current["id"])
        stay = _open_stay(
            conn,
            actor,
            person_id=person_id,
            unit=unit,
            on=on,
            room=room,
            reported=reported,
            action="move",
            detail={"from": current["external_ref"], "to": unit["external_ref"]},
        )
        _note_built_upon(conn, actor, "move", person_id=person_id, unit_id=unit["id"])
    return {"stay": stay, "closed": current["id"], "person": person_id, "moved_in": on}


_LOOKUPS: Final = frozenset(
    {
        "move_home_elsewhere",
        "move_overlap_elsewhere",
        "move_no_current_stay",
        "move_no_person",
        "move_name_needed",
    }
)
"""Refusals that depend on whether, and how, a person is on record (here, elsewhere, living
nowhere now, or not at all): an ID number tried against them is a lookup."""


@contextmanager
def _refusals_audited(opened: Opened, actor: Actor, action: str) -> Iterator[None]:
    """A refusal that tells whether or how a person is on record (:data:`_LOOKUPS`: lives
    in another area, on record but living nowhere now, unknown) is itself audited
    (``move.refused``, with the reason and no identifier), after its transaction rolled
    back: tried for one ID number after another, it is a lookup, and leaves a trace."""
    try:
        yield
    except GridhouseError as exc:
        if exc.key in _LOOKUPS:
            with opened.db.write() as conn:
                record(
                    conn,
                    actor,
                    "move.refused",
                    object_type="person",
                    detail={"action": action, "reason": exc.key},
                    changes_data=False,
                )
        raise


def _open_stay(
    conn: Connection,
    actor: Actor,
    *,
    person_id: int,
    unit: dict[str, Any],
    on: date,
    room: str | None,
    reported: date,
    action: str,
    detail: dict[str, Any],
) -> int:
    """Open a stay at ``unit`` from ``on`` and audit it as ``action``."""
    stay = open_stay(
        conn,
        person_id=person_id,
        property_id=unit["id"],
        moved_in=on,
        room=room,
        reported_on=reported,
    )
    record(
        conn,
        actor,
        action,
        object_type="residence",
        object_id=str(stay),
        count=1,
        detail={**detail, "on": on.isoformat()},
    )
    return stay


def _unit(conn: Connection, actor: Actor, ref: str) -> dict[str, Any]:
    unit = unit_by_ref(conn, ref.strip())
    allowed = communities_in_scope(conn, actor)
    if unit is None or not within_scope(unit["community_id"], allowed):
        raise NotFoundError("property_not_found", ref=ref)
    if unit["status"] != "active":
        raise ConflictError("property_inactive", ref=ref)
    return unit


def _current_stay(
    opened: Opened, conn: Connection, actor: Actor, number: str
) -> tuple[int, dict[str, Any]]:
    known = person_by_hmac(conn, opened.keys.digest(number))
    if known is None:
        raise NotFoundError("move_no_person")
    stays = [s for s in stays_of(conn, int(known["id"])) if s["moved_out"] is None]
    allowed = communities_in_scope(conn, actor)
    if not stays:
        raise NotFoundError("move_no_current_stay")
    if allowed is not None and stays[-1]["community_id"] not in allowed:
        raise NotFoundError("move_home_elsewhere")  # where and since when stay unsaid
    return int(known["id"]), stays[-1]


def _refuse_overlap(
    stays: list[dict[str, Any]], start: date, allowed: frozenset[int] | None
) -> None:
    clash = overlapping(stays, start, None)
    if clash:
        first = clash[0]
        if allowed is not None and first["community_id"] not in allowed:
            raise ConflictError("move_overlap_elsewhere")  # the place and dates unsaid
        raise ConflictError(
            "move_overlap",
            property=first["external_ref"],
            moved_in=first["moved_in"].isoformat(),
            moved_out=first["moved_out"].isoformat() if first["moved_out"] else "—",
        )


def _check_fields(record: dict[str, Any], *, as_of: date) -> None:
    """The residents upload's rules for the fields a form gave (blank ones are the
    caller's to require): refused with the first problem, naming the field."""
    given = {
        k: v.isoformat() if isinstance(v, date) else str(v)
        for k, v in record.items()
        if v is not None and str(v).strip() != ""
    }
    filler = {"name": "-", "moved_in": given.get("moved_out", as_of.isoformat())}
    problems = check_record({**filler, **given}, kind="residents", as_of=as_of)[1]
    mine = [(column, reason) for column, reason in problems if column in given]
    if mine:
        column, reason = mine[0]
        raise InputError("edit_invalid", field=Term(f"field_{column}"), reason=Term(reason))


def _note_built_upon(
    conn: Connection, actor: Actor, action: str, *, person_id: int, unit_id: int
) -> None:
    """A new stay builds on its person and unit: an undo of the import that added them
    must not silently remove it (see :func:`geo.store.batches.later_work`)."""
    record_changes(conn, "person", [(person_id, {})], action=action, user=actor.name)
    record_changes(conn, "property", [(unit_id, {})], action=action, user=actor.name)


def _note_closed(conn: Connection, actor: Actor, action: str, stay_id: int) -> None:
    record_changes(
        conn,
        "residence",
        [(stay_id, {"moved_out": None, "moved_out_reported_on": None})],
        action=action,
        user=actor.name,
    )


def _new_person(opened: Opened, conn: Connection, number: str, name: str, phone: str | None) -> int:
    frame = pd.DataFrame({"id_number": [number], "name": [name]})
    if phone:
        frame["phone"] = [normalise_phone(phone)]
    row = person_rows(frame, opened.keys).iloc[0]
    values: dict[str, Any] = {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
    values["birth_year"] = int(row["birth_year"])
    return add_person(conn, **values)
