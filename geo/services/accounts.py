"""Sign-in: local accounts with argon2 password hashes, lockout after failures, audit.

Every attempt, good or bad, is written to the audit log. After ``MAX_FAILURES`` wrong
passwords in a row an account is locked for ``LOCK_MINUTES``; the message does not say
whether the name or the password was wrong.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import InputError, PermissionDeniedError
from geo.services.access import Actor, require
from geo.store import audit
from geo.store.schema import ROLES
from geo.store.users import add_user, count_users, find_user, now, update_user

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection

ENV_ADMIN_PASSWORD: Final = "GRIDHOUSE_ADMIN_PASSWORD"
MAX_FAILURES: Final = 5
LOCK_MINUTES: Final = 15
IDLE_TIMEOUT_MINUTES: Final = 30
DEMO_PASSWORD: Final = "demo"
DEMO_USERS: Final = {f"demo-{role}": role for role in ROLES}
_hasher = PasswordHasher()


def sign_in(opened: Opened, name: str, password: str) -> Actor:
    """The actor for a name and password; PermissionDeniedError when refused (audited)."""
    with opened.db.write() as conn:
        user = find_user(conn, name.strip())
        if user is None or not user["active"] or not user["password_hash"]:
            audit.append(
                conn,
                actor=name[:100],
                role="-",
                action="login.failed",
                detail={"reason": "unknown or inactive"},
            )
            refused = "login_failed"
        elif user["locked_until"] is not None and user["locked_until"] > now():
            audit.append(conn, actor=user["name"], role=user["role"], action="login.locked")
            refused = "login_locked"
        elif not _verify(user["password_hash"], password):
            failures = int(user["failed_logins"]) + 1
            locked = now() + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            update_user(
                conn, user["id"], failed_logins=0 if locked else failures, locked_until=locked
            )
            audit.append(
                conn,
                actor=user["name"],
                role=user["role"],
                action="login.failed",
                detail={"failures": failures, "locked": locked is not None},
            )
            refused = "login_locked" if locked else "login_failed"
        else:
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            audit.append(conn, actor=user["name"], role=user["role"], action="login")
            scope = user["area_scope"]
            areas = frozenset(scope.split(",")) if scope else None
            return Actor(name=user["name"], role=user["role"], areas=areas)
    raise PermissionDeniedError(refused, minutes=LOCK_MINUTES)


def sign_out(opened: Opened, actor: Actor, *, reason: str = "logout") -> None:
    with opened.db.write() as conn:
        audit.append(conn, actor=actor.name, role=actor.role, action=reason)


def add_account(
    opened: Opened,
    actor: Actor,
    *,
    name: str,
    role: str,
    password: str,
    areas: frozenset[str] | None = None,
) -> int:
    """Create a user (admins only)."""
    require(actor, "setup")
    if role not in ROLES:
        raise InputError("value_invalid", name="role", value=role)
    if len(password) < 8:
        raise InputError("password_short")
    with opened.db.write() as conn:
        if find_user(conn, name) is not None:
            raise InputError("user_exists", name=name)
        user_id = _add(conn, name=name, role=role, password=password, areas=areas)
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="user.add",
            object_type="app_user",
            object_id=name,
            detail={"role": role},
        )
    return user_id


def ensure_first_admin(opened: Opened) -> str | None:
    """On a database without accounts, create ``admin`` and return its one-time password
    ($GRIDHOUSE_ADMIN_PASSWORD when set, else a random one); None when accounts exist."""
    password = os.environ.get(ENV_ADMIN_PASSWORD) or secrets.token_urlsafe(12)
    with opened.db.write() as conn:
        if count_users(conn):
            return None
        _add(conn, name="admin", role="admin", password=password, areas=None)
        audit.append(
            conn,
            actor="system",
            role="admin",
            action="user.first_admin",
            object_type="app_user",
            object_id="admin",
        )
    return password


def ensure_demo_accounts(opened: Opened) -> None:
    """On a demo database: one user per role, password 'demo' (the missing ones are added)."""
    with opened.db.write() as conn:
        missing = {n: r for n, r in DEMO_USERS.items() if find_user(conn, n) is None}
        if not missing:
            return
        for name, role in missing.items():
            _add(conn, name=name, role=role, password=DEMO_PASSWORD, areas=None)
        audit.append(
            conn, actor="system", role="admin", action="user.demo_accounts", count=len(missing)
        )


def _add(
    conn: Connection, *, name: str, role: str, password: str, areas: frozenset[str] | None
) -> int:
    return add_user(
        conn,
        name=name,
        role=role,
        password_hash=_hasher.hash(password),
        area_scope=",".join(sorted(areas)) if areas else None,
        active=True,
        failed_logins=0,
        created_at=now(),
    )


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
