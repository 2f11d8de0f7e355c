"""A Table as PaddleOCR's table label (PubTabNet structure tokens + cells), as HTML and as an .xlsx workbook.

Structure tokens follow PubTabNet, as PaddleOCR's TableLabelEncode reads them (ppocr/data/imaug/label_ops.py):
`<thead>` / `<tbody>` around `<tr>` ... `</tr>`; a plain cell is `<td>`, `</td>`; a spanning cell is `<td`,
` colspan="N"`, ` rowspan="N"`, `>`, `</td>` (N written in full: PPOCRLabel once parsed only its first digit,
PaddleOCR#11404). `cells` has one entry per `<td>`, in order: `tokens` (the text's characters) and, for a
non-empty cell, `bbox`: [x0, y0, x1, y1] for SLANet's configs (loc_reg_num 4, box format xyxy) or the four
corners for SLANet_ch's (loc_reg_num 8, xyxyxyxy, as PPOCRLabel writes); TableLabelEncode masks empty cells
and PubTabNet gives them no bbox. No `<thead>` when the table has no header row.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

from labeler.core.extras import require_extra
from labeler.core.table import Cell, Table

TABLES_EXTRA = "tables"
# PaddleOCR's ppocr/utils/dict/table_structure_dict.txt, in its order (a model's output index is the line
# number). It has spans 2..10 only, and TableLabelEncode silently skips a token its dict lacks, so a
# ` colspan="12"` would train as a plain cell: the export appends the span tokens it uses beyond these.
PADDLE_STRUCTURE_TOKENS = (
    "<thead>", "<tr>", "<td>", "</td>", "</tr>", "</thead>", "<tbody>", "</tbody>", "<td",
    ' colspan="5"', ">", ' colspan="2"', ' colspan="3"', ' rowspan="2"', ' colspan="4"', ' colspan="6"',
    ' rowspan="3"', ' colspan="9"', ' colspan="10"', ' colspan="7"', ' rowspan="4"', ' rowspan="5"',
    ' rowspan="9"', ' colspan="8"', ' rowspan="8"', ' rowspan="6"', ' rowspan="7"', ' rowspan="10"',
)  # fmt: skip


def structure_dict(used: set[str]) -> list[str]:
    """PaddleOCR's structure dict plus the tokens in `used` it lacks (appended, sorted by span size)."""
    extra = sorted(used - set(PADDLE_STRUCTURE_TOKENS), key=lambda t: (t.split("=")[0], int(t.split('"')[1])))
    return [*PADDLE_STRUCTURE_TOKENS, *extra]


def thead_rows(table: Table) -> int:
    """Header rows that no cell crosses out of (a `<thead>` cannot end inside a rowspan)."""
    n = table.header_rows
    while n > 0 and any(c.row < n <= c.last_row for c in table.cells):
        n -= 1
    return n


def _rows(table: Table) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[] for _ in range(table.n_rows)]
    for cell in table.ordered_cells():
        rows[cell.row].append(cell)
    return rows


def _td_tokens(cell: Cell) -> list[str]:
    if cell.rowspan == 1 and cell.colspan == 1:
        return ["<td>", "</td>"]
    tokens = ["<td"]
    if cell.colspan > 1:
        tokens.append(f' colspan="{cell.colspan}"')
    if cell.rowspan > 1:
        tokens.append(f' rowspan="{cell.rowspan}"')
    return tokens + [">", "</td>"]


def structure_tokens(table: Table) -> list[str]:
    """PubTabNet structure tokens of the table (no `<html>`/`<table>` wrapper, as in PubTabNet's files)."""
    table.validate()
    head = thead_rows(table)
    tokens: list[str] = []
    for r, row in enumerate(_rows(table)):
        if r == 0 and head:
            tokens.append("<thead>")
        if r == head:
            tokens.append("<tbody>")
        tokens.append("<tr>")
        for cell in row:
            tokens += _td_tokens(cell)
        tokens.append("</tr>")
        if r == head - 1:
            tokens.append("</thead>")
    tokens.append("</tbody>")
    return tokens


BOX_FORMATS = ("xyxy", "xyxyxyxy")  # TableBoxEncode's in_box_format: SLANet (PubTabNet) / SLANet_ch (4 corners)


def cell_entries(
    table: Table, offset: tuple[float, float] = (0.0, 0.0), box_format: str = "xyxy"
) -> list[dict[str, Any]]:
    """The `cells` list: one per `<td>` in order; `bbox` (integers, shifted by -offset) only on non-empty cells:
    [x0, y0, x1, y1] for "xyxy", the four corners clockwise from top-left flattened for "xyxyxyxy"."""
    if box_format not in BOX_FORMATS:
        raise ValueError(f"box format must be one of {BOX_FORMATS}, got {box_format!r}")
    out: list[dict[str, Any]] = []
    dx, dy = offset
    for cell in table.ordered_cells():
        entry: dict[str, Any] = {"tokens": list(cell.text)}
        if cell.text:
            x0, y0, x1, y1 = (round(v) for v in _shift(table.cell_box(cell), dx, dy))
            entry["bbox"] = [x0, y0, x1, y1] if box_format == "xyxy" else [x0, y0, x1, y0, x1, y1, x0, y1]
        out.append(entry)
    return out


def _shift(box: tuple[float, float, float, float], dx: float, dy: float) -> tuple[float, ...]:
    return (box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy)


def paddle_label(
    filename: str, table: Table, offset: tuple[float, float] = (0.0, 0.0), box_format: str = "xyxy"
) -> dict[str, Any]:
    """One line of PaddleOCR's table label file (PubTabDataSet)."""
    return {
        "filename": filename,
        "html": {"structure": {"tokens": structure_tokens(table)}, "cells": cell_entries(table, offset, box_format)},
    }


def table_html(table: Table, title: str = "") -> str:
    """A standalone HTML page of the table (texts escaped; `<th>` in the header rows)."""
    head = thead_rows(table)
    parts = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">']
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    parts.append("<style>table{border-collapse:collapse}td,th{border:1px solid #888;padding:2px 6px}</style>")
    parts.append("</head><body><table>")
    for r, row in enumerate(_rows(table)):
        if r == 0 and head:
            parts.append("<thead>")
        if r == head:
            parts.append("<tbody>")
        tag = "th" if r < head else "td"
        cells = "".join(f"<{tag}{_span_attrs(c)}>{html.escape(c.text)}</{tag}>" for c in row)
        parts.append(f"<tr>{cells}</tr>")
        if r == head - 1:
            parts.append("</thead>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts) + "\n"


def _span_attrs(cell: Cell) -> str:
    attrs = f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
    return attrs + (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")


def xlsx_bytes(tables: Sequence[Table], sheet_names: Sequence[str] | None = None) -> bytes:
    """An .xlsx workbook, one sheet per table, spans as merged ranges, header cells bold.

    Needs openpyxl (the `tables` extra); raises MissingExtraError naming it and the pip command otherwise.
    """
    require_extra(TABLES_EXTRA)
    from openpyxl import Workbook  # the optional `tables` extra, imported only here
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for i, table in enumerate(tables):
        name = sheet_names[i] if sheet_names else f"table {i + 1}"
        sheet = book.create_sheet(_sheet_title(name, i))
        for cell in table.ordered_cells():
            target = sheet.cell(row=cell.row + 1, column=cell.col + 1, value=cell.text or None)
            if cell.header:
                target.font = Font(bold=True)
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=cell.row + 1,
                    start_column=cell.col + 1,
                    end_row=cell.last_row + 1,
                    end_column=cell.last_col + 1,
                )
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_title(name: str, index: int) -> str:
    # Excel refuses []:*?/\ in sheet titles and more than 31 characters.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip() or f"table {index + 1}"
    return clean[:31]
