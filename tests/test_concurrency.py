"""Many writers and readers at once, on either backend: nothing lost, nothing twice, no
locking error; writers wait their turn saying so, readers never wait; and an edit made on a
form whose facts changed meanwhile is refused with a clear message."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from geo.errors import ConflictError
from geo.i18n import message
from geo.identifiers import id_check_digit
from geo.services import moves, operations, properties, uploads
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.store import audit
from tests import databases
from tests.conftest import AS_OF, ROOT

REGISTRAR = Actor(name="registrar", role="registrar")
IMPORTERS = 8  # processes: the command line importing rentals
CLERKS = 8  # threads: move-ins, moves and corrections entered on the property page
MOVES_EACH = 3
ROWS = 300  # per import; bench/concurrency.py runs the big figures


def rentals_file(directory: Path, writer: int, spots: list[tuple[float, float]]) -> Path:
    """ROWS new units; every writer names the same 20 landlords (a shared natural key)."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(
        ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数", "房东姓名", "房东电话"]
    )
    for i in range(ROWS):
        lon, lat = spots[(writer * ROWS + i) % len(spots)]
        out.writerow(
            [f"C{writer}-{i:03d}", f"并发路{writer}号{i}室", f"{lon:.6f}", f"{lat:.6f}", "单间",
             1, f"房东{i % 20}", f"139{i % 20:08d}"]
        )  # fmt: skip
    path = directory / f"rentals-{writer}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def cli(database: str, *args: str) -> subprocess.Popen[str]:
    """Start ``gridhouse --db database ...`` as a user would, output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "geo", "--db", database, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


READERS = (("audit", "verify"), ("health",), ("stats", "areas"))


def test_importers_movers_and_readers_at_once_land_everything_exactly_once(demo_copy, tmp_path):
    """Eight importers (the eighth sends the first one's file again), eight clerks moving
    people and correcting units, and read-only commands all at once: every import lands
    once, no one sees a locking error, every reader answers, the audit chain holds."""
    opened = open_database(demo_copy)
    spots = databases.rows(
        demo_copy, "SELECT lon, lat FROM property WHERE community_id IS NOT NULL LIMIT 600"
    )
    refs = [
        r[0]
        for r in databases.rows(
            demo_copy,
            "SELECT external_ref FROM property WHERE status = 'active' AND community_id IS NOT"
            " NULL ORDER BY id LIMIT ?",
            (CLERKS * MOVES_EACH * 2,),
        )
    ]
    before = {
        table: databases.scalar(demo_copy, f"SELECT count(*) FROM {table}")
        for table in ("property", "residence", "person", "landlord", "import_batch")
    }
    files = [rentals_file(tmp_path, w, spots) for w in range(IMPORTERS - 1)]
    files.append(files[0])  # the same file twice at once: its units land once
    errors: list[BaseException] = []
    answered: list[tuple[str, int, str]] = []
    importing = threading.Event()
    importing.set()

    def clerk(writer: int) -> None:
        try:
            for i in range(MOVES_EACH):
                number = f"5111021990{writer + 1:02d}{i + 10:02d}001"  # born 1990-0w-dd
                number += id_check_digit(number)
                home, next_home = refs[
                    (writer * MOVES_EACH + i) * 2 : (writer * MOVES_EACH + i) * 2 + 2
                ]
                moves.move_in(
                    opened, REGISTRAR, property_ref=home, on=date(2026, 11, 10),
                    id_number=number, name=f"并发{writer}号{i}", as_of=AS_OF,
                )  # fmt: skip
                moves.move(opened, REGISTRAR, id_number=number, to_property_ref=next_home,
                           on=date(2026, 11, 20), as_of=AS_OF)  # fmt: skip
                properties.edit_unit(opened, REGISTRAR, home, {"rooms": str(2 + writer)})
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader(command: tuple[str, ...]) -> None:  # a read-only command, as a user runs it
        code, _out, err = finished(cli(demo_copy, *command))
        answered.append((command[0], code, err))

    def page_reader() -> None:  # the upload page's history, again and again meanwhile
        try:
            for _ in range(50):  # while the importers run, mostly
                uploads.list_batches(opened, REGISTRAR)
                answered.append(("page", 0, ""))
        except BaseException as exc:  # reported below
            errors.append(exc)

    summaries: dict[int, dict] = {}
    waited: list[int] = []

    def importer(writer: int) -> None:  # the upload page's import, one session each
        try:
            with operations.waits_reported(waited.append):
                result = uploads.import_upload(
                    opened, REGISTRAR, kind="rentals", data=files[writer].read_bytes(),
                    filename=files[writer].name, as_of=AS_OF,
                )  # fmt: skip
            summaries[writer] = result.summary
        except BaseException as exc:  # reported below
            errors.append(exc)

    again = cli(demo_copy, "import", "rentals", str(files[-1]))  # from the command line
    threads = [threading.Thread(target=importer, args=(w,)) for w in range(IMPORTERS - 1)]
    threads += [threading.Thread(target=clerk, args=(w,)) for w in range(CLERKS)]
    threads += [threading.Thread(target=reader, args=(c,)) for c in READERS]
    threads.append(threading.Thread(target=page_reader))
    for thread in threads:
        thread.start()
    code, out, err = finished(again)
    for thread in threads[: IMPORTERS - 1]:
        thread.join(timeout=600)
    importing.clear()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    assert code == 0 and "locked" not in out + err and "internal error" not in err, err
    summaries[IMPORTERS - 1] = json.loads(out)
    landed = [summaries[w] for w in range(IMPORTERS)]
    assert all(s["inserted"] == ROWS for s in landed[1:-1])
    twice = sorted(
        (s["inserted"], s.get("duplicate_of") is not None) for s in (landed[0], landed[-1])
    )
    assert twice[1] == (ROWS, False)  # one of the two sent it first and inserted every unit
    assert twice[0] in ((0, True), (0, False))  # the other: a repeat, or every unit unchanged
    assert {"page", *(c[0] for c in READERS)} <= {name for name, _c, _e in answered}
    assert [(n, c) for n, c, e in answered if c != 0] == [], [e for *_x, e in answered if e]
    after = {
        table: databases.scalar(demo_copy, f"SELECT count(*) FROM {table}") for table in before
    }
    moved_in = CLERKS * MOVES_EACH
    assert after["property"] - before["property"] == (IMPORTERS - 1) * ROWS  # each unit once
    assert after["residence"] - before["residence"] == 2 * moved_in  # a move-in and a move each
    assert after["person"] - before["person"] == moved_in
    assert after["landlord"] - before["landlord"] <= 20  # shared landlords stored once
    assert after["import_batch"] - before["import_batch"] in (IMPORTERS - 1, IMPORTERS)
    edited = databases.scalar(
        demo_copy,
        "SELECT count(*) FROM property WHERE rooms >= 2 AND external_ref IN ("
        + ",".join("?" * len(refs[::2]))
        + ")",
        refs[::2],
    )
    assert edited == moved_in
    with opened.db.read() as conn:
        assert audit.verify(conn) is None  # one unbroken chain, whoever wrote
    opened.db.dispose()


def test_a_writer_waits_its_turn_saying_so_while_readers_never_wait(demo_copy, tmp_path):
    """While one writer holds the database (a long import), a read-only command answers at
    once, and an import waits as long as it takes, saying so, then lands whole."""
    opened = open_database(demo_copy)
    spots = databases.rows(demo_copy, "SELECT lon, lat FROM property LIMIT 200")
    path = rentals_file(tmp_path, 0, spots)
    with opened.db.write():  # another writer, for as long as this block lasts
        code, out, err = finished(cli(demo_copy, "audit", "verify"))
        assert code == 0 and json.loads(out)["ok"] is True, err
        waiting = cli(demo_copy, "import", "rentals", str(path))
        assert waiting.stderr is not None
        first = waiting.stderr.readline()  # blocks until the importer says it waits
        assert "waiting for another import" in first and "正在等待" in first, first
    code, out, err = finished(waiting)
    assert code == 0, err
    assert json.loads(out)["inserted"] == ROWS
    opened.db.dispose()


def test_an_edit_whose_facts_changed_meanwhile_is_refused_and_says_which(demo_copy):
    opened = open_database(demo_copy)
    ref, rooms, kind = databases.rows(
        demo_copy, "SELECT external_ref, rooms, kind FROM property WHERE rooms = 1 LIMIT 1"
    )[0]
    form = {"rooms": rooms, "kind": kind}  # what the form showed
    properties.edit_unit(opened, REGISTRAR, ref, {"rooms": "3"})  # another session saves first
    with pytest.raises(ConflictError) as refused:
        properties.edit_unit(opened, REGISTRAR, ref, {"rooms": "2"}, seen=form)
    text = message(refused.value.key, **refused.value.params)
    assert ref in text and "房间数" in text and "未保存" in text
    assert (
        databases.scalar(demo_copy, "SELECT rooms FROM property WHERE external_ref = ?", (ref,))
        == 3
    )
    # Unchanged facts are no conflict: the same form saves once it shows what is stored.
    saved = properties.edit_unit(opened, REGISTRAR, ref, {"rooms": "2"}, seen={**form, "rooms": 3})
    assert saved["changed"] == ["rooms"]
    opened.db.dispose()
