"""Undo never destroys later work, and the same file again never swallows rows.

A correction on the property file, a move and retention are noted in the change log where
undo looks: undo refuses naming what came later (who, when) or, told to (``--force``),
overrides corrections, but never what retention removed, and never rows others built on.
A file whose rows were rejected before is imported again row by row, saying so.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from geo.cli import main
from geo.errors import ConflictError
from geo.i18n import message
from geo.identifiers import id_check_digit
from geo.services import moves, people, properties
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload, undo_batch
from tests import databases
from tests.conftest import ADMIN, AS_OF

REGISTRAR = Actor(name="registrar", role="registrar")
CLERK = Actor(name="clerk-li", role="registrar")
RENTALS = ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数"]
RESIDENTS = ["身份证号", "姓名", "房屋编号", "入住日期", "搬离日期"]


def table(header: list[str], *rows: list[object]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def number(serial: int) -> str:
    base = f"3412211990010{serial % 10}{serial:03d}"[:17]
    return base + id_check_digit(base)


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def upload(opened, kind, data, *, actor=REGISTRAR, name="a.csv"):
    return import_upload(opened, actor, kind=kind, data=data, filename=name, as_of=AS_OF)


def one(opened, sql, *params):
    return databases.scalar(opened.db.url, sql, params)


def a_unit(opened) -> tuple[str, int]:
    ref, rooms = databases.rows(
        opened.db.url,
        "SELECT external_ref, rooms FROM property WHERE rooms = 1 AND status = 'active' "
        "AND community_id IS NOT NULL ORDER BY id LIMIT 1",
    )[0]
    return ref, rooms


def unit_row(opened, ref: str, *, rooms: int) -> list[object]:
    """The unit as a rentals file gives it, with ``rooms`` rooms."""
    address, lon, lat, kind = databases.rows(
        opened.db.url, "SELECT address, lon, lat, kind FROM property WHERE external_ref = ?", (ref,)
    )[0]
    return [ref, address, lon, lat, kind, rooms]


def text_of(error: ConflictError) -> str:
    return message(error.key, "en", **error.params)


def test_undo_refuses_to_override_a_later_correction_naming_it_and_force_overrides(db):
    ref, rooms = a_unit(db)
    batch = upload(db, "rentals", table(RENTALS, unit_row(db, ref, rooms=3))).summary["batch"]
    properties.edit_unit(db, CLERK, ref, {"rooms": "5"})  # a correction after the batch
    with pytest.raises(ConflictError) as refused:
        undo_batch(db, REGISTRAR, batch)
    said = text_of(refused.value)
    assert "correction on the property file" in said and "clerk-li" in said and "--force" in said
    assert one(db, "SELECT rooms FROM property WHERE external_ref = ?", ref) == 5  # kept
    assert one(db, "SELECT status FROM import_batch WHERE id = ?", batch) == "committed"
    done = undo_batch(db, REGISTRAR, batch, force=True)  # asked for: the correction goes
    assert done["overridden"] == 1
    assert one(db, "SELECT rooms FROM property WHERE external_ref = ?", ref) == rooms


def test_a_correction_before_the_batch_does_not_block_its_undo(db):
    ref, _rooms = a_unit(db)
    properties.edit_unit(db, CLERK, ref, {"rooms": "4"})
    batch = upload(db, "rentals", table(RENTALS, unit_row(db, ref, rooms=2))).summary["batch"]
    undo_batch(db, REGISTRAR, batch)
    assert one(db, "SELECT rooms FROM property WHERE external_ref = ?", ref) == 4


def test_undo_refuses_naming_a_later_move_and_never_removes_a_stay_entered_since(db):
    ref, _rooms = a_unit(db)
    other = databases.rows(
        db.db.url,
        "SELECT external_ref FROM property WHERE external_ref != ? AND status = 'active' "
        "AND community_id IS NOT NULL ORDER BY id LIMIT 1",
        (ref,),
    )[0][0]
    person = number(1)
    batch = upload(db, "residents", table(RESIDENTS, [person, "王五", ref, "2026-10-01", ""]))
    batch_id = batch.summary["batch"]
    moves.move_out(db, CLERK, id_number=person, on=date(2026, 11, 1), as_of=AS_OF)
    with pytest.raises(ConflictError) as refused:
        undo_batch(db, REGISTRAR, batch_id)
    assert "a move-out" in text_of(refused.value) and "clerk-li" in text_of(refused.value)
    moves.move_in(db, CLERK, property_ref=other, on=date(2026, 11, 5), id_number=person,
                  as_of=AS_OF)  # fmt: skip
    with pytest.raises(ConflictError) as blocked:  # forced or not: that stay is not undone
        undo_batch(db, REGISTRAR, batch_id, force=True)
    assert blocked.value.key in ("undo_used_later", "undo_later_change")
    stays = "SELECT count(*) FROM residence r JOIN property p ON p.id = r.property_id"
    assert one(db, stays + " WHERE p.external_ref = ?", other) >= 1
    assert one(db, "SELECT status FROM import_batch WHERE id = ?", batch_id) == "committed"


def test_import_undo_on_the_command_line_names_the_later_batch(db, capsys):
    ref, _rooms = a_unit(db)
    first = upload(db, "rentals", table(RENTALS, unit_row(db, ref, rooms=2)), name="first.csv")
    second = upload(db, "rentals", table(RENTALS, unit_row(db, ref, rooms=3)), name="second.csv")
    code = main(["--db", db.db.url, "import", "undo", str(first.summary["batch"])])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"batch {second.summary['batch']} (second.csv, by registrar" in err
    assert "internal error" not in err


def test_undo_never_brings_back_what_retention_removed(db):
    ref, _rooms = a_unit(db)
    person = number(2)
    stay = [person, "赵六", ref, "2020-01-01", "2021-01-01"]
    upload(db, "residents", table(RESIDENTS, stay), name="1.csv")
    renamed = upload(db, "residents", table(RESIDENTS, [person, "赵六六", *stay[2:]]), name="2.csv")
    batch_id = renamed.summary["batch"]
    assert one(db, "SELECT count(*) FROM change_log WHERE batch_id = ? AND table_name = "
               "'person'", batch_id) == 1  # fmt: skip
    result = people.run_retention(db, ADMIN, days=730, as_of=AS_OF)
    assert result["anonymised"] >= 1
    with pytest.raises(ConflictError) as refused:
        undo_batch(db, REGISTRAR, batch_id)
    assert "retention" in text_of(refused.value)
    undo_batch(db, REGISTRAR, batch_id, force=True)
    names = [r[0] for r in databases.rows(db.db.url, "SELECT name FROM person")]
    assert "赵六" not in names and "赵六六" not in names  # neither name comes back
    assert message("anonymised") in names


def test_a_file_rejected_for_a_missing_unit_imports_it_when_uploaded_again(db):
    person = number(3)
    data = table(RESIDENTS, [person, "孙七", "U-LATER-1", "2026-10-01", ""])
    first = upload(db, "residents", data)
    assert first.summary["rejected"] == 1 and first.summary["inserted"] == 0
    upload(db, "rentals", table(RENTALS, ["U-LATER-1", "后来路1号", "", "", "单间", 1]))
    again = upload(db, "residents", data, actor=CLERK)  # the same file, by someone else
    assert "duplicate_of" not in again.summary
    assert again.summary["again_after"] == first.summary["batch"]
    assert again.summary["inserted"] == 1 and again.summary["rejected"] == 0
    assert message("upload_result_again", "en", batch=1).startswith("this file was imported")
    repeat = upload(db, "residents", data)  # every row in now: a repeat changes nothing
    assert repeat.summary["duplicate_of"] == again.summary["batch"]


def test_a_file_partly_outside_a_registrars_areas_imports_the_rest_for_an_admin(db):
    communities = databases.rows(
        db.db.url,
        "SELECT a.code, p.lon, p.lat FROM property p JOIN area a ON a.id = p.community_id "
        "WHERE p.id IN (SELECT min(id) FROM property WHERE community_id IS NOT NULL "
        "GROUP BY community_id) ORDER BY a.code LIMIT 2",
    )
    (home, lon1, lat1), (_other, lon2, lat2) = communities
    scoped = Actor(name="cun", role="registrar", areas=frozenset({home}))
    data = table(
        RENTALS,
        ["U-SCOPE-1", "本村路1号", lon1, lat1, "单间", 1],
        ["U-SCOPE-2", "外村路2号", lon2, lat2, "单间", 1],
    )
    first = upload(db, "rentals", data, actor=scoped)
    assert (first.summary["inserted"], first.summary["rejected"]) == (1, 1)
    again = upload(db, "rentals", data, actor=ADMIN)
    assert again.summary["again_after"] == first.summary["batch"]
    assert (again.summary["inserted"], again.summary["unchanged"]) == (1, 1)
    assert one(db, "SELECT count(*) FROM property WHERE external_ref LIKE 'U-SCOPE-%'") == 2
