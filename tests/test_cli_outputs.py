"""Output paths on the command line: refused before any work when they cannot be written
(one line naming the path and what to do, exit 2, nothing stored), and a write that still
fails (disk full) is one line too, never an internal error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo.cli import main
from tests import databases
from tests.conftest import ROOT

BAD_ROWS = ROOT / "tests" / "data" / "bad" / "bad_phone.csv"
"""Rentals with one bad phone number: the import stores rows and has rejects."""
COMMUNITY = "330110901001"
TABLES = ("import_batch", "property", "kit", "plate", "audit")
FULL = Path("/dev/full")  # a device that answers every write with "no space left"


def gridhouse(capsys, *args: str | Path) -> tuple[int, str, str]:
    """Run the command in-process: its exit code, stdout and stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def counts(db: str) -> dict[str, int]:
    return {
        table: int(databases.read_sql(db, f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])
        for table in TABLES
    }


def a_unit(db: str) -> str:
    found = databases.read_sql(db, "SELECT min(external_ref) AS ref FROM property")
    return str(found["ref"].iloc[0])


def a_team(db: str) -> str:
    found = databases.read_sql(db, "SELECT min(name) AS name FROM team WHERE sweep_id = 1")
    return str(found["name"].iloc[0])


# (what, command after --db; {missing} = a path in a folder that does not exist, {folder} =
# a folder that exists, {file} = a file that exists, {unit}/{team} from the demo; the words
# the line must hold besides the path)
REFUSED = [
    (
        "import rejects in a missing folder",
        ["import", "rentals", str(BAD_ROWS), "--rejects", "{missing}/x.csv"],
        "does not exist",
    ),
    (
        "import rejects to a folder",
        ["import", "rentals", str(BAD_ROWS), "--rejects", "{folder}"],
        "is a folder",
    ),
    (
        "area list in a missing folder",
        ["export", "area-list", "--area", COMMUNITY, "--format", "gpx", "--out", "{missing}/x.gpx"],
        "does not exist",
    ),
    (
        "area list PDF to a folder",
        ["export", "area-list", "--area", COMMUNITY, "--format", "pdf", "--out", "{folder}"],
        "is a folder",
    ),
    (
        "sweep export in a missing folder",
        ["sweep", "export", "1", "--format", "csv", "--out", "{missing}/x.csv"],
        "does not exist",
    ),
    (
        "plates print in a missing folder",
        ["plates", "print", "--area", COMMUNITY, "--out", "{missing}/plates.html"],
        "does not exist",
    ),
    (
        "plates print to a folder",
        ["plates", "print", "--area", COMMUNITY, "--out", "{folder}"],
        "is a folder",
    ),
    (
        "plates revoke in a missing folder",
        ["plates", "revoke", "{unit}", "--reason", "lost", "--out", "{missing}/plate.html"],
        "does not exist",
    ),
    (
        "field kit into a file",
        ["sweep", "kit", "1", "--team", "{team}", "--out", "{file}"],
        "is a file, not a folder",
    ),
    ("backup to a folder", ["backup", "{folder}"], "is a folder"),
]


@pytest.mark.parametrize(
    ("command", "words"), [(c, w) for _, c, w in REFUSED], ids=[w for w, _, _ in REFUSED]
)
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_stored(
    capsys, demo_copy, tmp_path, command, words
):
    folder = tmp_path / "lists"
    folder.mkdir()
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me", encoding="utf-8")
    missing = tmp_path / "no-such-folder"
    values = {
        "missing": missing,
        "folder": folder,
        "file": existing,
        "unit": a_unit(demo_copy),
        "team": a_team(demo_copy),
    }
    argv = [part.format(**values) for part in command]
    before = counts(demo_copy)
    code, out, err = gridhouse(capsys, "--db", demo_copy, *argv)
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and " | " in line, err  # one line, Chinese then English
    assert words in line
    given = next(a for a in argv if str(tmp_path) in a)
    assert given in line  # names the path as given
    assert "internal error" not in line and "系统内部错误" not in line
    assert counts(demo_copy) == before  # no batch, kit, plate or audit row
    assert not missing.exists() and list(folder.iterdir()) == []
    assert existing.read_text(encoding="utf-8") == "keep me"


@pytest.mark.skipif(not FULL.exists(), reason="needs a device that reports a full disk")
def test_an_area_list_that_meets_a_full_disk_says_so_in_one_line(capsys, demo_copy):
    args = ("export", "area-list", "--area", COMMUNITY, "--format", "csv", "--out", FULL)
    code, out, err = gridhouse(capsys, "--db", demo_copy, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"could not write {FULL}: the disk is full" in err and "磁盘已满" in err


@pytest.mark.skipif(not FULL.exists(), reason="needs a device that reports a full disk")
def test_an_import_whose_rejects_file_fails_names_the_batch_it_stored(capsys, demo_copy):
    before = counts(demo_copy)["import_batch"]
    code, out, err = gridhouse(
        capsys, "--db", demo_copy, "import", "rentals", BAD_ROWS, "--rejects", FULL
    )
    assert code == 2 and out == ""
    stored = databases.read_sql(demo_copy, "SELECT max(id) AS id FROM import_batch")["id"].iloc[0]
    assert counts(demo_copy)["import_batch"] == before + 1
    assert err.count("\n") == 1 and "internal error" not in err
    assert f"imported as batch {stored}, but the rejects file {FULL} could not be written" in err
    assert "--dry-run" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind the superuser")
def test_a_folder_without_write_permission_is_refused_up_front(capsys, demo_copy, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        before = counts(demo_copy)
        code, _, err = gridhouse(
            capsys, "--db", demo_copy, "plates", "print", "--area", COMMUNITY,
            "--out", locked / "plates.html",
        )  # fmt: skip
        assert code == 2 and "no permission to write" in err and str(locked) in err
        assert counts(demo_copy) == before
    finally:
        locked.chmod(0o700)


def test_the_dry_run_the_message_offers_writes_the_rejects_without_a_second_batch(
    capsys, demo_copy, tmp_path
):
    code, out, err = gridhouse(capsys, "--db", demo_copy, "import", "rentals", BAD_ROWS)
    assert code == 0, err
    before = counts(demo_copy)["import_batch"]
    rejects = tmp_path / "rejects.csv"
    code, out, err = gridhouse(
        capsys, "--db", demo_copy, "import", "rentals", BAD_ROWS, "--dry-run", "--rejects", rejects
    )
    assert code == 0, err
    assert json.loads(out)["batch"] is None
    assert counts(demo_copy)["import_batch"] == before
    assert "BAD-ph-1" in rejects.read_text(encoding="utf-8-sig")


def test_every_file_the_command_line_writes_is_its_owners_alone(capsys, demo_copy, tmp_path):
    """A rejects report holds landlords' names and phones, an area list addresses: written
    0600 whatever the umask, like the database and the backups (a shared server's other
    users read none of them)."""
    import stat

    previous = os.umask(0o022)
    try:
        rejects = tmp_path / "rejects.csv"
        code, _, err = gridhouse(
            capsys, "--db", demo_copy, "import", "rentals", BAD_ROWS, "--rejects", rejects
        )
        assert code == 0, err
        listed = tmp_path / "area-list.csv"
        code, _, err = gridhouse(
            capsys, "--db", demo_copy, "export", "area-list", "--area", COMMUNITY,
            "--format", "csv", "--out", listed,
        )  # fmt: skip
        assert code == 0, err
    finally:
        os.umask(previous)
    assert "BAD-ph-1" in rejects.read_text(encoding="utf-8-sig")
    assert listed.stat().st_size > 0
    assert {stat.S_IMODE(p.stat().st_mode) for p in (rejects, listed)} == {0o600}
