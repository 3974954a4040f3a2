"""Registers as people really keep them, end to end: the field cases (WPS re-saved lists,
title rows, AMap coordinates, Excel's midnight dates, Chinese Excel's date formats) store the
right values; one column of coordinates is split or each row refused with its reason;
invisible characters are removed and counted, names folded so that search finds them; forms
follow the upload's rules; hostile sizes are refused early and summaries stay small."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import InputError
from geo.i18n import LANGUAGES, message
from geo.services import moves, people, properties
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from tests import databases
from tests.conftest import ADMIN, AS_OF, ROOT, run_cli

TABLES = ROOT / "tests" / "data" / "tables"
FIELD_CASES = ROOT.parent / "shared" / "field-cases"


def field_case(prefix: str) -> Path:
    found = sorted(FIELD_CASES.glob(f"{prefix}_*")) if FIELD_CASES.is_dir() else []
    if not found:
        pytest.skip(f"field case {prefix} not present")
    return found[0]


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


@pytest.fixture
def blank(tmp_path) -> str:
    """A new database with the schema and nothing else, as `gridhouse init` leaves it."""
    return databases.new_database(tmp_path, "blank", migrated=True)


def cli(capsys, database: str, *args: str) -> tuple[int, dict | str, str]:
    code = main(["--db", str(database), *args])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except json.JSONDecodeError:
        return code, out, err


def rows(database: str, sql: str, *params) -> list[tuple]:
    return databases.rows(database, sql, params)


def upload(opened, name: str, kind: str = "rentals", **options):
    path = TABLES / name
    return import_upload(
        opened, ADMIN, kind=kind, data=path.read_bytes(), filename=path.name, as_of=AS_OF,
        **options,
    )  # fmt: skip


# --------------------------------------------------------------------------- field cases


def test_gh16_title_rows_above_the_header_are_skipped_and_named(capsys, blank):
    folder = field_case("gh16")
    code, summary, err = cli(capsys, blank, "import", "rentals", str(folder / "title_rows.xlsx"))
    assert code == 0, err
    assert (summary["accepted"], summary["rejected"], summary["header_row"]) == (2, 0, 3)
    assert [s["row"] for s in summary["skipped_rows"]] == [1, 2]
    assert "填报单位" in summary["skipped_rows"][1]["text"]
    stored = rows(blank, "SELECT external_ref, address, rooms FROM property ORDER BY 1")
    assert stored == [("T-1", "东湖路21号", 1), ("T-2", "东湖路23号", 3)]


def test_gh17_amap_lng_lat_in_one_column_is_split_with_a_note(capsys, blank):
    folder = field_case("gh17")
    path = folder / "rentals_amap_picker.csv"
    code, summary, err = cli(capsys, blank, "import", "rentals", str(path), "--crs", "gcj02")
    assert code == 0, err
    assert summary["coordinates"] == {"column": "坐标", "order": "lng,lat", "rows": 2}
    assert summary["without_coordinates"] == 0 and any("坐标" in n for n in summary["notes"])
    stored = rows(blank, "SELECT external_ref, lon, lat FROM property ORDER BY 1")
    assert [r[0] for r in stored] == ["J-1", "J-2"]
    # GCJ-02 119.960012,30.057633 is about 480 m east and 250 m north of its WGS-84 point
    assert all(119.9550 < lon < 119.9560 and 30.0595 < lat < 30.0615 for _, lon, lat in stored)


def test_gh19_midnight_date_times_in_date_columns_are_dates(capsys, blank):
    folder = field_case("gh19")
    code, summary, err = cli(
        capsys, blank, "import", "rentals", str(folder / "rentals_excel_dates.csv")
    )
    assert code == 0, err and summary["rejected"] == 0
    code, summary, err = cli(
        capsys, blank, "import", "residents", str(folder / "residents_excel_dates.csv")
    )
    assert code == 0, err
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    registered = rows(blank, "SELECT external_ref, registered_on FROM property ORDER BY 1")
    assert [(r, str(d)[:10]) for r, d in registered] == [
        ("E-1", "2026-10-09"),
        ("E-2", "2026-10-12"),
    ]
    moved_in = rows(blank, "SELECT moved_in FROM residence ORDER BY moved_in")
    assert [str(d)[:10] for (d,) in moved_in] == ["2026-10-09", "2026-10-12"]


def test_gh21_chinese_excel_long_dates_are_dates_not_serials(capsys, blank):
    folder = field_case("gh21")
    code, _, err = cli(capsys, blank, "import", "rentals", str(folder / "rentals.csv"))
    assert code == 0, err
    path = folder / "residents_cn_excel_dates.xlsx"
    code, summary, err = cli(capsys, blank, "import", "residents", str(path))
    assert code == 0, err
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    moved_in = rows(blank, "SELECT moved_in FROM residence ORDER BY moved_in")
    assert [str(d)[:10] for (d,) in moved_in] == ["2026-10-09", "2026-10-12"]


def test_gh15_an_area_list_resaved_by_wps_imports_every_filled_row(capsys, blank, tmp_path):
    folder = field_case("gh15")
    work = tmp_path / "gh15"
    shutil.copytree(folder, work)
    for path in work.iterdir():
        path.chmod(0o644)
    steps = [
        ["import", "areas", "street.geojson", "--level", "street", "--name-field", "name",
         "--code-field", "code"],
        ["import", "areas", "communities.geojson", "--level", "community", "--name-field",
         "name", "--code-field", "code"],
        ["import", "rentals", "rentals.csv"],
        ["import", "residents", "residents.csv"],
        ["sweep", "create", "--name", "冬季清查", "--areas", "330110901001", "--teams", "一组",
         "--from", "2026-11-01", "--to", "2026-12-31"],
        ["sweep", "assign", "1", "--as-of", "2026-11-30"],
        ["export", "area-list", "--sweep", "1", "--format", "xlsx", "--out",
         str(work / "list.xlsx"), "--as-of", "2026-11-30"],
    ]  # fmt: skip
    for step in steps:  # as the field case's command runs them, a process each
        done = run_cli("--db", blank, *step, cwd=work)
        assert done.returncode == 0, (step, done.stderr)
    made = subprocess.run(
        [sys.executable, "simulate_wps.py", "list.xlsx", "filled.xlsx", "resaved.xlsx"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    code, summary, err = cli(
        capsys, blank, "import", "visits", str(work / "resaved.xlsx"), "--as-of", "2026-11-30"
    )
    assert code == 0, err
    assert summary["rows"] == summary["accepted"] == 4 and summary["rejected"] == 0
    outcomes = rows(blank, "SELECT outcome FROM visit ORDER BY visited_at")
    assert len(outcomes) == 4


# --------------------------------------------------------------------------- coordinates


def test_lat_lng_in_one_column_is_split_in_the_order_the_values_say(db):
    result = upload(db, "coords_latlng.csv")
    summary = result.summary
    assert summary["coordinates"] == {"column": "经纬度", "order": "lat,lng", "rows": 2}
    assert (summary["accepted"], summary["rejected"]) == (2, 1)
    refused = result.rejects[["row", "header", "value", "reason"]].to_numpy().tolist()
    assert refused == [[4, "经纬度", "不详", "coord_unreadable"]]
    stored = rows(db.db.url, "SELECT lon, lat FROM property WHERE external_ref = 'L-1'")
    assert stored[0] == pytest.approx((119.960012, 30.057633))
    assert "without_coordinates" in summary


def test_point_wkt_in_one_column_is_split_and_a_blank_cell_is_a_unit_without_a_point(db):
    summary = upload(db, "coords_point.csv").summary
    assert summary["coordinates"]["order"] == "lng,lat"
    assert (summary["accepted"], summary["rejected"]) == (3, 0)
    assert summary["without_coordinates"] == 1
    stored = rows(db.db.url, "SELECT lon, lat FROM property WHERE external_ref = 'P-2'")
    assert stored[0] == pytest.approx((119.960311, 30.057902))


# --------------------------------------------------------------------------- clean text


def test_invisible_characters_are_removed_counted_and_names_found_by_search(db):
    result = upload(db, "invisible_characters.csv", kind="residents")
    summary = result.summary
    assert (summary["accepted"], summary["rejected"]) == (2, 1)
    assert summary["cleaned_cells"] == 1 and summary["cleaned_characters"] == 2
    assert result.rejects[["row", "reason"]].to_numpy().tolist() == [[4, "markup"]]
    names = [r[0] for r in rows(db.db.url, "SELECT name FROM person ORDER BY id DESC LIMIT 2")]
    assert sorted(names) == ["Wang Li", "丁某"]
    assert people.search_people(db, ADMIN, name="丁某")["name"].tolist() == ["丁某"]
    assert people.search_people(db, ADMIN, name="\uff37ang")["name"].tolist() == ["Wang Li"]


def test_a_move_in_form_cleans_and_refuses_a_name_as_an_upload_does(db):
    ref = rows(db.db.url, "SELECT external_ref FROM property LIMIT 1")[0][0]
    number = "330106198805120031"
    before = rows(db.db.url, "SELECT count(*) FROM residence")
    for bad in ("<img src=x onerror=alert(1)>", '=HYPERLINK("x")', "王" * 100_000):
        with pytest.raises(InputError):
            moves.move_in(db, ADMIN, property_ref=ref, on=AS_OF, id_number=number, name=bad)
    assert rows(db.db.url, "SELECT count(*) FROM residence") == before
    moves.move_in(db, ADMIN, property_ref=ref, on=AS_OF, id_number=number, name="赵\u200b六\u202e")
    assert people.search_people(db, ADMIN, name="赵六")["name"].tolist() == ["赵六"]


def test_an_edit_form_cleans_control_characters_from_an_address(db):
    ref = rows(db.db.url, "SELECT external_ref FROM property LIMIT 1")[0][0]
    properties.edit_unit(db, ADMIN, ref, {"address": "东湖路\u000b9号\u200b"})
    assert rows(db.db.url, "SELECT address FROM property WHERE external_ref = ?", ref) == [
        ("东湖路 9号",)
    ]


def test_a_refused_unit_edit_says_its_field_and_reason_in_each_language(db):
    ref = rows(db.db.url, "SELECT external_ref FROM property LIMIT 1")[0][0]
    with pytest.raises(InputError) as refused:
        properties.edit_unit(db, ADMIN, ref, {"rooms": "很多"})
    said = {lang: message(refused.value.key, lang, **refused.value.params) for lang in LANGUAGES}
    assert said["zh"].startswith(message("field_rooms", "zh") + "：")
    assert said["en"].startswith(message("field_rooms", "en") + ": ")
    assert not re.search(r"[\u4e00-\u9fff]", said["en"]), said["en"]


# --------------------------------------------------------------------------- workbooks


def test_a_formula_without_its_value_is_rejected_with_its_reason(db):
    result = upload(db, "formula_without_value.xlsx")
    assert (result.summary["accepted"], result.summary["rejected"]) == (1, 1)
    assert result.rejects[["row", "header", "reason"]].to_numpy().tolist() == [
        [3, "房间数", "formula_no_value"]
    ]
    assert rows(db.db.url, "SELECT count(*) FROM property WHERE external_ref = 'K-2'") == [(0,)]


def test_the_cli_asks_which_sheet_and_reads_the_one_named(capsys, db):
    path = str(TABLES / "two_sheets.xlsx")
    code, _, err = cli(capsys, db.db.url, "import", "rentals", path)
    assert code == 2 and "--sheet" in err and "西湖社区" in err and "Traceback" not in err
    code, summary, err = cli(capsys, db.db.url, "import", "rentals", path, "--sheet", "西湖社区")
    assert code == 0, err
    assert summary["sheet"] == "西湖社区" and summary["inserted"] == 1
    code, summary, err = cli(capsys, db.db.url, "import", "rentals", path, "--sheet", "东湖社区")
    assert code == 0 and "duplicate_of" not in summary and summary["inserted"] == 1


def test_a_units_row_and_title_rows_are_said_in_the_summary(db):
    summary = upload(db, "units_row.csv").summary
    assert summary["notes_row"] == 2 and summary["rejected"] == 0
    summary = upload(db, "title_rows.csv").summary
    assert summary["header_row"] == 4 and [s["row"] for s in summary["skipped_rows"]] == [1, 2]


# --------------------------------------------------------------------------- limits


def test_a_2gb_file_is_refused_by_the_cli_before_it_is_read(capsys, db, tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.write("房屋编号,详细地址\n".encode())
        handle.truncate(2 * 2**30)
    started = time.perf_counter()
    code, _, err = cli(capsys, db.db.url, "import", "rentals", str(huge))
    assert code == 2 and "2048" in err and "Traceback" not in err
    assert time.perf_counter() - started < 5


def test_a_million_column_csv_is_refused_within_a_second_with_a_short_message(capsys, db, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_bytes(("房屋编号," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n").encode())
    started = time.perf_counter()
    code, _, err = cli(capsys, db.db.url, "import", "rentals", str(wide))
    assert time.perf_counter() - started < 3  # the command's own start-up included
    assert code == 2 and len(err) < 500


def test_summaries_and_audit_details_stay_small_whatever_the_file_holds(db):
    headers = ["房屋编号", "详细地址", "房屋类型"] + [f"说明{i}" + "长" * 5_000 for i in range(400)]
    line = ",".join(headers) + "\n" + ",".join(["W-1", "东湖路1号", "单间"] + ["x"] * 400) + "\n"
    result = import_upload(
        db, ADMIN, kind="rentals", data=line.encode(), filename="w" * 5_000 + ".csv", as_of=AS_OF
    )
    assert len(json.dumps(result.summary, ensure_ascii=False)) < 20_000
    assert len(result.summary["ignored_columns"]) == 51
    detail = rows(db.db.url, "SELECT detail FROM audit WHERE action = 'import.rentals'")[-1][0]
    assert len(detail) < 20_000


# --------------------------------------------------------------------------- impossible values


def test_impossible_visit_times_are_refused_as_such_never_rolled_over(db):
    result = upload(db, "visits_impossible_times.csv", kind="visits")
    assert (result.summary["accepted"], result.summary["rejected"]) == (1, 3)
    refused = result.rejects[["row", "value", "reason"]].to_numpy().tolist()
    assert refused == [
        [2, "2026-11-29 25:00", "date_impossible"],
        [3, "2026-11-27 99:99", "date_impossible"],
        [4, "2026-02-30 10:00", "date_impossible"],
    ]
    stamps = rows(
        db.db.url,
        "SELECT v.visited_at FROM visit v JOIN import_batch b ON b.id = v.batch_id"
        " WHERE b.filename = ?",
        "visits_impossible_times.csv",
    )
    assert [str(s[0])[:16] for s in stamps] == ["2026-11-28 23:59"]
    assert "23:59" in message("date_impossible", "en")


def test_a_code_spreadsheets_kept_as_a_number_is_read_as_its_digits_or_refused(db):
    result = upload(db, "numeric_codes.xlsx")
    assert (result.summary["accepted"], result.summary["rejected"]) == (2, 1)
    refused = result.rejects[["row", "header", "value", "reason"]].to_numpy().tolist()
    assert refused == [[3, "房屋编号", "3.30110901001001E+17", "code_lost_digits"]]
    stored = rows(
        db.db.url,
        "SELECT external_ref FROM property WHERE address LIKE '东湖路9_号' ORDER BY external_ref",
    )
    assert stored == [("330110901001001",), ("330110901001002",)]
    assert "format the column as text" in message("code_lost_digits", "en")
    assert "文本格式" in message("code_lost_digits", "zh")


def test_a_csv_code_in_scientific_notation_is_refused_not_stored_as_a_wrong_code(db):
    result = upload(db, "numeric_codes.csv")
    assert (result.summary["accepted"], result.summary["rejected"]) == (1, 1)
    assert result.rejects[["row", "value", "reason"]].to_numpy().tolist() == [
        [2, "3.30111E+19", "code_lost_digits"]
    ]
    assert rows(db.db.url, "SELECT count(*) FROM property WHERE address = '东湖路97号'") == [(0,)]


def test_an_unterminated_quote_is_named_on_its_row_and_the_rows_after_it_are_read(db):
    result = upload(db, "unterminated_quote.csv")
    summary = result.summary
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (1001, 1000, 1)
    assert result.rejects[["row", "reason"]].to_numpy().tolist() == [[2, "csv_unterminated_quote"]]
    assert rows(db.db.url, "SELECT address FROM property WHERE external_ref = 'Q1001'") == [
        ("东湖路1001号",)
    ]
