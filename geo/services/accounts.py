"""Sign-in: local accounts with argon2 password hashes, lockout after failures, audit.

Every attempt, good or bad, is written to the audit log. After ``MAX_FAILURES`` wrong
passwords in a row an account is locked for ``LOCK_MINUTES``; the message does not say
whether the name or the password was wrong. A password an admin gave (a new account, a
reset, the first admin) is a one-time password: it signs in only with a new password chosen
there and then, and not at all once ``GRIDHOUSE_ONE_TIME_PASSWORD_HOURS`` (24) have passed.
Single sign-on maps a provider's identity to an account only when the provider says its
e-mail address is verified.

A sign-in starts a session (a row in ``app_session``) that the browser keeps in a signed,
HttpOnly cookie: the page hands the browser a one-time ticket (:func:`start_session`), the
server's ``/api/session`` route trades it for the cookie (:func:`redeem_ticket`), and a
reload or a second tab carrying the cookie is signed in again (:func:`check_session`). A
session ends at sign-out, after the idle timeout, and when an admin deactivates the account
or changes its role or areas.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo import clock
from geo.errors import InputError, NotFoundError, PermissionDeniedError
from geo.services.access import Actor, require
from geo.services.scope import check_area_scope
from geo.store import audit
from geo.store.users import (
    add_session,
    add_user,
    all_users,
    count_active_admins,
    count_users,
    delete_sessions_before,
    end_sessions_of,
    find_session,
    find_session_by_ticket,
    find_user,
    find_user_by_id,
    now,
    update_session,
    update_user,
)
from geo.text import checked_name
from geo.vocabulary import ROLES

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection

MAX_FAILURES: Final = 5
LOCK_MINUTES: Final = 15
MIN_PASSWORD_LENGTH: Final = 8
DEMO_PASSWORD: Final = "demo"
DEMO_USERS: Final = {f"demo-{role}": role for role in ROLES.codes}
SESSION_COOKIE: Final = "gridhouse_session"
"""The name of the browser cookie that carries a signed session id."""
TICKET_SECONDS: Final = 60
"""How long the one-time ticket that turns into the session cookie is good for."""
SESSIONS_KEPT_DAYS: Final = 7
"""Sessions unused this long are forgotten (their ends are in the audit log)."""
ACCOUNT_CHANGED: Final = "logout.account_changed"
TIMED_OUT: Final = "logout.timeout"
_hasher = PasswordHasher()


class _Unset:
    """Marks an argument that was not given (None has a meaning of its own)."""


_UNSET: Final = _Unset()


def sign_in(opened: Opened, name: str, password: str, *, new_password: str | None = None) -> Actor:
    """The actor for a name and password; PermissionDeniedError when refused (audited).

    A one-time password signs in only with ``new_password``, which replaces it (else
    ``login_must_change``), and only until it expires (else ``login_password_expired``)."""
    if new_password is not None:
        _check_password(new_password)
        if new_password == password:
            raise InputError("password_same")
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
        elif user["password_expires"] is not None and user["password_expires"] <= now():
            audit.append(
                conn,
                actor=user["name"],
                role=user["role"],
                action="login.failed",
                detail={"reason": "one-time password expired"},
                changes_data=False,
            )
            refused = "login_password_expired"
        elif user["password_expires"] is not None and new_password is None:
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            audit.append(
                conn,
                actor=user["name"],
                role=user["role"],
                action="login.must_change",
                changes_data=False,
            )
            refused = "login_must_change"
        else:
            if user["password_expires"] is not None:
                assert new_password is not None
                update_user(
                    conn,
                    user["id"],
                    password_hash=_hasher.hash(new_password),
                    password_expires=None,
                )
                audit.append(
                    conn,
                    actor=user["name"],
                    role=user["role"],
                    action="password.change",
                    object_type="app_user",
                    object_id=user["name"],
                    detail={"one_time": True},
                    changes_data=False,
                )
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            audit.append(
                conn, actor=user["name"], role=user["role"], action="login", changes_data=False
            )
            return _actor(user)
    raise PermissionDeniedError(refused, minutes=LOCK_MINUTES)


def sign_in_external(opened: Opened, name: str, *, provider: str, email_verified: bool) -> Actor:
    """The actor for someone an identity provider (OIDC) has already authenticated: their
    name (e-mail) must be an active local account, which gives the role and area scope, and
    the provider must say the e-mail address is verified (``email_verified``): an
    unverified address proves nothing about who holds it."""
    if not email_verified:
        with opened.db.write() as conn:
            audit.append(
                conn,
                actor=name[:100],
                role="-",
                action="login.failed",
                detail={"provider": provider, "reason": "e-mail not verified"},
                changes_data=False,
            )
        raise PermissionDeniedError("login_email_unverified", name=name)
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


def sign_out(
    opened: Opened, actor: Actor, *, reason: str = "logout", session: str | None = None
) -> None:
    """Sign out (audited as ``reason``); the session, when given, ends with it, so its cookie
    signs in nobody any more."""
    with opened.db.write() as conn:
        if session is not None:
            row = find_session(conn, session)
            if row is not None and row["ended_at"] is None:
                update_session(
                    conn, session, ended_at=clock.utc_now(), end_reason=reason, ticket_hash=None
                )
        audit.append(conn, actor=actor.name, role=actor.role, action=reason, changes_data=False)


@dataclass(frozen=True)
class NewSession:
    """A session just started: its id (kept by the page) and the one-time ticket the
    browser trades for the session cookie within :data:`TICKET_SECONDS`."""

    id: str
    ticket: str


@dataclass(frozen=True)
class SessionCheck:
    """A session looked at: its actor while it stands, else why it ended (``logout``,
    ``logout.timeout``, ``logout.account_changed`` or ``unknown``)."""

    actor: Actor | None
    ended: str | None = None
    ticket_pending: bool = False
    """Its cookie ticket is still waiting to be traded."""
    touched: bool = False
    """Its last use was moved forward now (the cookie's lifetime may be renewed)."""


def start_session(opened: Opened, actor: Actor) -> NewSession:
    """A new session for a signed-in actor (sign-in itself is audited by the sign-in)."""
    session_id = secrets.token_urlsafe(32)
    ticket = secrets.token_urlsafe(32)
    moment = clock.utc_now()
    with opened.db.write() as conn:
        user = find_user(conn, actor.name)
        if user is None or not user["active"] or _actor(user) != actor:
            raise PermissionDeniedError("login_failed", minutes=LOCK_MINUTES)
        delete_sessions_before(conn, moment - timedelta(days=SESSIONS_KEPT_DAYS))
        add_session(
            conn,
            id=session_id,
            user_id=user["id"],
            role=user["role"],
            area_scope=user["area_scope"],
            created_at=moment,
            last_seen=moment,
            ticket_hash=_sha256(ticket),
            ticket_expires=moment + timedelta(seconds=TICKET_SECONDS),
        )
    return NewSession(id=session_id, ticket=ticket)


def redeem_ticket(opened: Opened, ticket: str) -> str | None:
    """The session cookie's value for a one-time ticket: once, within
    :data:`TICKET_SECONDS`, for a session still standing; else None."""
    if not ticket or len(ticket) > 100:
        return None
    moment = clock.utc_now()
    with opened.db.write() as conn:
        row = find_session_by_ticket(conn, _sha256(ticket))
        if row is None:
            return None
        update_session(conn, row["id"], ticket_hash=None, ticket_expires=None)
        if row["ended_at"] is not None or row["ticket_expires"] < moment:
            return None
    return session_cookie(opened, row["id"])


def session_cookie(opened: Opened, session_id: str) -> str:
    """The cookie value for a session: its id and an HMAC-SHA256 of it."""
    return f"{session_id}.{_signature(opened, session_id)}"


def session_from_cookie(opened: Opened, value: str | None) -> str | None:
    """The session id in a cookie value whose signature holds, else None."""
    if not value or "." not in value or len(value) > 200:
        return None
    session_id, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _signature(opened, session_id)):
        return None
    return session_id


def idle_timeout_minutes(opened: Opened) -> float:
    """Minutes of inactivity that end a session (``GRIDHOUSE_IDLE_MINUTES``, 30)."""
    return opened.settings.idle_minutes


def check_session(opened: Opened, session_id: str, *, use: bool = True) -> SessionCheck:
    """Whether a session still stands, and as whom: it ends (audited) once it has been idle
    longer than :func:`idle_timeout_minutes` or its account is no longer as it was. With
    ``use``, this is activity: its last use moves forward (at most every quarter of the
    timeout, and every minute)."""
    moment = clock.utc_now()
    with opened.db.read() as conn:
        row = find_session(conn, session_id)
        user = None if row is None else find_user_by_id(conn, row["user_id"])
    if row is None:
        return SessionCheck(actor=None, ended="unknown")
    if row["ended_at"] is not None:
        return SessionCheck(actor=None, ended=row["end_reason"])
    idle = _idle_seconds(row["last_seen"], moment)
    if _account_changed(row, user):
        return SessionCheck(actor=None, ended=_end(opened, row, ACCOUNT_CHANGED))
    if idle > idle_timeout_minutes(opened) * 60:
        return SessionCheck(actor=None, ended=_end(opened, row, TIMED_OUT))
    assert user is not None
    touched = use and idle >= min(60.0, idle_timeout_minutes(opened) * 15)
    if touched:
        with opened.db.write() as conn:
            update_session(conn, session_id, last_seen=moment)
    pending = row["ticket_hash"] is not None and row["ticket_expires"] >= moment
    return SessionCheck(actor=_actor(user), ticket_pending=pending, touched=touched)


def live_session(opened: Opened, cookie: str | None) -> str | None:
    """The id of the standing session a cookie carries (signature good, not ended, not idle
    too long, account unchanged), without using it; else None."""
    session_id = session_from_cookie(opened, cookie)
    if session_id is None:
        return None
    with opened.db.read() as conn:
        row = find_session(conn, session_id)
        user = None if row is None else find_user_by_id(conn, row["user_id"])
    if row is None or row["ended_at"] is not None or _account_changed(row, user):
        return None
    if _idle_seconds(row["last_seen"], clock.utc_now()) > idle_timeout_minutes(opened) * 60:
        return None
    return session_id


def _end(opened: Opened, row: dict[str, Any], reason: str) -> str:
    """End a session for ``reason`` (audited once, by whoever ends it first)."""
    with opened.db.write() as conn:
        current = find_session(conn, row["id"])
        if current is None or current["ended_at"] is not None:
            return str(current["end_reason"]) if current is not None else "unknown"
        update_session(
            conn, row["id"], ended_at=clock.utc_now(), end_reason=reason, ticket_hash=None
        )
        user = find_user_by_id(conn, row["user_id"])
        audit.append(
            conn,
            actor=user["name"] if user is not None else "-",
            role=row["role"],
            action=reason,
            changes_data=False,
        )
    return reason


def _account_changed(row: dict[str, Any], user: dict[str, Any] | None) -> bool:
    return (
        user is None
        or not user["active"]
        or user["role"] != row["role"]
        or user["area_scope"] != row["area_scope"]
    )


def _idle_seconds(last_seen: datetime, moment: datetime) -> float:
    # Never negative: with GRIDHOUSE_TODAY fixed, the time of day wraps at midnight.
    return max(0.0, (moment - last_seen).total_seconds())


def _signature(opened: Opened, session_id: str) -> str:
    key = hmac.digest(opened.keys.hmac_key, b"gridhouse session cookie", "sha256")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def change_password(opened: Opened, actor: Actor, *, old: str, new: str) -> dict[str, Any]:
    """A signed-in user's own new password, given the current one."""
    _check_password(new)
    with opened.db.write() as conn:
        user = find_user(conn, actor.name)
        right = (
            user is not None and bool(user["password_hash"]) and _verify(user["password_hash"], old)
        )
        if user is not None and right:
            update_user(conn, user["id"], password_hash=_hasher.hash(new), password_expires=None)
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
            if {"role", "area_scope", "active"} & values.keys():
                _end_sessions(conn, user)
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
            password_expires=_one_time_expiry(opened),
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
        _end_sessions(conn, user)
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
    _check_password(password)
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
            expires=_one_time_expiry(opened),
        )
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
    (``GRIDHOUSE_ADMIN_PASSWORD`` when set, else a random one; changed at the first
    sign-in, see :func:`sign_in`); None when accounts exist."""
    configured = opened.settings.admin_password
    password = (configured.get_secret_value() if configured else "") or secrets.token_urlsafe(12)
    with opened.db.write() as conn:
        if count_users(conn):
            return None
        _add(
            conn,
            name="admin",
            role="admin",
            password=password,
            areas=None,
            expires=_one_time_expiry(opened),
        )
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
        password_hash=_hasher.hash(password),
        area_scope=_scope_text(areas),
        active=True,
        failed_logins=0,
        created_at=now(),
        password_expires=expires,
    )


def _one_time_expiry(opened: Opened) -> datetime:
    """When a one-time password given now stops signing in."""
    return now() + timedelta(hours=opened.settings.one_time_password_hours)


def _end_sessions(conn: Connection, user: dict[str, Any]) -> None:
    """End an account's open sessions after an admin changed it (audited once)."""
    if end_sessions_of(conn, user["id"], at=clock.utc_now(), reason=ACCOUNT_CHANGED):
        audit.append(
            conn, actor=user["name"], role=user["role"], action=ACCOUNT_CHANGED, changes_data=False
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
