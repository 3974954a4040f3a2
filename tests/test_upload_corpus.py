"""Every hostile file in tests/data/bad/ gives the expected exit code and message, shows no
traceback, and leaves the database untouched (exit 2) or changed by exactly its good rows."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from geo.cli import main
from geo.validation import reason_text
from tests import databases
from tests.conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
MAIN_TABLE = {
    "rentals": "property",
    "residents": "residence",
    "worksites": "worksite",
    "employment": "employment",
    "visits": "visit",
}


def test_the_corpus_is_large_enough():
    assert len(MANIFEST) >= 60
    assert all((BAD / case["file"]).exists() for case in MANIFEST)


@pytest.fixture
def database(demo_copy) -> str:
    return demo_copy


def count(path: Path, table: str) -> int:
    with databases.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def run(capsys, database: Path, kind: str, file: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(database), "import", kind, str(file), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", MANIFEST, ids=[c["file"] for c in MANIFEST])
def test_bad_file(case, database, capsys, monkeypatch, tmp_path):
    for name, value in case["env"].items():
        monkeypatch.setenv(name, value)
    if case.get("before"):
        code, _, err = run(capsys, database, case["before"]["kind"], BAD / case["before"]["file"])
        assert code == 0, err
    before = databases.fingerprint(database)
    table = MAIN_TABLE[case["kind"]]
    rows_before = count(database, table)
    rejects = tmp_path / "rejects.csv"
    code, out, err = run(
        capsys, database, case["kind"], BAD / case["file"], *case["args"], "--rejects", str(rejects)
    )
    assert "Traceback" not in err + out
    assert code == case["exit"], err
    if case["exit"] == 2:
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert case["message"] in err
        assert databases.fingerprint(database) == before, "a refused file changed the database"
        return
    summary = json.loads(out)
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        reported = list(csv.DictReader(handle))
    # One line per rejected row, as the registrar wrote it; its reasons one a line, each
    # after the header(s) of its column.
    found = sorted(
        (int(r["原行号 | row"]), re.sub(r"^[^:]*: ", "", part) if part.count(": ") else part)
        for r in reported
        for part in r["reason"].split("\n")
    )
    expected = sorted(  # an unknown word's reason lists the words its field takes
        (row, reason_text(key, kind=case["kind"], column=column, lang="en"))
        for row, column, key in case["rejects"]
    )
    assert found == expected
    assert summary["accepted"] == case["accepted"]
    assert summary["rejected"] == len({r[0] for r in case["rejects"]})
    assert summary["dropped_columns"] == case["dropped"]
    for name, value in case.get("counts", {}).items():
        assert summary[name] == value, name
    assert count(database, table) - rows_before == summary["inserted"]


def test_the_same_file_twice_changes_nothing_and_says_so(database, capsys):
    file = BAD / "gbk_encoding.csv"
    code, out, _ = run(capsys, database, "rentals", file)
    assert code == 0
    first = json.loads(out)
    snapshot = count(database, "property"), count(database, "audit")
    code, out, _ = run(capsys, database, "rentals", file)
    again = json.loads(out)
    assert code == 0
    assert again["duplicate_of"] == first["batch"]
    assert again["inserted"] == again["updated"] == 0
    assert (count(database, "property"), count(database, "audit")) == snapshot


def test_rejects_report_reads_in_excel_and_neutralises_formulas(database, capsys, tmp_path):
    rejects = tmp_path / "r.csv"
    run(capsys, database, "rentals", BAD / "formula_cells.csv", "--rejects", str(rejects))
    data = rejects.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["原行号 | row", "问题原因", "reason"]
    assert "详细地址" in rows[0]  # the registrar's own headers, not the field names
    values = [v for r in rows[1:] for v in r[3:]]
    assert all(not v.startswith(("=", "+", "@")) for v in values)
    assert "'=HYPERLINK" in rows[1][3 + rows[0][3:].index("详细地址")]
