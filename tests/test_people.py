"""Unmasking is a separate audited act; retention anonymises and leaves aggregates intact."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from geo import clock
from geo.cli import main
from geo.errors import NotFoundError, PermissionDeniedError
from geo.services import people
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.statistics import area_statistics
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def query(opened, sql: str, *params) -> list[tuple]:
    return databases.rows(opened.db.url, sql, params)


def test_unmasking_shows_the_identifiers_that_match_the_masks_and_is_audited(db):
    person_id, masked, phone_masked = query(
        db, "SELECT id, id_masked, phone_masked FROM person LIMIT 1"
    )[0]
    clear = people.unmask_person(db, ADMIN, person_id)
    assert clear["id_number"][:6] == masked[:6] and clear["id_number"][-4:] == masked[-4:]
    assert clear["phone"][:3] == phone_masked[:3] and clear["phone"][-4:] == phone_masked[-4:]
    assert query(db, "SELECT action, object_id FROM audit ORDER BY id DESC LIMIT 1") == [
        ("unmask", str(person_id))
    ]


@pytest.mark.parametrize("role", ["planner", "registrar", "sweeper"])
def test_only_roles_that_may_unmask_can(db, role):
    with pytest.raises(PermissionDeniedError):
        people.unmask_person(db, Actor(name=role, role=role), 1)


def test_retention_anonymises_people_who_left_long_ago_and_keeps_the_counts(db, capsys):
    # The product's day, not the wall calendar: started at 23:59 (tests/test_clock.py), the
    # wall calendar turns over during the run while the product's day stays put.
    today = clock.today()
    before = area_statistics(db, ADMIN, as_of=AS_OF)
    left = query(
        db,
        "SELECT count(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM residence r "
        "WHERE r.person_id = p.id AND (r.moved_out IS NULL OR r.moved_out >= ?))",
        (today - timedelta(days=100)).isoformat(),
    )[0][0]
    assert left > 0
    assert main(["--db", db.db.url, "retention", "run", "--days", "100"]) == 0
    assert capsys.readouterr().out.count('"anonymised"') == 1
    anonymised = query(
        db,
        "SELECT count(*), count(id_hmac), count(id_cipher), count(phone_cipher), "
        "count(DISTINCT name) FROM person WHERE anonymised_at IS NOT NULL",
    )[0]
    assert anonymised == (left, 0, 0, 0, 1)
    after = area_statistics(db, ADMIN, as_of=AS_OF)
    assert before.equals(after)
    with pytest.raises(NotFoundError):
        person_id = query(db, "SELECT id FROM person WHERE anonymised_at IS NOT NULL LIMIT 1")[0][0]
        people.unmask_person(db, ADMIN, person_id)
    with pytest.raises(PermissionDeniedError):
        people.run_retention(db, PLANNER)


def test_a_person_is_found_by_id_number_and_phone_through_their_hmac(db):
    person_id = query(db, "SELECT id FROM person WHERE phone_cipher IS NOT NULL LIMIT 1")[0][0]
    clear = people.unmask_person(db, ADMIN, person_id)
    by_id = people.search_people(db, ADMIN, id_number=clear["id_number"].lower())
    assert by_id["id"].tolist() == [person_id]
    assert by_id["id_masked"].iloc[0].count("*") == 8
    by_phone = people.search_people(db, ADMIN, phone="+86 " + clear["phone"])
    assert person_id in by_phone["id"].tolist()
    # the result carries masks only, and the audit row does not carry the search terms
    assert clear["id_number"] not in by_id.to_string()
    searches = query(db, "SELECT detail FROM audit WHERE action = 'people.search'")
    assert len(searches) == 2
    assert all(clear["id_number"] not in d and clear["phone"] not in d for (d,) in searches)


def test_a_search_by_name_prefix_stays_inside_the_users_areas(db):
    surname = query(db, "SELECT substr(name, 1, 1) FROM person GROUP BY 1 ORDER BY count(*) DESC")[
        0
    ][0]
    everyone = people.search_people(db, ADMIN, name=surname, limit=10_000)
    assert len(everyone) > 10 and everyone["name"].str.startswith(surname).all()
    community = everyone["community_code"].dropna().iloc[0]
    scoped = Actor(name="cun", role="registrar", areas=frozenset({community}))
    mine = people.search_people(db, scoped, name=surname, limit=10_000)
    assert 0 < len(mine) < len(everyone)
    assert set(mine["community_code"]) == {community}


def test_an_invalid_id_number_in_a_search_is_refused_with_a_reason(db):
    from geo.errors import InputError

    with pytest.raises(InputError, match="id_check"):
        people.search_people(db, ADMIN, id_number="110105194912310021")
    with pytest.raises(InputError, match="search_empty"):
        people.search_people(db, ADMIN, name="  ")
    with pytest.raises(PermissionDeniedError):
        people.search_people(db, PLANNER, name="王")


def test_a_scoped_admin_cannot_unmask_someone_outside_their_areas(db):
    outside = query(
        db,
        "SELECT r.person_id, a.code FROM residence r JOIN property p ON p.id = r.property_id "
        "JOIN area a ON a.id = p.community_id ORDER BY r.id DESC LIMIT 1",
    )[0]
    other = query(
        db, f"SELECT code FROM area WHERE level = 'community' AND code != '{outside[1]}' LIMIT 1"
    )[0][0]
    scoped = Actor(name="scoped-admin", role="admin", areas=frozenset({other}))
    with pytest.raises(NotFoundError):
        people.unmask_person(db, scoped, outside[0])


def test_a_property_file_holds_the_unit_its_residents_masked_and_its_visits(db):
    from geo.services.properties import property_file

    ref, pid = query(
        db,
        "SELECT p.external_ref, p.id FROM property p WHERE EXISTS (SELECT 1 FROM visit v "
        "WHERE v.property_id = p.id) AND EXISTS (SELECT 1 FROM residence r WHERE "
        "r.property_id = p.id) LIMIT 1",
    )[0]
    found = property_file(db, ADMIN, ref)
    assert found.unit["external_ref"] == ref and found.unit["grid_code"]
    stays = query(db, f"SELECT count(*) FROM residence WHERE property_id = {pid}")[0][0]
    visits = query(db, f"SELECT count(*) FROM visit WHERE property_id = {pid}")[0][0]
    assert (len(found.stays), len(found.visits)) == (stays, visits)
    assert "id_cipher" not in found.stays.columns
    assert found.stays["id_masked"].str.contains(r"\*{8}").all()
    with pytest.raises(PermissionDeniedError):
        property_file(db, PLANNER, ref)
    other = query(
        db,
        "SELECT code FROM area WHERE level = 'community' AND id != "
        f"(SELECT community_id FROM property WHERE id = {pid}) LIMIT 1",
    )[0][0]
    with pytest.raises(NotFoundError):
        property_file(db, Actor(name="x", role="registrar", areas=frozenset({other})), ref)


def test_units_are_found_by_words_of_their_address_in_the_users_areas(db):
    from geo.services.properties import search_units

    ref, address, code = next(
        row
        for row in query(
            db,
            "SELECT p.external_ref, p.address, a.code FROM property p JOIN area a ON "
            "a.id = p.community_id ORDER BY p.id",
        )
        if re.search(r"\d", row[1])
    )
    digits = re.search(r"\d+", address).group()  # the street number
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in digits)  # full-width, as typed on phones
    found = search_units(db, ADMIN, f"{address[:2]} {wide}", limit=500)
    assert ref in found["external_ref"].tolist()
    assert all(address[:2] in a and digits in a for a in found["address"])
    elsewhere = query(db, f"SELECT code FROM area WHERE level = 'community' AND code != '{code}'")
    scoped = Actor(name="x", role="registrar", areas=frozenset({elsewhere[0][0]}))
    assert ref not in search_units(db, scoped, address, limit=500)["external_ref"].tolist()


def test_a_unit_is_found_by_its_reference(db):
    from geo.services.properties import search_units

    ref = query(db, "SELECT external_ref FROM property ORDER BY id DESC LIMIT 1")[0][0]
    assert search_units(db, ADMIN, ref)["external_ref"].tolist()[0] == ref


def test_a_registrar_corrects_a_unit_with_the_upload_rules_and_the_change_is_kept(db):
    from geo.errors import InputError as Refused
    from geo.services.properties import edit_unit, property_file, unit_history

    ref, kind, rooms = query(db, "SELECT external_ref, kind, rooms FROM property LIMIT 1")[0]
    registrar = Actor(name="reg", role="registrar")
    with pytest.raises(Refused, match="edit_invalid"):
        edit_unit(db, registrar, ref, {"rooms": "0"})  # below the minimum of 1
    with pytest.raises(Refused):
        edit_unit(db, registrar, ref, {"lon": "120.1"})  # the place comes from uploads
    new_kind = "group_rental" if kind != "group_rental" else "flat"
    label = {"group_rental": "群租房", "flat": "整套"}[new_kind]
    result = edit_unit(db, registrar, ref, {"kind": label, "rooms": str(rooms + 2)})
    assert result["changed"] == ["kind", "rooms"]
    unit = property_file(db, ADMIN, ref).unit
    assert (unit["kind"], unit["rooms"]) == (new_kind, rooms + 2)
    (change,) = unit_history(db, ADMIN, ref)
    assert change["actor"] == "reg"
    assert f'"before": {{"kind": "{kind}", "rooms": {rooms}}}' in change["detail"]
    assert edit_unit(db, registrar, ref, {"rooms": str(rooms + 2)})["changed"] == []
    with pytest.raises(PermissionDeniedError):
        edit_unit(db, PLANNER, ref, {"rooms": "3"})
