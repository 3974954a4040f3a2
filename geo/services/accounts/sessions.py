"""Sessions: a sign-in starts one (a row in ``app_session``) that the browser keeps in a
signed, HttpOnly cookie. The page hands the browser a one-time ticket
(:func:`start_session`), the server's ``/api/session`` route trades it for the cookie
(:func:`redeem_ticket`), and a reload or a second tab carrying the cookie is signed in again
(:func:`check_session`). A session ends at sign-out, after the idle timeout, and when an
admin deactivates the account or changes its role or areas."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from geo import clock
from geo.errors import PermissionDeniedError
from geo.services.access import Actor
from geo.services.accounts.signin import LOCK_MINUTES, account_actor
from geo.services.auditing import record
from geo.store.users import (
    add_session,
    delete_sessions_before,
    end_sessions_of,
    find_session,
    find_session_by_ticket,
    find_user,
    find_user_by_id,
    update_session,
)

if TYPE_CHECKING:
    from geo.services.setup import Opened
    from geo.store.database import Connection


SESSION_COOKIE: Final = "gridhouse_session"
"""The name of the browser cookie that carries a signed session id."""
TICKET_SECONDS: Final = 60
"""How long the one-time ticket that turns into the session cookie is good for."""
SESSIONS_KEPT_DAYS: Final = 7
"""Sessions unused this long are forgotten (their ends are in the audit log)."""
ACCOUNT_CHANGED: Final = "logout.account_changed"
TIMED_OUT: Final = "logout.timeout"


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
        record(conn, actor, reason, changes_data=False)


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
        if user is None or not user["active"] or account_actor(user) != actor:
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
    return SessionCheck(actor=account_actor(user), ticket_pending=pending, touched=touched)


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
        who = Actor(name=user["name"] if user is not None else "-", role=row["role"])
        record(conn, who, reason, changes_data=False)
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


def end_sessions(conn: Connection, user: dict[str, Any]) -> None:
    """End an account's open sessions after an admin changed it (audited once)."""
    if end_sessions_of(conn, user["id"], at=clock.utc_now(), reason=ACCOUNT_CHANGED):
        record(conn, account_actor(user), ACCOUNT_CHANGED, changes_data=False)
