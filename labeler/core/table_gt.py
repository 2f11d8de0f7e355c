"""Read PPOCRLabel's table `gt.txt` (and PaddleOCR / PubTabNet table label files): JSON lines of
`{"filename", "html": {"structure": {"tokens": [...]}, "cells": [{"tokens": [...], "bbox": ...}]}}`.

The structure tokens are parsed into a grid with a small state machine (never eval, never an HTML parser
that would guess): spans are read whole (` colspan="12"`, PaddleOCR#11404), `<thead>` rows become header
cells. Cells pair with `<td>`s in order; a missing cell entry is an empty cell, a `bbox` may be [x0, y0, x1, y1]
or PPOCRLabel's 4-point polygon. A bad line is a LabelFormatError naming file and line; the others load.
An empty gt.txt (PFCCLab#52) reads as no tables, with no error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from labeler.core.errors import FileError, LabelFormatError
from labeler.core.model import ImageRecord
from labeler.core.table import Cell, Point, Table, TableError

_SPAN = re.compile(r'^\s*(colspan|rowspan)\s*=\s*"?\s*(\d+)\s*"?\s*$')
_OPEN = frozenset({"<td>", "<td", "<td></td>", "<th>", "<th", "<th></th>"})  # <th>: HTML from elsewhere
_SKIP = frozenset({"<html>", "</html>", "<body>", "</body>", "<table>", "</table>", "<tbody>", "</tbody>", "</thead>"})


@dataclass
class GtTable:
    """One line of a gt.txt: the image's file name (relative, '/'-separated) and its table."""

    filename: str
    table: Table
    line: int


@dataclass
class GtFile:
    tables: list[GtTable] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def read_gt_file(path: str | Path) -> GtFile:
    """Every table of a gt.txt; bad lines become errors (file and line), the rest load."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(path, f"cannot read the table labels: {exc}") from exc
    out = GtFile()
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            out.tables.append(GtTable(*parse_gt_line(raw), number))
        except (TableError, ValueError, TypeError, KeyError) as exc:
            out.errors.append(LabelFormatError(path, _reason(exc), number))
    return out


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing key {exc.args[0]!r}"
    return str(exc)


def parse_gt_line(raw: str) -> tuple[str, Table]:
    """(file name, table) of one gt.txt line; raises ValueError / TableError saying what is wrong."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    filename = data["filename"]
    if not isinstance(filename, str) or not _safe_name(filename):
        raise ValueError(f"file name {filename!r} must be a relative path inside the folder")
    html = data["html"]
    tokens = html["structure"]["tokens"]
    cells = html.get("cells", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ValueError("structure tokens must be a list of strings")
    if not isinstance(cells, list):
        raise ValueError("cells must be a list")
    return filename.replace("\\", "/"), table_from_tokens(tokens, cells)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and not path.is_absolute() and ".." not in path.parts and ":" not in path.parts[0]


def table_from_tokens(tokens: Sequence[str], cells: Sequence[Any] = ()) -> Table:
    """A Table from PubTabNet structure tokens and their cells (grid lines from the boxes where they exist)."""
    placed = _place(tokens)
    if not placed:
        raise TableError("the structure has no cell")
    n_rows = max(c.last_row for c in placed) + 1
    n_cols = max(c.last_col for c in placed) + 1
    if len(cells) > len(placed):
        raise TableError(f"{len(cells)} cells for {len(placed)} <td>s in the structure")
    for cell, entry in zip(placed, cells):
        cell.text, cell.polygon = _cell_content(entry)
    table = Table([], [float(r) for r in range(n_rows + 1)], [float(c) for c in range(n_cols + 1)], placed)
    _fill_gaps(table)
    _lines_from_boxes(table)
    return table


def _place(tokens: Sequence[str]) -> list[Cell]:
    """Cells at their grid slots: each `<td>` takes the next slot of its row not covered by a rowspan above."""
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    row, col, in_head = -1, 0, False
    pending: Cell | None = None
    for token in tokens:
        tok = token.strip()
        if tok == "<thead>":
            in_head = True
        elif tok == "<tbody>" or tok == "</thead>":
            in_head = False
        elif tok == "<tr>":
            row, col = row + 1, 0
        elif tok in _OPEN:
            if row < 0:
                raise TableError("a <td> before any <tr>")
            while (row, col) in taken:
                col += 1
            pending = Cell(row, col, header=in_head or tok.startswith("<th"))
            cells.append(pending)
            if tok not in ("<td", "<th"):  # a whole tag: its slot is taken now, no span can follow
                col = _take(pending, taken)
                pending = None
        elif _SPAN.match(tok):
            match = _SPAN.match(tok)
            assert match is not None
            if pending is None:
                raise TableError(f"{tok!r} outside a <td")
            size = int(match.group(2))
            if size < 1:
                raise TableError(f"{tok!r}: a span must be at least 1")
            if match.group(1) == "colspan":
                pending.colspan = size
            else:
                pending.rowspan = size
        elif tok == ">":
            if pending is None:
                raise TableError("'>' outside a <td")
            col = _take(pending, taken)
        elif tok in ("</td>", "</th>"):
            pending = None
        elif tok in ("</tr>", *_SKIP):
            continue
        else:
            raise TableError(f"unknown structure token {token!r}")
    return cells


def _take(cell: Cell, taken: set[tuple[int, int]]) -> int:
    for slot in cell.slots():
        if slot in taken:
            raise TableError(f"cell ({cell.row}, {cell.col}) overlaps another cell at {slot}")
        taken.add(slot)
    return cell.last_col + 1


def _cell_content(entry: Any) -> tuple[str, list[Point] | None]:
    if not isinstance(entry, dict):
        raise TableError(f"a cell must be an object, got {entry!r}")
    tokens = entry.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise TableError("cell tokens must be a list of strings")
    text = "".join(t for t in tokens if not _is_markup(t))
    bbox = entry.get("bbox")
    return text, None if bbox is None or not text else _box_polygon(bbox)


def _is_markup(token: str) -> bool:
    return len(token) > 2 and token.startswith("<") and token.endswith(">")  # <b>, </i>, <sup>: not text


def _box_polygon(bbox: Any) -> list[Point]:
    flat = isinstance(bbox, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
    if flat and len(bbox) == 4:
        x0, y0, x1, y1 = (float(v) for v in bbox)
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if flat and len(bbox) >= 6 and len(bbox) % 2 == 0:  # SLANet_ch's flattened corners
        return [(float(bbox[i]), float(bbox[i + 1])) for i in range(0, len(bbox), 2)]
    if isinstance(bbox, list) and len(bbox) >= 3 and all(isinstance(p, list) and len(p) == 2 for p in bbox):
        return [(float(p[0]), float(p[1])) for p in bbox]
    raise TableError(f"bad cell bbox {bbox!r}")


def _fill_gaps(table: Table) -> None:
    """Rows shorter than the widest one (ragged HTML) are padded with empty cells, so the grid is whole."""
    covered = {slot for cell in table.cells for slot in cell.slots()}
    for r in range(table.n_rows):
        for c in range(table.n_cols):
            if (r, c) not in covered:
                table.cells.append(Cell(r, c))


def _lines_from_boxes(table: Table) -> None:
    """Grid lines from the cell boxes where there are some (else unit spacing), and the outline around them."""
    boxes = [(cell, table.cell_box(cell)) for cell in table.cells if cell.polygon]
    if boxes:
        table.rows = _edges(table.n_rows, [(c.row, c.last_row + 1, b[1], b[3]) for c, b in boxes])
        table.cols = _edges(table.n_cols, [(c.col, c.last_col + 1, b[0], b[2]) for c, b in boxes])
    x0, y0, x1, y1 = table.cols[0], table.rows[0], table.cols[-1], table.rows[-1]
    table.outline = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    table.validate()


def _edges(n: int, spans: list[tuple[int, int, float, float]]) -> list[float]:
    """n + 1 increasing line positions: the mean of the box edges seen at each line, gaps interpolated."""
    seen: dict[int, list[float]] = {}
    for first, end, lo, hi in spans:
        seen.setdefault(first, []).append(lo)
        seen.setdefault(end, []).append(hi)
    known = {i: sum(v) / len(v) for i, v in seen.items()}
    idx = sorted(known)
    lines: list[float] = []
    for i in range(n + 1):
        if i in known:
            lines.append(known[i])
            continue
        before = [j for j in idx if j < i]
        after = [j for j in idx if j > i]
        if before and after:
            a, b = before[-1], after[0]
            lines.append(known[a] + (known[b] - known[a]) * (i - a) / (b - a))
        else:
            step = _step(known, idx)
            lines.append(
                known[before[-1]] + step * (i - before[-1]) if before else known[after[0]] - step * (after[0] - i)
            )
    for i in range(1, len(lines)):  # boxes that overlap their neighbours must not make a line go back
        if lines[i] <= lines[i - 1]:
            lines[i] = lines[i - 1] + 1.0
    return lines


def _step(known: dict[int, float], idx: list[int]) -> float:
    if len(idx) >= 2:
        return max(1.0, (known[idx[-1]] - known[idx[0]]) / (idx[-1] - idx[0]))
    return 20.0


def match_gt_tables(records: Sequence[ImageRecord], gt: GtFile) -> tuple[dict[str, list[Table]], list[GtTable]]:
    """({record path: its tables, in file order}, lines whose image is not among the records).

    A line names its image by path (ours) or by file name only (PPOCRLabel): the path wins; a file name
    matches when exactly one record has it.
    """
    by_path = {r.path: r.path for r in records}
    by_name: dict[str, list[str]] = {}
    for r in records:
        by_name.setdefault(PurePosixPath(r.path).name, []).append(r.path)
    found: dict[str, list[Table]] = {}
    unmatched = []
    for item in gt.tables:
        path = by_path.get(item.filename)
        if path is None:
            named = by_name.get(PurePosixPath(item.filename).name, [])
            path = named[0] if len(named) == 1 else None
        if path is None:
            unmatched.append(item)
        else:
            found.setdefault(path, []).append(item.table)
    return found, unmatched
