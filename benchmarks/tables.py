"""Pre-labelled table structure on rendered tables: share exactly right, TEDS-struct, ms per table; edit speed.

    python benchmarks/tables.py [--n 200] [--seed 0]

Tables are rendered with OpenCV (tests/unit/table_render.py): ruled ones (every cell's rectangle drawn, so a
span has no line inside) with row and column spans, one with a 12-column span; unruled ones (text only) with
column spans; empty cells and shaded header rows in both. The finder gets the image and the cells' text
regions (what the OCR pipeline would give it) and returns a Table.

Each table is also run as a scan-like copy (blur, grey paper, noise, JPEG 60) and turned by 2 degrees (the
finder levels the crop first). Exactly right: the structure
tokens are equal, <thead> rows included (the finder takes shaded top rows as the header); grid right: equal
without <thead>/<tbody> (rows, columns, spans).
TEDS-struct: 1 - TED / max(nodes), on the tree table -> rows -> cells, cell labels "td" plus its spans, texts
ignored. TED here is the edit distance constrained to map rows to rows and cells to cells (row sequences
aligned by edit distance whose substitution cost is the edit distance of the two rows' cell sequences; an
inserted or deleted row costs 1 + its cells): an upper bound of the unconstrained tree edit distance, equal to
it for these three-level trees whenever no node would map across levels.
Edit speed: each structure edit (table_ops.py) on a 30x20 table, the slowest of 50 runs (target: < 50 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from machine import cpu_model

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeler.core.table import Table, grid_table  # noqa: E402 - after the path is set
from labeler.core.table_format import structure_tokens  # noqa: E402
from labeler.core.table_ops import (  # noqa: E402
    insert_col,
    insert_row,
    merge_cells,
    move_row_line,
    remove_row,
    set_cell_text,
    set_header_rows,
    split_cell,
)
from labeler.core.table_structure import find_table  # noqa: E402
from tests.unit.table_render import render_table, sample_specs, skewed  # noqa: E402

SKEW = 2.0  # degrees the skewed copies are turned by


def body(table: Table) -> list[str]:
    return [t for t in structure_tokens(table) if t not in ("<thead>", "</thead>", "<tbody>", "</tbody>")]


def tree(table: Table) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(table.n_rows)]
    for cell in table.ordered_cells():
        rows[cell.row].append(f"td{cell.rowspan}x{cell.colspan}")
    return rows


def edit_distance(a: list, b: list, sub, cost) -> float:
    prev = [0.0]
    for y in b:
        prev.append(prev[-1] + cost(y))
    for x in a:
        cur = [prev[0] + cost(x)]
        for j, y in enumerate(b):
            cur.append(min(prev[j + 1] + cost(x), cur[j] + cost(y), prev[j] + sub(x, y)))
        prev = cur
    return prev[-1]


def teds_struct(found: Table, truth: Table) -> float:
    a, b = tree(found), tree(truth)
    ted = edit_distance(
        a,
        b,
        lambda r, s: edit_distance(r, s, lambda x, y: float(x != y), lambda _x: 1.0),
        lambda r: 1.0 + len(r),
    )
    nodes = max(1 + len(a) + sum(map(len, a)), 1 + len(b) + sum(map(len, b)))
    return 1.0 - ted / nodes


def degraded(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scan-like copy: blurred, grey paper, sensor noise, JPEG quality 60."""
    out = cv2.GaussianBlur(img, (3, 3), 0.8).astype(np.float32) * 0.85 + 20
    out += rng.normal(0, 8, out.shape)
    _, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 60])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def structure_rows(n: int, seed: int) -> list[tuple[str, int, float, float, float, float, float]]:
    results: dict[str, list[tuple[bool, bool, float, float]]] = {}
    rng = np.random.default_rng(seed)
    for spec in sample_specs(n, seed):
        clean, truth, regions = render_table(spec)
        turned, turned_regions = skewed(clean, regions, SKEW)
        variants = [("", clean, regions), (", scan-like", degraded(clean, rng), regions),
                    (f", skewed {SKEW:g} deg", turned, turned_regions)]  # fmt: skip
        for variant, img, boxes in variants:
            start = time.perf_counter()
            found = find_table(img, None, boxes).table
            ms = 1000 * (time.perf_counter() - start)
            kind = ("ruled" if spec.ruled else "unruled") + variant
            exact = structure_tokens(found) == structure_tokens(truth)
            results.setdefault(kind, []).append((exact, body(found) == body(truth), teds_struct(found, truth), ms))
    rows = []
    everything = [r for got in results.values() for r in got]
    for kind, got in [*sorted(results.items()), ("all", everything)]:
        exact = sum(g[0] for g in got) / len(got)
        grid = sum(g[1] for g in got) / len(got)
        teds = statistics.mean(g[2] for g in got)
        times = [g[3] for g in got]
        rows.append((kind, len(got), exact, grid, teds, statistics.median(times), max(times)))
    return rows


def edit_rows(runs: int = 50) -> list[tuple[str, float]]:
    table = set_header_rows(grid_table([i * 30.0 for i in range(31)], [j * 80.0 for j in range(21)]), 1)
    edits = {
        "merge 3x4 cells": lambda t: merge_cells(t, 5, 5, 7, 8),
        "split a 3x4 span": lambda t: split_cell(merge_cells(t, 5, 5, 7, 8), 6, 6),
        "add a row": lambda t: insert_row(t, 10),
        "add a column": lambda t: insert_col(t, 10),
        "delete a row": lambda t: remove_row(t, 10),
        "move a row line": lambda t: move_row_line(t, 10, 301.0),
        "type into a cell": lambda t: set_cell_text(t, 29, 19, "12.5"),
        "structure tokens": lambda t: structure_tokens(t),
    }
    out = []
    for name, edit in edits.items():
        worst = 0.0
        for _ in range(runs):
            start = time.perf_counter()
            edit(table)
            worst = max(worst, 1000 * (time.perf_counter() - start))
        out.append((name, worst))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="rendered tables (half ruled, half unruled)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}  ({args.n} rendered tables, seed {args.seed})\n")
    print("| tables | n | exactly right | grid right | TEDS-struct | ms/table (median) | ms/table (max) |")
    print("|---|---|---|---|---|---|---|")
    for kind, n, exact, grid, teds, med, worst in structure_rows(args.n, args.seed):
        print(f"| {kind} | {n} | {100 * exact:.1f}% | {100 * grid:.1f}% | {teds:.4f} | {med:.1f} | {worst:.1f} |")
    print("\n| edit on a 30x20 table | slowest of 50 (ms) |")
    print("|---|---|")
    for name, worst in edit_rows():
        print(f"| {name} | {worst:.2f} |")


if __name__ == "__main__":
    main()
