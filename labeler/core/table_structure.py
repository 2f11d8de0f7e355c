"""Propose a table's structure from its image (numpy + OpenCV only, no model): a Table for the user to fix.

Ruled tables: the crop is binarised (adaptive threshold, ink = 1); horizontal and vertical ruling lines are what
survives an opening with long thin kernels (longer than a glyph: the kernel is 1.2 x the median glyph height
for vertical lines, 2.5 x for horizontal ones, glyphs measured as the small connected components). Line
positions are the peaks of the masks' projections; every cell boundary between two slots is then checked
along its length on the binarised image: a boundary less than 60% inked is a missing ruling line, and the two
slots belong to one spanning cell (union-find; a group that is not a rectangle is left as single cells).

Unruled tables (fewer than two lines found either way): text boxes (the given regions, else the ink dilated
into words) are clustered into rows by their y centres, and columns are the x ranges that fewer than a quarter
of the rows cover (a gap most rows leave free); a box over several columns becomes a colspan.

Header rows: the top rows whose paper (the non-ink pixels) is clearly darker than the body's (a shaded
header); bold or unshaded headers are left for the user. Cells are then filled with the texts of the regions whose centres fall in them (table_fill.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from labeler.core.model import TextRegion
from labeler.core.table import Cell, Table, grid_table
from labeler.core.table_fill import fill_from_regions
from labeler.core.table_ops import set_header_rows

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
MIN_INK = 0.6  # share of a boundary that must be inked to count as a ruling line
HEADER_SHADE = 12.0  # grey levels a header row's paper is darker than the body's
MIN_SKEW, MAX_SKEW = 0.15, 5.0  # degrees: below, the crop is used as it is; above, no line counts as horizontal


@dataclass(frozen=True)
class Structure:
    table: Table
    ruled: bool


def find_table(
    image: np.ndarray, box: Box | None = None, regions: Sequence[TextRegion] = (), ruled: bool | None = None
) -> Structure:
    """The structure of the table inside `box` (image pixels; None: the whole image), cells filled from `regions`.

    ruled: True / False forces the method; None tries the ruling lines first, then alignment.
    """
    height, width = image.shape[:2]
    x0, y0, x1, y1 = _clip(box, width, height)
    crop = image[y0:y1, x0:x1]
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    ink = _binarise(gray)
    glyph = _glyph_height(ink)
    inside = [_shifted(r, -x0, -y0) for r in regions if _centre_in(r, (x0, y0, x1, y1))]
    angle = _skew_degrees(ink, glyph, inside)
    turn = None
    if abs(angle) >= MIN_SKEW:  # level the crop (and the regions with it), find the grid there
        turn = cv2.getRotationMatrix2D((gray.shape[1] / 2, gray.shape[0] / 2), angle, 1.0)
        paper = int(np.median(gray))
        gray = cv2.warpAffine(gray, turn, gray.shape[::-1], flags=cv2.INTER_LINEAR, borderValue=paper)
        ink = _binarise(gray)
        inside = [_turned(r, turn) for r in inside]
    table = _ruled(ink, glyph) if ruled is not False else None
    found_ruled = table is not None
    if table is None:
        table = _unruled(ink, glyph, inside) if ruled is not True else grid_table([0, y1 - y0], [0, x1 - x0])
    table = fill_from_regions(_shaded_header(gray, ink, table), inside)
    if turn is not None:  # the grid stays axis-aligned (lines as at the centre); the outline turns back
        back = cv2.invertAffineTransform(turn)
        table.outline = [_apply(back, p) for p in table.outline]
    return Structure(_moved(table, x0, y0), found_ruled)


def _skew_degrees(ink: np.ndarray, glyph: float, regions: Sequence[TextRegion]) -> float:
    """The rotation (degrees) that levels the table: fitted to the long horizontal ruling lines, else to the
    text regions' top edges; the length-weighted median, 0 when there is nothing long enough to measure."""
    h, w = ink.shape
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(2.5 * glyph) + 2, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    angles, weights = [], []
    for i in range(1, n):
        x, y, cw, ch = (int(v) for v in stats[i, :4])
        if cw < w / 3:
            continue
        ys, xs = np.nonzero(labels[y : y + ch, x : x + cw] == i)
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(float(np.degrees(np.arctan(slope))))
        weights.append(float(cw))
    if not angles:
        for region in regions:
            (ax, ay), (bx, by) = region.points[0], region.points[1]
            if len(region.points) == 4 and bx - ax > 3 * glyph:
                angles.append(float(np.degrees(np.arctan2(by - ay, bx - ax))))
                weights.append(bx - ax)
    kept = [(a, wt) for a, wt in zip(angles, weights) if abs(a) <= MAX_SKEW]
    if not kept:
        return 0.0
    kept.sort()
    half, total = sum(wt for _, wt in kept) / 2, 0.0
    for angle, wt in kept:
        total += wt
        if total >= half:
            return angle
    return 0.0


def _apply(matrix: np.ndarray, point: tuple[float, float]) -> tuple[float, float]:
    x, y = point
    return (
        float(matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]),
        float(matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]),
    )


def _turned(region: TextRegion, matrix: np.ndarray) -> TextRegion:
    return TextRegion([_apply(matrix, p) for p in region.points], region.transcription, region.difficult)


def _shaded_header(gray: np.ndarray, ink: np.ndarray, table: Table) -> Table:
    """Top rows whose paper is clearly darker than the body's (a shaded header) become header rows."""
    if table.n_rows < 2:
        return table
    paper = []
    for r in range(table.n_rows):
        band_g = gray[int(table.rows[r]) + 3 : max(int(table.rows[r]) + 4, int(table.rows[r + 1]) - 2)]
        band_i = ink[int(table.rows[r]) + 3 : max(int(table.rows[r]) + 4, int(table.rows[r + 1]) - 2)]
        values = band_g[band_i == 0]
        paper.append(float(np.median(values)) if values.size else 255.0)
    body = float(np.median(paper))
    n = 0
    while n < table.n_rows - 1 and paper[n] < body - HEADER_SHADE:
        n += 1
    return set_header_rows(table, n) if n else table


# ------------------------------------------------------------------ image helpers


def _clip(box: Box | None, width: int, height: int) -> tuple[int, int, int, int]:
    if box is None:
        return 0, 0, width, height
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(round(box[2]))), min(height, int(round(box[3])))
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ValueError(f"the table box {box} has no pixels inside the {width}x{height} image")
    return x0, y0, x1, y1


def _binarise(gray: np.ndarray) -> np.ndarray:
    """Ink = darker than its neighbourhood and dark overall (a light shaded header's edges are no ruling line)."""
    block = max(15, (min(gray.shape) // 20) | 1)
    local = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10)
    otsu, _ = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return local & (gray < min(otsu + 20, 200)).astype(np.uint8)


def _glyph_height(ink: np.ndarray) -> float:
    """Median height of the small connected components (glyphs); lines and grids are left out by size."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    heights = [
        stats[i, cv2.CC_STAT_HEIGHT]
        for i in range(1, n)
        if 3 <= stats[i, cv2.CC_STAT_HEIGHT] < h / 3 and stats[i, cv2.CC_STAT_WIDTH] < w / 3
    ]
    return float(np.median(heights)) if heights else 12.0


def _peaks(profile: np.ndarray, minimum: float) -> list[float]:
    """Centres of the runs where profile >= minimum (one per ruling line, however thick)."""
    on = profile >= minimum
    out, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start + i - 1) / 2)
            start = None
    if start is not None:
        out.append((start + len(on) - 1) / 2)
    return out


# ------------------------------------------------------------------ ruled


def _ruled(ink: np.ndarray, glyph: float) -> Table | None:
    h, w = ink.shape
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(2.5 * glyph) + 2, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(1.2 * glyph) + 2)))
    ys = _peaks(horiz.sum(axis=1), max(2.5 * glyph, 0.05 * w))
    xs = _peaks(vert.sum(axis=0), max(1.2 * glyph, 0.05 * h))
    if len(ys) < 2 or len(xs) < 2 or len(ys) + len(xs) < 5:
        return None  # no grid, or only a frame around the table: its rows and columns are not ruled
    table = grid_table(ys, xs)
    groups = _span_groups(ink, ys, xs)
    return _with_spans(table, groups)


def _inked(ink: np.ndarray, fixed: float, lo: float, hi: float, vertical: bool) -> bool:
    """Whether the boundary at `fixed` from lo to hi (ends trimmed off) is mostly ink, within +-2 px."""
    a, b = int(lo) + 4, int(hi) - 3
    if b <= a:
        return True
    c = int(round(fixed))
    band = ink[a:b, max(0, c - 2) : c + 3] if vertical else ink[max(0, c - 2) : c + 3, a:b]
    hit = band.max(axis=1) if vertical else band.max(axis=0)
    return float(hit.mean()) >= MIN_INK


def _span_groups(ink: np.ndarray, ys: list[float], xs: list[float]) -> list[list[int]]:
    """Union-find over the slots: two neighbours join when no ruling line separates them."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _inked(ink, xs[c + 1], ys[r], ys[r + 1], vertical=True):
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not _inked(ink, ys[r + 1], xs[c], xs[c + 1], vertical=False):
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    groups: dict[int, list[int]] = {}
    for i in range(n_rows * n_cols):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _with_spans(table: Table, groups: list[list[int]]) -> Table:
    n_cols = table.n_cols
    cells = []
    for group in groups:
        rows = [i // n_cols for i in group]
        cols = [i % n_cols for i in group]
        r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
        if len(group) == (r1 - r0 + 1) * (c1 - c0 + 1):
            cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1))
        else:  # not a rectangle (a broken line, noise): single cells, for the user to merge
            cells += [Cell(r, c) for r, c in zip(rows, cols)]
    new = Table(table.outline, table.rows, table.cols, cells)
    new.validate()
    return new


# ------------------------------------------------------------------ unruled


def _word_boxes(ink: np.ndarray, glyph: float) -> list[Box]:
    """Ink dilated sideways by about a space into words; their boxes (tiny specks dropped)."""
    grow = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(0.8 * glyph)), 1)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(grow, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, w, h = (float(v) for v in stats[i, :4])
        if h >= 0.4 * glyph:
            boxes.append((x, y, x + w, y + h))
    return boxes


def _region_box(region: TextRegion) -> Box:
    xs, ys = [p[0] for p in region.points], [p[1] for p in region.points]
    return min(xs), min(ys), max(xs), max(ys)


def _unruled(ink: np.ndarray, glyph: float, regions: Sequence[TextRegion]) -> Table:
    h, w = ink.shape
    boxes = [_region_box(r) for r in regions if not r.is_dont_care] or _word_boxes(ink, glyph)
    if not boxes:
        return grid_table([0, h], [0, w])
    rows = _rows(boxes)
    ys = [max(0.0, min(b[1] for b in rows[0]) - 2)]
    for upper, lower in zip(rows, rows[1:]):
        ys.append((max(b[3] for b in upper) + min(b[1] for b in lower)) / 2)
    ys.append(min(float(h), max(b[3] for b in rows[-1]) + 2))
    xs = _columns(rows, w)
    placed: dict[tuple[int, int], tuple[Cell, Box]] = {}
    for r, row in enumerate(rows):
        taken: set[int] = set()
        for box in sorted(row):
            cols = [c for c in range(len(xs) - 1) if _overlap(box, xs[c], xs[c + 1]) > _needed(box, xs[c], xs[c + 1])]
            if not cols or taken & set(cols):
                continue  # words of a cell already placed: its text comes from the regions anyway
            taken.update(range(cols[0], cols[-1] + 1))
            placed[(r, cols[0])] = (Cell(r, cols[0], 1, cols[-1] - cols[0] + 1), box)
    _centre_spans(placed, len(xs) - 1)
    cells = [cell for cell, _box in placed.values()]
    covered = {slot for cell in cells for slot in cell.slots()}
    cells += [Cell(r, c) for r in range(len(rows)) for c in range(len(xs) - 1) if (r, c) not in covered]
    table = Table(grid_table(ys, xs).outline, ys, xs, cells)
    table.validate()
    return table


def _centre_spans(placed: dict[tuple[int, int], tuple[Cell, Box]], n_cols: int) -> None:
    """A title over several columns is centred and may not reach its outer columns' text: a multi-column cell
    takes the run of columns (over empty slots of its row) whose texts' extent is centred best under it."""
    extent: dict[int, tuple[float, float]] = {}
    for cell, box in placed.values():
        if cell.colspan == 1:
            lo, hi = extent.get(cell.col, (box[0], box[2]))
            extent[cell.col] = (min(lo, box[0]), max(hi, box[2]))
    for cell, box in list(placed.values()):
        if cell.colspan < 2:
            continue
        used = {
            c
            for other, _ in placed.values()
            if other.row == cell.row and other is not cell
            for c in range(other.col, other.last_col + 1)
        }
        first = cell.col
        while first - 1 >= 0 and first - 1 not in used:
            first -= 1
        last = cell.last_col
        while last + 1 < n_cols and last + 1 not in used:
            last += 1
        centre = (box[0] + box[2]) / 2
        best = (cell.col, cell.last_col)
        best_off = _offset(extent, best, centre)
        for a in range(first, cell.col + 1):
            for b in range(cell.last_col, last + 1):
                off = _offset(extent, (a, b), centre)
                if off < best_off - 1e-6:
                    best, best_off = (a, b), off
        del placed[(cell.row, cell.col)]
        cell.col, cell.colspan = best[0], best[1] - best[0] + 1
        placed[(cell.row, cell.col)] = (cell, box)


def _offset(extent: dict[int, tuple[float, float]], cols: tuple[int, int], centre: float) -> float:
    if cols[0] not in extent or cols[1] not in extent:
        return float("inf")
    return abs((extent[cols[0]][0] + extent[cols[1]][1]) / 2 - centre)


def _overlap(box: Box, lo: float, hi: float) -> float:
    return min(box[2], hi) - max(box[0], lo)


def _needed(box: Box, lo: float, hi: float) -> float:
    """How far a box must reach into a column to be in it: a quarter of the column (or half the box, if smaller)."""
    return min(0.25 * (hi - lo), 0.5 * (box[2] - box[0]))


def _rows(boxes: list[Box]) -> list[list[Box]]:
    heights = sorted(b[3] - b[1] for b in boxes)
    tolerance = 0.5 * heights[len(heights) // 2]
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        cy = (box[1] + box[3]) / 2
        if rows and cy - np.mean([(b[1] + b[3]) / 2 for b in rows[-1]]) <= tolerance:
            rows[-1].append(box)
        else:
            rows.append([box])
    return rows


def _columns(rows: list[list[Box]], width: int) -> list[float]:
    """Column lines: the middles of the x gaps that fewer than a quarter of the rows cover."""
    cover = np.zeros(width + 1, np.int32)
    for row in rows:
        hit = np.zeros(width + 1, bool)
        for b in row:
            hit[max(0, int(b[0])) : min(width, int(np.ceil(b[2]))) + 1] = True
        cover += hit
    free = cover <= (max(1, len(rows) // 4) if len(rows) >= 3 else 0)  # a spanning title may cross a gap
    left = float(max(0, min(b[0] for row in rows for b in row) - 2))
    right = float(min(width, max(b[2] for row in rows for b in row) + 2))
    lines, start, inked = [left], None, False
    for x in range(int(left) + 1, int(right)):
        inked = inked or not free[x]
        if free[x] and start is None and inked:  # the margin before the first text is no column gap
            start = x
        elif not free[x] and start is not None:
            lines.append((start + x - 1) / 2)
            start = None
    lines.append(right)
    lines = [v for i, v in enumerate(lines) if i == 0 or v > lines[i - 1]]
    return _drop_split_columns(lines, [b for row in rows for b in row])


def _drop_split_columns(lines: list[float], boxes: list[Box]) -> list[float]:
    """A column no box mostly lies in is the tail of longer texts (few rows reach there): the line the
    texts cross goes, so the column joins its neighbour."""
    changed = True
    while changed and len(lines) > 2:
        changed = False
        for c in range(len(lines) - 1):
            lo, hi = lines[c], lines[c + 1]
            if any(min(b[2], hi) - max(b[0], lo) > (b[2] - b[0]) / 2 for b in boxes):
                continue
            crossed = [i for i in (c, c + 1) if 0 < i < len(lines) - 1 and any(b[0] < lines[i] < b[2] for b in boxes)]
            if crossed:
                del lines[crossed[0]]
                changed = True
                break
    return lines


# ------------------------------------------------------------------ coordinates


def _centre_in(region: TextRegion, box: tuple[int, int, int, int]) -> bool:
    x0, y0, x1, y1 = _region_box(region)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return box[0] <= cx < box[2] and box[1] <= cy < box[3]


def _shifted(region: TextRegion, dx: float, dy: float) -> TextRegion:
    return TextRegion([(x + dx, y + dy) for x, y in region.points], region.transcription, region.difficult)


def _moved(table: Table, dx: float, dy: float) -> Table:
    rows = [y + dy for y in table.rows]
    cols = [x + dx for x in table.cols]
    outline = [(x + dx, y + dy) for x, y in table.outline]
    return Table(outline, rows, cols, table.cells, dict(table.extra))
