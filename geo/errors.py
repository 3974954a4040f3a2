"""Typed errors: each carries a catalogue key and parameters, never user-facing text.

Pages and the CLI turn an error into a sentence with :func:`geo.i18n.message`, so users read
Chinese or English from one catalogue and never see exception text or a traceback.
"""

from __future__ import annotations

from typing import Any


class GridhouseError(Exception):
    """Base of every error Gridhouse reports to a user."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}" if params else key)


class InputError(GridhouseError):
    """A file, argument or value the user gave cannot be used as it is."""


class NotFoundError(GridhouseError):
    """A record or file the user named does not exist."""


class PermissionDeniedError(GridhouseError):
    """The acting user's role or area scope does not allow this."""


class ConflictError(GridhouseError):
    """The database is not in a state that allows this (for example, already initialised)."""
