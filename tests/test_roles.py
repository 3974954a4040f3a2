"""Every service refuses the roles that may not use it, in the service layer itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import GridhouseError, PermissionDeniedError
from geo.services import (
    accounts,
    auditing,
    boundaries,
    lists,
    moves,
    people,
    properties,
    setup,
    spatial,
    statistics,
    sweeps,
    uploads,
)
from geo.services.access import Actor
from tests import databases
from tests.conftest import AS_OF, ROOT

SAMPLE = (ROOT / "data" / "samples" / "rentals.csv").read_bytes()
ROLES = ("admin", "planner", "registrar", "sweeper")
# service -> roles allowed
MATRIX = {
    "initialise": {"admin"},
    "load_demo": {"admin"},
    "import_boundaries": {"admin"},
    "area_shapes": {"admin", "planner", "registrar"},
    "area_statistics": {"admin", "planner", "registrar"},
    "preview_upload": {"admin", "registrar"},
    "import_upload": {"admin", "registrar"},
    "list_batches": {"admin", "registrar"},
    "undo_batch": {"admin", "registrar"},
    "batch_rejects_csv": {"admin", "registrar"},
    "add_account": {"admin"},
    "verify_audit": {"admin"},
    "unmask_person": {"admin"},
    "run_retention": {"admin"},
    "search_people": {"admin", "registrar", "sweeper"},
    "list_accounts": {"admin"},
    "update_account": {"admin"},
    "reset_password": {"admin"},
    "audit_entries": {"admin"},
    "area_choices": {"admin", "planner", "registrar"},
    "staff_list": {"admin", "registrar", "sweeper"},
    "staff_list_csv": {"admin", "registrar", "sweeper"},
    "search_units": {"admin", "registrar", "sweeper"},
    "property_file": {"admin", "registrar", "sweeper"},
    "move_out": {"admin", "registrar"},
    "floating_clusters": {"admin", "planner", "registrar"},
    "clusters_csv": {"admin", "planner", "registrar"},
    "data_quality": {"admin", "planner", "registrar"},
    "create_sweep": {"admin", "planner", "registrar"},
    "plan_sweep": {"admin", "planner", "registrar"},
    "area_list": {"admin", "registrar", "sweeper"},
    "sweep_progress": {"admin", "planner", "registrar", "sweeper"},
    "backchecks": {"admin", "registrar", "sweeper"},
    "field_backcheck": {"admin", "registrar", "sweeper"},
}


@pytest.fixture(scope="module")
def db(demo_master, tmp_path_factory):
    directory = tmp_path_factory.mktemp("roles")
    copy = databases.copy_database(demo_master, directory, per_test=False)
    opened = setup.open_database(copy)
    yield opened
    opened.db.dispose()


def call(name: str, opened, actor: Actor) -> None:
    calls = {
        "initialise": lambda: setup.initialise(opened, actor),
        "load_demo": lambda: setup.load_demo(opened, actor),
        "import_boundaries": lambda: boundaries.import_boundaries(
            opened, actor, Path("/nonexistent.geojson"), level="grid", name_field="n"
        ),
        "area_shapes": lambda: boundaries.area_shapes(opened, actor, level="community"),
        "area_statistics": lambda: statistics.area_statistics(opened, actor, as_of=AS_OF),
        "preview_upload": lambda: uploads.preview_upload(
            opened, actor, kind="rentals", data=SAMPLE, filename="r.csv"
        ),
        "import_upload": lambda: uploads.import_upload(
            opened, actor, kind="rentals", data=SAMPLE, filename="r.csv", dry_run=True
        ),
        "list_batches": lambda: uploads.list_batches(opened, actor),
        "undo_batch": lambda: uploads.undo_batch(opened, actor, 999_999),
        "batch_rejects_csv": lambda: uploads.batch_rejects_csv(opened, actor, 999_999),
        "add_account": lambda: accounts.add_account(
            opened, actor, name=f"new-{actor.role}", role="planner", password="long enough"
        ),
        "verify_audit": lambda: auditing.verify_audit(opened, actor),
        "unmask_person": lambda: people.unmask_person(opened, actor, 1),
        "run_retention": lambda: people.run_retention(opened, actor, days=100_000),
        "search_people": lambda: people.search_people(opened, actor, name="王"),
        "list_accounts": lambda: accounts.list_accounts(opened, actor),
        "update_account": lambda: accounts.update_account(opened, actor, "demo-sweeper"),
        "reset_password": lambda: accounts.reset_password(opened, actor, "no-such-user"),
        "audit_entries": lambda: auditing.audit_entries(opened, actor, limit=5),
        "area_choices": lambda: boundaries.area_choices(opened, actor),
        "staff_list": lambda: lists.staff_list(opened, actor, "permits", as_of=AS_OF),
        "staff_list_csv": lambda: lists.staff_list_csv(opened, actor, "stale", as_of=AS_OF),
        "search_units": lambda: properties.search_units(opened, actor, "路"),
        "property_file": lambda: properties.property_file(opened, actor, "no-such-unit"),
        "move_out": lambda: moves.move_out(opened, actor, id_number="11010519491231002X", on=AS_OF),
        "floating_clusters": lambda: spatial.floating_clusters(opened, actor, as_of=AS_OF),
        "clusters_csv": lambda: spatial.clusters_csv(
            opened, actor, spatial.floating_clusters(opened, Actor("a", "admin")).shapes
        ),
        "data_quality": lambda: spatial.data_quality(opened, actor),
        "create_sweep": lambda: sweeps.create_sweep(
            opened, actor, name="", starts_on=AS_OF, ends_on=AS_OF, areas=[], teams=[]
        ),
        "plan_sweep": lambda: sweeps.plan_sweep(opened, actor, 999_999, as_of=AS_OF),
        "area_list": lambda: sweeps.area_list(opened, actor, 999_999, fmt="csv", as_of=AS_OF),
        "sweep_progress": lambda: sweeps.sweep_progress(opened, actor, 999_999, as_of=AS_OF),
        "backchecks": lambda: sweeps.backchecks(opened, actor, 999_999, as_of=AS_OF),
        "field_backcheck": lambda: sweeps.field_backcheck(
            opened, actor, 999_999, data="社区,地址\n一村,一村1号\n".encode(), filename="f.csv"
        ),
    }
    calls[name]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", sorted(MATRIX))
def test_role_matrix(db, service, role):
    actor = Actor(name=f"matrix-{role}", role=role)
    if role in MATRIX[service]:
        try:
            call(service, db, actor)
        except PermissionDeniedError:  # pragma: no cover - reported as the failure
            pytest.fail(f"{role} was refused {service}")
        except GridhouseError:
            pass  # allowed, but the call itself had nothing to do (e.g. no such batch)
    else:
        with pytest.raises(PermissionDeniedError):
            call(service, db, actor)


def test_a_scoped_user_sees_and_finds_nothing_outside_their_areas(db):
    village = "330110901201"
    scoped = Actor(name="cun", role="registrar", areas=frozenset({village}))
    codes = set(boundaries.area_choices(db, scoped)["code"])
    assert village in codes and all(c.startswith(village) for c in codes)
    stats = statistics.area_statistics(db, scoped, as_of=AS_OF, level="grid")
    assert len(stats) > 0 and stats["code"].str.startswith(village).all()
    found = people.search_people(db, scoped, name="王", limit=100_000)
    assert set(found["community_code"].dropna()) <= {village}
    everyone = people.search_people(db, Actor(name="all", role="registrar"), name="王")
    assert len(everyone) > len(found)


def test_audit_entries_filter_by_user_and_action_newest_first(db):
    accounts.sign_in(db, "demo-planner", "demo")
    rows = auditing.audit_entries(db, Actor(name="a", role="admin"), user="demo-planner")
    assert rows and rows[0]["action"] == "login" and {r["actor"] for r in rows} == {"demo-planner"}
    imports = auditing.audit_entries(db, Actor(name="a", role="admin"), action="demo")
    assert {r["action"] for r in imports} == {"demo.load"}
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)


def test_audit_verify_passes_clean_and_names_an_edited_or_deleted_row(db, capsys):
    path = db.db.url
    assert main(["--db", path, "audit", "verify"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    with databases.connect(path) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM audit ORDER BY id")]
        conn.execute("UPDATE audit SET count = 999 WHERE id = ?", (ids[1],))
    assert main(["--db", path, "audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"ok": False, "first_bad_row": ids[1]}
    assert "Traceback" not in captured.err


def test_audit_verify_notices_the_last_rows_removed(demo_copy, tmp_path, capsys):
    path = demo_copy
    with databases.connect(path) as conn:
        last = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        conn.execute("DELETE FROM audit WHERE id = ?", (last,))
    assert main(["--db", path, "audit", "verify"]) == 1
    assert json.loads(capsys.readouterr().out)["first_bad_row"] == last


def test_users_add_prints_a_one_time_password_that_signs_in(db, capsys):
    path = db.db.url
    assert (
        main(
            [
                "--db",
                path,
                "users",
                "add",
                "cun-01",
                "--role",
                "registrar",
                "--areas",
                "330110901201",
            ]
        )
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    once = created["one_time_password"]  # one-time: replaced at the first sign-in
    actor = accounts.sign_in(db, "cun-01", once, new_password="registrar's own")
    assert (actor.role, actor.areas) == ("registrar", frozenset({"330110901201"}))


ID_OR_PHONE = (
    r"(?<![\d.])\d{17}[\dXx](?!\d)|(?<![\d.])1[3-9]\d{9}(?!\d)|\d{6}\*{8}|1\d{2}\*{4}\d{4}"
)


def test_what_a_planner_is_given_holds_no_name_id_number_or_phone(db):
    import re

    from geo.services import spatial

    planner = Actor(name="p", role="planner")
    with databases.connect(db.db.url) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM person WHERE length(name) = 3")}
        names |= {r[0] for r in conn.execute("SELECT name FROM landlord WHERE length(name) = 3")}
        places = " ".join(
            r[0] for r in conn.execute("SELECT name FROM area UNION SELECT name FROM worksite")
        )
    names = {n for n in names if n not in places}
    sites = spatial.worksite_layer(db, planner, as_of=AS_OF)
    results = [
        statistics.area_statistics(db, planner, level="grid", as_of=AS_OF),
        statistics.overview_figures(db, planner, as_of=AS_OF).headline,
        statistics.coverage_trend(db, planner, as_of=AS_OF),
        spatial.floating_clusters(db, planner, as_of=AS_OF).shapes.drop(columns="geometry"),
        spatial.floating_hexagons(db, planner, as_of=AS_OF).drop(columns="geometry"),
        sites.drop(columns="geometry"),
        spatial.worker_homes(db, planner, int(sites["id"].iloc[0]), as_of=AS_OF).cells,
        spatial.data_quality(db, planner),
    ]
    text = "\n".join(str(r) if not hasattr(r, "to_csv") else r.to_csv() for r in results)
    assert len(text) > 10_000
    assert re.search(ID_OR_PHONE, text) is None
    assert [n for n in names if n in text] == []
    assert "near_boundary" not in results[-1] and "unplaced" not in results[-1]
