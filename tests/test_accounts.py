"""Sign-in: argon2 hashes, lockout, audit, demo accounts only on demo databases."""

from __future__ import annotations

import dataclasses

import pytest

from geo.errors import InputError, PermissionDeniedError
from geo.services import accounts
from geo.services.access import Actor
from geo.services.setup import open_database
from geo.settings import settings
from tests import databases
from tests.conftest import ADMIN


@pytest.fixture
def db(demo_copy):
    opened = open_database(demo_copy)
    yield opened
    opened.db.dispose()


def audit_actions(opened) -> list[str]:
    with databases.connect(opened.db.url) as conn:
        return [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]


def test_demo_databases_have_one_account_per_role(db):
    for name, role in accounts.DEMO_USERS.items():
        actor = accounts.sign_in(db, name, "demo")
        assert (actor.name, actor.role) == (name, role)
    with databases.connect(db.db.url) as conn:
        hashes = [r[0] for r in conn.execute("SELECT password_hash FROM app_user")]
    assert all(h.startswith("$argon2") and "demo" not in h for h in hashes)


def test_a_database_not_made_by_demo_has_no_demo_accounts(empty_db):
    with pytest.raises(PermissionDeniedError):
        accounts.sign_in(empty_db, "demo-admin", "demo")


def test_wrong_passwords_lock_the_account_and_every_attempt_is_audited(db):
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(PermissionDeniedError) as wrong:
            accounts.sign_in(db, "demo-planner", "nope")
        assert wrong.value.key == "login_failed"
    with pytest.raises(PermissionDeniedError) as locked:
        accounts.sign_in(db, "demo-planner", "nope")
    assert locked.value.key == "login_locked"
    with pytest.raises(PermissionDeniedError) as still:
        accounts.sign_in(db, "demo-planner", "demo")  # right password, still locked
    assert still.value.key == "login_locked"
    actions = audit_actions(db)
    assert actions.count("login.failed") == accounts.MAX_FAILURES
    assert actions[-1] == "login.locked"
    accounts.sign_in(db, "demo-admin", "demo")
    assert audit_actions(db)[-1] == "login"


def test_unknown_users_get_the_same_answer_as_wrong_passwords(db):
    with pytest.raises(PermissionDeniedError) as unknown:
        accounts.sign_in(db, "nobody", "demo")
    assert unknown.value.key == "login_failed"


def test_only_admins_add_accounts_and_scopes_are_kept(db):
    with pytest.raises(PermissionDeniedError):
        accounts.add_account(
            db, Actor(name="p", role="planner"), name="x", role="planner", password="long enough"
        )
    with pytest.raises(InputError):
        accounts.add_account(db, ADMIN, name="x", role="planner", password="short")
    accounts.add_account(
        db,
        ADMIN,
        name="cun",
        role="registrar",
        password="long enough",
        areas=frozenset({"330110901201"}),
    )
    actor = accounts.sign_in(db, "cun", "long enough", new_password="mine alone")
    assert actor.areas == frozenset({"330110901201"})


def test_init_creates_a_first_admin_with_a_one_time_password(tmp_path, capsys):
    import json

    from geo.cli import main

    path = databases.new_database(tmp_path, "new")
    assert main(["--db", path, "init"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["admin"] == "admin" and len(first["one_time_password"]) >= 12
    assert main(["--db", path, "init"]) == 0
    assert "one_time_password" not in json.loads(capsys.readouterr().out)
    opened = open_database(path)
    once = first["one_time_password"]
    assert accounts.sign_in(opened, "admin", once, new_password="chosen by me").role == "admin"
    with pytest.raises(PermissionDeniedError):
        accounts.sign_in(opened, "demo-admin", "demo")  # not a demo database
    opened.db.dispose()


def test_the_first_admin_password_can_come_from_configuration(empty_db, monkeypatch):
    monkeypatch.setenv("GRIDHOUSE_ADMIN_PASSWORD", "from configuration")
    empty_db = dataclasses.replace(empty_db, settings=settings())  # as a face reads it
    assert accounts.ensure_first_admin(empty_db) == "from configuration"
    admin = accounts.sign_in(empty_db, "admin", "from configuration", new_password="my own now")
    assert admin.role == "admin"
    assert accounts.ensure_first_admin(empty_db) is None


def test_an_admin_changes_role_and_areas_and_the_next_sign_in_carries_them(db):
    accounts.update_account(
        db, ADMIN, "demo-sweeper", role="registrar", areas=frozenset({"330110901201"})
    )
    actor = accounts.sign_in(db, "demo-sweeper", "demo")
    assert (actor.role, actor.areas) == ("registrar", frozenset({"330110901201"}))
    accounts.update_account(db, ADMIN, "demo-sweeper", areas=None)
    assert accounts.sign_in(db, "demo-sweeper", "demo").areas is None
    assert audit_actions(db).count("user.update") == 2


def test_a_deactivated_account_cannot_sign_in_and_its_open_session_ends(db):
    session = accounts.sign_in(db, "demo-registrar", "demo")
    assert accounts.still_signed_in(db, session)
    accounts.update_account(db, ADMIN, "demo-registrar", active=False)
    assert not accounts.still_signed_in(db, session)
    with pytest.raises(PermissionDeniedError, match="login_failed"):
        accounts.sign_in(db, "demo-registrar", "demo")
    listed = {u["name"]: u for u in accounts.list_accounts(db, ADMIN)}
    assert listed["demo-registrar"]["active"] is False
    assert all("password_hash" not in u for u in listed.values())


def test_a_role_change_ends_the_sessions_of_the_old_role(db):
    session = accounts.sign_in(db, "demo-planner", "demo")
    accounts.update_account(db, ADMIN, "demo-planner", role="sweeper")
    assert not accounts.still_signed_in(db, session)


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(db):
    with pytest.raises(InputError, match="last_admin"):
        accounts.update_account(db, ADMIN, "demo-admin", active=False)
    with pytest.raises(InputError, match="last_admin"):
        accounts.update_account(db, ADMIN, "demo-admin", role="planner")
    accounts.add_account(db, ADMIN, name="second-admin", role="admin", password="long enough")
    accounts.update_account(db, ADMIN, "demo-admin", active=False)  # now allowed


def test_an_admin_unlocks_a_locked_account(db):
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(PermissionDeniedError):
            accounts.sign_in(db, "demo-planner", "wrong")
    with pytest.raises(PermissionDeniedError, match="login_locked"):
        accounts.sign_in(db, "demo-planner", "demo")
    assert {u["name"]: u["locked"] for u in accounts.list_accounts(db, ADMIN)}["demo-planner"]
    accounts.update_account(db, ADMIN, "demo-planner", unlock=True)
    assert accounts.sign_in(db, "demo-planner", "demo").role == "planner"


def test_a_reset_password_replaces_the_old_one(db):
    fresh = accounts.reset_password(db, ADMIN, "demo-planner")
    with pytest.raises(PermissionDeniedError):
        accounts.sign_in(db, "demo-planner", "demo")
    assert accounts.sign_in(db, "demo-planner", fresh, new_password="n3w-secret").name == (
        "demo-planner"
    )
    assert "user.reset_password" in audit_actions(db)


def test_users_change_their_own_password_only_with_the_current_one(db):
    me = accounts.sign_in(db, "demo-sweeper", "demo")
    with pytest.raises(PermissionDeniedError, match="password_wrong"):
        accounts.change_password(db, me, old="not it", new="a new secret")
    with pytest.raises(InputError, match="password_short"):
        accounts.change_password(db, me, old="demo", new="short")
    accounts.change_password(db, me, old="demo", new="a new secret")
    assert accounts.sign_in(db, "demo-sweeper", "a new secret").name == "demo-sweeper"
    actions = audit_actions(db)
    assert "password.change_failed" in actions and "password.change" in actions


def test_single_sign_on_maps_the_provider_identity_to_an_active_local_account(db):
    accounts.add_account(
        db, ADMIN, name="wang@jiedao.example", role="planner", password="long enough"
    )
    actor = accounts.sign_in_external(
        db, "wang@jiedao.example", provider="oidc", email_verified=True
    )
    assert actor.role == "planner"
    with pytest.raises(PermissionDeniedError, match="login_no_account"):
        accounts.sign_in_external(db, "stranger@example.com", provider="oidc", email_verified=True)
    assert audit_actions(db)[-2:] == ["login", "login.failed"]


def test_single_sign_on_refuses_an_address_the_provider_has_not_verified(db):
    # The attack: register the victim's address at a provider that does not verify it.
    accounts.add_account(
        db, ADMIN, name="chief@jiedao.example", role="admin", password="long enough"
    )
    with pytest.raises(PermissionDeniedError) as refused:
        accounts.sign_in_external(db, "chief@jiedao.example", provider="oidc", email_verified=False)
    assert refused.value.key == "login_email_unverified"
    with databases.connect(db.db.url) as conn:
        last = conn.execute("SELECT action, detail FROM audit ORDER BY id DESC").fetchone()
    assert last[0] == "login.failed" and "not verified" in last[1]


def test_an_account_locked_by_wrong_passwords_is_locked_for_single_sign_on_too(db):
    accounts.add_account(
        db, ADMIN, name="li@jiedao.example", role="registrar", password="long enough"
    )
    for _ in range(5):
        with pytest.raises(PermissionDeniedError):
            accounts.sign_in(db, "li@jiedao.example", "a wrong guess")
    with pytest.raises(PermissionDeniedError) as refused:
        accounts.sign_in_external(db, "li@jiedao.example", provider="oidc", email_verified=True)
    assert refused.value.key == "login_locked"
    assert audit_actions(db)[-1] == "login.locked"


def test_the_page_passes_the_providers_verified_flag_only_when_it_is_true():
    import inspect

    from pages import common

    source = inspect.getsource(common._single_sign_on)
    assert 'st.user.get("email_verified") is True' in source


def test_a_one_time_password_must_be_changed_at_first_use(db):
    accounts.add_account(db, ADMIN, name="new-one", role="sweeper", password="given by admin")
    with pytest.raises(PermissionDeniedError) as asked:
        accounts.sign_in(db, "new-one", "given by admin")
    assert asked.value.key == "login_must_change"
    with pytest.raises(InputError, match="password_same"):
        accounts.sign_in(db, "new-one", "given by admin", new_password="given by admin")
    with pytest.raises(PermissionDeniedError, match="login_failed"):  # a wrong one stays wrong
        accounts.sign_in(db, "new-one", "guessing", new_password="attacker's choice")
    actor = accounts.sign_in(db, "new-one", "given by admin", new_password="only I know")
    assert actor.name == "new-one"
    with pytest.raises(PermissionDeniedError, match="login_failed"):  # it is gone
        accounts.sign_in(db, "new-one", "given by admin")
    assert accounts.sign_in(db, "new-one", "only I know").name == "new-one"  # no more asking
    assert "login.must_change" in audit_actions(db)


@pytest.mark.parametrize("hours", [None, 1.0])
def test_a_one_time_password_expires_after_the_configured_hours(db, monkeypatch, hours):
    from datetime import date, timedelta

    day = date(2026, 11, 2)
    monkeypatch.setenv("GRIDHOUSE_TODAY", day.isoformat())
    if hours is not None:
        monkeypatch.setenv("GRIDHOUSE_ONE_TIME_PASSWORD_HOURS", str(hours))
    db = dataclasses.replace(db, settings=settings())
    assert db.settings.one_time_password_hours == (hours or 24.0)
    accounts.add_account(db, ADMIN, name="late", role="planner", password="given by admin")
    fresh = accounts.reset_password(db, ADMIN, "demo-planner")
    monkeypatch.setenv("GRIDHOUSE_TODAY", (day + timedelta(days=2)).isoformat())
    for name, password in (("late", "given by admin"), ("demo-planner", fresh)):
        with pytest.raises(PermissionDeniedError) as expired:
            accounts.sign_in(db, name, password, new_password="too late now")
        assert expired.value.key == "login_password_expired"
    # demo passwords are no one-time passwords: they never expire
    assert accounts.sign_in(db, "demo-registrar", "demo").name == "demo-registrar"


def test_signing_in_does_not_invalidate_the_cached_figures(db):
    from geo.services.statistics import current_data_version

    before = current_data_version(db)
    accounts.sign_in(db, "demo-planner", "demo")
    with pytest.raises(PermissionDeniedError):
        accounts.sign_in(db, "demo-planner", "wrong")
    assert current_data_version(db) == before


def test_the_sign_in_page_asks_a_one_time_password_for_its_replacement(demo_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store.database import database_url
    from tests.conftest import ROOT

    opened = open_database(demo_copy)
    fresh = accounts.reset_password(opened, ADMIN, "demo-sweeper")
    opened.db.dispose()
    monkeypatch.setenv("GRIDHOUSE_DATABASE_URL", database_url(demo_copy))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.text_input(key="login_name").input("demo-sweeper")
    app.text_input(key="login_password").input(fresh)
    app.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "登录"  # not signed in yet
    assert any("一次性密码" in box.value for box in app.info)
    app.text_input(key="login_new_password").input("sweeper's own")
    app.button[0].click().run()
    assert not app.exception and app.title[0].value != "登录"
    opened = open_database(demo_copy)
    try:
        assert accounts.sign_in(opened, "demo-sweeper", "sweeper's own").name == "demo-sweeper"
    finally:
        opened.db.dispose()
