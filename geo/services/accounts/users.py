"""Accounts and their roles: added, listed, changed (role, areas, active, unlocked) and
given a new one-time password by admins; the first admin and the demo accounts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from geo.errors import InputError, NotFoundError
from geo.services.access import Actor, require
from geo.services.accounts.passwords import (
    check_password,
    hash_password,
    one_time_expiry,
    one_time_password,
)
from geo.services.accounts.sessions import end_sessions
from geo.services.auditing import record
from geo.services.scope import check_area_scope
from geo.store.users import (
    add_user,
    all_users,
    count_active_admins,
    count_users,
    find_user,
    now,
    update_user,
)
from geo.text import checked_name
from geo.vocabulary import ROLES

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection


DEMO_PASSWORD: Final = "demo"
DEMO_USERS: Final = {f"demo-{role}": role for role in ROLES.codes}


_SYSTEM: Final = Actor(name="system", role="admin")
"""The actor of rows the application writes on its own (the same as
:data:`geo.services.setup.SYSTEM`, whose module imports this one and so cannot be imported
here)."""


class _Unset:
    """Marks an argument that was not given (None has a meaning of its own)."""


_UNSET: Final = _Unset()


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
    (admins only). The last active admin cannot be demoted or deactivated. ``name`` is
    cleaned as :func:`add_account` cleans it (an account stored before that, as typed)."""
    require(actor, "setup")
    if role is not None and role not in ROLES:
        raise InputError("value_invalid", name="role", value=role)
    with opened.db.write() as conn:
        user = find_user(conn, _typed_name(name)) or find_user(conn, name)
        if user is None:
            raise NotFoundError("user_not_found", name=name)
        name = str(user["name"])
        values: dict[str, Any] = {}
        if role is not None and role != user["role"]:
            values["role"] = role
        if not isinstance(areas, _Unset):
            check_area_scope(conn, areas)
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
            record(
                conn,
                actor,
                "user.update",
                object_type="app_user",
                object_id=name,
                detail={k: v for k, v in values.items() if k != "locked_until"},
                changes_data=False,
            )
            if {"role", "area_scope", "active"} & values.keys():
                end_sessions(conn, user)
    return {"name": name, "changed": sorted(values)}


def reset_password(opened: Opened, actor: Actor, name: str) -> str:
    """A new one-time password for an account, shown once to the admin (admins only)."""
    require(actor, "setup")
    password = one_time_password()
    with opened.db.write() as conn:
        user = find_user(conn, name)
        if user is None:
            raise NotFoundError("user_not_found", name=name)
        update_user(
            conn,
            user["id"],
            password_hash=hash_password(password),
            password_expires=one_time_expiry(opened),
            failed_logins=0,
            locked_until=None,
        )
        record(
            conn,
            actor,
            "user.reset_password",
            object_type="app_user",
            object_id=name,
            changes_data=False,
        )
        end_sessions(conn, user)
    return password


def _typed_name(name: str) -> str:
    """An account name as :func:`add_account` stores it (blank when it could not be one)."""
    try:
        return checked_name(name, field="field_account_name", fold=False)
    except InputError:
        return ""


def add_account(
    opened: Opened,
    actor: Actor,
    *,
    name: str,
    role: str,
    password: str,
    areas: frozenset[str] | None = None,
) -> int:
    """Create a user (admins only); ``password`` is a one-time password (see
    :func:`sign_in`)."""
    require(actor, "setup")
    if role not in ROLES:
        raise InputError("value_invalid", name="role", value=role)
    name = checked_name(name, field="field_account_name", fold=False)  # typed again to sign in
    check_password(password)
    with opened.db.write() as conn:
        check_area_scope(conn, areas)
        if find_user(conn, name) is not None:
            raise InputError("user_exists", name=name)
        user_id = _add(
            conn,
            name=name,
            role=role,
            password=password,
            areas=areas,
            expires=one_time_expiry(opened),
        )
        record(
            conn,
            actor,
            "user.add",
            object_type="app_user",
            object_id=name,
            detail={"role": role, "areas": _scope_text(areas)},
            changes_data=False,
        )
    return user_id


def ensure_first_admin(opened: Opened) -> str | None:
    """On a database without accounts, create ``admin`` and return its one-time password
    (``GRIDHOUSE_ADMIN_PASSWORD`` when set, else a random one; changed at the first
    sign-in, see :func:`sign_in`); None when accounts exist."""
    configured = opened.settings.admin_password
    password = (configured.get_secret_value() if configured else "") or one_time_password()
    with opened.db.write() as conn:
        if count_users(conn):
            return None
        _add(
            conn,
            name="admin",
            role="admin",
            password=password,
            areas=None,
            expires=one_time_expiry(opened),
        )
        record(conn, _SYSTEM, "user.first_admin", object_type="app_user", object_id="admin")
    return password


def ensure_demo_accounts(opened: Opened) -> None:
    """On a demo database: one user per role, password 'demo' (the missing ones are added)."""
    with opened.db.write() as conn:
        missing = {n: r for n, r in DEMO_USERS.items() if find_user(conn, n) is None}
        if not missing:
            return
        for name, role in missing.items():
            _add(conn, name=name, role=role, password=DEMO_PASSWORD, areas=None)
        record(conn, _SYSTEM, "user.demo_accounts", count=len(missing))


def _add(
    conn: Connection,
    *,
    name: str,
    role: str,
    password: str,
    areas: frozenset[str] | None,
    expires: datetime | None = None,
) -> int:
    return add_user(
        conn,
        name=name,
        role=role,
        password_hash=hash_password(password),
        area_scope=_scope_text(areas),
        active=True,
        failed_logins=0,
        created_at=now(),
        password_expires=expires,
    )


def _scope_text(areas: frozenset[str] | None) -> str | None:
    return ",".join(sorted(areas)) if areas else None
