"""What every page shares: the language, the database, the acting user and cached reads.

Reads are cached by the database's data version (a counter every change bumps), so a page
rerun costs one tiny query until something changes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import GridhouseError
from geo.i18n import LANGUAGES, message
from geo.services import boundaries, setup, statistics
from geo.services.access import Actor

_LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}
_log = logging.getLogger("gridhouse.app")


def language() -> str:
    return str(st.session_state.get("lang", LANGUAGES[0]))


def t(key: str, **params: Any) -> str:
    """The catalogue text for ``key`` in the session's language."""
    return message(key, language(), **params)


def language_picker() -> None:
    st.sidebar.radio(
        message("language", language()),
        LANGUAGES,
        format_func=_LANGUAGE_NAMES.__getitem__,
        key="lang",
        horizontal=True,
    )


def current_actor() -> Actor:
    """Until sign-in exists, the app acts as a planner: aggregates only, small counts hidden."""
    return Actor(name="app:anonymous", role="planner")


@dataclass(frozen=True)
class AppDatabase:
    handle: setup.Opened

    def ensure_demo(self) -> None:
        """On first start with an empty database, create the demo district."""
        if setup.is_empty(self.handle):
            with st.spinner(t("demo_creating")):
                try:
                    setup.load_demo(self.handle, Actor(name="app:first-start", role="admin"))
                except GridhouseError as exc:
                    if exc.key != "database_not_empty":  # another session was quicker: fine
                        raise


@st.cache_resource
def opened() -> AppDatabase:
    return AppDatabase(setup.open_database())


def data_version() -> int:
    return statistics.current_data_version(opened().handle)


def is_demo() -> bool:
    return _is_demo(data_version())


@st.cache_data(max_entries=4)
def _is_demo(_version: int) -> bool:
    return setup.is_demo(opened().handle)


def area_table(*, level: str, window_days: int, as_of: date | None = None) -> pd.DataFrame:
    actor = current_actor()
    return _area_table(data_version(), level, window_days, as_of or date.today(), actor)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs={Actor: repr})
def _area_table(
    _version: int, level: str, window_days: int, as_of: date, actor: Actor
) -> pd.DataFrame:
    return statistics.area_statistics(
        opened().handle, actor, level=level, window_days=window_days, as_of=as_of
    )


def area_shapes(*, level: str) -> gpd.GeoDataFrame:
    return _area_shapes(data_version(), level, current_actor())


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs={Actor: repr})
def _area_shapes(_version: int, level: str, actor: Actor) -> gpd.GeoDataFrame:
    return boundaries.area_shapes(opened().handle, actor, level=level)


def guarded(action: Callable[[], Any]) -> Any:
    """Run a page step; show a catalogue message instead of any error or traceback."""
    try:
        return action()
    except GridhouseError as exc:
        st.error(t(exc.key, **exc.params))
    except Exception:
        reference = uuid.uuid4().hex[:8]
        _log.exception("page failed (reference %s)", reference)
        st.error(t("internal_error", ref=reference))
    return None
