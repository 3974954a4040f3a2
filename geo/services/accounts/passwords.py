"""Passwords: argon2 hashes, the shortest password allowed, one-time passwords (an admin's
new account, reset or first admin: changed at the first sign-in, expired after
``GRIDHOUSE_ONE_TIME_PASSWORD_HOURS``), and a user changing their own."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import InputError, PermissionDeniedError
from geo.services.access import Actor
from geo.services.auditing import record
from geo.store.users import find_user, now, update_user

if TYPE_CHECKING:
    from geo.services.setup import Opened


MIN_PASSWORD_LENGTH: Final = 8
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2 hash of a password, as stored (salted: two hashes of one password differ)."""
    return _hasher.hash(password)


def check_password(password: str) -> None:
    """Refuse (InputError ``password_short``) a password shorter than
    :data:`MIN_PASSWORD_LENGTH`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password_short", length=MIN_PASSWORD_LENGTH)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches a stored hash (False for a hash that is not one)."""
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A new random one-time password: 12 random bytes, URL-safe base64 (16 characters)."""
    return secrets.token_urlsafe(12)


def one_time_expiry(opened: Opened) -> datetime:
    """When a one-time password given now stops signing in."""
    return now() + timedelta(hours=opened.settings.one_time_password_hours)


def change_password(opened: Opened, actor: Actor, *, old: str, new: str) -> dict[str, Any]:
    """A signed-in user's own new password, given the current one."""
    check_password(new)
    with opened.db.write() as conn:
        user = find_user(conn, actor.name)
        right = (
            user is not None
            and bool(user["password_hash"])
            and verify_password(user["password_hash"], old)
        )
        if user is not None and right:
            update_user(conn, user["id"], password_hash=hash_password(new), password_expires=None)
        record(
            conn,
            actor,
            "password.change" if right else "password.change_failed",
            object_type="app_user",
            object_id=actor.name,
            changes_data=False,
        )
    if not right:
        raise PermissionDeniedError("password_wrong")
    return {"name": actor.name, "changed": ["password"]}
