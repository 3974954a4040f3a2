"""Accounts and sign-in: local accounts with argon2 password hashes, lockout after failures,
one-time passwords, single sign-on, browser sessions; every attempt audited.

One module per job: :mod:`.signin` (signing in, lockout), :mod:`.passwords` (hashes,
one-time passwords, changing one's own), :mod:`.sessions` (the session cookie, idle
timeout, sign-out) and :mod:`.users` (accounts and roles as admins manage them)."""

from geo.services.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    change_password,
    one_time_password,
)
from geo.services.accounts.sessions import (
    ACCOUNT_CHANGED,
    SESSION_COOKIE,
    SESSIONS_KEPT_DAYS,
    TICKET_SECONDS,
    TIMED_OUT,
    NewSession,
    SessionCheck,
    check_session,
    idle_timeout_minutes,
    live_session,
    redeem_ticket,
    session_cookie,
    session_from_cookie,
    sign_out,
    start_session,
)
from geo.services.accounts.signin import (
    LOCK_MINUTES,
    MAX_FAILURES,
    sign_in,
    sign_in_external,
    still_signed_in,
)
from geo.services.accounts.users import (
    DEMO_PASSWORD,
    DEMO_USERS,
    add_account,
    ensure_demo_accounts,
    ensure_first_admin,
    list_accounts,
    reset_password,
    update_account,
)

__all__ = [
    "ACCOUNT_CHANGED",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "LOCK_MINUTES",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSIONS_KEPT_DAYS",
    "SESSION_COOKIE",
    "TICKET_SECONDS",
    "TIMED_OUT",
    "NewSession",
    "SessionCheck",
    "add_account",
    "change_password",
    "check_session",
    "ensure_demo_accounts",
    "ensure_first_admin",
    "idle_timeout_minutes",
    "list_accounts",
    "live_session",
    "one_time_password",
    "redeem_ticket",
    "reset_password",
    "session_cookie",
    "session_from_cookie",
    "sign_in",
    "sign_in_external",
    "sign_out",
    "start_session",
    "still_signed_in",
    "update_account",
]
