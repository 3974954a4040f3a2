"""The layers hold: the import contracts in pyproject.toml are kept, and they cover every module."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
# The modules of geo/ that are not core, each with a contract of its own.
NOT_CORE = {"geo.__main__", "geo.cli", "geo.maps", "geo.services", "geo.store"}


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    return subprocess.run(
        [*command, "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_import_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout


def test_a_broken_contract_fails_the_check(tmp_path: Path):
    """The pyproj contract names an outside package; moving its one allowed importer shows
    that import-linter sees imports of outside packages at all."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    moved = config.replace('allowed_importers = ["geo.crs"]', 'allowed_importers = ["geo.maps"]')
    assert moved != config
    (tmp_path / "contracts.toml").write_text(moved, encoding="utf-8")
    result = lint_imports(str(tmp_path / "contracts.toml"))
    assert result.returncode == 1
    assert "geo.crs -> pyproj" in result.stdout


def test_every_module_of_geo_is_core_or_has_a_contract_of_its_own():
    core = set(CONTRACTS["core"]["source_modules"])
    modules = {f"geo.{p.stem}" for p in (ROOT / "geo").glob("*.py") if p.stem != "__init__"}
    packages = {f"geo.{p.parent.name}" for p in (ROOT / "geo").glob("*/__init__.py")}
    unplaced = sorted((modules | packages) - core - NOT_CORE)
    assert not unplaced, f"add {unplaced} to the 'core' contract's source_modules, or to NOT_CORE"
    assert not core & NOT_CORE


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("script", ["app.py", "session_api.py", "first_start.py"])
def test_scripts_outside_packages_keep_to_the_faces_rules(script):
    """app.py and session_api.py are no package import-linter can take as a root; they keep
    the rules of the pages: services, never the store, SQL, folium or pyproj."""
    if not (ROOT / script).is_file():
        pytest.skip(f"{script} is not in this checkout")
    banned = ("geo.store", "sqlalchemy", "alembic", "folium", "branca", "pyproj")
    found = sorted(
        name
        for name in imported_modules(ROOT / script)
        if any(name == b or name.startswith(b + ".") for b in banned)
    )
    assert not found, f"{script} imports {found}"
