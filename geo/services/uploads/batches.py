"""Uploads after the fact: the batches an actor may see, a batch's stored rejects report,
and undoing a batch in the actor's areas."""

from __future__ import annotations

import gzip
from typing import Any

import pandas as pd

from geo.errors import ConflictError
from geo.services.access import Actor, require
from geo.services.auditing import audited, record
from geo.services.scope import (
    batch_visible,
    batch_within,
    communities_in_scope,
    require_batch_undoable,
    require_rejects_allowed,
)
from geo.services.setup import Opened
from geo.store import batches, changes


def undo_batch(
    opened: Opened, actor: Actor, batch_id: int, *, force: bool = False
) -> dict[str, Any]:
    """Restore the state before a batch, in the actor's areas only. Refused, naming what
    came later, while a later batch builds on it, or (unless ``force``) when a correction,
    move or retention touched its rows since (see :func:`geo.store.changes.undo_batch`)."""
    require(actor, "import")
    with audited(
        opened, actor, "import.undo", object_type="import_batch", object_id=batch_id
    ) as done:
        allowed = communities_in_scope(done.conn, actor)
        require_batch_undoable(batches.batch_row(done.conn, batch_id), actor, allowed, batch_id)
        try:
            result = changes.undo_batch(done.conn, batch_id, force=force)
        except changes.UndoRefusedError as exc:
            later = exc.later
            if later.batch is not None and not batch_within(
                {"communities": later.communities}, allowed
            ):
                raise ConflictError("undo_later_elsewhere", batch=batch_id) from exc
            raise
        done.detail = {**result, **({"forced": True} if force else {})}
    return {"batch": batch_id, "undone": True, **result}


def list_batches(opened: Opened, actor: Actor) -> pd.DataFrame:
    """The newest batches the actor may see: all for an unscoped one, else their own and
    those that wrote only in their areas."""
    require(actor, "import")
    with opened.db.read() as conn:
        allowed = communities_in_scope(conn, actor)
        found = batches.list_batches(conn)
    if allowed is not None and not found.empty:
        rows = found.to_dict("records")
        shown = [batch_visible({str(k): v for k, v in r.items()}, actor, allowed) for r in rows]
        found = found.loc[shown].reset_index(drop=True)
    return found


def batch_rejects_csv(opened: Opened, actor: Actor, batch_id: int) -> bytes | None:
    """The stored rejected-rows report of a batch (CSV), audited as an export: for its
    uploader and unscoped users only."""
    require(actor, "import")
    with opened.db.write() as conn:
        allowed = communities_in_scope(conn, actor)
        require_rejects_allowed(batches.batch_row(conn, batch_id), actor, allowed, batch_id)
        stored = batches.batch_rejects(conn, batch_id)
        if stored is not None:
            record(conn, actor, "export.rejects", object_type="import_batch", object_id=batch_id)
    return None if stored is None else gzip.decompress(stored)
