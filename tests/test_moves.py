"""Moves one person at a time: one current home per person, overlaps refused, atomic."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo.cli import main
from geo.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from geo.i18n import message
from geo.identifiers import id_check_digit
from geo.services import moves, people
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER

NEWCOMER = "34122119900307001"
NEWCOMER += id_check_digit(NEWCOMER)


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def query(opened, sql, *params):
    return databases.rows(opened.db.url, sql, params)


def resident(opened):
    """A current resident's clear ID number and unit reference."""
    person_id, ref = query(
        opened,
        "SELECT r.person_id, p.external_ref FROM residence r JOIN property p ON p.id = "
        "r.property_id WHERE r.moved_out IS NULL AND r.moved_in < '2026-06-01' LIMIT 1",
    )[0]
    return person_id, people.unmask_person(opened, ADMIN, person_id)["id_number"], ref


def other_unit(opened, ref):
    return query(opened, "SELECT external_ref FROM property WHERE external_ref != ? LIMIT 1", ref)[
        0
    ][0]


def open_stays(opened, person_id):
    return query(
        opened,
        "SELECT count(*) FROM residence WHERE person_id = ? AND moved_out IS NULL",
        person_id,
    )[0][0]


def test_a_move_closes_the_old_stay_and_opens_the_new_one_the_same_day(db):
    person_id, number, ref = resident(db)
    target = other_unit(db, ref)
    result = moves.move(db, ADMIN, id_number=number, to_property_ref=target, on=AS_OF)
    assert open_stays(db, person_id) == 1
    stays = query(
        db,
        "SELECT p.external_ref, r.moved_in, r.moved_out FROM residence r JOIN property p "
        "ON p.id = r.property_id WHERE r.person_id = ? ORDER BY r.moved_in, r.id",
        person_id,
    )
    assert stays[-1] == (target, AS_OF.isoformat(), None)
    assert (ref, AS_OF.isoformat()) in [(s[0], s[2]) for s in stays]
    assert result["closed"] and query(db, "SELECT action FROM audit ORDER BY id DESC LIMIT 1") == [
        ("move",)
    ]


def test_a_move_in_that_overlaps_a_current_stay_is_refused_naming_it(db):
    person_id, number, ref = resident(db)
    with pytest.raises(ConflictError, match="move_overlap") as refused:
        moves.move_in(db, ADMIN, property_ref=other_unit(db, ref), on=AS_OF, id_number=number)
    assert refused.value.params["property"] == ref
    assert open_stays(db, person_id) == 1


def test_a_newcomer_moves_in_sealed_and_is_found_by_id_number(db):
    ref = query(db, "SELECT external_ref FROM property LIMIT 1")[0][0]
    with pytest.raises(InputError, match="move_name_needed"):
        moves.move_in(db, ADMIN, property_ref=ref, on=AS_OF, id_number=NEWCOMER)
    moves.move_in(
        db,
        ADMIN,
        property_ref=ref,
        on=AS_OF,
        id_number=NEWCOMER,
        name="新来者",
        phone="13912345678",
    )
    found = people.search_people(db, ADMIN, id_number=NEWCOMER)
    assert found["name"].tolist() == ["新来者"] and found["property_ref"].tolist() == [ref]
    stored = query(
        db, "SELECT id_cipher, id_masked, sex, birth_year FROM person WHERE name = '新来者'"
    )
    assert NEWCOMER.encode() not in stored[0][0] and stored[0][1:] == (
        "341221********001X"[:0] or stored[0][1],
        "M",
        1990,
    )


def test_moving_out_before_moving_in_is_refused_and_a_move_out_ends_the_stay(db):
    person_id, number, _ref = resident(db)
    with pytest.raises(InputError, match="move_out_before_in"):
        moves.move_out(db, ADMIN, id_number=number, on=date(2000, 1, 1))
    moves.move_out(db, ADMIN, id_number=number, on=AS_OF)
    assert open_stays(db, person_id) == 0
    with pytest.raises(NotFoundError, match="move_no_current_stay"):
        moves.move_out(db, ADMIN, id_number=number, on=AS_OF)


def test_a_move_to_an_unknown_unit_changes_nothing(db):
    person_id, number, _ref = resident(db)
    before = query(db, "SELECT * FROM residence WHERE person_id = ?", person_id)
    with pytest.raises(NotFoundError):
        moves.move(db, ADMIN, id_number=number, to_property_ref="NO-SUCH-UNIT", on=AS_OF)
    assert query(db, "SELECT * FROM residence WHERE person_id = ?", person_id) == before


def test_moves_are_for_roles_that_edit_and_stay_in_their_areas(db):
    _person_id, number, ref = resident(db)
    with pytest.raises(PermissionDeniedError):
        moves.move_out(db, PLANNER, id_number=number, on=AS_OF)
    elsewhere = query(
        db,
        "SELECT a.code FROM area a WHERE a.level = 'community' AND a.id != (SELECT "
        "community_id FROM property WHERE external_ref = ?) LIMIT 1",
        ref,
    )[0][0]
    scoped = Actor(name="cun", role="registrar", areas=frozenset({elsewhere}))
    with pytest.raises(NotFoundError) as refused:
        moves.move_out(db, scoped, id_number=number, on=AS_OF)
    # tried for ID number after ID number, the refusal is a lookup: it leaves a trace,
    # without the number
    assert refused.value.key == "move_home_elsewhere"
    action, actor, detail = query(
        db, "SELECT action, actor, detail FROM audit ORDER BY id DESC LIMIT 1"
    )[0]
    assert (action, actor) == ("move.refused", "cun")
    assert "move_home_elsewhere" in detail and number[-4:] not in detail
    # "not on record" is an answer too: traced alike
    with pytest.raises(NotFoundError, match="move_no_person"):
        moves.move_out(db, scoped, id_number=NEWCOMER, on=AS_OF)
    last = query(db, "SELECT action, detail FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert last[0] == "move.refused" and "move_no_person" in last[1]


def test_the_cli_records_a_move(db, capsys):
    person_id, number, ref = resident(db)
    path = db.db.url
    target = other_unit(db, ref)
    code = main(["--db", path, "move", "--id", number, "--to", target, "--on", AS_OF.isoformat()])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["person"] == person_id
    code = main(["--db", path, "move-in", ref, "--id", number, "--on", AS_OF.isoformat()])
    captured = capsys.readouterr()
    assert code == 2 and "重叠" in captured.err and "Traceback" not in captured.err


# --------------------------------------------------------------------------- same rules as uploads


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_the_same_id_number_in_full_width_digits_is_the_same_person(db):
    _person_id, _number, ref = resident(db)
    target = other_unit(db, ref)
    people_before = query(db, "SELECT count(*) FROM person")[0][0]
    moves.move_in(db, ADMIN, property_ref=ref, on=date(2026, 11, 1), id_number=NEWCOMER,
                  name="全角", as_of=AS_OF)  # fmt: skip
    with pytest.raises(ConflictError):  # the same person: a second open stay is refused
        moves.move_in(db, ADMIN, property_ref=target, on=date(2026, 11, 2),
                      id_number=full_width(NEWCOMER), name="全角", as_of=AS_OF)  # fmt: skip
    assert query(db, "SELECT count(*) FROM person")[0][0] == people_before + 1
    person_id = query(db, "SELECT max(id) FROM person")[0][0]
    assert open_stays(db, person_id) == 1
    moved = moves.move(db, ADMIN, id_number=full_width(NEWCOMER), to_property_ref=target,
                       on=date(2026, 11, 20), as_of=AS_OF)  # fmt: skip
    assert moved["person"] == person_id and open_stays(db, person_id) == 1


@pytest.mark.parametrize(
    "attempt",
    [
        lambda db, number, ref: moves.move_in(db, ADMIN, property_ref=ref, on=date(2026, 12, 1),
                                              id_number=NEWCOMER, name="明天", as_of=AS_OF),
        lambda db, number, ref: moves.move_out(db, ADMIN, id_number=number,
                                               on=date(2026, 12, 1), as_of=AS_OF),
        lambda db, number, ref: moves.move(db, ADMIN, id_number=number,
                                           to_property_ref=other_unit(db, ref),
                                           on=date(2026, 12, 1), as_of=AS_OF),
    ],
    ids=["move-in", "move-out", "move"],
)  # fmt: skip
def test_moves_dated_after_today_are_refused_as_an_upload_refuses_them(db, attempt):
    _person_id, number, ref = resident(db)
    stays_before = query(db, "SELECT count(*), count(moved_out) FROM residence")
    with pytest.raises(InputError) as refused:
        attempt(db, number, ref)
    assert message("date_future", "en") in message(refused.value.key, "en", **refused.value.params)
    assert query(db, "SELECT count(*), count(moved_out) FROM residence") == stays_before
    upload = import_upload(db, ADMIN, kind="residents", filename="future.csv", as_of=AS_OF,
                           data=f"身份证号,姓名,房屋编号,入住日期\n{NEWCOMER},明天,{ref},2026-12-01\n"
                           .encode())  # fmt: skip
    assert upload.rejects["reason"].tolist() == ["date_future"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345"), ("room", "室" * 40), ("name", "名" * 101)],
)
def test_a_move_in_applies_the_uploads_field_rules(db, field, value):
    _person_id, _number, ref = resident(db)
    given = {"name": "新人", "phone": None, "room": None} | {field: value}
    people_before = query(db, "SELECT count(*) FROM person")[0][0]
    with pytest.raises(InputError) as refused:
        moves.move_in(db, ADMIN, property_ref=ref, on=date(2026, 11, 1), id_number=NEWCOMER,
                      as_of=AS_OF, **given)  # fmt: skip
    assert refused.value.key == "edit_invalid"
    said = message(refused.value.key, "en", **refused.value.params)
    assert said.startswith(message(f"field_{field}", "en") + ": ")
    assert query(db, "SELECT count(*) FROM person")[0][0] == people_before


def test_the_cli_refuses_a_move_dated_tomorrow_in_one_line(db, capsys):
    _person_id, number, _ref = resident(db)
    code = main(["--db", db.db.url, "move-out", "--id", number, "--on", "2026-12-01",
                 "--as-of", AS_OF.isoformat()])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and " | " in err
