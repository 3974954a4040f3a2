"""Sign-in with a name and password or through an identity provider, every attempt
audited: after ``MAX_FAILURES`` wrong passwords in a row an account is locked for
``LOCK_MINUTES``, and the message does not say whether the name or the password was wrong.
Single sign-on maps a provider's identity to an account only when the provider says its
e-mail address is verified."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from geo.errors import InputError, PermissionDeniedError
from geo.services.access import Actor
from geo.services.accounts.passwords import check_password, hash_password, verify_password
from geo.services.auditing import record
from geo.store.users import find_user, now, update_user

if TYPE_CHECKING:
    from geo.services.setup import Opened


MAX_FAILURES: Final = 5
LOCK_MINUTES: Final = 15


def sign_in(opened: Opened, name: str, password: str, *, new_password: str | None = None) -> Actor:
    """The actor for a name and password; PermissionDeniedError when refused (audited).

    A one-time password signs in only with ``new_password``, which replaces it (else
    ``login_must_change``), and only until it expires (else ``login_password_expired``)."""
    if new_password is not None:
        check_password(new_password)
        if new_password == password:
            raise InputError("password_same")
    with opened.db.write() as conn:
        user = find_user(conn, name.strip())
        if user is None or not user["active"] or not user["password_hash"]:
            record(
                conn,
                _stranger(name),
                "login.failed",
                detail={"reason": "unknown or inactive"},
                changes_data=False,
            )
            refused = "login_failed"
        elif _locked(user):
            record(
                conn,
                account_actor(user),
                "login.locked",
                changes_data=False,
            )
            refused = "login_locked"
        elif not verify_password(user["password_hash"], password):
            failures = int(user["failed_logins"]) + 1
            locked = now() + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            update_user(
                conn, user["id"], failed_logins=0 if locked else failures, locked_until=locked
            )
            record(
                conn,
                account_actor(user),
                "login.failed",
                detail={"failures": failures, "locked": locked is not None},
                changes_data=False,
            )
            refused = "login_locked" if locked else "login_failed"
        elif user["password_expires"] is not None and user["password_expires"] <= now():
            record(
                conn,
                account_actor(user),
                "login.failed",
                detail={"reason": "one-time password expired"},
                changes_data=False,
            )
            refused = "login_password_expired"
        elif user["password_expires"] is not None and new_password is None:
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            record(
                conn,
                account_actor(user),
                "login.must_change",
                changes_data=False,
            )
            refused = "login_must_change"
        else:
            if user["password_expires"] is not None:
                assert new_password is not None
                update_user(
                    conn,
                    user["id"],
                    password_hash=hash_password(new_password),
                    password_expires=None,
                )
                record(
                    conn,
                    account_actor(user),
                    "password.change",
                    object_type="app_user",
                    object_id=user["name"],
                    detail={"one_time": True},
                    changes_data=False,
                )
            update_user(conn, user["id"], failed_logins=0, locked_until=None)
            record(conn, account_actor(user), "login", changes_data=False)
            return account_actor(user)
    raise PermissionDeniedError(refused, minutes=LOCK_MINUTES)


def sign_in_external(opened: Opened, name: str, *, provider: str, email_verified: bool) -> Actor:
    """The actor for someone an identity provider (OIDC) has already authenticated: their
    name (e-mail) must be an active local account, which gives the role and area scope, and
    the provider must say the e-mail address is verified (``email_verified``): an
    unverified address proves nothing about who holds it."""
    if not email_verified:
        with opened.db.write() as conn:
            record(
                conn,
                _stranger(name),
                "login.failed",
                detail={"provider": provider, "reason": "e-mail not verified"},
                changes_data=False,
            )
        raise PermissionDeniedError("login_email_unverified", name=name)
    with opened.db.write() as conn:
        user = find_user(conn, name.strip())
        known = user is not None and bool(user["active"])
        locked = known and user is not None and _locked(user)
        if locked and user is not None:
            record(
                conn,
                account_actor(user),
                "login.locked",
                detail={"provider": provider},
                changes_data=False,
            )
        else:
            record(
                conn,
                account_actor(user) if user is not None and known else _stranger(name),
                "login" if known else "login.failed",
                detail={"provider": provider} if known else {"reason": "no active account"},
                changes_data=False,
            )
    if user is None or not known:
        raise PermissionDeniedError("login_no_account", name=name)
    if locked:  # a lock after wrong passwords holds whichever way one signs in
        raise PermissionDeniedError("login_locked", minutes=LOCK_MINUTES)
    return account_actor(user)


def _locked(user: dict[str, Any]) -> bool:
    """Whether the account is locked now (after :data:`MAX_FAILURES` wrong passwords)."""
    return user["locked_until"] is not None and user["locked_until"] > now()


def still_signed_in(opened: Opened, actor: Actor) -> bool:
    """Whether a signed-in actor's account still stands as it was (active, same role and
    scope): a deactivated or changed account ends its sessions at their next step."""
    with opened.db.read() as conn:
        user = find_user(conn, actor.name)
    return user is not None and bool(user["active"]) and account_actor(user) == actor


def account_actor(user: dict[str, Any]) -> Actor:
    """The actor an account row signs in as: its name, role and area scope (None: all)."""
    scope = user["area_scope"]
    return Actor(
        name=user["name"], role=user["role"], areas=frozenset(scope.split(",")) if scope else None
    )


def _stranger(name: str) -> Actor:
    """Who an audit row names for a sign-in by no active account: the name as typed (at
    most 100 characters) and no role (``-``)."""
    return Actor(name=name[:100], role="-")
