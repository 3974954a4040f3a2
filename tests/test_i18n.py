"""Every message key the code uses exists in both languages with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from geo.i18n import CATALOGUE, bilingual, message
from tests.conftest import ROOT

KEY_PATTERNS = [
    re.compile(r'Error\(\s*"([a-z0-9_]+)"'),  # raise InputError("key", ...)
    re.compile(r'\bt(?:_raw)?\(\s*"([a-z0-9_]+)"'),  # t("key") and t_raw("key") in pages
    re.compile(r'\bmessage\(\s*"([a-z0-9_]+)"'),
    re.compile(r"\bbilingual\(\s*['\"]([a-z0-9_]+)['\"]"),
]


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [
        *ROOT.joinpath("geo").rglob("*.py"),
        *ROOT.joinpath("pages").rglob("*.py"),
        ROOT / "app.py",
    ]:
        text = Path(path).read_text(encoding="utf-8")
        for pattern in KEY_PATTERNS:
            keys.update(pattern.findall(text))
        keys.update(f"col_{c}" for c in re.findall(r'"col_" \+ "([a-z_]+)"', text))
    return keys


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_used_in_the_code_is_in_the_catalogue():
    keys = used_keys()
    assert len(keys) > 20
    assert sorted(keys - set(CATALOGUE)) == []


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_both_languages_are_filled_and_take_the_same_placeholders(key):
    zh, en = CATALOGUE[key]
    assert zh.strip() and en.strip()
    assert placeholders(zh) == placeholders(en)


def test_chinese_is_the_default_and_english_is_available():
    assert message("file_empty") == "文件中没有可用的记录"
    assert message("file_empty", "en") == "the file holds no usable records"
    assert bilingual("file_not_found", path="a") == "找不到文件：a | file not found: a"


def test_indicator_columns_all_have_labels():
    from geo.indicators import INDICATOR_COLUMNS

    assert all(f"col_{c}" in CATALOGUE for c in INDICATOR_COLUMNS)


@pytest.mark.parametrize("prefix", ["col_", "sweeps_col_", "lists_col_"])
def test_table_headings_of_one_family_differ_in_each_language(prefix):
    """Two columns of a table with one heading make the table fail to draw."""
    for language in (0, 1):
        headings = [v[language] for k, v in CATALOGUE.items() if k.startswith(prefix)]
        assert len(headings) == len(set(headings)), prefix


# --------------------------------------------------------------------------- keys built at run time

FAMILY_PATTERN = re.compile(r"""\b(?:t|message)\(\s*f(["'])(.*?)\1""")


def code_families() -> dict[str, set[str]]:
    """Every catalogue key the code builds with an f-string, as a template with ``{}`` for
    each placeholder (``field_{}``), and the files that build it."""
    found: dict[str, set[str]] = {}
    for path in [*ROOT.joinpath("geo").rglob("*.py"), *ROOT.joinpath("pages").rglob("*.py")]:
        if path.name == "i18n.py":
            continue
        for _, template in FAMILY_PATTERN.findall(path.read_text(encoding="utf-8")):
            key = re.sub(r"\{[^{}]*\}", "{}", template)
            found.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    return found


def literal(path: str, name: str) -> list[str]:
    """A module-level tuple, list or dict of strings in a page (read, not imported: pages
    draw when imported)."""
    import ast

    tree = ast.parse(ROOT.joinpath(path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = node.value
            items = value.keys if isinstance(value, ast.Dict) else value.elts  # type: ignore[attr-defined]
            out = []
            for item in items:
                item = item.elts[0] if isinstance(item, ast.Tuple) else item
                out.append(ast.literal_eval(item))
            return out
    raise AssertionError(f"{path} has no {name}")


def vocabulary_keys() -> dict[str, set[str]]:
    """What each family's placeholder takes, from the vocabularies (no database needed)."""
    from geo import sweeps, vocabulary
    from geo.fields import FIELDS
    from geo.indicators import INDICATOR_COLUMNS
    from geo.io.arealists import FORMATS as AREA_LIST_FORMATS
    from geo.maps import BASEMAPS
    from geo.services.lists import EXPORT_FORMATS
    from geo.services.properties import EDITABLE
    from geo.worklists import LISTS

    crs = literal("pages/upload.py", "CRS_CHOICES")
    overview = {
        *literal("pages/overview.py", "METRICS"),
        *literal("pages/overview.py", "TABLE_ORDER"),
        *literal("pages/overview.py", "HEADLINE"),
    }
    return {
        "field_{}": {f.name for fields in FIELDS.values() for f in fields} | set(EDITABLE),
        **{v.label: set(v.codes) for v in vocabulary.VOCABULARIES},
        "basemap_{}": set(BASEMAPS),
        "list_{}": set(LISTS),
        "list_{}_rule": set(LISTS),
        "crs_{}": set(crs),
        "col_{}": set(INDICATOR_COLUMNS) | overview,
        "sweeps_factor_{}": set(sweeps.FACTORS),
        "sweeps_state_{}": {"open", "not_reached", "done"},
        "sweeps_verdict_{}": {"pass", "fail", "pending"},
        "inspection_status_{}": {"met", "near", "below", "none"},
        "upload_{}": {"rows", "accepted", "rejected", "inserted", "updated", "unchanged"},
        "upload_use_{}": {"field", "dropped", "ignored"},
        "clusters_layer_{}": {"clusters", "hexagons"},
        "quality_kind_{}": {"property", "worksite"},
        # tables whose headings pages rename column by column (the frames' columns are
        # added by frame_keys from the services themselves)
        "clusters_col_{}": {"cluster", "residents", "units", "origins", "worksites"},
        "admin_col_{}": {"name", "role", "areas", "active", "locked", "created_at"},
        "audit_col_{}": {
            "id",
            "at",
            "actor",
            "role",
            "action",
            "object_type",
            "object_id",
            "count",
            "detail",
        },
        "quality_col_{}": {"external_ref", "address", "lon", "lat", "batch_id", "reason"},
        "people_col_{}": set(literal("pages/people.py", "COLUMNS")),
        "sweeps_col_{}": {
            "rank",
            "score",
            *(f"{f}_points" for f in sweeps.FACTORS),
            "external_ref",
            "address",
            "residents",
            "days_overdue",
            "team",
            "position",
            "room",
            "state",
        },
        "lists_format_{}": set(EXPORT_FORMATS),
        "arealist_format_{}": set(AREA_LIST_FORMATS),
        "lists_download_{}": set(EXPORT_FORMATS),
        "upload_prepare_rejects_{}": {"csv", "xlsx"},
        "lists_kind_{}": {"landlord", "employer"},
        "lists_col_{}": set(),
        # issue 19: field kits, the review page and proven visits
        **_field_kit_families(),
        "worksite_col_{}": set(),
        "health_of_{}": set(literal("geo/store/maintenance.py", "COUNTED_TABLES")),
        "property_col_{}": set(),
    }


def _field_kit_families() -> dict[str, set[str]]:
    from geo.fieldkit import REFUSAL_REASONS
    from geo.services.kits import DECISIONS, KIT_FORMATS

    rates = ["coverage", "proven_coverage", "inspection_rate", "proven_inspection_rate"]
    return {
        "kit_refused_{}": set(REFUSAL_REASONS),
        "kits_format_{}": set(KIT_FORMATS),
        "review_accept_{}": set(DECISIONS),
        "proven_col_{}": {"team", "assigned", "visited", "proven", "name", *rates},
    }


def expand(families: dict[str, set[str]]) -> set[str]:
    return {t.replace("{}", value) for t, values in families.items() for value in values}


def missing_keys(keys: set[str]) -> list[str]:
    return sorted(
        f"{key} ({language})"
        for key in keys
        for language, index in (("zh", 0), ("en", 1))
        if key not in CATALOGUE or not CATALOGUE[key][index].strip()
    )


def test_every_key_family_built_at_run_time_is_enumerated_here():
    """A page or service that starts building keys of a new family must add it above."""
    known = vocabulary_keys()
    unknown = {
        template: sorted(files)
        for template, files in code_families().items()
        # a prefix handed in by the caller ("{}{}", pages/tables.py) is the caller's family
        if template not in known and template.strip("{}")
    }
    assert unknown == {}


def test_every_key_built_from_the_vocabularies_is_in_the_catalogue_in_both_languages():
    keys = expand(vocabulary_keys())
    assert len(keys) > 150
    assert missing_keys(keys) == []


def test_a_missing_key_shows_the_key_and_is_logged_once(caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="gridhouse.i18n"):
        assert message("field_no_such_field_ever") == "field_no_such_field_ever"
        assert message("field_no_such_field_ever", "en", n=1) == "field_no_such_field_ever"
        assert bilingual("field_no_such_field_ever") == (
            "field_no_such_field_ever | field_no_such_field_ever"
        )
    logged = [r for r in caplog.records if "field_no_such_field_ever" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING


def frame_keys(opened) -> dict[str, set[str]]:
    """The columns of the tables pages rename wholesale, from the services on the demo."""
    from geo.services import lists, properties, spatial, statistics
    from geo.services import sweeps as sweep_service
    from geo.worklists import LISTS
    from tests.conftest import ADMIN, AS_OF

    out: dict[str, set[str]] = {}

    def add(family: str, columns) -> None:
        out.setdefault(family, set()).update(str(c) for c in columns)

    for name in LISTS:
        table = lists.staff_list(opened, ADMIN, name, as_of=AS_OF)
        add("lists_col_{}", [c for c in table.columns if c not in ("lon", "lat")])
    overview = statistics.overview_figures(opened, ADMIN, as_of=AS_OF)
    add("col_{}", overview.table.columns)
    sites = spatial.worksite_layer(opened, ADMIN, as_of=AS_OF)
    site = spatial.worksite_file(opened, ADMIN, int(sites["id"].iloc[0]), as_of=AS_OF)
    add("worksite_col_{}", site.workers.columns)
    add("property_col_{}", site.visits.columns)
    crowded = lists.staff_list(opened, ADMIN, "crowded", as_of=AS_OF)
    unit = properties.property_file(opened, ADMIN, str(crowded["external_ref"].iloc[0]))
    add("people_col_{}", unit.stays.columns)
    add("property_col_{}", unit.visits.columns)
    quality = spatial.data_quality(opened, ADMIN)
    add("quality_col_{}", quality["near_boundary"].columns)
    community = str(overview.table["code"].iloc[0])
    sweep = sweep_service.create_sweep(
        opened,
        ADMIN,
        name="i18n",
        starts_on=AS_OF,
        ends_on=AS_OF,
        areas=[community],
        teams=["A", "B"],
    )
    plan = sweep_service.plan_sweep(opened, ADMIN, sweep, as_of=AS_OF, limit=40)
    add("sweeps_col_{}", plan.teams.columns)
    progress = sweep_service.sweep_progress(opened, ADMIN, sweep, as_of=AS_OF)
    add("sweeps_col_{}", [*progress["by_team"].columns, *progress["by_community"].columns])
    add("sweeps_col_{}", sweep_service.registration_rates(opened, ADMIN, as_of=AS_OF).columns)
    verdicts = sweep_service.backchecks(opened, ADMIN, sweep, as_of=AS_OF)["verdicts"]
    add("sweeps_col_{}", [c for c in verdicts.columns if c != "community_id"])
    return out


def test_every_table_heading_pages_build_is_in_the_catalogue_in_both_languages(demo_copy):
    from geo.services.setup import open_database

    opened = open_database(demo_copy, create=False)
    try:
        families = frame_keys(opened)
    finally:
        opened.db.dispose()
    assert set(families) <= set(vocabulary_keys())
    assert len(families["lists_col_{}"]) > 10
    assert missing_keys(expand(families)) == []
