"""Upload batches: atomic, undoable, history kept, dry runs, roles, and crash safety."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo.crs import wgs84_to_gcj02
from geo.errors import ConflictError, PermissionDeniedError
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.services.uploads import import_upload, undo_batch
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER, ROOT

HEADER = ["房屋编号", "详细地址", "经度", "纬度", "房屋类型", "房间数", "房东姓名", "房东电话"]
REGISTRAR = Actor(name="registrar", role="registrar")


def rentals(*rows: list[object]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def rows_of(opened, sql: str) -> list[tuple]:
    return databases.rows(opened.db.url, sql)


def upload(opened, data: bytes, *, actor=REGISTRAR, name: str = "a.csv", **options):
    return import_upload(
        opened, actor, kind="rentals", data=data, filename=name, as_of=AS_OF, **options
    )


UNIT = "SELECT address, kind, rooms, landlord_id FROM property WHERE external_ref = 'D00-P000001'"


def test_undo_restores_updated_rows_and_removes_added_ones(db):
    before = rows_of(db, UNIT)
    counts_before = rows_of(db, "SELECT count(*) FROM property")
    result = upload(
        db,
        rentals(
            ["D00-P000001", "新地址1号", "", "", "整套", "4", "新房东", "13912345678"],
            ["U-NEW-1", "新地址2号", "119.95", "30.05", "单间", "1", "", ""],
        ),
    )
    assert (result.summary["inserted"], result.summary["updated"]) == (1, 1)
    assert rows_of(db, UNIT)[0][:3] == ("新地址1号", "flat", 4)
    history = rows_of(db, "SELECT table_name, before FROM change_log")
    assert history and history[0][0] == "property" and before[0][0] in history[0][1]
    undone = undo_batch(db, REGISTRAR, result.summary["batch"])
    assert undone["undone"] is True
    assert rows_of(db, UNIT) == before
    assert rows_of(db, "SELECT count(*) FROM property") == counts_before
    assert rows_of(db, "SELECT count(*) FROM landlord WHERE name = '新房东'") == [(0,)]
    assert rows_of(db, "SELECT action FROM audit ORDER BY id DESC LIMIT 1") == [("import.undo",)]
    with pytest.raises(ConflictError):
        undo_batch(db, REGISTRAR, result.summary["batch"])


def test_a_later_batch_on_the_same_rows_blocks_undo_until_it_is_undone(db):
    first = upload(
        db, rentals(["U-CHAIN", "链式1号", "119.95", "30.05", "单间", "1", "", ""]), name="1.csv"
    )
    second = upload(
        db, rentals(["U-CHAIN", "链式1号", "119.95", "30.05", "单间", "2", "", ""]), name="2.csv"
    )
    assert second.summary["updated"] == 1
    with pytest.raises(ConflictError) as refused:
        undo_batch(db, REGISTRAR, first.summary["batch"])
    assert refused.value.params["later"] == second.summary["batch"]
    undo_batch(db, REGISTRAR, second.summary["batch"])
    assert rows_of(db, "SELECT rooms FROM property WHERE external_ref = 'U-CHAIN'") == [(1,)]
    undo_batch(db, REGISTRAR, first.summary["batch"])
    assert rows_of(db, "SELECT count(*) FROM property WHERE external_ref = 'U-CHAIN'") == [(0,)]


def test_a_dry_run_counts_exactly_and_keeps_nothing(db):
    data = rentals(
        ["U-DRY-1", "试算1号", "119.95", "30.05", "单间", "1", "", ""],
        ["D00-P000002", "试算2号", "", "", "整套", "2", "", ""],
        ["U-DRY-3", "试算3号", "119.95", "30.05", "城堡", "1", "", ""],
    )
    snapshot = rows_of(
        db,
        "SELECT count(*), (SELECT count(*) FROM import_batch), "
        "(SELECT count(*) FROM audit) FROM property",
    )
    dry = upload(db, data, dry_run=True)
    assert dry.summary["dry_run"] is True and dry.summary["batch"] is None
    assert (
        rows_of(
            db,
            "SELECT count(*), (SELECT count(*) FROM import_batch), "
            "(SELECT count(*) FROM audit) FROM property",
        )
        == snapshot
    )
    real = upload(db, data)
    for key in ("rows", "accepted", "rejected", "inserted", "updated", "unchanged"):
        assert dry.summary[key] == real.summary[key], key


def test_gcj02_points_are_stored_in_wgs84_and_assigned_to_their_community(db):
    x, y = wgs84_to_gcj02(119.95, 30.05)
    upload(
        db,
        rentals(["U-GCJ", "火星1号", f"{float(x):.7f}", f"{float(y):.7f}", "单间", "1", "", ""]),
        crs="gcj02",
    )
    lon, lat, source, community = rows_of(
        db, "SELECT lon, lat, coord_source, community_id FROM property WHERE external_ref = 'U-GCJ'"
    )[0]
    assert abs(lon - 119.95) < 2e-6 and abs(lat - 30.05) < 2e-6
    assert source == "gcj02"
    assert community is not None


def test_roles_without_import_rights_are_refused_in_the_service(db):
    for actor in (PLANNER, Actor(name="s", role="sweeper")):
        with pytest.raises(PermissionDeniedError):
            upload(db, rentals(["U-X", "某地", "", "", "单间", "1", "", ""]), actor=actor)
    upload(db, rentals(["U-X", "某地", "", "", "单间", "1", "", ""]), actor=ADMIN)


def test_a_resident_moving_closes_the_previous_stay_and_keeps_one_home(db):
    def residents(*rows: list[str]) -> bytes:
        text = "身份证号,姓名,房屋编号,入住日期\n" + "\n".join(",".join(r) for r in rows)
        return text.encode()

    person = "34122119900101001X"  # check digit X (GB 11643)
    first = import_upload(
        db,
        REGISTRAR,
        kind="residents",
        as_of=AS_OF,
        filename="1.csv",
        data=residents([person, "甲", "D00-P000100", "2026-03-01"]),
    )
    assert first.summary["inserted"] == 1
    second = import_upload(
        db,
        REGISTRAR,
        kind="residents",
        as_of=AS_OF,
        filename="2.csv",
        data=residents([person, "甲", "D00-P000101", "2026-09-01"]),
    )
    assert second.summary["moves"] == 1
    stays = rows_of(
        db,
        "SELECT p.external_ref, r.moved_in, r.moved_out FROM residence r "
        "JOIN property p ON p.id = r.property_id JOIN person s ON s.id = r.person_id "
        "WHERE s.name = '甲' ORDER BY r.moved_in",
    )
    assert stays == [
        ("D00-P000100", "2026-03-01", "2026-09-01"),
        ("D00-P000101", "2026-09-01", None),
    ]
    assert rows_of(
        db,
        "SELECT count(*) FROM (SELECT person_id FROM residence WHERE moved_out IS NULL "
        "GROUP BY person_id HAVING count(*) > 1) AS twice",
    ) == [(0,)]
    undo_batch(db, REGISTRAR, second.summary["batch"])
    assert rows_of(
        db,
        "SELECT moved_out FROM residence r JOIN person s ON s.id = r.person_id WHERE s.name = '甲'",
    ) == [(None,)]


def writing_has_begun(url: str) -> bool:
    """The import's rows are going in: SQLite's write-ahead log has grown past 4 MiB, or
    PostgreSQL copies rows into the units for another session."""
    if databases.POSTGIS:
        return bool(
            databases.scalar(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND (query LIKE 'COPY property%'"
                " OR query LIKE 'INSERT INTO property%')",
            )
        )
    wal = Path(f"{databases.sqlite_path(url)}-wal")
    return wal.exists() and wal.stat().st_size > 4 * 2**20


def test_killing_an_import_mid_write_leaves_no_partial_batch(db, tmp_path, monkeypatch):
    """SIGKILL while the batch is being written: the database holds none of it afterwards."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    from ingest import rentals_csv

    big = tmp_path / "big.csv"
    big.write_bytes(rentals_csv(150_000))
    path = db.db.url
    db.db.dispose()
    before = rows_of(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM property")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo",
            "--db",
            path,
            "import",
            "rentals",
            str(big),
            "--crs",
            "gcj02",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if writing_has_begun(path):
            break
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if not databases.POSTGIS:
        assert databases.rows(path, "PRAGMA integrity_check") == [("ok",)]
    assert (
        rows_of(db, "SELECT count(*), (SELECT count(*) FROM import_batch) FROM property") == before
    )


def test_a_registrar_scoped_to_one_village_writes_only_there(db):
    unit_in = (
        "SELECT p.external_ref, p.lon, p.lat FROM property p "
        "JOIN area a ON a.id = p.community_id WHERE a.code = ? LIMIT 1"
    )
    inside = databases.rows(db.db.url, unit_in, ("330110901201",))[0]
    outside = databases.rows(db.db.url, unit_in, ("330110901001",))[0]
    scoped = Actor(name="cun", role="registrar", areas=frozenset({"330110901201"}))
    data = rentals(
        ["U-IN", "村内1号", f"{inside[1]:.7f}", f"{inside[2]:.7f}", "单间", "1", "", ""],
        ["U-OUT", "村外1号", f"{outside[1]:.7f}", f"{outside[2]:.7f}", "单间", "1", "", ""],
        ["U-NOWHERE", "不知何处", "", "", "单间", "1", "", ""],
    )
    result = upload(db, data, actor=scoped)
    reasons = sorted(zip(result.rejects["row"], result.rejects["reason"], strict=True))
    assert reasons == [(3, "outside_scope"), (4, "outside_scope")]
    assert result.summary["inserted"] == 1
    visits = (
        "房屋编号,走访时间,走访结果\n"
        f"{inside[0]},2026-11-20,已核实\n{outside[0]},2026-11-20,已核实\n"
    ).encode()
    checked = import_upload(db, scoped, kind="visits", data=visits, filename="v.csv", as_of=AS_OF)
    assert checked.rejects["reason"].tolist() == ["outside_scope"]
    assert checked.summary["inserted"] == 1


@pytest.mark.parametrize(
    "text",
    [
        "房屋编号,详细地址\n R1 ,\u3000一村1号\t\nR2,二村2号\n",
        '房屋编号,详细地址\n" R1 ","\u3000一村1号 "\nR2,二村2号\n',
        "房屋编号,详细地址\n R1 ,\u3000一村1号\t\n\nR2,二村2号\n",  # a blank line: careful reader
    ],
)
def test_cells_are_read_trimmed_whatever_path_reads_them(text):
    from geo.io.tables import read_table

    raw = read_table(text.encode(), "a.csv", max_bytes=10_000, max_rows=10)
    assert raw.frame.to_dict("list") == {
        "房屋编号": ["R1", "R2"],
        "详细地址": ["一村1号", "二村2号"],
    }
    assert raw.row_numbers.tolist() == ([2, 4] if "\n\n" in text else [2, 3])


def test_a_row_pointing_at_a_missing_record_stops_the_whole_batch(db):
    """Imports write with SQLite's row-by-row key checks off; the set-wise check refuses."""
    import pandas as pd

    from geo.errors import ConflictError
    from geo.store import upserts
    from geo.store.schema import property_

    with pytest.raises(ConflictError) as caught, db.db.write(references_checked=True) as conn:
        upserts.insert_new(
            conn,
            property_,
            pd.DataFrame(
                {
                    "address": ["一村1号"],
                    "kind": ["room"],
                    "status": ["active"],
                    "community_id": [999_999],
                }
            ),
            batch_id=1,
        )
    assert caught.value.key == "reference_missing"
    with db.db.read() as conn:
        if not databases.POSTGIS:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM property WHERE address = '一村1号'").scalar()
            == 0
        )


# --------------------------------------------------------------------------- rejected rows

SAMPLES = ROOT / "data" / "samples"
SAMPLE_FILES = {
    "rentals": "rentals.csv",
    "residents": "residents.csv",
    "worksites": "worksites.xlsx",
    "employment": "employment.csv",
    "visits": "visits.csv",
}
EXTRA = ["原行号 | row", "问题原因", "reason"]


def read_csv_bytes(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel opens the Chinese right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_rejects_file_holds_the_registrars_own_rows_with_row_and_reason(db):
    from geo.services.uploads import rejects_csv

    data = (SAMPLES / "rentals_with_mistakes.csv").read_bytes()
    result = import_upload(
        db, REGISTRAR, kind="rentals", data=data, filename="m.csv", crs="gcj02", as_of=AS_OF
    )
    sent = read_csv_bytes(data)
    table = read_csv_bytes(rejects_csv(result.rejected_rows))
    own = [h for h in sent[0] if h != "民族"]  # the sensitive column is never given back
    assert table[0] == [*EXTRA, *own]
    assert [r[0] for r in table[1:]] == ["3", "4", "5", "6"]
    for row in table[1:]:
        given = dict(zip(sent[0], sent[int(row[0]) - 1], strict=True))
        assert row[3:] == [given[h] for h in own]  # the same cell text, nothing re-typed
    reasons = {r[0]: (r[1], r[2]) for r in table[1:]}
    assert "经度" in reasons["3"][0] and "swapped" in reasons["3"][1]
    assert "房屋类型：不是可选值" in reasons["4"][0]
    assert "房间数" in reasons["5"][0] and "房东电话" in reasons["5"][0]
    assert "详细地址：必填项为空" in reasons["6"][0] and "required" in reasons["6"][1]


def test_fixed_rejected_rows_upload_again_and_are_imported(db):
    from geo.services.uploads import rejects_csv

    data = (SAMPLES / "rentals_with_mistakes.csv").read_bytes()
    first = import_upload(
        db, REGISTRAR, kind="rentals", data=data, filename="m.csv", crs="gcj02", as_of=AS_OF
    )
    assert first.summary["rejected"] == 4
    table = read_csv_bytes(rejects_csv(first.rejected_rows))
    header = table[0]
    fixed = []
    for row in table[1:]:
        cells = dict(zip(header, row, strict=True))
        if cells["原行号 | row"] == "3":
            cells["经度"], cells["纬度"] = cells["纬度"], cells["经度"]
        cells["房屋类型"] = cells["房屋类型"].replace("城中村", "单间")
        cells["房间数"] = cells["房间数"].replace("两间", "2")
        cells["房东电话"] = "13957100011"
        cells["详细地址"] = cells["详细地址"] or "青山村1组7号"
        fixed.append([cells[h] for h in header])
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *fixed])
    again = import_upload(
        db,
        REGISTRAR,
        kind="rentals",
        data=("\ufeff" + buffer.getvalue()).encode(),
        filename="m-rejects.csv",
        crs="gcj02",
        as_of=AS_OF,
    )
    assert "duplicate_of" not in again.summary
    assert set(EXTRA) <= set(again.summary["ignored_columns"])
    assert (again.summary["accepted"], again.summary["rejected"]) == (4, 0)
    assert again.summary["inserted"] == 4
    refs = rows_of(db, "SELECT external_ref FROM property WHERE external_ref LIKE 'S-01%'")
    assert sorted(r[0] for r in refs) == [f"S-010{i}" for i in range(1, 7)]


def test_rejects_keep_negative_numbers_and_neutralise_only_formulas(db):
    from geo.services.uploads import rejects_csv, rejects_xlsx

    data = rentals(
        ["R-1", '=HYPERLINK("http://x")', "119.95", "30.05", "单间", "-60", "@SUM(A1)", ""],
        ["R-2", "路 1 号", "-1+A1", "30.05", "单间", "+5", "", ""],
    )
    result = upload(db, data)
    assert result.summary["rejected"] == 2
    text = rejects_csv(result.rejected_rows).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    first, second = rows[1][3:], rows[2][3:]
    assert first[1] == '\'=HYPERLINK("http://x")' and first[5] == "-60"
    assert first[6] == "'@SUM(A1)" and second[2] == "'-1+A1" and second[5] == "+5"
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(rejects_xlsx(result.rejected_rows)))
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    values = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert values[0] == [*EXTRA, *HEADER]
    assert values[1][3:][:6] == ["R-1", '=HYPERLINK("http://x")', "119.95", "30.05", "单间", "-60"]
    # blank cells are text cells too: a room number 0201 typed into one later stays 0201
    blanks = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is None]
    assert blanks and all(c.number_format == "@" for c in blanks)


def test_the_command_line_writes_the_same_rejects_file(demo_copy, tmp_path):
    from tests.conftest import run_cli

    out = tmp_path / "fix-me.csv"
    result = run_cli(
        "--db",
        demo_copy,
        "import",
        "rentals",
        str(SAMPLES / "rentals_with_mistakes.csv"),
        "--crs",
        "gcj02",
        "--rejects",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    table = read_csv_bytes(out.read_bytes())
    assert table[0][:3] == EXTRA and "民族" not in table[0]
    assert [r[0] for r in table[1:]] == ["3", "4", "5", "6"]
    assert table[1][3:6] == ["S-0102", "青山村1组4号", ""]
    # The registrar's rows left the product: the export is in the audit log.
    with databases.connect(demo_copy) as conn:
        exported = conn.execute(
            "SELECT object_id FROM audit WHERE action = 'export.rejects'"
        ).fetchall()
    assert [r[0] for r in exported] == ["rentals_with_mistakes.csv"]


# --------------------------------------------------------------------------- the page


def page(url: str, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url

    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(url))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-registrar")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/upload.py").run()
    return app


def give_file(app, kind: str, name: str, data: bytes) -> None:
    app.selectbox(key="upload_kind").select(kind).run()
    app.file_uploader(key="upload_file").set_value((name, data, "text/csv")).run()


@pytest.mark.parametrize("kind", list(SAMPLE_FILES))
def test_every_upload_kind_shows_its_check_and_commit_buttons(kind, demo_url, monkeypatch, caplog):
    import logging

    app = page(demo_url, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="gridhouse.i18n"):
        give_file(app, kind, SAMPLE_FILES[kind], (SAMPLES / SAMPLE_FILES[kind]).read_bytes())
    assert not app.exception and not app.error
    labels = [b.label for b in app.button]
    assert "试算（不保存）" in labels and "提交入库" in labels
    assert [r.getMessage() for r in caplog.records if r.name == "gridhouse.i18n"] == []


def test_undo_offers_the_batch_just_made_and_asks_naming_it(demo_copy, monkeypatch):
    app = page(demo_copy, monkeypatch)
    give_file(app, "rentals", "rentals.csv", (SAMPLES / "rentals.csv").read_bytes())
    app.button(key="upload_commit").click().run()
    assert not app.exception and not app.error
    done = app.success[0].value
    batch = int(done.split("批次")[1].strip(" 。."))
    history = app.dataframe[-1].value
    assert history.iloc[0]["批次"] == batch and history.iloc[0]["状态"] == "已入库"
    picker = next(s for s in app.selectbox if s.key and s.key.startswith("undo_batch_"))
    assert picker.value == batch and picker.options[0].startswith(f"批次 {batch}：出租房屋")
    app.button(key="undo_button").click().run()
    warning = app.warning[-1].value
    assert f"批次 {batch}" in warning and "rentals.csv" in warning
    app.button(key="undo_confirm").click().run()
    assert not app.exception and not app.error
    assert f"批次 {batch} 已撤销" in app.success[0].value
    history = app.dataframe[-1].value.set_index("批次")
    assert history.loc[batch, "状态"] == "已撤销"
    assert "committed" not in set(history["状态"]) and "undone" not in set(history["状态"])


@pytest.mark.parametrize(
    "lead",
    ["\ufeff\ufeff", "\ufeff\u200b", "\u200e"],
    ids=["a byte-order mark twice", "a BOM and a zero-width space", "a left-to-right mark"],
)
def test_an_invisible_character_before_the_first_header_keeps_the_key_column(db, lead):
    """A file saved twice keeps a second byte-order mark in its first header cell; a header
    pasted from a web page may carry a zero-width or direction mark. The unit code column
    is still the unit code: every row is a new unit, none is matched to another by address."""
    data = (lead + "房屋编号,详细地址,房屋类型,房间数\n").encode() + (
        "U-BOM-1,白鹭村3组14号,整套,6\nU-BOM-2,白鹭村3组15号,单间,1\n".encode()
    )
    before = rows_of(db, "SELECT id, external_ref, kind, rooms FROM property ORDER BY id")
    done = upload(db, data)
    assert "ignored_columns" not in done.summary or not done.summary["ignored_columns"]
    assert (done.summary["inserted"], done.summary["updated"]) == (2, 0)
    after = rows_of(db, "SELECT id, external_ref, kind, rooms FROM property ORDER BY id")
    assert after[: len(before)] == before
    assert [r[1] for r in after[len(before) :]] == ["U-BOM-1", "U-BOM-2"]
