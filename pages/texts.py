"""The language of the session and the catalogue's texts in it, made safe for the sink they
go to (Markdown or text shown as it is); the language switch and Streamlit's own words."""

from __future__ import annotations

from datetime import date, time, timedelta
from numbers import Number
from typing import Any

import streamlit as st

from geo import markup
from geo.i18n import LANGUAGES, message

_LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}


def language() -> str:
    return str(st.session_state.get("language", LANGUAGES[0]))


def t(key: str, **params: Any) -> str:
    """The catalogue text for ``key`` in the session's language, as Markdown: the template
    is trusted, its parameters are data and are filled in inert (see :func:`plain`), so the
    result may go to any Markdown sink (titles, captions, notes, errors, widget labels)."""
    return message(key, language(), **{k: _inert(v) for k, v in params.items()})


def t_raw(key: str, **params: Any) -> str:
    """The catalogue text for ``key`` with its parameters as they are, for the sinks that
    show text as it is: selectbox and multiselect options, table cells, file names, map
    text (which ``geo.maps`` escapes for HTML itself). Never for a Markdown sink. Text
    parameters lose their control and bidirectional characters (:func:`option_text`)."""
    return message(key, language(), **{k: _plain_param(v) for k, v in params.items()})


def option_text(value: object) -> str:
    """Stored text for the sinks that show text as it is (selectbox and multiselect options,
    see :func:`t_raw`): without the control, zero-width and bidirectional characters that
    would make it read otherwise (a right-to-left override reverses what follows)."""
    return markup.clean(value)


def _plain_param(value: Any) -> Any:
    return markup.clean(value) if isinstance(value, str) else value


def plain(text: object) -> str:
    """Stored text as Markdown that shows its characters and nothing else (no image, link,
    emphasis, heading or HTML; control and bidirectional characters dropped): for every
    Markdown sink that is given data without :func:`t` (``st.subheader(plain(address))``)."""
    return markup.markdown_text(text)


def _inert(value: Any) -> Any:
    """A catalogue parameter as inert Markdown; numbers, dates and times stay as they are
    (a template may format them: ``{n:,}``)."""
    if isinstance(value, Number | date | time | timedelta):
        return value
    return markup.markdown_text(value)


LANGUAGE_COOKIE = "gridhouse_lang"
"""The browser remembers the chosen language (no personal data: a plain cookie), so a
reload, a typed address or a second tab speaks it too."""


def language_picker() -> None:
    """The language switch. Its label is the same in both languages: a widget whose label
    changes is a new widget to Streamlit, which would forget the choice on the next run."""
    remembered = _remembered_language()
    if "language" not in st.session_state:
        st.session_state["language"] = remembered or LANGUAGES[0]
    st.sidebar.radio(
        " / ".join(message("language", lang) for lang in LANGUAGES),
        LANGUAGES,
        index=LANGUAGES.index(language()),
        format_func=_LANGUAGE_NAMES.__getitem__,
        key="language_picker",
        on_change=_language_chosen,
        horizontal=True,
    )
    if language() != (remembered or LANGUAGES[0]):
        st.sidebar.html(
            f"<script>document.cookie = '{LANGUAGE_COOKIE}={language()}; Path=/; "
            "SameSite=Strict; Max-Age=31536000';</script>",
            unsafe_allow_javascript=True,
        )


def _language_chosen() -> None:
    # The choice lives in a key of its own: Streamlit drops a widget's state when the page
    # changes (st.switch_page), and the language must outlive every page.
    st.session_state["language"] = st.session_state["language_picker"]


def _remembered_language() -> str | None:
    try:
        value = st.context.cookies.get(LANGUAGE_COOKIE)
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None
    return value if value in LANGUAGES else None


def streamlit_words() -> None:
    """Streamlit draws a few words of its own in English only: the file drop zone's size line
    and its "Upload" button, and "Press Enter to submit form" under text fields. In Chinese
    they are hidden and the button says the catalogue's word (each uploader's label and help
    state the limits)."""
    if language() == "en":
        return
    browse = t("upload_browse").replace("'", "")
    st.html(
        "<style>"
        "[data-testid='stFileUploaderDropzoneInstructions'] {display: none}"
        "[data-testid='InputInstructions'] {display: none}"
        "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer']"
        " {display: none}"
        f"[data-testid='stFileUploaderDropzone'] button > div::after {{content: '{browse}'}}"
        "</style>"
    )
