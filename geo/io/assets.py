"""Publish the map's browser assets (Leaflet) where the app serves static files.

Leaflet comes from the XStatic-Leaflet package on PyPI, installed like any dependency; it is
copied into the app's ``static/`` folder at start-up (not kept in the repository) so maps
draw with no internet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.leaflet as leaflet_pkg

LEAFLET_DIR = "leaflet"


def publish_map_assets(static_dir: Path) -> Path:
    """Copy Leaflet's files into ``static_dir/leaflet`` unless that version is already there."""
    target = static_dir / LEAFLET_DIR
    stamp = target / ".version"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == leaflet_pkg.VERSION:
        return target
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(leaflet_pkg.BASE_DIR, target, ignore=shutil.ignore_patterns("*.map", "*esm*"))
    stamp.write_text(leaflet_pkg.VERSION, encoding="utf-8")
    return target
