"""Rendered tables for the table tests and benchmarks/tables.py: an image, its true Table, its text regions.

Cells are drawn with OpenCV (Hershey font: no font files): ruled tables get every cell's rectangle, so a
span has no line inside it; unruled ones get text only. Texts are short words and numbers, a spanning cell's
text is longer (about 60% of its width), header rows are shaded grey, empty cells have no text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cv2
import numpy as np

from labeler.core.model import TextRegion
from labeler.core.table import Cell, Table, grid_table

FONT = cv2.FONT_HERSHEY_SIMPLEX
WORDS = ["Name", "Qty", "Price", "Total", "North", "South", "2024", "Q1", "Q2", "n/a", "Item", "Cost", "Rate"]
MARGIN = 30


@dataclass
class TableSpec:
    n_rows: int
    n_cols: int
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row, col, rowspan, colspan)
    header_rows: int = 1
    empty: set[tuple[int, int]] = field(default_factory=set)
    ruled: bool = True
    col_width: int = 110
    row_height: int = 40
    seed: int = 0


def spec_table(spec: TableSpec) -> Table:
    """The true table of a spec (image pixels, cell texts filled in as they are drawn)."""
    rows = [MARGIN + r * spec.row_height for r in range(spec.n_rows + 1)]
    cols = [MARGIN + c * spec.col_width for c in range(spec.n_cols + 1)]
    table = grid_table(rows, cols)
    covered = set()
    cells = []
    for r, c, rs, cs in spec.spans:
        cells.append(Cell(r, c, rs, cs))
        covered |= {(rr, cc) for rr in range(r, r + rs) for cc in range(c, c + cs)}
    cells += [Cell(r, c) for r in range(spec.n_rows) for c in range(spec.n_cols) if (r, c) not in covered]
    for cell in cells:
        cell.header = cell.row < spec.header_rows
    table.cells = cells
    table.validate()
    return table


def render_table(spec: TableSpec) -> tuple[np.ndarray, Table, list[TextRegion]]:
    rng = random.Random(spec.seed)
    table = spec_table(spec)
    width, height = int(table.cols[-1]) + MARGIN, int(table.rows[-1]) + MARGIN
    img = np.full((height, width, 3), 255, np.uint8)
    regions = []
    for cell in table.ordered_cells():
        x0, y0, x1, y1 = (int(v) for v in table.cell_box(cell))
        if cell.header:
            cv2.rectangle(img, (x0, y0), (x1, y1), (225, 225, 225), -1)
        if spec.ruled:
            cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2)
        if (cell.row, cell.col) in spec.empty:
            continue
        text = _text(rng, cell, x1 - x0)
        (tw, th), base = cv2.getTextSize(text, FONT, 0.5, 1)
        tx = x0 + 8 if cell.colspan == 1 else (x0 + x1 - tw) // 2
        ty = (y0 + y1 + th) // 2
        cv2.putText(img, text, (tx, ty), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        cell.text = text
        box = [(tx - 1, ty - th - 1), (tx + tw + 1, ty - th - 1), (tx + tw + 1, ty + base), (tx - 1, ty + base)]
        regions.append(TextRegion([(float(x), float(y)) for x, y in box], text))
    return img, table, regions


def _text(rng: random.Random, cell: Cell, width: int) -> str:
    if cell.colspan == 1:
        return rng.choice(WORDS) if rng.random() < 0.5 else f"{rng.randint(1, 9999)}"
    words: list[str] = []
    while cv2.getTextSize(" ".join(words), FONT, 0.5, 1)[0][0] < 0.6 * width:
        words.append(rng.choice(WORDS))
    while cv2.getTextSize(" ".join(words), FONT, 0.5, 1)[0][0] > 0.8 * width:
        words.pop()
    return " ".join(words)


def sample_specs(n: int, seed: int = 0) -> list[TableSpec]:
    """A mix: ruled with row and column spans (one 12-column span), unruled with column spans; empty cells."""
    rng = random.Random(seed)
    specs = [
        TableSpec(5, 14, spans=[(0, 1, 1, 12), (2, 0, 3, 1)], empty={(1, 3), (4, 7)}, seed=seed),
        TableSpec(4, 13, spans=[(0, 0, 1, 12)], ruled=False, empty={(2, 2)}, seed=seed + 1),
    ]
    while len(specs) < n:
        ruled = len(specs) % 2 == 0
        n_rows, n_cols = rng.randint(3, 9), rng.randint(2, 7)
        spans = []
        if n_cols >= 3 and rng.random() < 0.7:
            spans.append((0, 1, 1, rng.randint(2, n_cols - 1)))
        if ruled and n_rows >= 4 and rng.random() < 0.6:
            spans.append((1, 0, rng.randint(2, n_rows - 1), 1))
        empty = {(rng.randint(1, n_rows - 1), rng.randint(1, n_cols - 1)) for _ in range(rng.randint(0, 2))}
        empty = {e for e in empty if not any(r <= e[0] < r + rs and c <= e[1] < c + cs for r, c, rs, cs in spans)}
        specs.append(TableSpec(n_rows, n_cols, spans, rng.randint(0, 1), empty, ruled, seed=seed + len(specs)))
    return specs[:n]


def skewed(img: np.ndarray, regions: list[TextRegion], degrees: float) -> tuple[np.ndarray, list[TextRegion]]:
    """The page turned by `degrees` about its centre (white fill), the regions turned with it."""
    h, w = img.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(img, turn, (w, h), borderValue=(255, 255, 255))
    moved = [
        TextRegion([(float(turn[0] @ (x, y, 1.0)), float(turn[1] @ (x, y, 1.0))) for x, y in r.points], r.transcription)
        for r in regions
    ]
    return out, moved
