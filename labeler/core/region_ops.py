"""Geometry edits of text regions (move, rectangle, expand, rotate, vertices, reading order); no Qt.

Every function takes points as a sequence of (x, y) and returns a new list of float tuples; the GUI
turns the results into history commands. `size` is the image (width, height) where a result must stay
inside the image; None means no limit.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

from labeler.core.model import Point, TextRegion

Points = Sequence[Sequence[float]]
Size = tuple[float, float] | None

MIN_POINTS = 4  # a text region keeps at least 4 points (a quadrilateral)


def _pts(points: Points) -> list[Point]:
    return [(float(x), float(y)) for x, y in points]


def bounds(points: Points) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the points."""
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def centre(points: Points) -> Point:
    """Centre of the bounding box (stable for any point count, unlike the vertex mean)."""
    left, top, right, bottom = bounds(points)
    return (left + right) / 2.0, (top + bottom) / 2.0


def clamp_point(x: float, y: float, size: Size) -> Point:
    if size is None:
        return float(x), float(y)
    return min(max(float(x), 0.0), float(size[0])), min(max(float(y), 0.0), float(size[1]))


def clamp_shift(points: Points, dx: float, dy: float, size: Size) -> tuple[float, float]:
    """The part of the shift (dx, dy) that keeps every point inside the image (whole region moves rigidly)."""
    if size is None:
        return float(dx), float(dy)
    left, top, right, bottom = bounds(points)
    dx = min(max(float(dx), -left), float(size[0]) - right) if right - left <= size[0] else 0.0
    dy = min(max(float(dy), -top), float(size[1]) - bottom) if bottom - top <= size[1] else 0.0
    return dx, dy


def translate(points: Points, dx: float, dy: float, size: Size = None) -> list[Point]:
    """Move the whole region; with `size`, the shift is cut so the region stays inside the image."""
    dx, dy = clamp_shift(points, dx, dy, size)
    return [(float(x) + dx, float(y) + dy) for x, y in points]


def move_vertex(points: Points, index: int, dx: float, dy: float, size: Size = None) -> list[Point]:
    """Move one vertex (PPOCRLabel's Z/X/C/V then arrow keys); clamped into the image with `size`."""
    pts = _pts(points)
    if not 0 <= index < len(pts):
        raise IndexError(f"no vertex {index} in a region of {len(pts)} points")
    x, y = pts[index]
    pts[index] = clamp_point(x + dx, y + dy, size)
    return pts


def to_rectangle(points: Points) -> list[Point]:
    """The axis-aligned bounding rectangle, clockwise from top-left."""
    left, top, right, bottom = bounds(points)
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def expand(points: Points, px: float, size: Size = None) -> list[Point]:
    """Push every vertex `px` away from the centre along x and y (a rectangle grows by px on each side)."""
    cx, cy = centre(points)
    out = []
    for x, y in points:
        sx = 0.0 if x == cx else math.copysign(px, x - cx)
        sy = 0.0 if y == cy else math.copysign(px, y - cy)
        out.append(clamp_point(x + sx, y + sy, size))
    return out


def rotate90(points: Points, clockwise: bool = True) -> list[Point]:
    """Rotate the region by 90 degrees about its bounding-box centre (clockwise on screen: y points down).

    The point list is rotated too, so the first point is again the top-left-most one (reading start).
    """
    cx, cy = centre(points)
    if clockwise:
        rotated = [(cx - (y - cy), cy + (x - cx)) for x, y in points]
    else:
        rotated = [(cx + (y - cy), cy - (x - cx)) for x, y in points]
    start = min(range(len(rotated)), key=lambda i: (rotated[i][0] + rotated[i][1], rotated[i][1]))
    return [(float(x), float(y)) for x, y in rotated[start:] + rotated[:start]]


def add_vertex(points: Points) -> list[Point]:
    """Insert the midpoint of the longest edge (the first one of equal length) after its start vertex."""
    pts = _pts(points)
    n = len(pts)
    lengths = [math.dist(pts[i], pts[(i + 1) % n]) for i in range(n)]
    i = max(range(n), key=lambda k: (lengths[k], -k))
    (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
    pts.insert(i + 1, ((x0 + x1) / 2.0, (y0 + y1) / 2.0))
    return pts


def remove_vertex(points: Points, index: int) -> list[Point]:
    """Drop one vertex; refuses to go below MIN_POINTS."""
    pts = _pts(points)
    if len(pts) <= MIN_POINTS:
        raise ValueError(f"a region keeps at least {MIN_POINTS} points")
    if not 0 <= index < len(pts):
        raise IndexError(f"no vertex {index} in a region of {len(pts)} points")
    del pts[index]
    return pts


def duplicate(region: TextRegion, dx: float, dy: float, size: Size = None) -> TextRegion:
    """A copy shifted by (dx, dy); where that would leave the image, shifted the other way instead.

    The copy is unlocked and has no KIE id or links (ids must stay unique within an image).
    """
    new = copy.deepcopy(region)
    if size is not None:
        left, top, right, bottom = bounds(region.points)
        if right + dx > size[0] or left + dx < 0:
            dx = -dx
        if bottom + dy > size[1] or top + dy < 0:
            dy = -dy
    new.points = translate(region.points, dx, dy, size)
    new.locked = False
    new.id = None
    new.linking = []
    return new


def reading_order(regions: Sequence[Points], same_line: float | None = None) -> list[int]:
    """Indices sorting regions top-to-bottom by line, then left-to-right within a line.

    Regions whose tops differ by less than `same_line` px (default: half the median region height,
    at least 1 px) to the previous region in top order are on the same line.
    """
    if not regions:
        return []
    boxes = [bounds(r) for r in regions]
    if same_line is None:
        heights = sorted(b[3] - b[1] for b in boxes)
        same_line = max(1.0, heights[len(heights) // 2] / 2.0)
    by_top = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    line_of: dict[int, int] = {}
    line, prev_top = 0, boxes[by_top[0]][1]
    for i in by_top:
        if boxes[i][1] - prev_top >= same_line:
            line += 1
        line_of[i] = line
        prev_top = boxes[i][1]
    return sorted(range(len(boxes)), key=lambda i: (line_of[i], boxes[i][0], boxes[i][1]))


def rotate_points_with_image(points: Points, width: float, height: float, clockwise: bool = True) -> list[Point]:
    """Where the points land when the whole `width` x `height` image turns by 90 degrees.

    The turned image is `height` x `width`. Vertex order is kept: the same corner of the text stays
    first, so the reading direction rides along with the pixels (four turns give the points back).
    """
    if clockwise:
        return [(float(height) - float(y), float(x)) for x, y in points]
    return [(float(y), float(width) - float(x)) for x, y in points]
