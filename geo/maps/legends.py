"""Colours and legends: the palette, quantile and fixed classes, CSS colours checked before
they are written into a style, and the plain-HTML legend controls."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo import markup

# A sequential palette (ColorBrewer YlOrRd, 6 classes), light = low.
PALETTE: Final = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOUR: Final = "#d9d9d9"


def class_breaks(
    values: Sequence[float] | pd.Series, *, classes: int = len(PALETTE)
) -> list[float]:
    """Quantile class breaks (unique, ascending) for a choropleth of ``values``.

    >>> [round(b, 3) for b in class_breaks([1, 2, 3, 4, 5, 6], classes=3)]
    [1.0, 2.667, 4.333, 6.0]
    """
    finite = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    if finite.size == 0:
        return []
    breaks = np.unique(np.quantile(finite, np.linspace(0, 1, classes + 1)))
    return [float(b) for b in breaks]


def colour_for(value: Any, breaks: list[float]) -> str:
    """The palette colour of a value's class (grey when missing or suppressed)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NO_DATA_COLOUR
    if math.isnan(number) or not breaks:
        return NO_DATA_COLOUR
    position = int(np.searchsorted(breaks[1:-1], number, side="right"))
    scale = (len(PALETTE) - 1) / max(1, len(breaks) - 2)
    return PALETTE[round(position * scale)]


def fixed_class_colour(value: Any, classes: Sequence[tuple[float, str, str]]) -> str:
    """The colour of the highest class whose lowest value ``value`` reaches.

    >>> fixed_class_colour(0.75, [(0.0, "red", ""), (0.7, "amber", ""), (0.8, "green", "")])
    'amber'
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NO_DATA_COLOUR
    if math.isnan(number):
        return NO_DATA_COLOUR
    reached = [colour for low, colour, _ in classes if number >= low]
    return reached[-1] if reached else NO_DATA_COLOUR


_CSS_COLOUR: Final = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20}")


def css_colour(value: object) -> str:
    """``value`` if it is a CSS colour (``#rgb`` to ``#rrggbbaa`` or a name), else the grey
    of missing data: a colour is written into a style, where anything else could load an
    image or break out of the attribute.

    >>> css_colour("#e31a1c"), css_colour("red"), css_colour("red;background:url(x)")
    ('#e31a1c', 'red', '#d9d9d9')
    """
    text = str(value) if value is not None else ""
    return text if _CSS_COLOUR.fullmatch(text) else NO_DATA_COLOUR


class Legend(MacroElement):
    """A plain-HTML legend control (no d3 or other script to fetch)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var legend = L.control({position: "bottomright"});
        legend.onAdd = function (map) {
            var div = L.DomUtil.create("div", "gridhouse-legend");
            div.innerHTML = {{ this.html|tojson }};
            div.style.background = "white";
            div.style.padding = "6px 8px";
            div.style.font = "12px sans-serif";
            div.style.boxShadow = "0 0 4px rgba(0,0,0,0.3)";
            return div;
        };
        legend.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, breaks: list[float], *, value_format: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        rows = [f"<b>{markup.html_text(title)}</b>"]
        for low, high in itertools.pairwise(breaks):
            swatch = colour_for((low + high) / 2, breaks)
            label = f"{value_format.format(low)} - {value_format.format(high)}"
            rows.append(
                f'<div><i style="display:inline-block;width:14px;height:10px;'
                f'background:{css_colour(swatch)};margin-right:4px"></i>{markup.html_text(label)}</div>'
            )
        rows.append(
            f'<div><i style="display:inline-block;width:14px;height:10px;'
            f'background:{NO_DATA_COLOUR};margin-right:4px"></i>—</div>'
        )
        self.html = "".join(rows)


class KindLegend(MacroElement):
    """A legend of categories (label -> colour), plain HTML like :class:`Legend`."""

    _template = Legend._template

    def __init__(self, title: str, colours: dict[str, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        rows = [f"<b>{markup.html_text(title)}</b>"]
        rows += [
            f'<div><i style="display:inline-block;width:10px;height:10px;border-radius:5px;'
            f'background:{css_colour(colour)};margin-right:4px"></i>{markup.html_text(label)}</div>'
            for label, colour in colours.items()
        ]
        self.html = "".join(rows)
