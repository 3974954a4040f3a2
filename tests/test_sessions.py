"""Sessions that outlive the tab: a signed, HttpOnly cookie backed by a session row.

The services on a demo copy first (tickets, signatures, the ways a session ends), then the
real app in Chromium: reload, typed URL, second tab, sign-out, a deactivated account, a
tampered cookie, and the sidebar before sign-in.
"""

from __future__ import annotations

import dataclasses
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from geo import clock
from geo.privacy import Keys
from geo.services import accounts
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.settings import Settings, settings
from tests import databases
from tests.browser import offline_page, streamlit_server, wait_until_idle
from tests.conftest import ADMIN

COOKIE = accounts.SESSION_COOKIE


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def signed_in(db, name: str = "demo-planner") -> tuple[Actor, accounts.NewSession]:
    actor = accounts.sign_in(db, name, "demo")
    return actor, accounts.start_session(db, actor)


def audit_actions(opened) -> list[str]:
    with databases.connect(opened.db.url) as conn:
        return [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]


def test_a_ticket_turns_into_a_signed_cookie_once(db):
    actor, started = signed_in(db)
    assert accounts.check_session(db, started.id).ticket_pending
    cookie = accounts.redeem_ticket(db, started.ticket)
    assert cookie is not None and cookie.startswith(started.id + ".")
    assert accounts.redeem_ticket(db, started.ticket) is None  # single use
    assert accounts.session_from_cookie(db, cookie) == started.id
    check = accounts.check_session(db, started.id)
    assert check.actor == actor and not check.ticket_pending
    assert accounts.live_session(db, cookie) == started.id


def test_a_ticket_is_good_for_a_minute_only(db, monkeypatch):
    _actor, started = signed_in(db)
    later = clock.utc_now() + timedelta(seconds=accounts.TICKET_SECONDS + 5)
    monkeypatch.setattr(clock, "utc_now", lambda: later)
    assert accounts.redeem_ticket(db, started.ticket) is None
    assert accounts.redeem_ticket(db, "not a ticket") is None
    assert accounts.redeem_ticket(db, "") is None


def test_a_tampered_or_foreign_cookie_is_refused(db):
    _actor, started = signed_in(db)
    cookie = accounts.redeem_ticket(db, started.ticket)
    assert cookie is not None
    session, signature = cookie.rsplit(".", 1)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for bad in (f"{session}.{flipped}", f"{session}x.{signature}", session, "", None, "a.b"):
        assert accounts.session_from_cookie(db, bad) is None
        assert accounts.live_session(db, bad) is None
    other_key = dataclasses.replace(db, keys=Keys.generate())  # another key file
    assert accounts.session_from_cookie(other_key, cookie) is None


def test_sign_out_ends_the_session(db):
    actor, started = signed_in(db)
    cookie = accounts.session_cookie(db, started.id)
    accounts.sign_out(db, actor, session=started.id)
    check = accounts.check_session(db, started.id)
    assert (check.actor, check.ended) == (None, "logout")
    assert accounts.live_session(db, cookie) is None
    assert accounts.redeem_ticket(db, started.ticket) is None
    assert audit_actions(db)[-2:] == ["login", "logout"]


def test_an_idle_session_ends_once_and_says_why(db, monkeypatch):
    _actor, started = signed_in(db)
    cookie = accounts.session_cookie(db, started.id)
    db = dataclasses.replace(db, settings=Settings(idle_minutes=1))
    later = clock.utc_now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "utc_now", lambda: later)
    assert accounts.live_session(db, cookie) is None  # looking does not end it
    assert accounts.check_session(db, started.id).ended == accounts.TIMED_OUT
    assert accounts.check_session(db, started.id).ended == accounts.TIMED_OUT
    assert audit_actions(db)[-2:] == ["login", "logout.timeout"]


def test_use_within_the_timeout_keeps_the_session(db, monkeypatch):
    actor, started = signed_in(db)
    db = dataclasses.replace(db, settings=Settings(idle_minutes=1))
    start = clock.utc_now()
    for seconds in (40, 80, 120):  # never 60 seconds apart
        monkeypatch.setattr(clock, "utc_now", lambda s=seconds: start + timedelta(seconds=s))
        check = accounts.check_session(db, started.id)
        assert check.actor == actor and check.touched


@pytest.mark.parametrize(
    "change",
    [
        {"active": False},
        {"role": "sweeper"},
        {"areas": frozenset({"330110901201"})},
    ],
)
def test_an_admin_changing_the_account_ends_its_sessions(db, change):
    _actor, started = signed_in(db, "demo-registrar")
    cookie = accounts.session_cookie(db, started.id)
    accounts.update_account(db, ADMIN, "demo-registrar", **change)
    assert accounts.live_session(db, cookie) is None
    assert accounts.check_session(db, started.id).ended == accounts.ACCOUNT_CHANGED
    assert audit_actions(db)[-2:] == ["user.update", "logout.account_changed"]


def test_a_role_changed_and_back_still_ends_the_session(db):
    _actor, started = signed_in(db, "demo-registrar")
    accounts.update_account(db, ADMIN, "demo-registrar", role="sweeper")
    accounts.update_account(db, ADMIN, "demo-registrar", role="registrar")
    assert accounts.check_session(db, started.id).actor is None


def test_a_password_reset_ends_the_sessions(db):
    _actor, started = signed_in(db, "demo-sweeper")
    accounts.reset_password(db, ADMIN, "demo-sweeper")
    assert accounts.check_session(db, started.id).ended == accounts.ACCOUNT_CHANGED


def test_unlocking_leaves_the_session_alone(db):
    actor, started = signed_in(db, "demo-sweeper")
    accounts.update_account(db, ADMIN, "demo-sweeper", unlock=True)
    assert accounts.check_session(db, started.id).actor == actor


def test_an_unknown_session_is_refused(db):
    assert accounts.check_session(db, "no-such-session").ended == "unknown"


# The real app in Chromium ------------------------------------------------------------


@pytest.fixture(scope="module")
def app(demo_master, tmp_path_factory):
    """The app on its own copy of the demo (one browser test at a time changes it)."""
    copy = databases.copy_database(demo_master, tmp_path_factory.mktemp("sessions"), per_test=False)
    with streamlit_server(copy) as url:
        yield url, copy


def sign_in(page, name: str) -> None:
    page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()


def session_cookie(context, *, present: bool = True, timeout_s: float = 30) -> dict | None:
    """The session cookie once the browser holds it (or None once it is gone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if bool(found) == present:
            return found[0] if found else None
        time.sleep(0.2)
    pytest.fail(f"the session cookie was {'never set' if present else 'not removed'}")


def shows_sign_in(page) -> None:
    page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_role("button", name="退出登录").wait_for(state="detached", timeout=30_000)


def signed_in_as(page, heading: str) -> None:
    page.get_by_text(heading).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    page.get_by_label("用户名").wait_for(state="detached", timeout=30_000)


pytestmark_browser = pytest.mark.usefixtures("browser_turn")


@pytestmark_browser
def test_before_sign_in_the_sidebar_shows_no_page_and_the_language_can_change(app):
    url, _database = app
    with offline_page(url) as (page, blocked):
        page.get_by_label("用户名").wait_for(timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar").inner_text()
        assert page.get_by_test_id("stSidebarNav").count() == 0
        text = page.content()
        for name in ("overview", "property", "common", "admin", "health", "account"):
            assert name not in sidebar
            assert f">{name}<" not in text
        assert "What every page shares" not in text  # pages/common.py's docstring
        page.get_by_text("English").click()
        page.get_by_label("User name").wait_for(timeout=30_000)
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert blocked == []


@pytestmark_browser
def test_a_typed_url_asks_for_sign_in_first_then_opens_that_page(app):
    url, _database = app
    with offline_page(url + "property") as (page, blocked):
        shows_sign_in(page)
        assert page.get_by_text("输入房屋编号或地址").count() == 0
        sign_in(page, "demo-registrar")
        page.get_by_text("输入房屋编号或地址").first.wait_for(timeout=60_000)
        assert page.url.endswith("/property")
    assert blocked == []


@pytestmark_browser
def test_reload_typed_url_and_second_tab_stay_signed_in(app):
    url, _database = app
    with offline_page(url) as (page, blocked):
        sign_in(page, "demo-planner")
        signed_in_as(page, "辖区总览")
        cookie = session_cookie(page.context)
        assert cookie is not None
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert not cookie["secure"]  # served over http here
        assert 0 < cookie["expires"] - time.time() <= settings().idle_minutes * 60 + 5
        assert page.evaluate("document.cookie").find(COOKIE) == -1  # JavaScript cannot read it
        page.reload()
        signed_in_as(page, "辖区总览")
        page.goto(url + "account")
        signed_in_as(page, "当前用户：demo-planner")
        page.get_by_role("heading", name="我的账户").wait_for(timeout=30_000)
        second = page.context.new_page()
        second.goto(url)
        signed_in_as(second, "辖区总览")
    assert blocked == []


@pytestmark_browser
def test_sign_out_ends_the_session_for_a_reload_and_for_the_old_cookie(app):
    url, _database = app
    with offline_page(url) as (page, blocked):
        sign_in(page, "demo-planner")
        signed_in_as(page, "辖区总览")
        cookie = session_cookie(page.context)
        page.get_by_role("button", name="退出登录").click()
        shows_sign_in(page)
        session_cookie(page.context, present=False)  # the browser dropped it
        page.reload()
        shows_sign_in(page)
        page.context.add_cookies([cookie])  # the old cookie, kept by someone
        page.goto(url + "overview")
        shows_sign_in(page)
    assert blocked == []


@pytestmark_browser
def test_a_deactivated_users_cookie_no_longer_signs_in(app):
    url, database = app
    with offline_page(url) as (page, blocked):
        sign_in(page, "demo-sweeper")
        signed_in_as(page, "人员查询")
        session_cookie(page.context)
        handle = open_database(database, create=False)
        accounts.update_account(handle, ADMIN, "demo-sweeper", active=False)
        handle.db.dispose()
        page.reload()
        shows_sign_in(page)
    assert blocked == []


def local_only(route) -> None:
    host = route.request.url.split("/")[2].split(":")[0]
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


@pytestmark_browser
def test_a_cookie_alone_signs_in_and_a_tampered_one_does_not(app):
    url, _database = app
    with offline_page(url) as (page, blocked):
        sign_in(page, "demo-admin")
        signed_in_as(page, "辖区总览")
        cookie = session_cookie(page.context)
        browser = page.context.browser
        for value, works in ((cookie["value"], True), (cookie["value"][:-1] + "0", False)):
            if not works and cookie["value"].endswith("0"):
                value = cookie["value"][:-1] + "1"
            other = browser.new_context(locale="zh-CN")
            other.route("**/*", local_only)
            other.add_cookies([{**cookie, "value": value}])
            tab = other.new_page()
            tab.goto(url)
            if works:
                signed_in_as(tab, "辖区总览")
            else:
                shows_sign_in(tab)
            other.close()
    assert blocked == []


def test_the_session_route_refuses_bad_tickets_and_other_sites(app):
    url, _database = app

    def status(method: str, body: bytes | None = None, **headers: str) -> int:
        request = urllib.request.Request(
            url + "api/session", data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert status("POST", b"not-a-ticket") == 403
    assert status("POST", b"x", Origin="http://elsewhere.example") == 403
    assert status("POST", b"x", **{"Sec-Fetch-Site": "cross-site"}) == 403
    assert status("GET") == 401
    assert status("PUT") == 401
    assert status("DELETE") == 204
    assert status("GET", Cookie=f"{COOKIE}=forged.0000") == 401


@pytestmark_browser
def test_use_renews_the_cookie_and_a_reload_after_it_stays_signed_in(demo_copy):
    """The cookie's lifetime is the idle timeout (12 seconds here), renewed while in use."""
    with (
        streamlit_server(demo_copy, GRIDHOUSE_IDLE_MINUTES="0.2") as url,
        offline_page(url) as (page, blocked),
    ):
        sign_in(page, "demo-planner")
        signed_in_as(page, "辖区总览")
        first = session_cookie(page.context)
        assert first is not None
        deadline = time.monotonic() + 60
        renewed = first
        pages = [("我的账户", "我的账户"), ("总览", "辖区总览")]
        while renewed["expires"] <= first["expires"] + 1:  # use the app until it is renewed
            assert time.monotonic() < deadline, "the cookie was never renewed"
            link, heading = pages[0]
            pages.reverse()
            page.get_by_role("link", name=link).click()
            page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
            wait_until_idle(page)
            renewed = session_cookie(page.context) or first
        page.reload()
        signed_in_as(page, "当前用户：demo-planner")
    assert blocked == []
