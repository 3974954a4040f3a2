"""The rows an upload refused: each problem with the file's own header and its reason in
both languages, the registrar's rejected rows as given (to fix and upload again) as CSV or
XLSX, their download audited, and the masked report kept with the batch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.i18n import bilingual, message
from geo.intake import PROBLEM_COLUMNS
from geo.io.exports import excel_csv, text_xlsx
from geo.io.tables import RawTable
from geo.privacy import mask_cell
from geo.services.access import Actor, require
from geo.services.auditing import record
from geo.services.setup import Opened
from geo.validation import reason_text

REJECTS_SHEET = "问题行 rejected"


def concat_problems(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Problems of every step in one frame, sorted by row and column."""
    kept = [f for f in frames if len(f)]
    if not kept:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pd.concat(kept, ignore_index=True).sort_values(["row", "column"]).reset_index(drop=True)


def rejects_frame(
    problems: pd.DataFrame, mapping: dict[str, str] | None = None, *, kind: str
) -> pd.DataFrame:
    """Problems with the file's own column headers and reasons in Chinese and English."""
    out = problems[PROBLEM_COLUMNS].copy()
    headers = mapping or {}
    out["header"] = [
        ",".join(dict.fromkeys(headers.get(f, f) for f in str(c).split(","))) if c else ""
        for c in out["column"]
    ]
    for lang in ("zh", "en"):
        out[f"reason_{lang}"] = [
            reason_text(k, kind=kind, column=str(c), lang=lang)
            for k, c in zip(out["reason"], out["column"], strict=True)
        ]
    return out.reset_index(drop=True)


def rejected_rows(raw: RawTable, rejects: pd.DataFrame, *, dropped: list[str]) -> pd.DataFrame:
    """The rows of the file that were rejected, as the registrar wrote them: their own
    headers and cell text (sensitive columns, dropped at intake, left out), preceded by the
    row number and the reasons in Chinese and in English, one a line, each naming the column.
    Rows the reader refused as a whole (more cells than the header, a formula without its
    value, a cell error such as #REF!) come back with their cells too, those past the
    header's last column in columns of their own at the end.

    Fixed and uploaded again, the file is read like the first: the three added columns match
    no field and are ignored, and its content differs, so it is no duplicate.
    """
    own = [c for c in raw.frame.columns if c not in dropped]
    extra = [
        bilingual("rejects_col_row"),
        *(message("rejects_col_reason", g) for g in ("zh", "en")),
    ]
    extra = [_free_name(name, own) for name in extra]
    if rejects.empty:
        return pd.DataFrame(columns=[*extra, *own], dtype=object)
    reasons: dict[int, tuple[list[str], list[str]]] = {}
    for row, header, zh, en in rejects[["row", "header", "reason_zh", "reason_en"]].itertuples(
        index=False
    ):
        zh_text, en_text = (f"{header}：{zh}", f"{header}: {en}") if header else (zh, en)
        said = reasons.setdefault(int(row), ([], []))
        if zh_text not in said[0]:
            said[0].append(zh_text)
            said[1].append(en_text)
    numbers = sorted(reasons)
    position = pd.Series(np.arange(len(raw.frame)), index=raw.row_numbers)
    found = position.reindex(numbers)
    cells = pd.DataFrame("", index=range(len(numbers)), columns=own, dtype=object)
    known = found.notna().to_numpy()
    if known.any():
        taken = raw.frame.iloc[found[known].astype(int).to_numpy()][own]
        cells.loc[known, own] = taken.fillna("").astype(str).to_numpy()
    cells = _set_aside_cells(cells, raw, numbers, own=own, taken=[*extra, *own])
    front = pd.DataFrame(
        {
            extra[0]: [str(n) for n in numbers],
            extra[1]: ["\n".join(reasons[n][0]) for n in numbers],  # one reason a line
            extra[2]: ["\n".join(reasons[n][1]) for n in numbers],
        }
    )
    return pd.concat([front, cells], axis=1)


def _set_aside_cells(
    cells: pd.DataFrame, raw: RawTable, numbers: list[int], *, own: list[str], taken: list[str]
) -> pd.DataFrame:
    """Fill in the rows the reader set aside (more cells than the header, a formula without
    a value, a cell error) with their cells as given: under their headers by position, the
    cells past the header's last column in columns of their own at the end."""
    headers = list(raw.frame.columns)
    beyond = 0
    for i, number in enumerate(numbers):
        given = raw.set_aside.get(number)
        if given is None:
            continue
        for header, value in zip(headers, given, strict=False):
            if header in own:
                cells.at[i, header] = value
        over = given[len(headers) :]
        while beyond < len(over):
            beyond += 1
            name = _free_name(bilingual("rejects_col_beyond", n=beyond), [*taken, *cells.columns])
            cells[name] = ""
        for j, value in enumerate(over):
            cells.iat[i, len(own) + j] = value
    return cells


def _free_name(name: str, taken: list[str]) -> str:
    while name in taken:
        name += "*"
    return name


def rejects_csv(rows: pd.DataFrame) -> bytes:
    """The rejected rows (:func:`rejected_rows`) as CSV for Excel: UTF-8 with BOM, every
    cell text as given, only cells that would run as formulas neutralised."""
    return excel_csv(rows)


def rejects_xlsx(rows: pd.DataFrame) -> bytes:
    """The rejected rows (:func:`rejected_rows`) as XLSX, every cell text."""
    return text_xlsx(rows, sheet=REJECTS_SHEET)


def record_rejects_export(
    opened: Opened, actor: Actor, *, source: str, rows: int, file_format: str
) -> None:
    """Write to the audit log that the rejected rows of the upload ``source`` (a file name)
    left the product as a ``file_format`` file of ``rows`` rows: they are the registrar's own
    rows, personal data included, so their download is an export like any other."""
    require(actor, "import")
    with opened.db.write() as conn:
        record(
            conn,
            actor,
            "export.rejects",
            object_type="upload",
            object_id=source,
            detail={"rows": rows, "format": file_format},
            changes_data=False,
        )


def problems_csv(rejects: pd.DataFrame) -> bytes:
    """The rejected cells, one a line, as stored with the batch (CSV for Excel)."""
    headers = {
        "row": "行号 row",
        "header": "列 column",
        "column": "字段 field",
        "value": "值 value",
        "reason_zh": "原因",
        "reason_en": "reason",
    }
    cells = zip(rejects["column"], rejects["value"], strict=True)
    stored = rejects[list(headers)].assign(  # no identifier in clear in a stored report
        value=[mask_cell(str(f), "" if pd.isna(v) else str(v)) for f, v in cells]
    )
    return excel_csv(stored.rename(columns=headers))
