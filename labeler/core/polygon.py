"""Polygon area, intersection, IoU and containment for arbitrary annotation polygons.

Polygons may have any number of points, be non-convex, or cross themselves (sloppy clicks).
Everything goes through pyclipper on integer coordinates, so nothing here raises on bad
geometry: a degenerate polygon simply has area 0. A self-crossing polygon covers the region
the non-zero fill rule gives (a bow-tie "quad" covers its two triangles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyclipper

# Clipper works on integers: 1/1000 px precision keeps coordinates up to ~1e6 px in its fast range.
SCALE = 1000
_AREA_SCALE = float(SCALE) * float(SCALE)

Points = Sequence[Sequence[float]] | np.ndarray


@dataclass(frozen=True)
class PreparedPolygon:
    """A polygon converted once for repeated area / intersection queries."""

    paths: tuple[tuple[tuple[int, int], ...], ...]  # filled region as simple rings (holes reversed), clipper units
    area: float  # in pixels^2
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1 in clipper units; (0, 0, -1, -1) when empty

    @property
    def is_empty(self) -> bool:
        return self.area <= 0.0


_EMPTY = PreparedPolygon(paths=(), area=0.0, bbox=(0, 0, -1, -1))


def _to_clipper_path(points: Points) -> list[tuple[int, int]]:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 3 or arr.shape[1] != 2 or not np.all(np.isfinite(arr)):
        return []
    ints = np.rint(arr * SCALE).astype(np.int64)
    return [(int(x), int(y)) for x, y in ints]


def _paths_area(paths: Sequence[Sequence[tuple[int, int]]]) -> float:
    # Outer rings come back with positive signed area and holes negative, so the sum is the filled area.
    return max(0.0, sum(pyclipper.Area(p) for p in paths) / _AREA_SCALE)


def prepare(points: Points | PreparedPolygon) -> PreparedPolygon:
    """Convert once; returns an empty polygon (area 0) for fewer than 3 points or degenerate shapes."""
    if isinstance(points, PreparedPolygon):
        return points
    path = _to_clipper_path(points)
    if not path:
        return _EMPTY
    try:
        rings = pyclipper.SimplifyPolygon(path, pyclipper.PFT_NONZERO)
    except pyclipper.ClipperException:
        return _EMPTY
    rings = [r for r in rings if len(r) >= 3]
    area = _paths_area(rings)
    if not rings or area <= 0.0:
        return _EMPTY
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    frozen = tuple(tuple((int(x), int(y)) for x, y in r) for r in rings)
    return PreparedPolygon(paths=frozen, area=area, bbox=(min(xs), min(ys), max(xs), max(ys)))


def _bboxes_overlap(a: PreparedPolygon, b: PreparedPolygon) -> bool:
    ax0, ay0, ax1, ay1 = a.bbox
    bx0, by0, bx1, by1 = b.bbox
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def _intersection(a: PreparedPolygon, b: PreparedPolygon) -> float:
    if a.is_empty or b.is_empty or not _bboxes_overlap(a, b):
        return 0.0
    clipper = pyclipper.Pyclipper()
    try:
        clipper.AddPaths(a.paths, pyclipper.PT_SUBJECT, True)
        clipper.AddPaths(b.paths, pyclipper.PT_CLIP, True)
        solution = clipper.Execute(pyclipper.CT_INTERSECTION, pyclipper.PFT_NONZERO, pyclipper.PFT_NONZERO)
    except pyclipper.ClipperException:
        return 0.0
    # Never more than either area, whatever rounding did.
    return min(_paths_area(solution), a.area, b.area)


def polygon_area(points: Points | PreparedPolygon) -> float:
    """Area covered by the polygon (non-zero fill), in pixels^2; 0 for degenerate input."""
    return prepare(points).area


def intersection_area(a: Points | PreparedPolygon, b: Points | PreparedPolygon) -> float:
    """Area covered by both polygons, in pixels^2."""
    return _intersection(prepare(a), prepare(b))


def _iou(a: PreparedPolygon, b: PreparedPolygon) -> float:
    inter = _intersection(a, b)
    if inter <= 0.0:
        return 0.0
    union = a.area + b.area - inter
    return inter / union if union > 0.0 else 0.0


def polygon_iou(a: Points | PreparedPolygon, b: Points | PreparedPolygon) -> float:
    """Intersection over union in [0, 1]; 0 when either polygon is degenerate."""
    return _iou(prepare(a), prepare(b))


def _inside(a: PreparedPolygon, b: PreparedPolygon) -> float:
    if a.is_empty:
        return 0.0
    return _intersection(a, b) / a.area


def fraction_inside(a: Points | PreparedPolygon, b: Points | PreparedPolygon) -> float:
    """Share of polygon A's area that lies inside polygon B, in [0, 1]; 0 when A is degenerate."""
    return _inside(prepare(a), prepare(b))


def iou_matrix(a: Sequence[Points | PreparedPolygon], b: Sequence[Points | PreparedPolygon]) -> np.ndarray:
    """IoU of every polygon in A (rows) with every polygon in B (columns)."""
    pa = [prepare(p) for p in a]
    pb = [prepare(p) for p in b]
    out = np.zeros((len(pa), len(pb)), dtype=np.float64)
    for i, x in enumerate(pa):
        for j, y in enumerate(pb):
            out[i, j] = _iou(x, y)
    return out


def inside_matrix(a: Sequence[Points | PreparedPolygon], b: Sequence[Points | PreparedPolygon]) -> np.ndarray:
    """Fraction of each polygon in A (rows) lying inside each polygon in B (columns)."""
    pa = [prepare(p) for p in a]
    pb = [prepare(p) for p in b]
    out = np.zeros((len(pa), len(pb)), dtype=np.float64)
    for i, x in enumerate(pa):
        for j, y in enumerate(pb):
            out[i, j] = _inside(x, y)
    return out
