"""Who may do what: the acting user, role permissions and area scope."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Final

import pandas as pd

from geo.errors import PermissionDeniedError

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "admin": frozenset(
        {
            "setup",
            "import_areas",
            "view_aggregates",
            "view_records",
            "import",
            "export",
            "unmask",
            "plan_sweeps",
        }
    ),
    "planner": frozenset({"view_aggregates", "plan_sweeps"}),
    "registrar": frozenset({"view_aggregates", "view_records", "import", "export", "plan_sweeps"}),
    "sweeper": frozenset({"view_records", "export"}),
}


@dataclass(frozen=True)
class Actor:
    """The acting user: a name for the audit log, a role, and the area codes they may see
    (None: the whole jurisdiction)."""

    name: str
    role: str
    areas: frozenset[str] | None = None

    @property
    def aggregates_only(self) -> bool:
        return "view_records" not in PERMISSIONS.get(self.role, frozenset())


def local_operator() -> Actor:
    """The actor of a command-line run: the machine's operator, with full rights."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(name=f"cli:{user}", role="admin")


def require(actor: Actor, action: str) -> None:
    """Refuse (PermissionDeniedError) unless the actor's role allows ``action``."""
    if action not in PERMISSIONS.get(actor.role, frozenset()):
        raise PermissionDeniedError("permission_denied", role=actor.role, action=action)


def in_scope(areas: pd.DataFrame, actor: Actor) -> pd.Series:
    """Mask of the areas (columns id, code, parent_id) the actor may see: those in their
    scope and everything below them."""
    if actor.areas is None:
        return pd.Series(True, index=areas.index)
    parent = dict(zip(areas["id"], areas["parent_id"], strict=True))
    code = dict(zip(areas["id"], areas["code"], strict=True))
    allowed = []
    for area_id in areas["id"]:
        node, ok = area_id, False
        while node is not None and not pd.isna(node):
            if code.get(node) in actor.areas:
                ok = True
                break
            node = parent.get(node)
        allowed.append(ok)
    return pd.Series(allowed, index=areas.index)
