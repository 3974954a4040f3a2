"""Configuration: every setting of Gridhouse in one typed object, read from the environment.

Each ``GRIDHOUSE_<NAME>`` variable is one field of :class:`Settings` (the README's
Configuration table lists them all; a test keeps the two in step). The faces (the app and
the command line) read them once through :func:`settings` and hand them on: services get
them with the opened database (``opened.settings``), core functions as plain values. An
invalid value is refused with a :class:`geo.errors.InputError` (``setting_invalid``) that
names the variable, the value and the rule (in each language: pydantic's English reason is
never shown), never with a traceback.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.errors import InputError
from geo.i18n import Phrase, message

ENV_PREFIX: Final = "GRIDHOUSE_"
_CONFIG: Final = SettingsConfigDict(
    env_prefix=ENV_PREFIX,
    case_sensitive=False,
    env_ignore_empty=True,
    extra="ignore",
    frozen=True,
)

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class DaySetting(BaseSettings):
    """The one setting the clock needs, cheap to read on its own (see :func:`geo.clock.today`)."""

    model_config = _CONFIG

    today: date | None = Field(
        default=None,
        description="run the app or the command line as of that day (YYYY-MM-DD); unset: today",
    )


class Settings(DaySetting):
    """Every setting, typed, with its default, unit and rule.

    >>> Settings(crowded_per_room=3).crowded_per_room
    3.0
    """

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL or SQLite file; unset: gridhouse.sqlite in the data folder",
    )
    key_file: Path | None = Field(
        default=None,
        description="the key file; unset: beside the SQLite file, else in the data folder",
    )
    admin_password: SecretStr | None = Field(
        default=None, description="password of the first admin account; unset: random"
    )
    retention_days: int = Field(
        default=730, gt=0, description="days people are kept after they moved out"
    )
    idle_minutes: float = Field(
        default=30.0,
        ge=0,
        allow_inf_nan=False,
        description="minutes without a click after which a session ends",
    )
    one_time_password_hours: Positive = Field(
        default=24.0,
        description="hours a one-time password (new account, reset) signs in; changed at first use",
    )
    crowded_per_room: Positive = Field(default=2.0, description="residents per room (crowded)")
    crowded_m2_per_person: Positive = Field(
        default=5.0, description="floor area in m2 per resident below which a unit is crowded"
    )
    report_within_days: int = Field(
        default=3, gt=0, description="working days landlords and employers have to report"
    )
    upload_max_mb: Positive = Field(default=50.0, description="largest upload in MB (2**20 B)")
    upload_max_rows: int = Field(default=200_000, gt=0, description="most data rows per upload")
    inspection_target: float = Field(
        default=0.8,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="target of the monthly inspection rate (0 < t <= 1)",
    )
    units_per_team_day: Positive = Field(
        default=25.0, description="units a sweep team visits in a working day"
    )
    proven_within_m: Positive = Field(
        default=50.0,
        description="metres within which a visit's GPS point must lie of its unit to prove it",
    )
    pdf_font: Path | None = Field(
        default=None, description="a font file with Chinese glyphs for printable area lists"
    )

    @property
    def upload_max_bytes(self) -> int:
        """The largest upload in bytes."""
        return int(self.upload_max_mb * 2**20)


RULES: Final = {
    "greater_than": "setting_rule_greater_than",
    "greater_than_equal": "setting_rule_greater_than_equal",
    "less_than": "setting_rule_less_than",
    "less_than_equal": "setting_rule_less_than_equal",
    "int_parsing": "setting_rule_whole_number",
    "int_from_float": "setting_rule_whole_number",
    "int_type": "setting_rule_whole_number",
    "float_parsing": "setting_rule_number",
    "float_type": "setting_rule_number",
    "finite_number": "setting_rule_finite",
    "date_parsing": "setting_rule_date",
    "date_type": "setting_rule_date",
    "date_from_datetime_parsing": "setting_rule_date",
    "date_from_datetime_inexact": "setting_rule_date",
    "path_type": "setting_rule_path",
    "string_type": "setting_rule_text",
}
"""pydantic's error types -> the catalogue key of the rule (``{limit}`` from the bound);
any other type reads ``setting_rule_other``."""


def rule(problem: Any) -> Phrase:
    """A pydantic problem's rule in both languages, from the catalogue.

    >>> r = rule({"type": "greater_than", "ctx": {"gt": 0.0}})
    >>> str(r), r.en
    ('须大于 0', 'must be greater than 0')
    """
    key = RULES.get(str(problem.get("type")), "setting_rule_other")
    bounds = problem.get("ctx") or {}
    limit = next((bounds[b] for b in ("gt", "ge", "lt", "le") if b in bounds), "")
    shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
    return Phrase(message(key, "zh", limit=shown), message(key, "en", limit=shown))


def _refused(error: ValidationError) -> InputError:
    """The first problem of a validation error as one bilingual catalogue line."""
    problem = error.errors()[0]
    name = f"{ENV_PREFIX}{str(problem['loc'][0]).upper()}" if problem["loc"] else ENV_PREFIX
    value = problem.get("input")
    return InputError("setting_invalid", variable=name, value=str(value), rule=rule(problem))


def read_settings() -> Settings:
    """The settings in the environment now, validated; InputError when one is invalid."""
    try:
        return Settings()
    except ValidationError as error:
        raise _refused(error) from None


def read_day() -> date | None:
    """``GRIDHOUSE_TODAY`` alone, validated as :class:`Settings` does (once per value: the
    clock asks at every call)."""
    return _day_for(os.environ.get(f"{ENV_PREFIX}TODAY"))


@lru_cache(maxsize=8)
def _day_for(value: str | None) -> date | None:
    del value  # the cache key
    try:
        return DaySetting().today
    except ValidationError as error:
        raise _refused(error) from None


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)))


@lru_cache(maxsize=4)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    del environment  # the cache key: the same variables give the same object
    return read_settings()


def settings() -> Settings:
    """The settings, read and validated once per configuration (the cache is keyed by the
    ``GRIDHOUSE_`` variables, so a process whose environment changes, as tests do, sees the
    change). For the faces, which hand them to services."""
    return _settings_for(_environment())
