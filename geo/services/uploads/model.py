"""What an upload is given and gives back: its size limits, its result, and the state its
kinds share while they write (the open transaction, the counts, the problems found)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.io.tables import MAX_BYTES, MAX_ROWS
from geo.privacy import Keys
from geo.settings import Settings
from geo.store.database import Connection
from geo.store.upserts import Upserted


@dataclass(frozen=True)
class UploadLimits:
    """How big an upload may be (``GRIDHOUSE_UPLOAD_MAX_MB``, ``GRIDHOUSE_UPLOAD_MAX_ROWS``)."""

    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS

    @classmethod
    def from_settings(cls, config: Settings) -> UploadLimits:
        """The configured limits."""
        return cls(max_bytes=config.upload_max_bytes, max_rows=config.upload_max_rows)


@dataclass(frozen=True)
class UploadResult:
    """What an import did: the summary line, every rejected cell, how columns were read."""

    summary: dict[str, Any]
    rejects: pd.DataFrame
    """one row per rejected cell: row, column, header, value, reason, reason_zh, reason_en"""
    preview: list[dict[str, str]] = field(default_factory=list)
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    """the registrar's own rejected rows, cells as given, with the row number and the reasons
    in front (:func:`geo.services.uploads.rejects.rejected_rows`): the file to fix and upload
    again"""


@dataclass(frozen=True)
class Writing:
    """Where an upload's kind writes: the open write transaction, the batch its rows are
    stamped with, the keys that seal identifiers, the database address (for placing points
    in areas) and the communities the actor may write in (None: everywhere)."""

    conn: Connection
    batch_id: int
    keys: Keys
    url: str
    scope: frozenset[int] | None = None


@dataclass
class Applied:
    """What a kind did with the validated rows: counts, the rows it refused (problems, one a
    cell) and counts of its own (``moves``, ``outside_areas``, ...) for the summary."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[pd.DataFrame] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)

    def count(self, upserted: Upserted) -> None:
        """Add what one :func:`geo.store.upserts.upsert` did."""
        self.inserted += upserted.inserted
        self.updated += upserted.updated
        self.unchanged += upserted.unchanged
