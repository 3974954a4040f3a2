"""The route drawn to scale on a PDF page: the walking line, every stop numbered where its
label covers nothing else, the start and the end marked, a north arrow and a scale bar."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd

from geo.crs import to_metres
from geo.i18n import message

INK: Final = 0


RULE: Final = 170


def _nice_length(limit: float) -> int:
    """The longest 1, 2 or 5 times a power of ten not above ``limit`` (metres).

    >>> _nice_length(740), _nice_length(180), _nice_length(12)
    (500, 100, 10)
    """
    power: int = 10 ** math.floor(math.log10(max(limit, 1.0)))
    return max(m * power for m in (1, 2, 5) if m * power <= max(limit, 1.0))


def route_map(pdf: object, points: pd.DataFrame, *, top: float, height: float) -> None:
    """The route drawn to scale, north up (in metres of the list's Gauss-Kruger zone, whose
    grid north is true north to within a degree or two): the walking line, every stop a dot
    with its number, the start and the end marked, a north arrow and a metric scale bar."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    if points.empty:
        return
    import numpy as np

    left, width = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_draw_color(RULE)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, width, height)
    x, y = to_metres(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    inner = 12.0  # mm kept free inside the frame for labels, the arrow and the scale
    span_x, span_y = max(float(np.ptp(x)), 1.0), max(float(np.ptp(y)), 1.0)
    scale = min((width - 2 * inner) / span_x, (height - 2 * inner) / span_y)  # mm a metre
    x0 = left + (width - span_x * scale) / 2
    y0 = top + (height + span_y * scale) / 2
    px = x0 + (x - x.min()) * scale
    py = y0 - (y - y.min()) * scale
    pdf.set_draw_color(37, 99, 235)
    pdf.set_line_width(0.6)
    if len(px) >= 2:
        pdf.polyline(list(zip(px.tolist(), py.tolist(), strict=True)))
    numbers = points["序号"].astype(str).tolist()
    size = 7 if len(px) <= 200 else 6
    pdf.set_line_width(0.25)
    pdf.set_draw_color(INK)
    last = len(px) - 1
    for i, (a, b) in enumerate(zip(px.tolist(), py.tolist(), strict=True)):
        colour = (22, 163, 74) if i == 0 else (220, 38, 38) if i == last else (255, 255, 255)
        pdf.set_fill_color(*colour)
        pdf.circle(x=a, y=b, radius=1.6 if i in (0, last) else 0.9, style="DF")
    pdf.set_font("cjk", size=size)
    pdf.set_fill_color(255)
    height_mm = size * 0.3528 + 0.4
    boxes = _label_boxes(
        px, py, [pdf.get_string_width(n) + 0.8 for n in numbers], height_mm, keep=(0, last)
    )
    for label, box in zip(numbers, boxes, strict=True):
        if box is not None:
            bx, by, bw, bh = box
            pdf.rect(bx, by, bw, bh, style="F")
            pdf.text(bx + 0.4, by + bh - 0.6, label)
    _north_arrow(pdf, left + width - 10, top + 4)
    _scale_bar(pdf, left + 6, top + height - 6, scale=scale, limit_mm=width / 4)


def _label_boxes(
    px: Any, py: Any, widths: list[float], height: float, *, keep: tuple[int, ...]
) -> list[tuple[float, float, float, float] | None]:
    """Where each stop's number goes (x, y, width, height in mm): the first place beside its
    dot that covers no other label and no other dot; none where every place is taken (the
    stops in ``keep``, the start and the end, are always numbered)."""
    import numpy as np

    xs, ys = np.asarray(px, float), np.asarray(py, float)
    placed: list[tuple[float, float, float, float]] = []
    found: list[tuple[float, float, float, float] | None] = []
    gap, dot = 1.2, 1.0
    for i, (a, b, w) in enumerate(zip(xs.tolist(), ys.tolist(), widths, strict=True)):
        choice = None
        options = [
            (a + gap, b - height - 0.3),
            (a + gap, b + 0.3),
            (a - gap - w, b - height - 0.3),
            (a - gap - w, b + 0.3),
            (a - w / 2, b - gap - height),
            (a - w / 2, b + gap),
        ]
        for x, y in options:
            near = (xs > x - dot) & (xs < x + w + dot) & (ys > y - dot) & (ys < y + height + dot)
            near[i] = False
            overlaps = any(
                x < ox + ow and ox < x + w and y < oy + oh and oy < y + height
                for ox, oy, ow, oh in placed
            )
            if not near.any() and not overlaps:
                choice = (x, y, w, height)
                break
        if choice is None and i in keep:
            choice = (options[0][0], options[0][1], w, height)
        if choice is not None:
            placed.append(choice)
        found.append(choice)
    return found


def _north_arrow(pdf: object, x: float, y: float) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_draw_color(INK)
    pdf.set_fill_color(INK)
    pdf.set_line_width(0.4)
    pdf.polygon([(x, y + 2), (x - 2.2, y + 8), (x, y + 6.6), (x + 2.2, y + 8)], style="DF")
    pdf.set_font("cjk", size=9)
    label = message("arealist_north")
    pdf.text(x - pdf.get_string_width(label) / 2, y + 12, label)


def _scale_bar(pdf: object, x: float, y: float, *, scale: float, limit_mm: float) -> None:
    """A bar of a round number of metres (or kilometres), at most ``limit_mm`` long."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    metres = _nice_length(limit_mm / scale)
    length = metres * scale
    pdf.set_draw_color(INK)
    pdf.set_fill_color(INK)
    pdf.set_line_width(0.3)
    pdf.rect(x, y - 1.2, length / 2, 1.2, style="DF")
    pdf.rect(x + length / 2, y - 1.2, length / 2, 1.2, style="D")
    pdf.set_font("cjk", size=8)
    label = (
        message("arealist_km", n=f"{metres / 1000:g}")
        if metres >= 1000
        else message("arealist_metres", n=f"{metres:g}")
    )
    pdf.text(x, y - 2.2, "0")
    pdf.text(x + length - pdf.get_string_width(label) / 2, y - 2.2, label)
