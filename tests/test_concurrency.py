"""Many writers at once, on either backend: nothing lost, no locking error, and an edit made
on a form whose facts changed meanwhile is refused with a clear message."""

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
from geo.services import moves, properties
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.store import audit
from tests import databases
from tests.conftest import ROOT

REGISTRAR = Actor(name="registrar", role="registrar")
IMPORTERS = 4  # processes: the command line importing rentals, then visits
CLERKS = 4  # threads: move-ins and corrections entered on the property page
MOVES_EACH = 12


def rentals_file(directory: Path, writer: int, spots: list[tuple[float, float]]) -> Path:
    """150 new units; every writer names the same 20 landlords (a shared natural key)."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(
        ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数", "房东姓名", "房东电话"]
    )
    for i in range(150):
        lon, lat = spots[(writer * 150 + i) % len(spots)]
        out.writerow(
            [f"C{writer}-{i:03d}", f"并发路{writer}号{i}室", f"{lon:.6f}", f"{lat:.6f}", "单间",
             1, f"房东{i % 20}", f"139{i % 20:08d}"]
        )  # fmt: skip
    path = directory / f"rentals-{writer}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def visits_file(directory: Path, writer: int) -> Path:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["房屋编号", "走访时间", "走访结果", "见到人数", "走访组", "备注"])
    for i in range(150):
        out.writerow([f"C{writer}-{i:03d}", "2026-11-28 10:00", "已核实", 1, "并发组", ""])
    path = directory / f"visits-{writer}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def import_both(database: str, rentals: Path, visits: Path) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = []
    for kind, path in (("rentals", rentals), ("visits", visits)):
        done.append(
            subprocess.run(
                [sys.executable, "-m", "geo", "--db", database, "import", kind, str(path)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=env,
                timeout=600,
                check=False,
            )
        )
    return done


def test_eight_writers_at_once_lose_nothing_and_see_no_locking_error(demo_copy, tmp_path):
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
            (CLERKS * MOVES_EACH,),
        )
    ]
    before = {
        table: databases.scalar(demo_copy, f"SELECT count(*) FROM {table}")
        for table in ("property", "visit", "residence", "person", "landlord")
    }
    files = [(rentals_file(tmp_path, w, spots), visits_file(tmp_path, w)) for w in range(IMPORTERS)]
    results: dict[int, list[subprocess.CompletedProcess]] = {}
    errors: list[BaseException] = []

    def importer(writer: int) -> None:
        results[writer] = import_both(demo_copy, *files[writer])

    def clerk(writer: int) -> None:
        try:
            for i in range(MOVES_EACH):
                number = f"5111021990{writer + 1:02d}{i + 10:02d}001"  # born 1990-0w-dd
                number += id_check_digit(number)
                ref = refs[writer * MOVES_EACH + i]
                moves.move_in(
                    opened, REGISTRAR, property_ref=ref, on=date(2026, 11, 20),
                    id_number=number, name=f"并发{writer}号{i}", today=date(2026, 11, 29),
                )  # fmt: skip
                properties.edit_unit(opened, REGISTRAR, ref, {"rooms": str(2 + writer)})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=importer, args=(w,)) for w in range(IMPORTERS)]
    threads += [threading.Thread(target=clerk, args=(w,)) for w in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    assert errors == []
    for writer, (rentals, visits) in sorted(results.items()):
        for run in (rentals, visits):
            assert run.returncode == 0, (writer, run.stderr)
            assert "locked" not in run.stderr + run.stdout
        assert json.loads(rentals.stdout)["inserted"] == 150
        assert json.loads(visits.stdout)["accepted"] == 150
    assert len(results) == IMPORTERS
    after = {
        table: databases.scalar(demo_copy, f"SELECT count(*) FROM {table}") for table in before
    }
    moved_in = CLERKS * MOVES_EACH
    assert after["property"] - before["property"] == IMPORTERS * 150
    assert after["visit"] - before["visit"] == IMPORTERS * 150
    assert after["residence"] - before["residence"] == moved_in
    assert after["person"] - before["person"] == moved_in
    assert after["landlord"] - before["landlord"] <= 20  # shared landlords stored once
    assert databases.scalar(demo_copy, "SELECT count(*) FROM property WHERE rooms >= 2 AND "
                            "external_ref IN (" + ",".join("?" * len(refs)) + ")", refs) == len(
        refs
    )  # fmt: skip
    with opened.db.read() as conn:
        assert audit.verify(conn) is None  # one unbroken chain, whoever wrote
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
