"""Sign-in: local accounts with argon2 password hashes, lockout after failures, audit.

Every attempt, good or bad, is written to the audit log. After ``MAX_FAILURES`` wrong
passwords in a row an account is locked for ``LOCK_MINUTES``; the message does not say
whether the name or the password was wrong.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import InputError, NotFoundError, PermissionDeniedError
from geo.services.access import Actor, require
from geo.store import audit
from geo.store.schema import ROLES
from geo.store.users import (
    add_user,
    all_users,
    count_active_admins,
    count_users,
    find_user,
    now,
    update_user,
)

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection

ENV_ADMIN_PASSWORD: Final = "GRIDHOUSE_ADMIN_PASSWORD"
MAX_FAILURES: Final = 5
LOCK_MINUTES: Final = 15
IDLE_TIMEOUT_MINUTES = 30.0
"""Default minutes without activity after which a session ends ($GRIDHOUSE_IDLE_MINUTES)."""
ENV_IDLE_MINUTES: Final = "GRIDHOUSE_IDLE_MINUTES"
MIN_PASSWORD_LENGTH: Final = 8
DEMO_PASSWORD: Final = "demo"
DEMO_USERS: Final = {f"demo-{role}": role for role in ROLES}
_hasher = PasswordHasher()


class _Unset:
    """Marks an argument that was not given (None has a meaning of its own)."""


_UNSET: Final = _Unset()


def idle_timeout_minutes() -> float:
    """Minutes of inactivity that end a session: $GRIDHOUSE_IDLE_MINUTES, else 30."""
    value = os.environ.get(ENV_IDLE_MINUTES)
    return float(value) if value else IDLE_TIMEOUT_MINUTES


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
                changes_data=False,
            )
            refused = "login_failed"
        elif user["locked_until"] is not None and user["locked_until"] > now():
            audit.append(
                conn,
                actor=user["name"],
                role=user["role"],
                action="login.locked",
                changes_data=False,
            )
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
                changes_data=False,
            )
            refused = "login_locked" if locked else "login_failed"
        else:
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            audit.append(
                conn, actor=user["name"], role=user["role"], action="login", changes_data=False
            )
            return _actor(user)
    raise PermissionDeniedError(refused, minutes=LOCK_MINUTES)


def sign_in_external(opened: Opened, name: str, *, provider: str) -> Actor:
    """The actor for someone an identity provider (OIDC) has already authenticated: their
    name (e-mail) must be an active local account, which gives the role and area scope."""
    with opened.db.write() as conn:
        user = find_user(conn, name.strip())
        known = user is not None and bool(user["active"])
        audit.append(
            conn,
            actor=user["name"] if user is not None and known else name[:100],
            role=user["role"] if user is not None and known else "-",
            action="login" if known else "login.failed",
            detail={"provider": provider} if known else {"reason": "no active account"},
            changes_data=False,
        )
    if user is None or not known:
        raise PermissionDeniedError("login_no_account", name=name)
    return _actor(user)


def still_signed_in(opened: Opened, actor: Actor) -> bool:
    """Whether a signed-in actor's account still stands as it was (active, same role and
    scope): a deactivated or changed account ends its sessions at their next step."""
    with opened.db.read() as conn:
        user = find_user(conn, actor.name)
    return user is not None and bool(user["active"]) and _actor(user) == actor


def sign_out(opened: Opened, actor: Actor, *, reason: str = "logout") -> None:
    with opened.db.write() as conn:
        audit.append(conn, actor=actor.name, role=actor.role, action=reason, changes_data=False)


def change_password(opened: Opened, actor: Actor, *, old: str, new: str) -> dict[str, Any]:
    """A signed-in user's own new password, given the current one."""
    _check_password(new)
    with opened.db.write() as conn:
        user = find_user(conn, actor.name)
        right = (
            user is not None and bool(user["password_hash"]) and _verify(user["password_hash"], old)
        )
        if user is not None and right:
            update_user(conn, user["id"], password_hash=_hasher.hash(new))
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="password.change" if right else "password.change_failed",
            object_type="app_user",
            object_id=actor.name,
            changes_data=False,
        )
    if not right:
        raise PermissionDeniedError("password_wrong")
    return {"name": actor.name, "changed": ["password"]}


def list_accounts(opened: Opened, actor: Actor) -> list[dict[str, Any]]:
    """Every account without its password hash (admins only)."""
    require(actor, "setup")
    with opened.db.read() as conn:
        users = all_users(conn)
    moment = now()
    return [
        {
            "name": u["name"],
            "role": u["role"],
            "areas": u["area_scope"] or "",
            "active": bool(u["active"]),
            "locked": u["locked_until"] is not None and u["locked_until"] > moment,
            "created_at": u["created_at"],
        }
        for u in users
    ]


def update_account(
    opened: Opened,
    actor: Actor,
    name: str,
    *,
    role: str | None = None,
    areas: frozenset[str] | _Unset | None = _UNSET,
    active: bool | None = None,
    unlock: bool = False,
) -> dict[str, Any]:
    """Change an account's role, area scope (None: everything) or active flag, or unlock it
    (admins only). The last active admin cannot be demoted or deactivated."""
    require(actor, "setup")
    if role is not None and role not in ROLES:
        raise InputError("value_invalid", name="role", value=role)
    with opened.db.write() as conn:
        user = find_user(conn, name)
        if user is None:
            raise NotFoundError("user_not_found", name=name)
        values: dict[str, Any] = {}
        if role is not None and role != user["role"]:
            values["role"] = role
        if not isinstance(areas, _Unset):
            scope = _scope_text(areas)
            if scope != user["area_scope"]:
                values["area_scope"] = scope
        if active is not None and active != bool(user["active"]):
            values["active"] = active
        if unlock:
            values.update(failed_logins=0, locked_until=None)
        was_admin = user["role"] == "admin" and bool(user["active"])
        stays_admin = values.get("role", user["role"]) == "admin" and values.get(
            "active", bool(user["active"])
        )
        if was_admin and not stays_admin and count_active_admins(conn) <= 1:
            raise InputError("last_admin")
        if values:
            update_user(conn, user["id"], **values)
            audit.append(
                conn,
                actor=actor.name,
                role=actor.role,
                action="user.update",
                object_type="app_user",
                object_id=name,
                detail={k: v for k, v in values.items() if k != "locked_until"},
                changes_data=False,
            )
    return {"name": name, "changed": sorted(values)}


def reset_password(opened: Opened, actor: Actor, name: str) -> str:
    """A new one-time password for an account, shown once to the admin (admins only)."""
    require(actor, "setup")
    password = secrets.token_urlsafe(12)
    with opened.db.write() as conn:
        user = find_user(conn, name)
        if user is None:
            raise NotFoundError("user_not_found", name=name)
        update_user(
            conn,
            user["id"],
            password_hash=_hasher.hash(password),
            failed_logins=0,
            locked_until=None,
        )
        audit.append(
            conn,
            actor=actor.name,
            role=actor.role,
            action="user.reset_password",
            object_type="app_user",
            object_id=name,
            changes_data=False,
        )
    return password


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
    _check_password(password)
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
            detail={"role": role, "areas": _scope_text(areas)},
            changes_data=False,
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
        area_scope=_scope_text(areas),
        active=True,
        failed_logins=0,
        created_at=now(),
    )


def _scope_text(areas: frozenset[str] | None) -> str | None:
    return ",".join(sorted(areas)) if areas else None


def _actor(user: dict[str, Any]) -> Actor:
    scope = user["area_scope"]
    return Actor(
        name=user["name"], role=user["role"], areas=frozenset(scope.split(",")) if scope else None
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password_short", length=MIN_PASSWORD_LENGTH)


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
