"""How every page draws a table: headings and coded values in the UI's language, missing
values blank, times in China Standard Time, an empty table said in words, and no toolbar
download: tables hold personal or audited data (people, lists, rejects, the audit log), which
leave only through the product's audited export buttons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from geo import clock
from pages.texts import t

# Streamlit's own switch (also in .streamlit/config.toml, read at server start): the table
# toolbar offers no CSV download and read-only tables no copy; set here too, so an app
# started without that file keeps it from its first table on.
st.set_option("client.disableDataExport", True)


def show_table(
    frame: pd.DataFrame,
    *,
    headings: str | None = None,
    coded: Mapping[str, str] | None = None,
    times: Iterable[str] = (),
    percent: Iterable[str] = (),
    empty: str = "table_empty",
    **options: Any,
) -> None:
    """Draw ``frame`` as a table the user can read in the UI's language.

    ``headings`` is the catalogue prefix of the column headings (``"people_col_"`` turns
    column ``name`` into ``t("people_col_name")``); ``coded`` maps columns holding stored
    codes to the catalogue prefix of their words (``{"sex": "sex_"}`` shows ``F`` as
    ``t("sex_F")``, 女); ``times`` names columns of stored UTC times, shown in
    China Standard Time; ``percent`` names columns of fractions, shown as percentages (a
    column that also holds the withheld marker of :mod:`geo.disclosure` is written as text,
    ``94.3%`` beside ``*``, since a number column cannot hold the marker); any other
    column holding text beside numbers (a count withheld as ``*`` beside 33) is written as
    text too (:func:`numbers_as_text`). Missing values are blank (never ``None`` or
    ``nan``), and an empty
    frame is the catalogue sentence ``empty`` instead of an empty grid. ``options`` go to
    ``st.dataframe``. The grid has no download or copy in its toolbar
    (``client.disableDataExport``): exports are the pages' audited buttons.
    """
    if frame.empty:
        st.caption(t(empty))
        return
    shown = frame.copy()
    for column, prefix in (coded or {}).items():
        if column in shown.columns:
            shown[column] = shown[column].map(
                lambda v, p=prefix: t(f"{p}{v}") if isinstance(v, str) and v else v
            )
    for column in times:
        if column in shown.columns:
            shown[column] = pd.to_datetime(shown[column]).map(
                lambda v: clock.shown_time(v.to_pydatetime()) if pd.notna(v) else None
            )
    config = dict(options.pop("column_config", None) or {})
    for column in percent:
        if column not in shown.columns:
            continue
        heading = t(f"{headings}{column}") if headings is not None else column
        if shown[column].map(lambda v: isinstance(v, str)).any():
            shown[column] = shown[column].map(
                lambda v: v if isinstance(v, str) or pd.isna(v) else f"{float(v):.1%}"
            )
        else:
            config[heading] = st.column_config.NumberColumn(format="percent")
    shown = numbers_as_text(shown)
    if config:
        options["column_config"] = config
    if headings is not None:
        shown = shown.rename(columns={c: t(f"{headings}{c}") for c in shown.columns})
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    st.dataframe(shown, placeholder="", **options)


def numbers_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column that holds text beside numbers (the withheld marker of
    :mod:`geo.disclosure` beside counts) as text: a grid column holds one type, and a
    number column cannot hold ``*``. Numbers are written as they print (``33``), text
    is kept, missing values stay missing; other columns are untouched.

    >>> numbers_as_text(pd.DataFrame({"n": [33, "*", None], "m": [1, 2, 3]}))["n"].tolist()
    ['33', '*', None]
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object:
            continue
        text = values.map(lambda v: isinstance(v, str))
        number = values.map(lambda v: not isinstance(v, str) and v is not None and pd.notna(v))
        if text.any() and number.any():
            out[column] = values.map(
                lambda v: v if isinstance(v, str) or v is None or pd.isna(v) else _number(v)
            ).astype(object)
    return out


def _number(value: Any) -> str:
    """A number as text: whole numbers without a decimal point, others as Python prints them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
