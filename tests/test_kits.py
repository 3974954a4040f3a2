"""Field kits on the demo district: the ODK kit (converted by pyxform), the GeoPackage kit
(read and filled with pyogrio), and their submissions back as visits: idempotent, conflicts
to the review queue, late and strangers' submissions refused, roles and the command line."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyxform.xls2xform import convert

from geo.errors import InputError, PermissionDeniedError
from geo.services import kits
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.store.sweeps import assigned_units
from tests import databases
from tests.conftest import ADMIN, AS_OF, PLANNER, run_cli
from tests.fieldwork import odk_export

SWEEPER = Actor(name="demo-sweeper", role="sweeper")
REGISTRAR = Actor(name="test-registrar", role="registrar")
SWEEP = 1  # the demo's sweep in progress, teams 一组 and 二组


@pytest.fixture(scope="module")
def db_url(demo_master, tmp_path_factory):
    return databases.copy_database(demo_master, tmp_path_factory.mktemp("kits"), per_test=False)


@pytest.fixture(scope="module")
def db(db_url):
    opened = open_database(db_url)
    yield opened
    opened.db.dispose()


def _team_units(db, team: str) -> pd.DataFrame:
    with db.db.read() as conn:
        units = assigned_units(conn, SWEEP, as_of=AS_OF)
    return units.loc[units["team"] == team].sort_values("position").reset_index(drop=True)


def _count(db, sql: str) -> int:
    with db.db.read() as conn:
        return int(conn.exec_driver_sql(sql).scalar() or 0)


def _names_and_ids(db) -> tuple[set[str], set[str]]:
    with db.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, id_masked FROM person WHERE name IS NOT NULL"
        ).fetchall()
    return {r[0] for r in rows if len(r[0]) >= 2}, {r[1] for r in rows if r[1]}


def test_the_odk_kit_converts_and_holds_only_the_teams_units_in_walking_order_masked(db):
    kit = kits.issue_kit(db, SWEEPER, SWEEP, team="一组", fmt="odk", as_of=AS_OF)
    # pyxform converts the XLSForm the kit carries: the form ODK Collect and Central load.
    converted = convert(xlsform=kit.files["form.xlsx"], file_type=".xlsx")
    assert f'id="{kit.stamp.form_id}"' in converted.xform
    for question in ("unit", "plate", "gps", "visited_at", "outcome", "seen", "confirmed"):
        assert f"/data/visit/{question}" in converted.xform
    assert 'src="jr://file-csv/units.csv"' in converted.xform
    assert kit.files["form.xml"].decode() == converted.xform
    # The attached list: this team's units, and only them, in walking order.
    units = pd.read_csv(io.BytesIO(kit.files["units.csv"]), dtype=str)
    mine = _team_units(db, "一组")
    assert units["name"].astype(int).tolist() == mine["property_id"].tolist()
    assert units["position"].astype(int).tolist() == sorted(mine["position"])
    theirs = set(_team_units(db, "二组")["property_id"])
    assert not theirs & set(units["name"].astype(int))
    # Residents masked: a first character and an ID tail; no full name, no masked ID whole.
    residents = pd.read_csv(io.BytesIO(kit.files["residents.csv"]), dtype=str)
    assert len(residents) > 0 and set(residents["unit"]) <= set(units["name"])
    assert residents["label"].str.fullmatch(r"\S\*+ \*{4}[0-9X]{4}").all()
    names, ids = _names_and_ids(db)
    text = kit.files["residents.csv"].decode() + kit.files["units.csv"].decode()
    assert not any(n in text for n in list(names)[:2000])
    assert not any(i in text for i in list(ids)[:2000])
    # The stamp: sweep, team, issue day and expiry (the sweep's last day).
    stamp = json.loads(kit.files["kit.json"])
    assert (stamp["sweep"], stamp["team"], stamp["issued_on"]) == (SWEEP, "一组", "2026-11-29")
    assert stamp["expires_on"] == kit.stamp.expires_on.isoformat() >= "2026-11-29"
    with db.db.read() as conn:
        audited = conn.exec_driver_sql(
            "SELECT actor, detail FROM audit WHERE action = 'export.kit' ORDER BY id DESC"
        ).first()
    assert audited is not None and audited[0] == "demo-sweeper"
    assert json.loads(audited[1])["kit"] == kit.stamp.kit_id


def test_a_team_of_registrars_may_record_newcomers_names_a_team_of_sweepers_only_counts(db):
    sweepers = kits.issue_kit(db, ADMIN, SWEEP, team="一组", as_of=AS_OF)  # demo-sweeper
    registrars = kits.issue_kit(db, ADMIN, SWEEP, team="二组", as_of=AS_OF)  # demo-registrar
    assert "newcomer_id" not in sweepers.files["form.xml"].decode()
    assert "/data/visit/new_residents" in sweepers.files["form.xml"].decode()
    assert "newcomer_id" in registrars.files["form.xml"].decode()


def test_planners_get_no_kit_and_sweepers_import_nothing(db):
    with pytest.raises(PermissionDeniedError):
        kits.issue_kit(db, PLANNER, SWEEP, team="一组", as_of=AS_OF)
    with pytest.raises(PermissionDeniedError):
        kits.import_submissions(db, SWEEPER, data=b"KEY\n", filename="x.csv")
    with pytest.raises(InputError) as unknown:
        kits.issue_kit(db, ADMIN, SWEEP, team="一组", fmt="shp", as_of=AS_OF)
    assert unknown.value.key == "kit_format_unknown"


def _visits_of(db, unit: int) -> int:
    return _count(db, f"SELECT count(*) FROM visit WHERE property_id = {int(unit)}")


def test_submissions_come_back_as_visits_once_with_conflicts_held_and_strangers_refused(db):
    kit = kits.issue_kit(db, ADMIN, SWEEP, team="一组", as_of=AS_OF)
    form = kit.files["form.xml"].decode()
    mine = _team_units(db, "一组")
    a, b, c = (int(u) for u in mine["property_id"].iloc[:3])
    stranger = int(_team_units(db, "二组")["property_id"].iloc[0])
    day = datetime(2026, 12, 1, 9, 30)
    late = datetime.combine(kit.stamp.expires_on + timedelta(days=1), datetime.min.time())
    rows = [
        {"key": "uuid:a-1", "unit": a, "outcome": "verified", "at": day, "seen": 2,
         "confirmed": f"{a}-1 {a}-2", "lon": 120.0, "lat": 30.0},
        {"key": "uuid:a-1", "unit": a, "outcome": "verified", "at": day, "seen": 2},  # resent
        {"key": "uuid:b-1", "unit": b, "outcome": "verified", "at": day, "seen": 3},
        {"key": "uuid:b-2", "unit": b, "outcome": "vacant", "at": day + timedelta(hours=4),
         "who": "collect-02"},
        {"key": "uuid:c-late", "unit": c, "outcome": "verified", "at": late},
        {"key": "uuid:stranger", "unit": stranger, "outcome": "verified", "at": day},
        {"key": "uuid:rejected", "unit": c, "outcome": "verified", "at": day, "review": "rejected"},
        {"key": "uuid:other-kit", "unit": c, "outcome": "verified", "at": day, "kit": 999},
    ]  # fmt: skip
    export = odk_export(form, rows)
    before = {u: _visits_of(db, u) for u in (a, b, c, stranger)}
    first = kits.import_submissions(db, REGISTRAR, data=export, filename="central.csv")
    assert first["repeated_in_file"] == 1
    assert (first["accepted"], first["held_for_review"], first["reviews"]) == (1, 2, 1)
    reasons = {r["submission"]: r["reason"] for r in first["refusals"]}
    assert reasons == {
        "uuid:c-late": "late",
        "uuid:stranger": "not_in_share",
        "uuid:rejected": "rejected_in_central",
        "uuid:other-kit": "unknown_kit",
    }
    assert [r["row"] for r in first["refusals"]] == [6, 7, 8, 9]
    after = {u: _visits_of(db, u) for u in (a, b, c, stranger)}
    assert after == {a: before[a] + 1, b: before[b], c: before[c], stranger: before[stranger]}
    with db.db.read() as conn:
        stored = conn.exec_driver_sql(
            "SELECT outcome, residents_seen, sweep_id, team_id, visited_at FROM visit"
            f" WHERE property_id = {a} ORDER BY id DESC"
        ).first()
    assert stored is not None and stored[:3] == ("verified", 2, SWEEP)
    assert pd.Timestamp(stored[4]) == pd.Timestamp(day)  # China Standard Time, as given
    # The same export again, and as ODK Central's zip (with a repeat table beside it):
    again = kits.import_submissions(db, REGISTRAR, data=export, filename="central.csv")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{kit.stamp.form_id}.csv", export)
        z.writestr(f"{kit.stamp.form_id}-newcomer.csv", "PARENT_KEY,KEY\n")
    zipped = kits.import_submissions(db, REGISTRAR, data=archive.getvalue(), filename="c.zip")
    for result in (again, zipped):
        assert result["already_imported"] == 3 and result["accepted"] == 0
        assert result["held_for_review"] == 0
        # The refused ones are judged again, refused again for the same reasons.
        assert {r["submission"]: r["reason"] for r in result["refusals"]} == reasons
    assert {u: _visits_of(db, u) for u in (a, b, c, stranger)} == after
    # The review queue: unit b's day, both submissions kept.
    queue = kits.review_queue(db, REGISTRAR)
    held = queue.loc[queue["property_id"] == b]
    assert sorted(held["submission_id"]) == ["uuid:b-1", "uuid:b-2"]
    assert set(held["outcome"]) == {"verified", "vacant"}
    review = int(held["review_id"].iloc[0])
    with pytest.raises(PermissionDeniedError):
        kits.review_queue(db, SWEEPER)
    decided = kits.decide_review(db, REGISTRAR, review, decision="one", keep="uuid:b-2")
    assert decided["visits"] == 1
    assert _visits_of(db, b) == before[b] + 1
    with db.db.read() as conn:
        outcome = conn.exec_driver_sql(
            f"SELECT outcome FROM visit WHERE property_id = {b} ORDER BY id DESC"
        ).scalar()
        audited = conn.exec_driver_sql(
            "SELECT actor, detail FROM audit WHERE action = 'review.decide' ORDER BY id DESC"
        ).first()
    assert outcome == "vacant"
    assert audited is not None and audited[0] == "test-registrar"
    assert json.loads(audited[1])["declined"] == ["uuid:b-1"]
    assert b not in set(kits.review_queue(db, REGISTRAR)["property_id"])
    with pytest.raises(InputError):
        kits.decide_review(db, REGISTRAR, review, decision="both")
    # A later export that disagrees with a's visit of that day holds both for review: the
    # visit stored first is taken back until the registrar decides (here: both).
    later = odk_export(form, [{"key": "uuid:a-2", "unit": a, "outcome": "refused", "at": day}])
    third = kits.import_submissions(db, REGISTRAR, data=later, filename="later.csv")
    assert (third["accepted"], third["held_for_review"]) == (0, 2)
    assert _visits_of(db, a) == before[a]
    item = kits.review_queue(db, REGISTRAR)
    item = int(item.loc[item["property_id"] == a, "review_id"].iloc[0])
    assert kits.decide_review(db, REGISTRAR, item, decision="both")["visits"] == 2
    assert _visits_of(db, a) == before[a] + 2


def test_the_geopackage_kit_opens_with_pyogrio_and_its_visits_come_back(db, tmp_path):
    kit = kits.issue_kit(db, ADMIN, SWEEP, team="二组", fmt="gpkg", as_of=AS_OF)
    ((name, data),) = kit.files.items()
    path = tmp_path / name
    path.write_bytes(data)
    layers = {str(n): g for n, g in pyogrio.list_layers(path)}
    assert layers["units"] == "Point" and layers["visits"] == "Point"
    assert layers["grids"] in ("MultiPolygon", "Polygon") and "outcome_choices" in layers
    units = pyogrio.read_dataframe(path, layer="units")
    mine = _team_units(db, "二组")
    assert units["name"].astype(int).tolist() == mine["property_id"].tolist()
    assert units.crs.to_epsg() == 4326
    # The outlines of the grids the team's units lie in, each once, in WGS-84.
    grids = pyogrio.read_dataframe(path, layer="grids")
    team_grids = set(mine["grid"].dropna())
    assert team_grids and grids.crs.to_epsg() == 4326
    assert sorted(grids["name"]) == sorted(team_grids)
    assert grids.geometry.contains(units.geometry.iloc[0]).sum() == 1
    assert len(pyogrio.read_dataframe(path, layer="visits")) == 0
    choices = pyogrio.read_dataframe(path, layer="outcome_choices")
    assert "vacant" in set(choices["code"]) and "空置" in set(choices["label_zh"])
    stamp = pyogrio.read_dataframe(path, layer="kit")
    assert stamp["team"].iloc[0] == "二组" and int(stamp["kit"].iloc[0]) == kit.stamp.kit_id
    # Fill in the visits table as QField would (appending rows to the layer), then import.
    first, second = (int(u) for u in mine["property_id"].iloc[:2])
    near = units.geometry.iloc[0]
    filled = gpd.GeoDataFrame(
        {
            "uuid": ["", "{5a1c}"],
            "unit": [str(first), str(second)],
            "plate": ["", ""],
            "visited_at": ["2026-12-02T10:00:00", "2026-12-02T11:00:00"],
            "outcome": ["verified", "nobody_home"],
            "seen": pd.array([1, 0], dtype="int32"),
            "confirmed": pd.array([1, 0], dtype="int32"),
            "new_residents": pd.array([0, 0], dtype="int32"),
            "accuracy_m": [5.0, 8.0],
            "note": ["", "门锁着"],
        },
        geometry=[near, shapely.Point(near.x + 0.0001, near.y)],
        crs=4326,
    )
    pyogrio.write_dataframe(filled, path, layer="visits", driver="GPKG", append=True)
    before = (_visits_of(db, first), _visits_of(db, second))
    result = kits.import_submissions(db, REGISTRAR, data=path.read_bytes(), filename=name)
    assert (result["source"], result["accepted"], result["refused"]) == ("gpkg", 2, 0)
    assert (_visits_of(db, first), _visits_of(db, second)) == (before[0] + 1, before[1] + 1)
    again = kits.import_submissions(db, REGISTRAR, data=path.read_bytes(), filename=name)
    assert (again["already_imported"], again["accepted"]) == (2, 0)
    with db.db.read() as conn:
        note = conn.exec_driver_sql(
            f"SELECT note FROM visit WHERE property_id = {second} ORDER BY id DESC"
        ).scalar()
    assert note == "门锁着"


def test_an_unreadable_results_file_is_one_message(db):
    with pytest.raises(InputError) as bad:
        kits.import_submissions(db, ADMIN, data=b"PK\x03\x04broken", filename="x.zip")
    assert bad.value.key == "kit_file_unreadable"
    with pytest.raises(InputError) as no_id:
        kits.import_submissions(db, ADMIN, data=b"KEY,visit-unit\n,5\n", filename="x.csv")
    assert no_id.value.key == "kit_submission_without_id" and no_id.value.params["row"] == 2


def test_the_command_line_writes_a_kit_folder_and_imports_its_results(db_url, db, tmp_path):
    out = tmp_path / "kit-1"
    made = run_cli(
        "--db", db_url, "sweep", "kit", str(SWEEP), "--team", "一组", "--format", "odk",
        "--out", str(out), "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert sorted(p.name for p in out.iterdir()) == result["files"]
    assert result["units"] == len(_team_units(db, "一组"))
    unit = int(_team_units(db, "一组")["property_id"].iloc[5])
    export = tmp_path / "central.csv"
    export.write_bytes(
        odk_export(
            (out / "form.xml").read_text(),
            [
                {
                    "key": "uuid:cli-1",
                    "unit": unit,
                    "outcome": "verified",
                    "at": datetime(2026, 12, 3, 9),
                }
            ],
        )
    )
    imported = run_cli("--db", db_url, "sweep", "results", str(export))
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["accepted"] == 1
    queue = run_cli("--db", db_url, "sweep", "review")
    assert queue.returncode == 0 and isinstance(json.loads(queue.stdout), list)
    missing = run_cli(
        "--db", db_url, "sweep", "kit", str(SWEEP), "--team", "九组", "--out", str(out)
    )
    assert (
        missing.returncode == 2 and "九组" in missing.stderr and "Traceback" not in missing.stderr
    )


def test_a_geopackage_kit_brought_back_with_no_visits_reports_no_submissions(db_url, tmp_path):
    out = tmp_path / "kit-a"
    made = run_cli(
        "--db", db_url, "sweep", "kit", str(SWEEP), "--team", "一组", "--format", "gpkg",
        "--out", str(out), "--as-of", AS_OF.isoformat(),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    (name,) = json.loads(made.stdout)["files"]
    back = run_cli("--db", db_url, "sweep", "results", str(out / name))
    assert back.returncode == 0, back.stderr
    result = json.loads(back.stdout)
    counted = (result["rows"], result["accepted"], result["held_for_review"], result["refused"])
    assert result["source"] == "gpkg" and counted == (0, 0, 0, 0)


def test_an_odk_export_with_no_submissions_reports_none(db):
    result = kits.import_submissions(
        db, REGISTRAR, data=b"KEY,meta-instanceID,visit-unit\n", filename="central.csv"
    )
    assert (result["rows"], result["accepted"], result["refused"]) == (0, 0, 0)


def test_unit_list_and_masks_on_a_hand_made_share():
    from geo import fieldkit

    units = pd.DataFrame(
        {"property_id": [9, 4], "position": [2, 1], "external_ref": ["R9", "R4"],
         "address": ["一村 9号", "一村 4号"], "room": [None, "2"], "residents": [1, 2],
         "lon": [120.0, 120.001], "lat": [30.0, 30.0]}
    )  # fmt: skip
    listed = fieldkit.unit_list(units)
    assert listed["name"].tolist() == ["4", "9"] and listed["label"].tolist() == [
        "1. 一村 4号 2",
        "2. 一村 9号",
    ]
    assert fieldkit.refusals(
        pd.DataFrame({"kit": [1], "unit": [4], "outcome": ["maybe"], "review_state": [""],
                      "visited_at": [pd.Timestamp("2026-12-01")]}),
        kits=pd.DataFrame({"kit_id": [1], "sweep_id": [1], "team_id": [1],
                           "expires_on": [date(2026, 12, 5)]}),
        shares=pd.DataFrame({"sweep_id": [1], "team_id": [1], "property_id": [4]}),
    ).tolist() == ["bad_outcome"]  # fmt: skip


def test_kit_files_are_named_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "## In the field" in readme
    for command in ("sweep kit", "sweep results", "sweep review", "plates print", "stats proven"):
        assert command in readme


@pytest.mark.skipif(databases.POSTGIS, reason="the bench opens SQLite files of its own")
def test_the_kit_bench_prints_its_case(demo_copy):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, str(root / "bench" / "kits.py"), "--db", demo_copy, "--units", "300"],
        capture_output=True, text=True, cwd=root, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (case,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert case["bench"] == "kits" and case["units"] == 300
    assert case["odk_s"] > 0 and case["gpkg_s"] > 0 and case["residents"] > 0


def test_a_registrar_settles_a_conflict_on_the_review_page_and_makes_a_kit_on_sweeps(
    demo_copy, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url
    from tests.conftest import ROOT

    handle = open_database(demo_copy)
    kit = kits.issue_kit(handle, ADMIN, SWEEP, team="一组", as_of=AS_OF)
    unit = int(_team_units(handle, "一组")["property_id"].iloc[0])
    day = datetime(2026, 12, 1, 9, 0)
    rows = [
        {"key": "uuid:p-1", "unit": unit, "outcome": "verified", "at": day, "seen": 1},
        {"key": "uuid:p-2", "unit": unit, "outcome": "not_found", "at": day, "seen": 0},
    ]
    export = odk_export(kit.files["form.xml"].decode(), rows)
    assert kits.import_submissions(handle, ADMIN, data=export, filename="c.csv")["reviews"] == 1
    (review,) = set(kits.review_queue(handle, ADMIN)["review_id"])
    handle.db.dispose()
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_copy))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-registrar")
    app.text_input(key="login_password").input("demo")
    app.button[0].click().run()
    app.switch_page("pages/review.py").run()
    assert not app.exception and not app.error
    assert set(app.dataframe[0].value["走访结果"]) == {"已核实", "查无此人"}
    assert "走访时间" in app.dataframe[0].value.columns  # every heading from the catalogue
    app.button(key=f"neither_{review}").click().run()
    assert not app.exception and not app.error
    assert any("都不采纳" in s.value for s in app.success)
    assert "没有待复核的走访" in [i.value for i in app.info]
    app.switch_page("pages/sweeps.py").run()
    assert not app.exception and not app.error
    app.button(key="kit_make").click().run()
    assert not app.exception and not app.error
    assert app.get("download_button")


GOOD = "110105199003071239"  # check digit right (GB 11643)
BAD = "110105199003071230"  # the same with a wrong check digit
COUNTED = "440305198511124563"


def _person_by_id(db, number: str) -> tuple[str, int, date] | None:
    """(name, unit, moved in) of the person with this ID number's current stay, or None."""
    digest = db.keys.digest(number)
    with db.db.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT p.name, r.property_id, r.moved_in FROM person p JOIN residence r"
            f" ON r.person_id = p.id WHERE p.id_hmac = '{digest}' AND r.moved_out IS NULL"
        ).first()
    return None if row is None else (row[0], int(row[1]), pd.Timestamp(row[2]).date())


def test_newcomers_a_registrars_team_names_move_in_by_the_move_in_rules_once(db):
    from tests.fieldwork import odk_zip

    registrars = kits.issue_kit(db, ADMIN, SWEEP, team="二组", as_of=AS_OF)
    sweepers = kits.issue_kit(db, ADMIN, SWEEP, team="一组", as_of=AS_OF)
    form = registrars.files["form.xml"].decode()
    assert "/data/visit/newcomer/newcomer_phone" in form
    unit, other = (int(u) for u in _team_units(db, "二组")["property_id"].iloc[10:12])
    counted_unit = int(_team_units(db, "一组")["property_id"].iloc[10])
    day = datetime(2026, 11, 29, 10, 0)
    people_before = _count(db, "SELECT count(*) FROM person")
    stays_before = _count(db, "SELECT count(*) FROM residence")
    export = odk_zip(
        form,
        [
            {"key": "uuid:n-1", "unit": unit, "outcome": "changes_found", "at": day, "seen": 2,
             "new": 2, "newcomers": [
                 {"name": "王\u200b小明", "id": GOOD, "phone": "138 0013 8000"},  # zero-width
                 {"name": "李四", "id": BAD, "phone": ""},
             ]},
        ],
    )  # fmt: skip
    first = kits.import_submissions(
        db, REGISTRAR, data=export, filename="central.zip", as_of=date(2026, 11, 30)
    )
    assert first["accepted"] == 1 and first["refused"] == 0
    assert first["newcomers"]["moved_in"] == 1 and first["newcomers"]["refused"] == 1
    (refusal,) = first["newcomer_refusals"]
    assert (refusal["submission"], refusal["newcomer"], refusal["row"]) == ("uuid:n-1", 2, 3)
    assert refusal["reason"] == "edit_invalid"
    assert refusal["params"]["field"] == "field_id_number"
    # The good newcomer lives in the visited unit from the visit's day, name cleaned; the
    # bad one left nothing behind; the visit is stored all the same.
    assert _person_by_id(db, GOOD) == ("王小明", unit, day.date())
    assert _person_by_id(db, BAD) is None
    assert _count(db, "SELECT count(*) FROM person") == people_before + 1
    assert _count(db, "SELECT count(*) FROM residence") == stays_before + 1
    with db.db.read() as conn:
        settled = conn.exec_driver_sql(
            "SELECT object_id, detail FROM audit WHERE action = 'import.newcomer' ORDER BY id"
        ).fetchall()
    assert [s[0] for s in settled] == ["uuid:n-1#1", "uuid:n-1#2"]
    assert GOOD not in " ".join(s[1] for s in settled)  # no ID number in the audit
    # The same export again: nobody recorded twice, nothing refused again.
    again = kits.import_submissions(
        db, REGISTRAR, data=export, filename="central.zip", as_of=date(2026, 11, 30)
    )
    assert again["newcomers"]["already_imported"] == 2
    assert again["newcomers"]["moved_in"] == again["newcomers"]["refused"] == 0
    assert again["newcomer_refusals"] == []
    assert _count(db, "SELECT count(*) FROM residence") == stays_before + 1
    # Another submission naming the same person in another unit that day: the move-in
    # rules refuse the overlapping stay, the visit itself is kept.
    duplicate = odk_zip(
        form,
        [{"key": "uuid:n-2", "unit": other, "outcome": "verified", "at": day, "seen": 1,
          "new": 1, "newcomers": [{"name": "王小明", "id": GOOD}]}],
    )  # fmt: skip
    third = kits.import_submissions(
        db, REGISTRAR, data=duplicate, filename="later.zip", as_of=date(2026, 11, 30)
    )
    assert third["accepted"] == 1
    assert [r["reason"] for r in third["newcomer_refusals"]] == ["move_overlap"]
    assert _person_by_id(db, GOOD) == ("王小明", unit, day.date())
    # A team with a sweeper only counts newcomers, even when its export names them.
    counted = odk_zip(
        form,
        [{"key": "uuid:n-3", "kit": sweepers.stamp.kit_id, "unit": counted_unit,
          "outcome": "verified", "at": day, "seen": 1, "new": 1,
          "newcomers": [{"name": "赵六", "id": COUNTED}]}],
    )  # fmt: skip
    fourth = kits.import_submissions(
        db, REGISTRAR, data=counted, filename="team1.zip", as_of=date(2026, 11, 30)
    )
    assert fourth["accepted"] == 1
    assert fourth["newcomers"]["counted_only"] == 1 and fourth["newcomers"]["moved_in"] == 0
    assert _person_by_id(db, COUNTED) is None
    with db.db.read() as conn:
        stored = conn.exec_driver_sql(
            "SELECT new_residents FROM submission WHERE submission_id = 'uuid:n-3'"
        ).scalar()
    assert stored == 1


def _stored(db, keys: list[str]) -> list[tuple[str, str, str | None, bool]]:
    """(submission id, status, reason, has a visit) of the stored rows of these ids."""
    listed = ", ".join(f"'{k}'" for k in keys)
    with db.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT submission_id, status, reason, visit_id FROM submission"
            f" WHERE submission_id IN ({listed}) ORDER BY submission_id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3] is not None) for r in rows]


def test_submissions_refused_outside_the_importers_areas_come_in_when_an_admin_imports(db):
    from geo.services import sweeps
    from tests.fieldwork import odk_zip

    sweep = sweeps.create_sweep(
        db, ADMIN, name="两社区", starts_on=AS_OF, ends_on=date(2026, 12, 5),
        areas=["330110901001", "330110901002"], teams=["一组", "二组"],
    )  # fmt: skip
    sweeps.plan_sweep(db, ADMIN, sweep, as_of=AS_OF)
    kit = kits.issue_kit(db, ADMIN, sweep, team="一组", as_of=AS_OF)
    with db.db.read() as conn:
        units = assigned_units(conn, sweep, as_of=AS_OF)
        scoped = conn.exec_driver_sql("SELECT id FROM area WHERE code = '330110901002'").scalar()
    mine = units.loc[(units["team"] == "一组") & (units["community_id"] != scoped)]
    chosen = [int(u) for u in mine.sort_values("position")["property_id"].iloc[:3]]
    assert len(chosen) == 3
    day = datetime(2026, 12, 4, 9, 0)
    rows = [
        {"key": f"uuid:scope-{i}", "unit": u, "outcome": "verified", "at": day, "seen": 1}
        for i, u in enumerate(chosen)
    ]
    keys = [r["key"] for r in rows]
    export = odk_zip(kit.files["form.xml"].decode(), rows)
    narrow = Actor(name="test-registrar-902", role="registrar", areas=frozenset({"330110901002"}))
    before = {u: _visits_of(db, u) for u in chosen}
    refused = kits.import_submissions(db, narrow, data=export, filename="c.zip")
    assert (refused["accepted"], refused["refused"], refused["already_imported"]) == (0, 3, 0)
    assert {r["reason"] for r in refused["refusals"]} == {"outside_scope"}
    # Importing the unchanged file again changes nothing: refused again, nothing doubled.
    again = kits.import_submissions(db, narrow, data=export, filename="c.zip")
    assert (again["accepted"], again["refused"], again["already_imported"]) == (0, 3, 0)
    assert _stored(db, keys) == [(k, "refused", "outside_scope", False) for k in keys]
    # An admin imports the same file: the visits come in; the refused rows become them.
    taken = kits.import_submissions(db, ADMIN, data=export, filename="c.zip")
    assert (taken["accepted"], taken["refused"], taken["already_imported"]) == (3, 0, 0)
    assert {u: _visits_of(db, u) for u in chosen} == {u: before[u] + 1 for u in chosen}
    assert _stored(db, keys) == [(k, "accepted", None, True) for k in keys]
    settled = kits.import_submissions(db, ADMIN, data=export, filename="c.zip")
    assert (settled["accepted"], settled["refused"], settled["already_imported"]) == (0, 0, 3)
    assert {u: _visits_of(db, u) for u in chosen} == {u: before[u] + 1 for u in chosen}


def test_a_submission_rejected_in_central_then_approved_comes_in_with_its_newcomers(db):
    from tests.fieldwork import odk_zip

    kit = kits.issue_kit(db, ADMIN, SWEEP, team="二组", as_of=AS_OF)  # a registrars' team
    form = kit.files["form.xml"].decode()
    unit = int(_team_units(db, "二组")["property_id"].iloc[16])
    number = "330106199504121238"
    day = datetime(2026, 11, 30, 14, 0)
    row = {"key": "uuid:r-1", "unit": unit, "outcome": "changes_found", "at": day, "seen": 1,
           "new": 1, "newcomers": [{"name": "孙八", "id": number}]}  # fmt: skip
    rejected = odk_zip(form, [{**row, "review": "rejected"}])
    before = _visits_of(db, unit)
    for _ in range(2):  # the second time changes nothing
        result = kits.import_submissions(
            db, REGISTRAR, data=rejected, filename="c.zip", as_of=date(2026, 11, 30)
        )
        assert [r["reason"] for r in result["refusals"]] == ["rejected_in_central"]
        assert result["accepted"] == 0 and result["already_imported"] == 0
        assert [r["reason"] for r in result["newcomer_refusals"]] == ["kit_newcomer_visit_refused"]
        assert _stored(db, ["uuid:r-1"]) == [("uuid:r-1", "refused", "rejected_in_central", False)]
        assert _visits_of(db, unit) == before and _person_by_id(db, number) is None
    # The reviewer approves it in Central; the next export brings it and its newcomer in.
    approved = odk_zip(form, [{**row, "review": "approved"}])
    taken = kits.import_submissions(
        db, REGISTRAR, data=approved, filename="c.zip", as_of=date(2026, 11, 30)
    )
    assert (taken["accepted"], taken["refused"], taken["already_imported"]) == (1, 0, 0)
    assert taken["newcomers"]["moved_in"] == 1
    assert _stored(db, ["uuid:r-1"]) == [("uuid:r-1", "accepted", None, True)]
    assert _visits_of(db, unit) == before + 1
    assert _person_by_id(db, number) == ("孙八", unit, day.date())
    settled = kits.import_submissions(
        db, REGISTRAR, data=approved, filename="c.zip", as_of=date(2026, 11, 30)
    )
    assert (settled["accepted"], settled["already_imported"]) == (0, 1)
    assert settled["newcomers"]["already_imported"] == 1
    assert _visits_of(db, unit) == before + 1


def test_newcomers_of_a_submission_held_for_review_wait_for_its_decision(db):
    from tests.fieldwork import odk_zip

    kit = kits.issue_kit(db, ADMIN, SWEEP, team="二组", as_of=AS_OF)
    form = kit.files["form.xml"].decode()
    unit = int(_team_units(db, "二组")["property_id"].iloc[13])
    number = "330106199308157890"
    day = datetime(2026, 11, 29, 15, 0)
    rows = [
        {"key": "uuid:h-1", "unit": unit, "outcome": "changes_found", "at": day, "seen": 2,
         "new": 1, "newcomers": [{"name": "钱七", "id": number}]},
        {"key": "uuid:h-2", "unit": unit, "outcome": "nobody_home", "at": day},
    ]  # fmt: skip
    export = odk_zip(form, rows)
    first = kits.import_submissions(
        db, REGISTRAR, data=export, filename="c.zip", as_of=date(2026, 11, 30)
    )
    assert first["reviews"] == 1 and first["newcomers"]["held"] == 1
    assert _person_by_id(db, number) is None
    queue = kits.review_queue(db, REGISTRAR)
    review = int(queue.loc[queue["property_id"] == unit, "review_id"].iloc[0])
    kits.decide_review(db, REGISTRAR, review, decision="one", keep="uuid:h-1")
    after = kits.import_submissions(
        db, REGISTRAR, data=export, filename="c.zip", as_of=date(2026, 11, 30)
    )
    assert after["newcomers"]["moved_in"] == 1 and after["accepted"] == 0
    assert _person_by_id(db, number) == ("钱七", unit, day.date())


def test_impossible_counts_are_refused_out_of_range_from_odk_and_geopackage(db, tmp_path):
    kit = kits.issue_kit(db, ADMIN, SWEEP, team="一组", as_of=AS_OF)
    unit = int(_team_units(db, "一组")["property_id"].iloc[0])
    day = datetime(2026, 12, 1, 9, 30)
    rows = [
        {"key": "uuid:neg-seen", "unit": unit, "outcome": "verified", "at": day, "seen": -2},
        {"key": "uuid:neg-new", "unit": unit, "outcome": "verified", "at": day, "new": -1},
    ]
    before = _visits_of(db, unit)
    export = odk_export(kit.files["form.xml"].decode(), rows)
    odk = kits.import_submissions(db, REGISTRAR, data=export, filename="central.csv")
    assert odk["accepted"] == 0
    assert {r["reason"] for r in odk["refusals"]} == {"out_of_range"}
    assert _stored(db, ["uuid:neg-new", "uuid:neg-seen"]) == [
        ("uuid:neg-new", "refused", "out_of_range", False),
        ("uuid:neg-seen", "refused", "out_of_range", False),
    ]
    gkit = kits.issue_kit(db, ADMIN, SWEEP, team="二组", fmt="gpkg", as_of=AS_OF)
    ((name, data),) = gkit.files.items()
    path = tmp_path / name
    path.write_bytes(data)
    other = int(_team_units(db, "二组")["property_id"].iloc[0])
    near = pyogrio.read_dataframe(path, layer="units").geometry.iloc[0]
    filled = gpd.GeoDataFrame(
        {
            "uuid": ["{neg}"],
            "unit": [str(other)],
            "plate": [""],
            "visited_at": ["2026-12-02T10:00:00"],
            "outcome": ["verified"],
            "seen": pd.array([-5], dtype="int32"),
            "confirmed": pd.array([99], dtype="int32"),
            "new_residents": pd.array([-1], dtype="int32"),
            "accuracy_m": [5.0],
            "note": [""],
        },
        geometry=[near],
        crs=4326,
    )
    pyogrio.write_dataframe(filled, path, layer="visits", driver="GPKG", append=True)
    other_before = _visits_of(db, other)
    gpkg = kits.import_submissions(db, REGISTRAR, data=path.read_bytes(), filename=name)
    assert (gpkg["accepted"], gpkg["refused"]) == (0, 1)
    assert gpkg["refusals"][0]["reason"] == "out_of_range"
    assert _stored(db, ["{neg}"]) == [("{neg}", "refused", "out_of_range", False)]
    assert (_visits_of(db, unit), _visits_of(db, other)) == (before, other_before)


def test_visits_dated_before_the_kit_was_issued_are_refused_early(db):
    kit = kits.issue_kit(db, ADMIN, SWEEP, team="一组", as_of=AS_OF)
    unit = int(_team_units(db, "一组")["property_id"].iloc[0])
    early = datetime.combine(kit.stamp.issued_on - timedelta(days=1), datetime.min.time())
    rows = [{"key": "uuid:early", "unit": unit, "outcome": "verified", "at": early, "seen": 1}]
    before = _visits_of(db, unit)
    export = odk_export(kit.files["form.xml"].decode(), rows)
    result = kits.import_submissions(db, REGISTRAR, data=export, filename="central.csv")
    assert result["accepted"] == 0
    assert [r["reason"] for r in result["refusals"]] == ["early"]
    assert _stored(db, ["uuid:early"]) == [("uuid:early", "refused", "early", False)]
    assert _visits_of(db, unit) == before


@pytest.mark.parametrize("fmt", ["gpkg", "odk"])
def test_kit_files_are_owner_only_whatever_the_umask(db_url, tmp_path, fmt):
    import os
    import stat

    out = tmp_path / f"kit-{fmt}"
    old = os.umask(0o022)
    try:
        made = run_cli(
            "--db", db_url, "sweep", "kit", str(SWEEP), "--team", "一组", "--format", fmt,
            "--out", str(out), "--as-of", AS_OF.isoformat(),
        )  # fmt: skip
    finally:
        os.umask(old)
    assert made.returncode == 0, made.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert sorted(p.name for p in written) == json.loads(made.stdout)["files"]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {
        p.name: 0o600 for p in written
    }
