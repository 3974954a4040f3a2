"""Boundary files uploaded through the app: their layers, and their import."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geo.io.boundaries import boundary_layers
from geo.services.access import Actor, require
from geo.services.boundaries.importing import import_hierarchy
from geo.services.setup import Opened


def boundary_upload_layers(
    opened: Opened, actor: Actor, *, data: bytes, filename: str
) -> list[dict[str, str]]:
    """The layers of an uploaded boundary file (label and geometry type), for the upload
    page to offer one level per layer."""
    require(actor, "import_areas")
    del opened  # the file alone answers; the database is not read
    with _uploaded(data, filename) as path:
        return boundary_layers(path)


def import_boundary_upload(
    opened: Opened,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    levels: dict[str, str | None],
    name_field: str,
    code_field: str | None = None,
    crs: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """:func:`import_hierarchy` for a file uploaded through the app (its bytes and name)."""
    require(actor, "import_areas")
    with _uploaded(data, filename) as path:
        summary = import_hierarchy(
            opened,
            actor,
            path,
            levels=levels,
            name_field=name_field,
            code_field=code_field,
            crs=crs,
            dry_run=dry_run,
        )
    return summary if "levels" in summary else {"levels": [summary]}


@contextmanager
def _uploaded(data: bytes, filename: str) -> Iterator[Path]:
    """The upload as a file of its own name in a private folder, for GDAL to open."""
    name = Path(filename).name or "boundaries"
    with tempfile.TemporaryDirectory(prefix="boundary-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path
