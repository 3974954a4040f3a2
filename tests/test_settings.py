"""The settings (geo/settings.py): one field per README row, each seen through the product
when changed in the environment, and an invalid value refused in one bilingual line."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from geo import clock
from geo.coverage import INSPECTION_TARGET
from geo.errors import InputError
from geo.indicators import CROWDED_M2_PER_PERSON, CROWDED_PER_ROOM
from geo.io.tables import MAX_BYTES, MAX_ROWS
from geo.reporting import REPORT_WITHIN_WORKING_DAYS
from geo.services import accounts, lists, people, setup, statistics, sweeps, uploads
from geo.services.setup import Opened, open_database
from geo.settings import ENV_PREFIX, Settings, read_settings, settings
from tests import databases
from tests.conftest import ADMIN, AS_OF, ROOT
from tests.test_cli import one_bilingual_line

README = ROOT / "README.md"


def readme_variables() -> set[str]:
    """Every ``GRIDHOUSE_*`` variable named in the first column of the Configuration table."""
    text = README.read_text(encoding="utf-8").split("## Configuration", 1)[1]
    rows = [line for line in text.splitlines() if line.startswith("|")]
    first_cells = [row.split("|")[1] for row in rows]
    return {name for cell in first_cells for name in re.findall(r"GRIDHOUSE_[A-Z0-9_]+", cell)}


def test_every_field_has_a_readme_row_and_every_row_a_field():
    fields = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    assert fields == readme_variables()


def test_every_field_says_what_it_means():
    assert all(field.description for field in Settings.model_fields.values())


def test_defaults_are_the_core_defaults():
    defaults = Settings.model_construct()
    assert defaults.crowded_per_room == CROWDED_PER_ROOM
    assert defaults.crowded_m2_per_person == CROWDED_M2_PER_PERSON
    assert defaults.report_within_days == REPORT_WITHIN_WORKING_DAYS
    assert defaults.inspection_target == INSPECTION_TARGET
    assert defaults.upload_max_bytes == MAX_BYTES
    assert defaults.upload_max_rows == MAX_ROWS
    assert defaults.retention_days == people.DEFAULT_RETENTION_DAYS
    assert defaults.units_per_team_day == sweeps.UNITS_PER_TEAM_DAY


def test_the_accessor_reads_once_per_configuration(monkeypatch):
    monkeypatch.delenv("GRIDHOUSE_CROWDED_PER_ROOM", raising=False)
    assert settings() is settings()
    monkeypatch.setenv("GRIDHOUSE_CROWDED_PER_ROOM", "4")
    assert settings().crowded_per_room == 4


def _with(opened: Opened) -> Opened:
    """The opened database with the settings of the environment now, as a face hands them."""
    return dataclasses.replace(opened, settings=settings())


def _crowded(opened: Opened) -> Any:
    return len(lists.staff_list(opened, ADMIN, "crowded", as_of=AS_OF))


def _late(opened: Opened) -> Any:
    return int(lists.staff_list(opened, ADMIN, "late-reports", as_of=AS_OF)["late"].sum())


def _inspection_status(opened: Opened) -> Any:
    trend = statistics.coverage_trend(opened, ADMIN, months=3, window_days=0, as_of=AS_OF)
    return (trend["target"].iloc[0], tuple(trend["status"]))


def _days_needed(opened: Opened) -> Any:
    return sweeps.sweep_progress(opened, ADMIN, 1, as_of=AS_OF)["days_needed"]


def _refused_rows(opened: Opened) -> Any:
    data = b"external_ref,address\n" + b"".join(b"R%d,a\n" % i for i in range(3))
    try:
        uploads.preview_upload(opened, ADMIN, kind="rentals", data=data, filename="r.csv")
    except InputError as exc:
        return exc.key
    return None


def _idle(opened: Opened) -> Any:
    return accounts.idle_timeout_minutes(opened)


def _font(opened: Opened) -> Any:
    try:
        sweeps.area_units_list(opened, ADMIN, "330110901201", fmt="pdf", as_of=AS_OF)
    except InputError as exc:
        return exc.key
    return "printed"


# (variable, value, what shows it through the product); the demo database, read only.
EFFECTS: list[tuple[str, str, Callable[[Opened], Any]]] = [
    ("GRIDHOUSE_CROWDED_PER_ROOM", "1", _crowded),
    ("GRIDHOUSE_CROWDED_M2_PER_PERSON", "40", _crowded),
    ("GRIDHOUSE_REPORT_WITHIN_DAYS", "1", _late),
    ("GRIDHOUSE_INSPECTION_TARGET", "0.01", _inspection_status),
    ("GRIDHOUSE_UNITS_PER_TEAM_DAY", "1", _days_needed),
    ("GRIDHOUSE_UPLOAD_MAX_ROWS", "2", _refused_rows),
    ("GRIDHOUSE_UPLOAD_MAX_MB", "0.00001", _refused_rows),
    ("GRIDHOUSE_IDLE_MINUTES", "1", _idle),
    ("GRIDHOUSE_PDF_FONT", "/nonexistent/font.ttf", _font),
]


@pytest.mark.parametrize(("variable", "value", "probe"), EFFECTS, ids=[e[0] for e in EFFECTS])
def test_a_setting_changed_in_the_environment_changes_the_product(
    demo, monkeypatch, variable, value, probe
):
    monkeypatch.delenv(variable, raising=False)
    before = probe(_with(demo))
    monkeypatch.setenv(variable, value)
    after = probe(_with(demo))
    assert after != before, (variable, before, after)


def test_fewer_rooms_per_resident_make_the_crowded_list_longer(demo, monkeypatch):
    monkeypatch.delenv("GRIDHOUSE_CROWDED_PER_ROOM", raising=False)
    before = _crowded(_with(demo))
    monkeypatch.setenv("GRIDHOUSE_CROWDED_PER_ROOM", "1")
    assert _crowded(_with(demo)) > before


def test_retention_days_change_who_is_anonymised(demo_copy, monkeypatch):
    monkeypatch.delenv("GRIDHOUSE_RETENTION_DAYS", raising=False)
    opened = open_database(demo_copy, create=False)
    try:
        kept = people.run_retention(_with(opened), ADMIN, as_of=AS_OF)
        monkeypatch.setenv("GRIDHOUSE_RETENTION_DAYS", "1")
        shorter = people.run_retention(_with(opened), ADMIN, as_of=AS_OF)
    finally:
        opened.db.dispose()
    assert (kept["days"], shorter["days"]) == (730, 1)
    assert shorter["anonymised"] > 0


def test_admin_password_key_file_and_database_url_come_from_the_environment(tmp_path, monkeypatch):
    url = databases.new_database(tmp_path, "configured")
    key = tmp_path / "elsewhere" / "configured.key"
    key.parent.mkdir()
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", url)
    monkeypatch.setenv("GRIDHOUSE_KEY_FILE", str(key))
    monkeypatch.setenv("GRIDHOUSE_ADMIN_PASSWORD", "from the environment")
    assert setup.configured_url() == setup.resolved_url(url)
    opened = open_database()
    try:
        assert key.is_file()
        assert accounts.ensure_first_admin(opened) == "from the environment"
    finally:
        opened.db.dispose()


def test_gridhouse_today_is_the_clocks_day(monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_TODAY", "2031-03-04")
    assert clock.today() == date(2031, 3, 4) == settings().today


INVALID = [
    ("GRIDHOUSE_CROWDED_PER_ROOM", "-1"),
    ("GRIDHOUSE_CROWDED_M2_PER_PERSON", "many"),
    ("GRIDHOUSE_INSPECTION_TARGET", "80"),
    ("GRIDHOUSE_INSPECTION_TARGET", "0"),
    ("GRIDHOUSE_RETENTION_DAYS", "0"),
    ("GRIDHOUSE_IDLE_MINUTES", "-5"),
    ("GRIDHOUSE_REPORT_WITHIN_DAYS", "three"),
    ("GRIDHOUSE_UPLOAD_MAX_MB", "0"),
    ("GRIDHOUSE_UPLOAD_MAX_ROWS", "1.5"),
    ("GRIDHOUSE_UNITS_PER_TEAM_DAY", "0"),
    ("GRIDHOUSE_TODAY", "first of May"),
]


@pytest.mark.parametrize(("variable", "value"), INVALID, ids=[f"{v}={x}" for v, x in INVALID])
def test_an_invalid_value_is_one_line_naming_it(variable, value, monkeypatch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError) as refused:
        read_settings()
    assert refused.value.key == "setting_invalid"
    assert refused.value.params["variable"] == variable
    assert refused.value.params["value"] == value


@pytest.mark.parametrize(("variable", "value"), INVALID, ids=[f"{v}={x}" for v, x in INVALID])
def test_the_rule_is_given_in_each_language_never_in_pydantic_s_english(
    variable, value, monkeypatch
):
    from geo.i18n import message

    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError) as refused:
        read_settings()
    zh = message("setting_invalid", "zh", **refused.value.params)
    en = message("setting_invalid", "en", **refused.value.params)
    rule_zh = zh.split("无效：", 1)[1]
    assert re.fullmatch(r"[^A-Za-z]*(YYYY-MM-DD[^A-Za-z]*)?", rule_zh), zh
    assert "Input should" not in en and re.search(r"invalid: must be|is not an accepted", en)


@pytest.mark.parametrize(
    ("variable", "value", "zh", "en"),
    [
        ("GRIDHOUSE_UPLOAD_MAX_MB", "0", "须大于 0", "must be greater than 0"),
        ("GRIDHOUSE_INSPECTION_TARGET", "80", "须不大于 1", "must be at most 1"),
        ("GRIDHOUSE_IDLE_MINUTES", "-5", "须不小于 0", "must be at least 0"),
        ("GRIDHOUSE_UPLOAD_MAX_ROWS", "1.5", "须为整数", "must be a whole number"),
        ("GRIDHOUSE_CROWDED_M2_PER_PERSON", "many", "须为数字", "must be a number"),
        ("GRIDHOUSE_TODAY", "2026-02-30", "须为日期", "must be a date"),
        ("GRIDHOUSE_UPLOAD_MAX_MB", "inf", "须为有限的数字", "must be a finite number"),
    ],
)
def test_health_names_the_rule_in_chinese_and_in_english(
    variable, value, zh, en, demo_url, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env[variable] = value
    result = subprocess.run(
        [sys.executable, "-m", "geo", "--db", demo_url, "health"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    chinese, english = one_bilingual_line(result.stderr).split(" | ")
    assert f"{variable} 的值 {value} 无效：{zh}" in chinese and "Input" not in chinese
    assert f"{variable}={value} is invalid: {en}" in english


@pytest.mark.parametrize(("variable", "value"), INVALID[:3], ids=[v for v, _ in INVALID[:3]])
def test_an_invalid_value_is_one_bilingual_line_through_the_cli(
    variable, value, demo_url, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env[variable] = value
    result = subprocess.run(
        [sys.executable, "-m", "geo", "--db", demo_url, "lists", "crowded"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    line = one_bilingual_line(result.stderr)
    assert variable in line and value in line


def test_no_product_module_reads_the_environment_itself():
    offenders = []
    for path in [*ROOT.glob("geo/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        if path.name == "settings.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = re.search(r"os\.environ\.get|getenv|environ\[\"GRIDHOUSE", line)
            if found and "XDG_DATA_HOME" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
