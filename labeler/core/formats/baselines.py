"""Baselines for PAGE and ALTO text lines: computed from a region's polygon on export, and the reverse
(a polygon around a baseline) on import when a line has a baseline but no usable Coords.

HTR tools (kraken, eScriptorium, Transkribus) read a line by its baseline: kraken's default XMLPage mode
drops every line without one. Labeler's regions have only a polygon, so the baseline is derived:

* Direction: the sides of the polygon's minimum-area rectangle. A line is *vertical* when that rectangle
  is elongated (long side >= VERTICAL_RATIO x short side) and its long side is nearer to the y axis than
  to the x axis (e.g. an upright box whose height > 1.5 x its width). Otherwise it is *horizontal* and
  its text runs along the rectangle side nearer to the x axis, read left to right (so a quad rotated by
  up to 45 degrees keeps its long side as the text direction; a near-square one uses its flatter side).
* Horizontal line: the polygon's bottom edge, left to right. For a 4-point quad that is the quad's own
  side (of the two sides that run along the text) lying lower across the text direction, so a
  perspective quad keeps its own slant; for a curved polygon (PaddleOCR's top-chain then bottom-chain
  convention, crop.split_curved_polygon) the whole bottom chain, so the baseline follows the curve; for
  any other polygon the bottom side of its minimum-area rectangle.
* Vertical line (CJK columns, say): PAGE and ALTO do not say where a vertical baseline lies, and kraken
  treats a top-to-bottom baseline as the line's centre line; we write the centre line along the long
  axis, from the midpoint of the top short side to that of the bottom one (top to bottom).

Import (polygon_around_baseline): a horizontal-looking baseline (|dx| >= |dy| between its ends) is the
bottom of the line: the polygon is the baseline and the baseline moved up by the line height, at right
angles to its overall direction. A vertical-looking one is a centre line: the polygon reaches half the
line height to either side. The line height is the median height of the page's lines that have their
own Coords (measured across their text direction); on a page with none, 1/40 of the page height (about
what a page of 40 lines has), at least MIN_LINE_HEIGHT pixels; DEFAULT_LINE_HEIGHT when the page size is
unknown too.

A baseline read from a file that differs from the computed one by more than BASELINE_TOLERANCE px (a
hand-drawn one from Transkribus or eScriptorium) is kept in the region's extra[BASELINE_KEY] and written
back by export_baseline as long as it still lies near the polygon (within its box grown by one line
height); once the region was moved or reshaped it is stale and the computed one is written instead.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from labeler.core.crop import split_curved_polygon
from labeler.core.model import Point, TextRegion

VERTICAL_RATIO = 1.5  # long/short side of the min-area rectangle above which an upright line is vertical
LINES_PER_PAGE = 40  # a page with no line height to copy: its height / this
MIN_LINE_HEIGHT = 8.0
DEFAULT_LINE_HEIGHT = 32.0
BASELINE_TOLERANCE = 1.5  # pixels: a read baseline this close to the computed one is labeler's own, not kept
BASELINE_KEY = "baseline"  # TextRegion.extra key of a foreign baseline read from PAGE, kept for the next export


def _rect_sides(points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The min-area rectangle's corners and its two side vectors (corner 0->1 and 1->2)."""
    box = cv2.boxPoints(cv2.minAreaRect(np.asarray(points, dtype=np.float32).reshape(-1, 1, 2)))
    box = box.astype(np.float64)
    return box, box[1] - box[0], box[2] - box[1]


def text_direction(points: Sequence[Point]) -> tuple[np.ndarray, bool]:
    """(unit vector along the text, vertical?): left to right for horizontal lines, top to bottom for vertical."""
    _box, a, b = _rect_sides(points)
    long_side, short_side = (a, b) if np.linalg.norm(a) >= np.linalg.norm(b) else (b, a)
    long_len, short_len = float(np.linalg.norm(long_side)), float(np.linalg.norm(short_side))
    if long_len == 0:
        return np.array([1.0, 0.0]), False  # a point: any direction will do
    vertical = long_len >= VERTICAL_RATIO * short_len and abs(long_side[1]) > abs(long_side[0])
    if vertical:
        d = long_side if long_side[1] > 0 else -long_side
    else:
        d = a if abs(a[0]) >= abs(b[0]) else b
        d = d if d[0] > 0 or (d[0] == 0 and d[1] > 0) else -d
    return d / np.linalg.norm(d), vertical


def _normal(d: np.ndarray) -> np.ndarray:
    # Right of the reading direction: "down" for left-to-right text in image coordinates (y down).
    return np.array([-d[1], d[0]])


def _edges_along(quad: np.ndarray, d: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The quad's sides as point pairs: (the two running along d, the two across it)."""
    sides = [quad[[i, (i + 1) % 4]] for i in range(4)]

    def across(pair: list[np.ndarray]) -> float:
        total = 0.0
        for s in pair:
            v = s[1] - s[0]
            n = float(np.linalg.norm(v))
            total += abs(float(v[0] * d[1] - v[1] * d[0])) / n if n else 1.0
        return total

    first, second = [sides[0], sides[2]], [sides[1], sides[3]]
    return (first, second) if across(first) <= across(second) else (second, first)


def _outline(points: Sequence[Point], d: np.ndarray) -> np.ndarray:
    """A 4-point outline to take the baseline from: the quad itself, else the min-area rectangle."""
    if len(points) == 4:
        quad = np.asarray(points, dtype=np.float64)
        if abs(cv2.contourArea(quad.astype(np.float32))) > 0:
            return quad
    return _rect_sides(points)[0]


def baseline_of(points: Sequence[Point]) -> list[Point]:
    """The baseline of a text region's polygon (see the module docstring), 2 or more points."""
    d, vertical = text_direction(points)
    n = _normal(d)
    if not vertical and len(points) > 4:
        chains = split_curved_polygon(np.asarray(points, dtype=np.float32))
        if chains is not None and float((chains[0][-1] - chains[0][0]) @ d) > 0:
            return [(float(x), float(y)) for x, y in chains[1].astype(np.float64)]
    along, across = _edges_along(_outline(points, d), d)
    if vertical:
        ends = sorted((s.mean(axis=0) for s in across), key=lambda p: float(p @ d))
        return [(float(p[0]), float(p[1])) for p in ends]
    bottom = max(along, key=lambda s: float(s.mean(axis=0) @ n))
    ordered = sorted(bottom, key=lambda p: float(p @ d))
    return [(float(p[0]), float(p[1])) for p in ordered]


def line_height(points: Sequence[Point]) -> float:
    """The polygon's extent across its text direction (a vertical line's width)."""
    d, _vertical = text_direction(points)
    proj = np.asarray(points, dtype=np.float64) @ _normal(d)
    return float(proj.max() - proj.min())


def page_line_height(polygons: Sequence[Sequence[Point]], page_height: int | None) -> float:
    """The height to give a line known only by its baseline (module docstring)."""
    heights = [h for h in (line_height(p) for p in polygons if len(p) >= 3) if h > 0]
    if heights:
        return float(statistics.median(heights))
    if page_height:
        return max(MIN_LINE_HEIGHT, page_height / LINES_PER_PAGE)
    return DEFAULT_LINE_HEIGHT


def polygon_around_baseline(baseline: Sequence[Point], height: float) -> list[Point]:
    """A polygon for a line given by its baseline only (module docstring); coordinates clamped to >= 0."""
    pts = np.asarray(baseline, dtype=np.float64)
    v = pts[-1] - pts[0]
    length = float(np.linalg.norm(v))
    d = v / length if length else np.array([1.0, 0.0])
    n = _normal(d)
    if abs(v[1]) > abs(v[0]):  # a centre line: half the height to either side
        lower, upper = pts + n * height / 2, pts - n * height / 2
    else:  # the bottom of the line: the top lies `height` above it
        lower, upper = pts, pts - n * height
    ring = [*lower, *upper[::-1]]
    return [(_clean(max(0.0, float(x))), _clean(max(0.0, float(y)))) for x, y in ring]


def _clean(v: float) -> float | int:
    # Keep integral results integral, and snap float noise (19.999999999999996) to the nearest 1e-6.
    r = round(v, 6)
    return int(r) if math.isclose(r, round(r)) and float(round(r)) == r else r


def export_baseline(region: TextRegion) -> list[Point]:
    """The baseline to write: one read from a foreign file while it still fits the polygon, else computed."""
    kept = region.extra.get(BASELINE_KEY)
    if kept is not None and _fits(kept, region.points):
        return [(float(x), float(y)) for x, y in kept]
    return baseline_of(region.points)


def _fits(baseline: object, points: list[Point]) -> bool:
    """A kept baseline is used only while every point lies within the polygon's box grown by its line
    height: after the region was moved or reshaped in labeler it would be stale."""
    if not isinstance(baseline, list) or len(baseline) < 2:
        return False
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p) for p in baseline):
        return False
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    margin = line_height(points)
    return all(x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin for x, y in baseline)
