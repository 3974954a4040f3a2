"""What an upload's summary says about how its file was read, kept small whatever the
file held."""

from __future__ import annotations

from typing import Any, Final

from geo.i18n import bilingual

SUMMARY_ITEMS: Final = 50


SUMMARY_TEXT: Final = 200


def bounded(value: Any, *, items: int = SUMMARY_ITEMS, text: int = SUMMARY_TEXT) -> Any:
    """A summary (or an audit detail) kept small whatever the file held: lists cut to
    ``items`` entries (a last entry says how many more), strings to ``text`` characters.

    >>> bounded({"ignored": [f"c{i}" for i in range(60)], "file": "x" * 300}, items=2, text=5)
    {'ignored': ['c0', 'c1', '… +58'], 'file': 'xxxx…'}
    """
    if isinstance(value, str):
        return value if len(value) <= text else value[: text - 1] + "…"
    if isinstance(value, dict):
        kept = list(value.items())[: items * 4]
        return {k: bounded(v, items=items, text=text) for k, v in kept}
    if isinstance(value, (list, tuple)):
        shown = [bounded(v, items=items, text=text) for v in value[:items]]
        if len(value) > items:
            shown.append(f"… +{len(value) - items}")
        return shown
    return value


def layout_summary(raw: Any, cleaning: dict[str, Any]) -> dict[str, Any]:
    """What the summary says about how the file was read: the header row and the rows
    skipped around it (with their text), the sheet, the cells cleaned, the coordinates split
    (with a note in both languages), and ``without_coordinates`` for kinds with points."""
    out: dict[str, Any] = {}
    if raw.header_row != 1 or raw.skipped:
        out["header_row"] = raw.header_row
        out["skipped_rows"] = bounded([{"row": n, "text": t} for n, t in raw.skipped])
    if raw.notes_row is not None:
        out["notes_row"] = raw.notes_row
    if raw.sheet is not None:
        out["sheet"] = bounded(raw.sheet)
    out.update(cleaning)
    notes = []
    if raw.skipped:
        above = [n for n, _ in raw.skipped if n < raw.header_row]
        if above:
            notes.append(
                bilingual(
                    "note_header_found",
                    row=raw.header_row,
                    skipped=", ".join(str(n) for n in above),
                )
            )
    if raw.notes_row is not None:
        notes.append(bilingual("note_units_row", row=raw.notes_row))
    if "coordinates" in cleaning:
        said = cleaning["coordinates"]
        notes.append(
            bilingual(
                "note_coordinates_split",
                column=bounded(said["column"]),
                order=said["order"],
                rows=said["rows"],
            )
        )
    if cleaning.get("cleaned_cells"):
        notes.append(
            bilingual(
                "note_text_cleaned",
                cells=cleaning["cleaned_cells"],
                characters=cleaning["cleaned_characters"],
            )
        )
    if notes:
        out["notes"] = notes
    return out
