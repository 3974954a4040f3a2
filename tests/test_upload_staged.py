"""A large upload goes in through a temporary table and one ``INSERT .. SELECT`` on SQLite
(:func:`geo.store.upserts.insert_new`): it stores exactly what inserting the rows one
statement each stores (the same rows, ids, values and landlords), the kept figures still equal
a recount, a dry run keeps nothing (nor its temporary table), and the same file again changes
nothing."""

from __future__ import annotations

import pytest

from geo.services import tallies
from geo.services.setup import open_database
from geo.services.uploads import import_upload
from geo.store import upserts
from tests import databases
from tests.conftest import ADMIN, AS_OF, ROOT

ROWS = 2_500
TABLES = {
    "property": "SELECT * FROM property ORDER BY id",
    # Ciphertexts differ at every sealing (a random nonce each): compared by HMAC and mask.
    "landlord": "SELECT id, name, phone_hmac, phone_masked, batch_id FROM landlord ORDER BY id",
    "figure_unit_day": "SELECT * FROM figure_unit_day "
    "ORDER BY cut, community_id, grid_id, kind, day, units",
    "figure_new_unit": "SELECT * FROM figure_new_unit",
}


@pytest.fixture
def rentals_file(monkeypatch) -> bytes:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    from ingest import rentals_csv

    return rentals_csv(ROWS)


def stored_after_import(
    master: str, directory, data: bytes, *, staged_from: int, monkeypatch
) -> dict[str, list[tuple]]:
    monkeypatch.setattr(upserts, "STAGED_FROM_ROWS", staged_from)
    directory.mkdir()
    url = databases.copy_database(master, directory)
    opened = open_database(url)
    try:
        dry = import_upload(
            opened,
            ADMIN,
            kind="rentals",
            data=data,
            filename="b.csv",
            crs="gcj02",
            as_of=AS_OF,
            dry_run=True,
        )
        assert dry.summary["inserted"] == ROWS and dry.summary["batch"] is None
        result = import_upload(
            opened, ADMIN, kind="rentals", data=data, filename="b.csv", crs="gcj02", as_of=AS_OF
        )
        assert result.summary["inserted"] == ROWS and result.summary["rejected"] == 0
        found = tallies.check_tallies(opened, ADMIN, as_of=AS_OF)
        assert found["agree"] is True, found["differences"][:5]
        again = import_upload(
            opened, ADMIN, kind="rentals", data=data, filename="b.csv", crs="gcj02", as_of=AS_OF
        )
        assert again.summary.get("duplicate_of") == result.summary["batch"]
        return {name: databases.rows(url, sql) for name, sql in TABLES.items()}
    finally:
        opened.db.dispose()


def test_a_staged_insert_stores_what_one_statement_per_row_stores(
    demo_master, tmp_path, rentals_file, monkeypatch
):
    staged = stored_after_import(
        demo_master, tmp_path / "staged", rentals_file, staged_from=500, monkeypatch=monkeypatch
    )
    direct = stored_after_import(
        demo_master, tmp_path / "direct", rentals_file, staged_from=10**9, monkeypatch=monkeypatch
    )
    for name in TABLES:
        assert staged[name] == direct[name], name
    assert len(staged["property"]) > ROWS and staged["figure_new_unit"] == []
