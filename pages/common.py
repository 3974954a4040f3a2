"""What every page shares: the database, the acting user and cached reads (the language and
its texts: :mod:`pages.texts`).

Reads are cached by the database's data version (a counter every change bumps), so a page
rerun costs one tiny query until something changes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from geo import maps
from geo.errors import GridhouseError
from geo.io.assets import publish_map_assets
from geo.logs import frames_only
from geo.services import accounts, boundaries, kits, setup, spatial, statistics, sweeps
from geo.services.access import Actor
from geo.settings import settings
from pages.texts import t

_log = logging.getLogger("gridhouse.app")


def current_actor(*, use: bool = True) -> Actor | None:
    """The signed-in user, or None: also after the idle timeout without activity, after
    sign-out, and once an admin has deactivated the account or changed its role or areas.
    A new tab or a reload is signed in by the session cookie, as long as its session stands.
    ``use``: this run counts as activity (app.py's call, once per run, before the cookie is
    renewed by :func:`session_cookie_sync`; the pages' later calls only look)."""
    session = st.session_state.get("session")
    from_cookie = session is None
    if session is None:
        session = _cookie_session()
        if session is None:
            return _single_sign_on()
    check = accounts.check_session(opened().handle, session, use=use)
    if check.actor is None:
        _forget_user()
        if check.ended == accounts.TIMED_OUT:
            st.session_state["timed_out"] = True
        if from_cookie:
            st.session_state["cookie_refused"] = session
        st.session_state["cookie_action"] = "DELETE"  # the browser drops the dead cookie
        return None
    st.session_state["session"] = session
    st.session_state["actor"] = check.actor
    if not check.ticket_pending:
        st.session_state.pop("session_ticket", None)
    if check.touched:
        st.session_state["cookie_action"] = "PUT"  # the cookie lives on with the session
    return check.actor


def _cookie_session() -> str | None:
    """The session id in this browser's session cookie (signature checked), unless it was
    already refused in this tab."""
    value = st.context.cookies.get(accounts.SESSION_COOKIE)
    session = accounts.session_from_cookie(opened().handle, value)
    if session is None or session == st.session_state.get("cookie_refused"):
        return None
    return session


def _begin_session(actor: Actor) -> None:
    """Start the session of a user who just signed in; the browser gets its cookie next."""
    started = accounts.start_session(opened().handle, actor)
    st.session_state["actor"] = actor
    st.session_state["session"] = started.id
    st.session_state["session_ticket"] = started.ticket


def session_cookie_sync() -> None:
    """Have the browser fetch what the session cookie needs from our server (the cookie is
    HttpOnly: only an HTTP response may set it): the cookie for a fresh sign-in's ticket,
    a renewed lifetime, or its removal once its session ended."""
    ticket = st.session_state.get("session_ticket")
    action = st.session_state.pop("cookie_action", None)
    if ticket:
        call = f'{{method: "POST", credentials: "same-origin", body: "{ticket}"}}'
    elif action in ("PUT", "DELETE"):
        call = f'{{method: "{action}", credentials: "same-origin"}}'
    else:
        return
    nonce = uuid.uuid4().hex if not ticket else ""  # a new element runs its script again
    st.sidebar.html(
        f'<script data-run="{nonce}">fetch("/api/session", {call});</script>',
        unsafe_allow_javascript=True,
    )


def _forget_user() -> None:
    for key in ("actor", "session", "session_ticket", "people_found", "people_unmasked"):
        st.session_state.pop(key, None)


def single_sign_on_configured() -> bool:
    """Whether an OpenID Connect provider is set up in ``.streamlit/secrets.toml`` ([auth])."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, OSError):
        return False


def _provider_signed_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def _single_sign_on() -> Actor | None:
    """The local account of someone the identity provider signed in (matched by e-mail)."""
    if not single_sign_on_configured() or not _provider_signed_in():
        return None
    if st.session_state.get("sso_refused"):
        return None
    email = str(st.user.get("email") or "")
    verified = st.user.get("email_verified") is True  # the provider's own word, nothing less
    actor = guarded(
        lambda: accounts.sign_in_external(
            opened().handle, email, provider="oidc", email_verified=verified
        )
    )
    if actor is None:
        st.session_state["sso_refused"] = True
        return None
    guarded(lambda: _begin_session(actor))
    return actor  # type: ignore[no-any-return]


def signed_in_actor() -> Actor:
    """The signed-in user on a page (app.py shows pages to signed-in users only)."""
    actor = current_actor(use=False)
    if actor is None:
        st.stop()
    return actor


def sign_in_form() -> None:
    st.title(t("login_title"))
    if st.session_state.pop("timed_out", False):
        st.warning(t("login_timeout"))
    if is_demo():
        st.info(t("login_demo_hint"))
    must_change = bool(st.session_state.get("login_must_change"))
    if must_change:  # a one-time password: the same form asks for its replacement
        st.info(t("login_must_change"))
    with st.form("sign_in"):
        name = st.text_input(t("login_name"), key="login_name")
        password = st.text_input(t("login_password"), type="password", key="login_password")
        new_password = None
        if must_change:
            new_password = st.text_input(
                t("login_new_password"), type="password", key="login_new_password"
            )
        submitted = st.form_submit_button(t("login_button"), type="primary")
    if submitted:
        actor = guarded(lambda: _sign_in(name, password, new_password or None))
        if actor is None and not must_change and st.session_state.get("login_must_change"):
            st.rerun()  # draw the new-password field
        if actor is not None:
            guarded(lambda: _begin_session(actor))
            st.rerun()
    if single_sign_on_configured() and st.button(t("login_sso_button"), key="sso"):
        st.session_state.pop("sso_refused", None)
        guarded(st.login)


def _sign_in(name: str, password: str, new_password: str | None) -> Actor:
    """Sign in; a one-time password asks for a new one in the same form."""
    try:
        return accounts.sign_in(opened().handle, name, password, new_password=new_password)
    except GridhouseError as exc:
        st.session_state["login_must_change"] = exc.key == "login_must_change"
        raise


def not_allowed() -> None:
    """What a typed address of a page the role may not open shows (the services refuse the
    same actions again, whatever the address)."""
    st.title(t("page_not_allowed_title"))
    st.warning(t("page_not_allowed"))


def sign_out_button(actor: Actor) -> None:
    st.sidebar.caption(t("signed_in_as", name=actor.name, role=t(f"role_{actor.role}")))
    if st.sidebar.button(t("logout"), key="logout"):
        accounts.sign_out(opened().handle, actor, session=st.session_state.get("session"))
        _forget_user()
        st.session_state["cookie_action"] = "DELETE"
        if single_sign_on_configured() and _provider_signed_in():
            st.logout()
        st.rerun()


class AppDatabase:
    """The app's database, with the start-up steps done once per server process."""

    def __init__(self, handle: setup.Opened) -> None:
        self.handle = handle
        self._started = False
        self._lock = threading.Lock()

    def start(self, static_dir: Path) -> None:
        """Publish the map assets; create the demo district on an empty database, or the
        first admin (password printed on the console) on one without accounts."""
        with self._lock:
            if self._started:
                return
            publish_map_assets(static_dir)
            if setup.is_empty(self.handle):
                with st.spinner(t("demo_creating")):
                    try:
                        setup.load_demo(self.handle, Actor(name="app:first-start", role="admin"))
                    except GridhouseError as exc:
                        if exc.key != "database_not_empty":  # another process was quicker
                            raise
            password = accounts.ensure_first_admin(self.handle)
            if password is not None:
                print(
                    f"gridhouse: admin one-time password / 管理员一次性密码: {password}", flush=True
                )
            self._started = True


def opened() -> AppDatabase:
    """The database named by the configuration, opened once per server process. One that
    cannot be used (a missing folder, a file that is no SQLite database or is damaged, ...)
    is said in the catalogue's words and the run stops there (tried again on the next)."""
    try:
        config = settings()  # read once per configuration; a changed value reopens
        return _opened(setup.configured_url(config), config.model_dump_json())
    except GridhouseError as exc:
        st.error(t(exc.key, **exc.params))
        st.stop()


@st.cache_resource
def _opened(url: str, configuration: str) -> AppDatabase:
    """``configuration`` (the settings as JSON) is part of the cache key only."""
    del configuration
    return AppDatabase(setup.open_database(url, config=settings()))


def data_version() -> str:
    """The cache key of everything read from the database: which database, and its data
    version (a counter every change bumps)."""
    handle = opened().handle
    return f"{handle.db.url}#{statistics.current_data_version(handle)}"


def is_demo() -> bool:
    return _is_demo(data_version())


@st.cache_data(max_entries=4)
def _is_demo(version: str) -> bool:
    return setup.is_demo(opened().handle)


def basemap_picker(container: Any) -> str:
    """The basemap choice, shared by every map page: none (works offline), OpenStreetMap
    (WGS-84) or AMap (GCJ-02; every layer is shifted to it)."""
    return str(
        container.selectbox(
            t("basemap"),
            list(maps.BASEMAPS),
            format_func=lambda b: t(f"basemap_{b}"),
            key="basemap",
        )
    )


READS: dict[str, Callable[..., Any]] = {
    "overview": statistics.overview_figures,
    "coverage_trend": statistics.coverage_trend,
    "area_shapes": boundaries.area_shapes,
    "clusters": spatial.floating_clusters,
    "hexagons": spatial.floating_hexagons,
    "worksites": spatial.worksite_layer,
    "worksite_hexagons": spatial.worksite_hexagons,
    "worker_homes": spatial.worker_homes,
    "data_quality": spatial.data_quality,
    "boundary_quality": boundaries.boundary_quality,
    "proven_coverage": kits.proven_coverage,
    "registration_rates": sweeps.registration_rates,
}
"""The reads pages make through :func:`read`, cached per database, data version, actor
and arguments."""


def read(name: str, **params: Any) -> Any:
    """A service result for the signed-in user, computed once per data version; a
    catalogue message (and None) instead of an error."""
    actor = signed_in_actor()
    return guarded(lambda: _read(data_version(), name, actor, tuple(sorted(params.items()))))


@st.cache_data(max_entries=128, show_spinner=False, hash_funcs={Actor: repr})
def _read(version: str, name: str, actor: Actor, params: tuple[tuple[str, Any], ...]) -> Any:
    return READS[name](opened().handle, actor, **dict(params))


MAX_OUTLINES = 2000
"""Beyond this many communities (a city), outlines under other layers are the streets':
thousands of outlines are slow to draw and send, and too small to see at that zoom."""


def outline_shapes() -> Any:
    """The area outlines to draw under a map's layers: communities, or streets in a city."""
    shapes = read("area_shapes", level="community")
    if shapes is not None and len(shapes) > MAX_OUTLINES:
        return read("area_shapes", level="street")
    return shapes


def flash_and_rerun(text: str) -> None:
    """Rerun the page so that it shows what just changed, with ``text`` as a success note."""
    st.session_state["flash"] = text
    st.rerun()


def show_flash() -> None:
    """The note left by :func:`flash_and_rerun`, once."""
    text = st.session_state.pop("flash", None)
    if text:
        st.success(text)


def guarded(action: Callable[[], Any]) -> Any:
    """Run a page step; show a catalogue message instead of any error or traceback."""
    try:
        return action()
    except GridhouseError as exc:
        st.error(t(exc.key, **exc.params))
    except Exception as exc:
        reference = uuid.uuid4().hex[:8]
        # Frames only: a message or SQL parameters could carry personal data or tokens.
        _log.error("page failed (reference %s)\n%s", reference, frames_only(exc))
        st.error(t("internal_error", ref=reference))
    return None
