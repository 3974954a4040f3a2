"""Area scope on every path, attacked: a registrar of one community cannot undo, list or
download the rejects of another area's batches, learns nothing of a person's home outside
their areas from a refusal, and no account is scoped to a blank list or an unknown code."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from geo.cli import main
from geo.errors import GridhouseError, InputError, NotFoundError, PermissionDeniedError
from geo.i18n import bilingual
from geo.services import accounts, moves, people
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import batch_rejects_csv, import_upload, list_batches, undo_batch
from tests import databases
from tests.conftest import ADMIN, AS_OF

RENTALS = ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数"]
RESIDENTS = ["身份证号", "姓名", "房屋编号", "入住日期"]


def table(header: list[str], *rows: list[object]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def two_communities(opened) -> list[tuple[str, float, float, str]]:
    """Two communities: code, a point inside (one of its units) and that unit's reference."""
    return databases.rows(
        opened.db.url,
        "SELECT a.code, p.lon, p.lat, p.external_ref FROM property p JOIN area a ON a.id = "
        "p.community_id WHERE p.id IN (SELECT min(id) FROM property WHERE community_id IS NOT "
        "NULL AND status = 'active' GROUP BY community_id) ORDER BY a.code LIMIT 2",
    )


def said(error: GridhouseError) -> str:
    return bilingual(error.key, **error.params)


def upload(opened, actor, kind, data, name="a.csv"):
    return import_upload(opened, actor, kind=kind, data=data, filename=name, as_of=AS_OF)


def test_a_registrar_cannot_undo_list_or_download_another_areas_batch(db):
    (mine, *_a), (theirs, lon, lat, _ref) = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    stranger = "110105194912310021"  # a full ID number in a rejected row of the admin's file
    admin_rentals = upload(db, ADMIN, "rentals", table(RENTALS, ["U-B-1", "乙路1号", lon, lat,
                                                                 "单间", 1]))  # fmt: skip
    admin_residents = upload(
        db, ADMIN, "residents", table(RESIDENTS, [stranger, "某人", "U-NOWHERE", "2026-10-01"])
    )
    assert admin_residents.summary["rejected"] == 1
    for batch in (admin_rentals.summary["batch"], admin_residents.summary["batch"]):
        with pytest.raises(PermissionDeniedError) as refused:
            undo_batch(db, registrar, batch)
        text = said(refused.value)
        assert "not in your areas" in text and theirs not in text
        with pytest.raises(PermissionDeniedError):
            batch_rejects_csv(db, registrar, batch)
    # a number that names no batch reads the same: which numbers exist is not theirs
    for refuse in (undo_batch, batch_rejects_csv):
        with pytest.raises(PermissionDeniedError) as refused:
            refuse(db, registrar, 999_999)
        assert refused.value.key == "batch_outside_areas"
        with pytest.raises(NotFoundError, match="batch_not_found"):  # an admin is told plainly
            refuse(db, ADMIN, 999_999)
    listed = list_batches(db, registrar)
    assert admin_rentals.summary["batch"] not in set(listed["id"])
    assert admin_residents.summary["batch"] not in set(listed["id"])
    assert databases.scalar(
        db.db.url, "SELECT status FROM import_batch WHERE id = ?", (admin_rentals.summary["batch"],)
    ) == "committed"  # fmt: skip
    assert batch_rejects_csv(db, ADMIN, admin_residents.summary["batch"]) is not None


def test_a_registrar_lists_and_undoes_their_own_areas_batches(db):
    (mine, lon, lat, _ref), _other = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    colleague = Actor(name="cun-a2", role="registrar", areas=frozenset({mine}))
    own = upload(
        db, registrar, "rentals", table(RENTALS, ["U-A-1", "甲路1号", lon, lat, "单间", 1])
    )
    theirs = upload(db, colleague, "rentals", table(RENTALS, ["U-A-2", "甲路2号", lon, lat,
                                                              "单间", 1]))  # fmt: skip
    listed = set(list_batches(db, registrar)["id"])
    assert {own.summary["batch"], theirs.summary["batch"]} <= listed
    undo_batch(db, registrar, theirs.summary["batch"])  # in my areas: mine to undo
    undo_batch(db, registrar, own.summary["batch"])


def test_an_undo_refused_for_a_later_batch_elsewhere_does_not_name_it(db):
    (mine, lon, lat, _ref), (_theirs, lon2, lat2, _r2) = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    own = upload(
        db, registrar, "rentals", table(RENTALS, ["U-A-9", "甲路9号", lon, lat, "单间", 1])
    )
    later = upload(
        db, ADMIN, "rentals",
        table(RENTALS, ["U-A-9", "甲路9号", lon, lat, "单间", 2],
              ["U-B-9", "乙路9号", lon2, lat2, "单间", 1]),
        name="admin-secret.csv",
    )  # fmt: skip
    with pytest.raises(GridhouseError) as refused:
        undo_batch(db, registrar, own.summary["batch"])
    text = said(refused.value)
    assert refused.value.key == "undo_later_elsewhere" and "not in your areas" in text
    assert "admin-secret" not in text and ADMIN.name not in text
    assert f"batch {later.summary['batch']}" not in text


def test_a_refused_move_does_not_say_where_a_person_outside_the_areas_lives(db):
    (mine, _lon, _lat, my_unit), _other = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    outside = databases.rows(
        db.db.url,
        "SELECT r.person_id, p.external_ref, r.moved_in FROM residence r JOIN property p ON "
        "p.id = r.property_id JOIN area a ON a.id = p.community_id WHERE r.moved_out IS NULL "
        "AND a.code != ? AND r.moved_in < '2026-06-01' LIMIT 1",
        (mine,),
    )
    person_id, their_unit, since = outside[0]
    number = people.unmask_person(db, ADMIN, person_id)["id_number"]
    with pytest.raises(GridhouseError) as refused:
        moves.move_in(db, registrar, property_ref=my_unit, on=date(2026, 11, 1),
                      id_number=number, as_of=AS_OF)  # fmt: skip
    text = said(refused.value)
    assert "not in your areas" in text
    assert their_unit not in text and str(since)[:10] not in text
    for attempt in (
        lambda: moves.move_out(db, registrar, id_number=number, on=AS_OF, as_of=AS_OF),
        lambda: moves.move(db, registrar, id_number=number, to_property_ref=my_unit,
                           on=AS_OF, as_of=AS_OF),
    ):  # fmt: skip
        with pytest.raises(GridhouseError) as refused:
            attempt()
        text = said(refused.value)
        assert "not in your areas" in text and their_unit not in text


@pytest.mark.parametrize("areas", [frozenset(), frozenset({""}), frozenset({"NO-SUCH-CODE"})])
def test_an_account_scoped_to_nothing_or_to_an_unknown_code_is_refused(db, areas):
    with pytest.raises(InputError):
        accounts.add_account(db, ADMIN, name="scoped", role="registrar",
                             password="a-long-password", areas=areas)  # fmt: skip
    assert databases.scalar(db.db.url, "SELECT count(*) FROM app_user WHERE name = 'scoped'") == 0
    accounts.add_account(db, ADMIN, name="scoped2", role="registrar", password="a-long-password")
    with pytest.raises(InputError):
        accounts.update_account(db, ADMIN, "scoped2", areas=areas)


@pytest.mark.parametrize("given", ["", " , ", "NO-SUCH-CODE"])
def test_users_add_refuses_a_blank_or_unknown_area_list(db, capsys, given):
    code = main(["--db", db.db.url, "users", "add", "x", "--role", "registrar", "--areas", given])
    err = capsys.readouterr().err
    assert code == 2 and " | " in err and "internal error" not in err
    assert databases.scalar(db.db.url, "SELECT count(*) FROM app_user WHERE name = 'x'") == 0


def refused_outside(result) -> None:
    """Exactly one row refused, as a row placed outside the areas is, the other place
    unnamed."""
    assert result.summary["rejected"] == 1
    assert set(result.rejects["reason"]) == {"outside_scope"}


def unit_row(opened, ref: str) -> tuple[object, ...]:
    return databases.rows(
        opened.db.url,
        "SELECT address, lon, lat, community_id, landlord_id, batch_id FROM property "
        "WHERE external_ref = ?",
        (ref,),
    )[0]


RENTALS_FULL = [*RENTALS, "房东姓名", "房东电话"]


def test_a_registrar_cannot_update_another_communitys_unit_by_upload(db):
    (mine, lon, lat, _my_ref), (theirs, _lon2, _lat2, their_ref) = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    before = unit_row(db, their_ref)
    data = table(
        RENTALS_FULL,
        [their_ref, "改掉的地址", lon, lat, "单间", 1, "王改", "13957100998"],  # moved into mine
        ["U-A-NEW", "甲路5号", lon, lat, "单间", 1, "李新", "13957100997"],
    )
    for dry_run in (True, False):
        result = import_upload(db, registrar, kind="rentals", data=data, filename="r.csv",
                               as_of=AS_OF, dry_run=dry_run)  # fmt: skip
        refused_outside(result)
        assert result.summary["updated"] == 0 and result.summary["inserted"] == 1
        assert set(result.rejects["row"]) == {2}
        reasons = " ".join(result.rejects["reason_zh"]) + " ".join(result.rejects["reason_en"])
        assert theirs not in reasons and their_ref not in reasons
    assert unit_row(db, their_ref) == before  # not moved, not readdressed, same landlord
    assert databases.scalar(db.db.url, "SELECT count(*) FROM landlord WHERE name = '王改'") == 0
    done = upload(db, ADMIN, "rentals", data)
    assert done.summary["rejected"] == 0 and done.summary["updated"] == 1
    assert unit_row(db, their_ref)[0] == "改掉的地址"


def test_a_registrar_cannot_move_a_person_out_of_another_community_by_upload(db):
    (mine, _lon, _lat, my_unit), _other = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    person_id, stay_id = databases.rows(
        db.db.url,
        "SELECT r.person_id, r.id FROM residence r JOIN property p ON p.id = r.property_id "
        "JOIN area a ON a.id = p.community_id WHERE r.moved_out IS NULL AND a.code != ? "
        "AND r.moved_in < '2026-06-01' LIMIT 1",
        (mine,),
    )[0]
    number = people.unmask_person(db, ADMIN, person_id)["id_number"]
    newcomer = "110101198501011239"
    data = table(
        [*RESIDENTS, "手机号"],
        [number, "改名", my_unit, "2026-11-28", "13800007777"],
        [newcomer, "新人", my_unit, "2026-11-28", "13800007778"],
    )
    stored = "SELECT name, phone_hmac FROM person WHERE id = ?"
    before = databases.rows(db.db.url, stored, (person_id,))
    for dry_run in (True, False):
        result = import_upload(db, registrar, kind="residents", data=data, filename="p.csv",
                               as_of=AS_OF, dry_run=dry_run)  # fmt: skip
        refused_outside(result)
        assert set(result.rejects["row"]) == {2}
        assert result.summary["inserted"] == 1 and result.summary["moves"] == 0
        if dry_run:  # it saved nothing, yet told that the person lives elsewhere: traced
            action, actor, count, detail = databases.rows(
                db.db.url, "SELECT action, actor, count, detail FROM audit ORDER BY id DESC"
            )[0]
            assert (action, actor, count) == ("import.check", "cun-a", 1)
            assert number[-4:] not in detail
    open_stay = "SELECT moved_out FROM residence WHERE id = ?"
    assert databases.scalar(db.db.url, open_stay, (stay_id,)) is None  # still at home there
    assert databases.rows(db.db.url, stored, (person_id,)) == before  # not renamed
    done = upload(db, ADMIN, "residents", data)
    assert done.summary["rejected"] == 0 and done.summary["moves"] == 1
    assert databases.scalar(db.db.url, open_stay, (stay_id,)) is not None


def test_an_overlap_with_a_stay_in_another_area_is_not_dated_to_a_registrar(db):
    """A person who once lived in another area: a row of theirs whose move-in falls in that
    stay is refused as another area's record, not as an overlap on that day (tried day after
    day, the overlap dated their stay there); the dry run is audited."""
    (mine, _lon, _lat, my_unit), _other = two_communities(db)
    registrar = Actor(name="cun-b", role="registrar", areas=frozenset({mine}))
    person_id, moved_in = databases.rows(
        db.db.url,
        "SELECT r.person_id, r.moved_in FROM residence r JOIN property p ON p.id = r.property_id"
        " JOIN area a ON a.id = p.community_id WHERE r.moved_out IS NOT NULL AND a.code != ?"
        " AND r.person_id NOT IN (SELECT person_id FROM residence WHERE moved_out IS NULL)"
        " AND r.moved_out > r.moved_in LIMIT 1",
        (mine,),
    )[0]
    number = people.unmask_person(db, ADMIN, person_id)["id_number"]
    inside = str(moved_in)[:10]  # the day that stay began
    data = table(RESIDENTS, [number, "某人", my_unit, inside])
    result = import_upload(db, registrar, kind="residents", data=data, filename="o.csv",
                           as_of=AS_OF, dry_run=True)  # fmt: skip
    refused_outside(result)
    assert inside not in set(result.rejects["value"])
    action, count = databases.rows(
        db.db.url, "SELECT action, count FROM audit ORDER BY id DESC LIMIT 1"
    )[0]
    assert (action, count) == ("import.check", 1)
    # an admin, who sees every area, is told the overlap itself
    told = import_upload(db, ADMIN, kind="residents", data=data, filename="o.csv",
                         as_of=AS_OF, dry_run=True)  # fmt: skip
    assert set(told.rejects["reason"]) == {"stay_overlap"}


def test_a_registrar_cannot_update_another_communitys_worksite_by_upload(db):
    (mine, lon, lat, _ref), _other = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    their_site, before = databases.rows(
        db.db.url,
        "SELECT w.external_ref, w.name FROM worksite w JOIN area a ON a.id = w.community_id "
        "WHERE a.code != ? LIMIT 1",
        (mine,),
    )[0]
    data = table(
        ["单位编号", "单位名称", "单位类型", "单位地址", "经度", "纬度"],
        [their_site, "改掉的单位", "物流", "甲路7号", lon, lat],
        ["S-A-NEW", "甲路快递站", "物流", "甲路8号", lon, lat],
    )
    named = "SELECT name FROM worksite WHERE external_ref = ?"
    for dry_run in (True, False):
        result = import_upload(db, registrar, kind="worksites", data=data, filename="w.csv",
                               as_of=AS_OF, dry_run=dry_run)  # fmt: skip
        refused_outside(result)
        assert result.summary["updated"] == 0 and result.summary["inserted"] == 1
    assert databases.scalar(db.db.url, named, (their_site,)) == before
    done = upload(db, ADMIN, "worksites", data)
    assert done.summary["rejected"] == 0 and done.summary["updated"] == 1
    assert databases.scalar(db.db.url, named, (their_site,)) == "改掉的单位"


def test_a_registrar_cannot_rename_another_communitys_landlord_by_upload(db):
    (mine, lon, lat, _ref), (_theirs, lon2, lat2, _r2) = two_communities(db)
    registrar = Actor(name="cun-a", role="registrar", areas=frozenset({mine}))
    phone = "13957100996"
    upload(db, ADMIN, "rentals", table(RENTALS_FULL, ["U-B-7", "乙路7号", lon2, lat2, "单间", 1,
                                                      "赵房东", phone]))  # fmt: skip
    data = table(RENTALS_FULL, ["U-A-7", "甲路7号", lon, lat, "单间", 1, "钱改名", phone])
    result = upload(db, registrar, "rentals", data)
    refused_outside(result)
    assert list(result.rejects["column"]) == ["landlord_phone"]
    named = "SELECT count(*) FROM landlord WHERE name = ?"
    assert databases.scalar(db.db.url, named, ("赵房东",)) == 1
    assert databases.scalar(db.db.url, named, ("钱改名",)) == 0
    same_name = table(RENTALS_FULL, ["U-A-8", "甲路8号", lon, lat, "单间", 1, "赵房东", phone])
    assert upload(db, registrar, "rentals", same_name).summary["inserted"] == 1
    assert upload(db, ADMIN, "rentals", data).summary["inserted"] == 1
    assert databases.scalar(db.db.url, named, ("钱改名",)) == 1
