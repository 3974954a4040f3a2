"""geo.vocabulary: every enumeration once, and everything that derives from it (schema checks,
upload choices, catalogue labels, the command's choices) agreeing with it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint
from sqlalchemy.exc import IntegrityError

from geo import vocabulary
from geo.cli import build_parser
from geo.fields import FIELDS, ROW_RULES, choices_of, normalise_header
from geo.i18n import CATALOGUE
from geo.services.access import PERMISSIONS
from geo.services.setup import open_database
from geo.store.schema import metadata
from tests import databases
from tests.conftest import AS_OF, ROOT, run_cli

DATA = Path(__file__).parent / "data" / "vocabulary"
MIGRATION_0004 = ROOT / "geo/store/migrations/versions/0004_enum_checks_without_in_lists.py"
COLUMNS = {  # (table, column) -> the vocabulary its CHECK holds
    ("area", "level"): vocabulary.AREA_LEVELS,
    ("area", "kind"): vocabulary.AREA_KINDS,
    ("import_batch", "status"): vocabulary.BATCH_STATUSES,
    ("worksite", "kind"): vocabulary.WORKSITE_KINDS,
    ("property", "kind"): vocabulary.PROPERTY_KINDS,
    ("property", "status"): vocabulary.PROPERTY_STATUSES,
    ("person", "sex"): vocabulary.SEXES,
    ("app_user", "role"): vocabulary.ROLES,
    ("sweep", "status"): vocabulary.SWEEP_STATUSES,
    ("visit", "outcome"): vocabulary.VISIT_OUTCOMES,
}


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("voc", vocabulary.VOCABULARIES, ids=lambda v: v.name)
def test_every_label_key_a_vocabulary_builds_is_in_the_catalogue_in_both_languages(voc):
    for key in voc.label_keys():
        assert key in CATALOGUE, key
        zh, en = CATALOGUE[key]
        assert zh.strip() and en.strip(), key
        assert zh != en or zh.isascii(), key  # a Chinese label is not left untranslated


def test_every_vocabulary_has_its_own_label_family_and_distinct_codes():
    families = [v.label for v in vocabulary.VOCABULARIES]
    assert len(set(families)) == len(families)
    for voc in vocabulary.VOCABULARIES:
        assert "{}" in voc.label
        assert len(set(voc.codes)) == len(voc.codes), voc.name
        assert all(code.strip() == code and code for code in voc.codes), voc.name


def test_label_keys_cover_every_code_of_every_vocabulary():
    keys = vocabulary.label_keys()
    assert "role_sweeper" in keys and "kind_site_building_site" in keys
    assert len(keys) == sum(len(v.codes) for v in vocabulary.VOCABULARIES)


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize("voc", vocabulary.VOCABULARIES, ids=lambda v: v.name)
def test_no_word_or_label_stands_for_two_values_of_one_vocabulary(voc):
    seen: dict[str, str] = {}
    for code in voc.codes:
        labels = CATALOGUE[voc.label_key(code)]
        for word in {code, *labels, *voc.words(code)}:
            folded = normalise_header(word)
            assert folded, (voc.name, word)
            assert seen.setdefault(folded, code) == code, (voc.name, word, seen[folded], code)


@pytest.mark.parametrize("voc", vocabulary.VOCABULARIES, ids=lambda v: v.name)
def test_every_label_shown_in_either_language_is_read_back_as_its_value(voc):
    """The twins disagreed here: the catalogue showed 在用 / "in use" / "self-built house"
    for values an upload or a unit edit then refused. The labels win: what the app shows is
    what it reads."""
    choices = choices_of(voc)
    for code in voc.codes:
        for label in CATALOGUE[voc.label_key(code)]:
            assert choices[normalise_header(label)] == code, (label, code)


def test_the_status_label_the_property_file_shows_was_refused_before_and_is_read_now():
    status = choices_of(vocabulary.PROPERTY_STATUSES)
    assert status[normalise_header("在用")] == "active"
    assert status[normalise_header("No longer rented")] == "inactive"


# --------------------------------------------------------------------------- schema


def _checks() -> dict[tuple[str, str], str]:
    found = {}
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and str(constraint.name).startswith("ck_"):
                column = str(constraint.name).removeprefix(f"ck_{table.name}_")
                found[(table.name, column)] = str(constraint.sqltext)
    return found


def _migration_0004():
    spec = importlib.util.spec_from_file_location("migration_0004", MIGRATION_0004)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schema_checks_come_out_exactly_as_migration_0004_wrote_them():
    """No new migration: the CHECKs built from the vocabulary are, character for character,
    the ones the databases already hold (migration 0004 wrote them, OR chains)."""
    migration = _migration_0004()
    checks = _checks()
    written = {
        (table, column): migration._or_chain(column, values)
        for table, columns in migration._CHECKS.items()
        for column, values in columns.items()
    }
    written[("person", "sex")] = "sex = 'M' OR sex = 'F' OR sex IS NULL"
    for key, condition in written.items():
        assert checks[key] == condition, key
    assert set(written) == set(COLUMNS)


@pytest.mark.parametrize(("where", "voc"), COLUMNS.items(), ids=lambda x: str(x))
def test_each_checked_column_holds_exactly_its_vocabulary(where, voc):
    table, column = where
    condition = _checks()[where]
    assert condition.split(" OR ")[: len(voc.codes)] == [f"{column} = '{c}'" for c in voc.codes]
    assert condition.endswith("IS NULL") == voc.nullable, table


def test_the_database_refuses_a_value_outside_the_vocabulary_and_takes_every_one_inside(tmp_path):
    url = databases.new_database(tmp_path, "checks", migrated=True)
    for code in vocabulary.ROLES.codes:
        databases.execute(
            url,
            "INSERT INTO app_user (name, role, active, failed_logins, created_at) "
            "VALUES (?, ?, ?, 0, ?)",
            (f"u-{code}", code, True, "2026-11-29 00:00:00"),
        )
    assert databases.scalar(url, "SELECT count(*) FROM app_user") == len(vocabulary.ROLES.codes)
    with pytest.raises(IntegrityError):
        databases.execute(
            url,
            "INSERT INTO app_user (name, role, active, failed_logins, created_at) "
            "VALUES ('x', 'superuser', ?, 0, '2026-11-29 00:00:00')",
            (True,),
        )


# --------------------------------------------------------------------------- fields and faces


def test_every_upload_kind_has_its_fields_and_row_rules():
    assert tuple(FIELDS) == vocabulary.UPLOAD_KINDS.codes
    assert tuple(ROW_RULES) == vocabulary.UPLOAD_KINDS.codes


def test_every_enumerated_field_takes_its_values_from_a_vocabulary():
    enumerated = {
        (kind, f.name): f.vocabulary for kind, fields in FIELDS.items() for f in fields
        if f.type == "enum"
    }  # fmt: skip
    assert enumerated
    assert all(v in vocabulary.VOCABULARIES for v in enumerated.values())
    assert enumerated[("rentals", "kind")] is vocabulary.PROPERTY_KINDS
    assert enumerated[("visits", "outcome")] is vocabulary.VISIT_OUTCOMES
    assert enumerated[("worksites", "kind")] is vocabulary.WORKSITE_KINDS


def test_roles_that_may_act_are_exactly_the_vocabulary_s_roles():
    assert set(PERMISSIONS) == set(vocabulary.ROLES.codes)


def _choices_of(parser, *path: str) -> list[str]:
    """The choices an argument of a (sub)command offers."""
    *commands, option = path
    for name in commands:
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = sub.choices[name]
    action = next(a for a in parser._actions if option in (a.dest, *a.option_strings))
    return list(action.choices)


def test_the_command_offers_the_vocabularies_as_its_choices():
    parser = build_parser()
    assert _choices_of(parser, "users", "add", "--role") == list(vocabulary.ROLES.codes)
    assert _choices_of(parser, "import", "areas", "--level") == list(vocabulary.AREA_LEVELS.codes)
    assert _choices_of(parser, "stats", "areas", "--level") == list(vocabulary.AREA_LEVELS.codes)
    kinds = _choices_of(parser, "import", "kind")
    assert set(vocabulary.UPLOAD_KINDS.codes) <= set(kinds)


def test_a_role_outside_the_vocabulary_is_a_usage_error_naming_the_roles(tmp_path):
    result = run_cli("--db", str(tmp_path / "x.sqlite"), "users", "add", "x", "--role", "boss")
    assert result.returncode == 2
    assert "boss" in result.stderr
    assert all(role in result.stderr for role in vocabulary.ROLES.codes)


# --------------------------------------------------------------------------- the words of a file


@pytest.fixture
def empty_db(tmp_path) -> str:
    url = databases.new_database(tmp_path, "words", migrated=True)
    open_database(url).db.dispose()
    return url


def _import(url: str, kind: str, name: str, *extra: str):
    result = run_cli(
        "--db", url, "import", kind, str(DATA / name), "--as-of", AS_OF.isoformat(), *extra
    )
    return result


def test_a_register_in_everyday_words_is_read_whole(empty_db):
    """整租 was 'not one of the allowed values' and cost a fifth of an ordinary register."""
    result = _import(empty_db, "rentals", "rentals_words.csv")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (13, 10, 3)
    kinds = dict(databases.rows(empty_db, "SELECT external_ref, kind FROM property"))
    assert kinds == {
        "V001": "flat",
        "V002": "room",
        "V003": "room",
        "V004": "group_rental",
        "V005": "group_rental",
        "V006": "group_rental",
        "V007": "dormitory",
        "V008": "self_built",
        "V009": "flat",
        "V010": "room",
    }


def test_the_registrar_maps_the_file_s_own_words_once_per_upload(empty_db, tmp_path):
    rejects = tmp_path / "r.csv"
    plain = _import(
        empty_db, "rentals", "rentals_words.csv", "--dry-run", "--rejects", str(rejects)
    )
    assert json.loads(plain.stdout)["rejected"] == 3
    said = rejects.read_text(encoding="utf-8-sig")
    assert "整租" in said and "隔断" in said and "group rental" in said  # the allowed words
    mapped = _import(
        empty_db, "rentals", "rentals_words.csv", "--values", "kind=公租:单间",
        "--values", "kind=人才房:flat",
    )  # fmt: skip
    assert mapped.returncode == 0, mapped.stderr
    summary = json.loads(mapped.stdout)
    assert (summary["accepted"], summary["rejected"]) == (13, 0)
    assert summary["values_mapped"] == {"kind": 3}
    kinds = dict(databases.rows(empty_db, "SELECT external_ref, kind FROM property"))
    assert (kinds["V011"], kinds["V012"], kinds["V013"]) == ("room", "room", "flat")


def test_a_mapping_to_no_value_of_the_field_is_refused_naming_the_values(empty_db):
    result = _import(empty_db, "rentals", "rentals_words.csv", "--values", "kind=公租:豪宅")
    assert result.returncode == 2
    assert "豪宅" in result.stderr and "flat/整套" in result.stderr
    assert databases.scalar(empty_db, "SELECT count(*) FROM property") == 0
    result = _import(empty_db, "rentals", "rentals_words.csv", "--values", "address=甲:乙")
    assert result.returncode == 2 and "kind" in result.stderr  # the fields one can map
    result = _import(empty_db, "rentals", "rentals_words.csv", "--values", "kind公租单间")
    assert result.returncode == 2 and "--values" in result.stderr


def test_a_required_field_the_file_lacks_takes_one_value_for_the_whole_file(empty_db):
    assert _import(empty_db, "rentals", "rentals_words.csv").returncode == 0
    missing = _import(empty_db, "visits", "visits_no_outcome.csv")
    assert missing.returncode == 2 and "outcome" in missing.stderr
    given = _import(empty_db, "visits", "visits_no_outcome.csv", "--set", "outcome=核实")
    assert given.returncode == 0, given.stderr
    summary = json.loads(given.stdout)
    assert (summary["accepted"], summary["set_fields"]) == (2, {"outcome": "核实"})
    outcomes = databases.rows(empty_db, "SELECT outcome FROM visit")
    assert outcomes == [("verified",), ("verified",)]


def test_a_whole_file_value_for_a_field_the_file_has_is_refused(empty_db):
    result = _import(empty_db, "rentals", "rentals_words.csv", "--set", "kind=整租")
    assert result.returncode == 2
    assert "kind" in result.stderr and "--set" in result.stderr


def test_visit_outcomes_and_worksite_kinds_in_everyday_words(empty_db):
    assert _import(empty_db, "rentals", "rentals_words.csv").returncode == 0
    visits = json.loads(_import(empty_db, "visits", "visits_words.csv").stdout)
    assert (visits["accepted"], visits["rejected"]) == (7, 1)  # 已入住 is no outcome
    outcomes = databases.rows(
        empty_db,
        "SELECT p.external_ref, v.outcome FROM visit v JOIN property p ON p.id = v.property_id",
    )
    assert dict(outcomes) == {
        "V001": "verified",
        "V002": "nobody_home",
        "V003": "refused",
        "V004": "vacant",
        "V005": "not_found",
        "V006": "changes_found",
        "V007": "nobody_home",
    }
    sites = json.loads(_import(empty_db, "worksites", "worksites_words.csv").stdout)
    assert (sites["accepted"], sites["rejected"]) == (5, 1)  # 网吧 is none of the kinds
    kinds = dict(databases.rows(empty_db, "SELECT name, kind FROM worksite"))
    assert kinds == {
        "甲厂": "factory",
        "乙工地": "building_site",
        "丙店": "shop",
        "丁快递": "logistics",
        "戊餐馆": "restaurant",
    }
