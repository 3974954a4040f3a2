"""Retention forgets every copy (issue 17 item 7): after ``retention run`` an anonymised
person's old names and numbers are in no change-log entry, no old rejects report and no
audit detail, and undoing a batch never brings them back."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo.cli import main
from geo.errors import PermissionDeniedError
from geo.i18n import message
from geo.services import people
from geo.services.access import Actor
from geo.services.setup import Opened, open_database
from geo.services.uploads import import_upload, undo_batch
from geo.store.batches import batch_rejects as stored_rejects
from geo.store.people import anonymise
from geo.store.users import now
from tests import databases
from tests.conftest import ADMIN, AS_OF

PERSON = "34122119900101001X"
LONG_AFTER = date(2030, 1, 1)
OLD_NAME, NEW_NAME, REJECTED_NAME = "旧名甲", "新名乙", "拒收丙"
OLD_PHONE, NEW_PHONE, REJECTED_PHONE = "13812345678", "13987654321", "13700001111"


@pytest.fixture
def db(demo_copy) -> Opened:
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def residents(*rows: list[str]) -> bytes:
    head = "身份证号,姓名,手机号,房屋编号,入住日期,搬离日期\n"
    return (head + "\n".join(",".join(r) for r in rows)).encode()


def two_batches(db: Opened) -> tuple[int, int]:
    """A person who left in 2021, then corrected (new name and phone) by a second batch
    that also holds a rejected row (an invalid ID number)."""
    first = import_upload(
        db,
        ADMIN,
        kind="residents",
        as_of=AS_OF,
        filename="1.csv",
        data=residents([PERSON, OLD_NAME, OLD_PHONE, "D00-P000100", "2020-01-01", "2021-01-01"]),
    )
    second = import_upload(
        db,
        ADMIN,
        kind="residents",
        as_of=AS_OF,
        filename="2.csv",
        data=residents(
            [PERSON, NEW_NAME, NEW_PHONE, "D00-P000100", "2020-01-01", "2021-01-01"],
            ["123", REJECTED_NAME, REJECTED_PHONE, "D00-P000100", "2020-01-01", ""],
        ),
    )
    assert second.summary["rejected"] == 1
    return int(first.summary["batch"]), int(second.summary["batch"])


def copies_of(db: Opened, *texts: str) -> list[str]:
    """Where any of ``texts`` is still written: change log, audit details, rejects."""
    found = []
    for (before,) in databases.rows(db.db.url, "SELECT before FROM change_log"):
        if any(t in before for t in texts):
            found.append(f"change_log: {before}")
    for (detail,) in databases.rows(db.db.url, "SELECT detail FROM audit WHERE detail IS NOT NULL"):
        if any(t in detail for t in texts):
            found.append(f"audit: {detail}")
    return found


def rejects_report(db: Opened, batch: int) -> bytes | None:
    with db.db.read() as conn:
        return stored_rejects(conn, batch)


def test_retention_reaches_the_change_log_the_rejects_and_the_audit(db, capsys):
    _, second = two_batches(db)
    assert copies_of(db, OLD_NAME) and rejects_report(db, second) is not None  # copies exist
    person_id = databases.rows(
        db.db.url, "SELECT id FROM person WHERE id_hmac = ?", (db.keys.digest(PERSON),)
    )[0][0]
    history = databases.rows(
        db.db.url, "SELECT before FROM change_log WHERE table_name = 'person' AND row_id = ?",
        (person_id,),
    )  # fmt: skip
    assert any("phone_masked" in b for (b,) in history)
    code = main(
        ["--db", db.db.url, "retention", "run", "--days", "365", "--as-of", LONG_AFTER.isoformat()]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["anonymised"] > 0 and result["history_cleared"] >= 1
    assert result["rejects_dropped"] >= 1
    assert copies_of(db, OLD_NAME, NEW_NAME, REJECTED_NAME, OLD_PHONE, NEW_PHONE) == []
    for (before,) in databases.rows(
        db.db.url, "SELECT before FROM change_log WHERE table_name = 'person' AND row_id = ?",
        (person_id,),
    ):  # fmt: skip
        kept = json.loads(before)
        assert not {"name", "id_cipher", "phone_cipher", "phone_masked", "id_hmac"} & set(kept)
    assert rejects_report(db, second) is None


@pytest.mark.parametrize("recorded", [True, False], ids=["by-retention", "anonymised-earlier"])
def test_undo_never_brings_back_what_retention_removed(db, recorded):
    _, second = two_batches(db)
    person_id = databases.rows(
        db.db.url, "SELECT id FROM person WHERE id_hmac = ?", (db.keys.digest(PERSON),)
    )[0][0]
    if recorded:
        people.run_retention(db, ADMIN, days=365, as_of=LONG_AFTER)
    else:  # a database anonymised before retention noted its work in the change log
        with db.db.write() as conn:
            anonymise(conn, [int(person_id)], when=now(), label=message("anonymised"))
    undo_batch(db, ADMIN, second, force=True)
    after = databases.rows(
        db.db.url,
        "SELECT name, id_hmac, phone_cipher, phone_masked, anonymised_at FROM person WHERE id = ?",
        (person_id,),
    )
    assert after == [(message("anonymised"), None, None, None, after[0][4])]
    assert after[0][4] is not None
    assert not databases.rows(
        db.db.url, "SELECT id FROM person WHERE name IN (?, ?)", (OLD_NAME, NEW_NAME)
    )


def test_only_admins_run_retention(db):
    with pytest.raises(PermissionDeniedError) as refused:
        people.run_retention(db, Actor(name="r", role="registrar"), days=1, as_of=LONG_AFTER)
    assert refused.value.key == "permission_denied"
