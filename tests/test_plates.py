"""Door plates: printed as QR codes, read back with a QR decoder (zxing-cpp) as a phone
would, each token mapping to its unit; stored only as hashes; revoked and reissued."""

from __future__ import annotations

import html
import json

import pytest

from geo.errors import NotFoundError, PermissionDeniedError
from geo.fieldkit import plate_hash
from geo.services import kits
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.store.areas import load_areas
from tests import databases
from tests.conftest import ADMIN, PLANNER, run_cli
from tests.fieldwork import plates_on_sheet

SWEEPER = Actor(name="test-sweeper", role="sweeper")


@pytest.fixture(scope="module")
def db_url(demo_master, tmp_path_factory):
    return databases.copy_database(demo_master, tmp_path_factory.mktemp("plates"), per_test=False)


@pytest.fixture(scope="module")
def db(db_url):
    opened = open_database(db_url)
    yield opened
    opened.db.dispose()


def _small_grid(db, *, at_least: int = 3) -> tuple[str, int]:
    """The grid with the fewest active units (at least ``at_least``), and that number."""
    with db.db.read() as conn:
        counts = dict(
            conn.exec_driver_sql(
                "SELECT grid_id, count(*) FROM property WHERE status = 'active'"
                " AND grid_id IS NOT NULL GROUP BY grid_id"
            ).fetchall()
        )
        grids = load_areas(conn, level="grid", geometry=False)
    grids = grids.assign(units=grids["id"].map(counts)).dropna(subset=["units"])
    chosen = grids.loc[grids["units"] >= at_least].sort_values(["units", "code"]).iloc[0]
    return str(chosen["code"]), int(chosen["units"])


def test_printed_plates_decode_to_tokens_that_name_their_unit_and_nothing_else(db):
    grid, units = _small_grid(db)
    sheet, made, skipped = kits.print_plates(db, ADMIN, grid)
    assert (made, skipped) == (units, 0)
    plates = plates_on_sheet(sheet)
    assert len(plates) == units
    with db.db.read() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("SELECT token_hash FROM plate").fetchall()}
    for token, where in plates:
        unit = kits.plate_unit(db, SWEEPER, token)
        assert html.unescape(where) == f"{unit['address']} {unit['room'] or ''}".strip()
        # Opaque: no address, room or reference inside; only its hash is kept.
        assert unit["address"] not in token and unit["ref"] not in token and len(token) >= 20
        assert token not in stored and plate_hash(token) in stored
    assert len({t for t, _ in plates}) == units
    # Printing again makes no second plate for a unit that has one.
    _, again, skipped = kits.print_plates(db, ADMIN, grid)
    assert (again, skipped) == (0, units)


def test_revoking_a_plate_issues_a_new_token_and_the_old_one_stops_working(db):
    grid, _ = _small_grid(db)
    sheet, _, _ = kits.print_plates(db, ADMIN, grid, reissue=True)
    token, _ = plates_on_sheet(sheet)[0]
    ref = kits.plate_unit(db, ADMIN, token)["ref"]
    fresh = kits.revoke_plate(db, ADMIN, ref, reason="damaged")
    ((new_token, _),) = plates_on_sheet(fresh)
    assert new_token != token
    assert kits.plate_unit(db, ADMIN, new_token)["ref"] == ref
    with pytest.raises(NotFoundError) as gone:
        kits.plate_unit(db, ADMIN, token)
    assert gone.value.key == "plate_not_found"
    with db.db.read() as conn:
        audited = conn.exec_driver_sql(
            "SELECT detail FROM audit WHERE action = 'plates.revoke' ORDER BY id DESC"
        ).scalar()
    assert json.loads(audited) == {"ref": ref, "reason": "damaged"}


def test_only_staff_who_write_records_make_plates(db):
    grid, _ = _small_grid(db)
    for actor in (PLANNER, SWEEPER):
        with pytest.raises(PermissionDeniedError):
            kits.print_plates(db, actor, grid)
    scoped = Actor(name="elsewhere", role="registrar", areas=frozenset({"no-such-area"}))
    with pytest.raises(NotFoundError):
        kits.print_plates(db, scoped, grid)


def test_the_command_line_prints_a_sheet(db_url, db, tmp_path):
    grid, units = _small_grid(db)
    out = tmp_path / "plates.html"
    result = run_cli(
        "--db", db_url, "plates", "print", "--area", grid, "--out", str(out), "--reissue"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plates"] == units
    assert len(plates_on_sheet(out.read_bytes())) == units
    bad = run_cli("--db", db_url, "plates", "print", "--area", "nowhere", "--out", str(out))
    assert bad.returncode == 2 and "nowhere" in bad.stderr and "Traceback" not in bad.stderr


def test_plate_sheets_are_written_owner_only_whatever_the_umask(db_url, db, tmp_path, capsys):
    import os
    import stat

    from geo.cli import main

    grid, _ = _small_grid(db)
    ref = databases.scalar(
        db_url, "SELECT external_ref FROM property WHERE status = 'active' ORDER BY id LIMIT 1"
    )
    sheet, single = tmp_path / "plates.html", tmp_path / "one.html"
    single.write_bytes(b"an older sheet")
    single.chmod(0o644)  # a file already there is narrowed, not written through
    old = os.umask(0o022)
    try:
        assert main(["--db", db_url, "plates", "print", "--area", grid, "--out", str(sheet)]) == 0
        revoked = ["--db", db_url, "plates", "revoke", str(ref), "--out", str(single)]
        assert main([*revoked, "--reason", kits.PLATE_REASONS[0]]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    assert stat.S_IMODE(single.stat().st_mode) == 0o600
    assert len(plates_on_sheet(single.read_bytes())) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.html", "plates.html"]
