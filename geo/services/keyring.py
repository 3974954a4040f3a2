"""The database's keys for admins: rotate the sealing key (audited)."""

from __future__ import annotations

from typing import Any

from geo.services.access import Actor, require
from geo.services.setup import Opened
from geo.store import keys as key_store


def rotate_keys(opened: Opened, actor: Actor) -> dict[str, Any]:
    """Seal every identifier under a new sealing key (admins only; audited as
    ``keys.rotate``): the matching and audit keys stay, so searches and the audit chain are
    unchanged. Returns the key file, how many values were re-sealed and the new check value
    (its first characters). Back up the key file afterwards: backups made before hold the
    old check value and restore with the key file of their time."""
    require(actor, "setup")
    path = key_store.key_path_for(opened.db.url, key_file=opened.settings.key_file)
    fresh, count = key_store.rotate(opened.db, path, opened.keys, actor=actor.name, role=actor.role)
    return {"key_file": str(path), "resealed": count, "check": fresh.check_value()[:12]}
