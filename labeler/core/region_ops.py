"""Geometry edits of text regions (move, rectangle, expand, rotate, vertices, reading order); no Qt.

Every function takes points as a sequence of (x, y) and returns a new list of float tuples; the GUI
turns the results into history commands. `size` is the image (width, height) where a result must stay
inside the image; None means no limit.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Callable, Sequence

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


# ---------------------------------------------------------------------- merge and split (issue 14, item 3)
#
# Both work in the regions' own frame: the dominant direction of their edges, known modulo 90 degrees
# (`frame_angle`), so an axis-aligned box stays axis-aligned, a rotated line keeps its slant and a vertical
# column of characters is a tall box in that frame. A region is vertical text when its frame box is at least
# VERTICAL_RATIO times as tall as it is wide; it then reads (and splits) top to bottom.

VERTICAL_RATIO = 1.5  # taller than wide by this much: text runs top to bottom (as the recognizer's crops turn)
NARROW_WIDTH = 1.0  # a character east_asian_width calls wide (CJK) counts this much of a line's length...
LATIN_WIDTH = 0.55  # ...and any other this much: where a text cursor falls along the box


def frame_angle(polygons: Sequence[Points]) -> float:
    """The dominant edge direction of the polygons in radians, in (-pi/4, pi/4]: their frame's x axis.

    Edges are weighted by length and averaged as 4 x angle, so edges at a and a + 90 degrees agree.
    """
    sx = sy = 0.0
    for points in polygons:
        pts = _pts(points)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            length = math.hypot(x1 - x0, y1 - y0)
            if length:
                a = 4.0 * math.atan2(y1 - y0, x1 - x0)
                sx, sy = sx + length * math.cos(a), sy + length * math.sin(a)
    return 0.0 if abs(sx) < 1e-9 and abs(sy) < 1e-9 else math.atan2(sy, sx) / 4.0


def _to_frame(points: Points, angle: float) -> list[Point]:
    c, s = math.cos(angle), math.sin(angle)
    return [(x * c + y * s, -x * s + y * c) for x, y in _pts(points)]


def _from_frame(points: Sequence[Point], angle: float) -> list[Point]:
    c, s = math.cos(angle), math.sin(angle)
    return [(round(u * c - v * s, 2) + 0.0, round(u * s + v * c, 2) + 0.0) for u, v in points]


def _frame_box(points: Sequence[Point]) -> list[Point]:
    left, top, right, bottom = bounds(points)
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def is_vertical(points: Points) -> bool:
    """Whether the region holds vertical text (its frame box is VERTICAL_RATIO times taller than wide)."""
    left, top, right, bottom = bounds(_to_frame(points, frame_angle([points])))
    return bottom - top >= VERTICAL_RATIO * (right - left)


def _no_space_script(ch: str) -> bool:
    """Scripts written without spaces between words: CJK (Han, kana, bopomofo, CJK and full-width punctuation),
    Thai, Lao, Myanmar, Khmer. Hangul is not one of them: Korean puts spaces between words."""
    cp = ord(ch)
    return (
        0x0E00 <= cp <= 0x0EFF
        or 0x1000 <= cp <= 0x109F
        or 0x1780 <= cp <= 0x17FF
        or 0x2E80 <= cp <= 0x33FF
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3FFFF
    )


def join_texts(texts: Sequence[str], spaced: bool = True) -> str:
    """The pieces' texts in order, joined with one space where both sides of the seam are in a script that
    spaces its words, and with none where either side is CJK (or Thai...); empty pieces are left out.
    `spaced=False`: never a space (the characters of a vertical column are one run)."""
    out = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if out and spaced and not (_no_space_script(out[-1]) or _no_space_script(text[0])):
            out += " "
        out += text
    return out


def merge_order(polygons: Sequence[Points]) -> list[int]:
    """Indices of the pieces in reading order: along the frame axis their centres spread most on
    (x: left to right, a line cut into pieces; y: top to bottom, a column or stacked lines)."""
    angle = frame_angle(polygons)
    centres = [centre(_to_frame(p, angle)) for p in polygons]
    us, vs = [c[0] for c in centres], [c[1] for c in centres]
    across = max(us) - min(us) >= max(vs) - min(vs)
    return sorted(range(len(polygons)), key=lambda i: centres[i] if across else (centres[i][1], centres[i][0]))


def merge_regions(regions: Sequence[TextRegion], size: Size = None) -> TextRegion:
    """One region covering `regions`: the rectangle around all their points in their frame (clockwise from the
    reading start, inside the image with `size`), the texts joined in reading order (join_texts; without
    spaces when the result is a vertical column, is_vertical).

    The result copies the first piece in reading order (KIE class, id, links, unknown keys); it is difficult
    when any piece is, locked when any is, and has no score (it is to be read again).
    """
    if len(regions) < 2:
        raise ValueError("merging needs at least 2 regions")
    polygons = [r.points for r in regions]
    order = merge_order(polygons)
    angle = frame_angle(polygons)
    box = _frame_box([p for poly in polygons for p in _to_frame(poly, angle)])
    merged = copy.deepcopy(regions[order[0]])
    merged.points = [clamp_point(x, y, size) for x, y in _from_frame(box, angle)]
    merged.transcription = join_texts([regions[i].transcription for i in order], not is_vertical(merged.points))
    merged.difficult = any(r.difficult for r in regions)
    merged.locked = any(r.locked for r in regions)
    merged.score = None
    return merged


def relinked(
    regions: Sequence[TextRegion], gone: Sequence[int], merged: TextRegion
) -> tuple[int | None, dict[int, list[list[int]]]]:
    """KIE links after `gone` (indices into `regions`) were merged into `merged`: every link to or from a merged
    piece's id now names the merged region's id (no self-links, no duplicates), on the merged region and on every
    other region, so no link is left pointing at a region that is gone. Returns the merged region's id and the
    new `linking` of each region whose links change, by index (the merged region's: key -1)."""
    new_id = merged.id
    old_ids: set[int] = {i for i in (regions[k].id for k in gone) if i is not None and i != new_id}
    if new_id is None and old_ids:
        new_id = min(old_ids)  # the first piece had no id: the merged region takes one of the others'
        old_ids.discard(new_id)

    def fix(links: Sequence[Sequence[int]]) -> list[list[int]]:
        out: list[list[int]] = []
        for link in links:
            pair = [x if x not in old_ids or new_id is None else new_id for x in link]
            if len(pair) == 2 and pair[0] != pair[1] and pair not in out:
                out.append(pair)
        return out

    merged_links = fix([link for i in gone for link in regions[i].linking])
    changes: dict[int, list[list[int]]] = {}
    if merged_links != merged.linking or new_id != merged.id:
        changes[-1] = merged_links
    for i, region in enumerate(regions):
        if i in gone or not region.linking:
            continue
        links = fix(region.linking)
        if links != region.linking:
            changes[i] = links
    return new_id, changes


def _clip(points: Sequence[Point], axis: int, cut: float, keep_low: bool) -> list[Point]:
    """Sutherland-Hodgman: the part of the polygon with coordinate `axis` <= cut (keep_low) or >= cut."""

    def inside(p: Point) -> bool:
        return p[axis] <= cut if keep_low else p[axis] >= cut

    out: list[Point] = []
    for i, cur in enumerate(points):
        prev = points[i - 1]
        if inside(cur) != inside(prev):
            t = (cut - prev[axis]) / (cur[axis] - prev[axis])
            cross = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
            out.append(cross)
        if inside(cur):
            out.append(cur)
    deduped = [p for i, p in enumerate(out) if math.dist(p, out[i - 1]) > 1e-6] if len(out) > 1 else out
    return deduped


def _reading_start(points: list[Point]) -> list[Point]:
    """The same ring starting at its top-left-most point (in the frame), as rotate90 does."""
    start = min(range(len(points)), key=lambda i: (points[i][0] + points[i][1], points[i][1]))
    return points[start:] + points[:start]


def split_points(points: Points, fraction: float) -> tuple[list[Point], list[Point]]:
    """Cut the polygon across its reading direction at `fraction` (0..1) of its length: (first, second) part.

    Horizontal text is cut by a line at right angles to its frame's x axis (left part first); vertical text
    (is_vertical) across its height (top part first). A part with 3 corners gets the midpoint of its longest
    edge, so both keep MIN_POINTS.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"a region is split strictly inside it, not at {fraction:.2f} of its length")
    angle = frame_angle([points])
    framed = _to_frame(points, angle)
    left, top, right, bottom = bounds(framed)
    axis = 1 if bottom - top >= VERTICAL_RATIO * (right - left) else 0
    low, high = (top, bottom) if axis else (left, right)
    cut = low + fraction * (high - low)
    parts = []
    for keep_low in (True, False):
        part = _clip(framed, axis, cut, keep_low)
        if len(part) < 3:
            raise ValueError("the cut leaves an empty part")
        part = _reading_start(part)
        back = _from_frame(part, angle)
        while len(back) < MIN_POINTS:
            back = add_vertex(back)
        parts.append(back)
    return parts[0], parts[1]


def split_words(region: TextRegion, cut_at: Callable[[float], float] | None = None) -> list[TextRegion]:
    """The region cut at every run of spaces in its text (a line the detector read as one that is several words,
    ICDAR-style word boxes): each cut at the middle of the spaces (text_fraction), moved by `cut_at` (e.g. to
    the nearest ink gap), the pieces in reading order as split_region leaves them. ValueError: no space to cut at.
    """
    text = region.transcription.strip()
    runs = [(m.start(), m.end()) for m in re.finditer(r"\s+", text)]
    if not runs:
        raise ValueError("the text has no space to split at")
    rest = copy.deepcopy(region)
    rest.transcription = text
    pieces: list[TextRegion] = []
    base, consumed = 0.0, 0
    for start, end in runs:
        fraction = (text_fraction(text, start) + text_fraction(text, end)) / 2
        if cut_at is not None:
            fraction = cut_at(fraction)
        if not base < fraction < 1.0:
            continue  # the gap moved onto or before the previous cut: these words stay together
        first, rest = split_region(rest, (fraction - base) / (1.0 - base), end - consumed)
        pieces.append(first)
        base, consumed = fraction, end
    if not pieces:
        raise ValueError("no cut falls inside the region")
    return [*pieces, rest]


def _char_width(ch: str) -> float:
    return NARROW_WIDTH if unicodedata.east_asian_width(ch) in ("W", "F") else LATIN_WIDTH


def text_fraction(text: str, index: int) -> float:
    """Where the text cursor before character `index` falls along the box, as a fraction of its length
    (wide CJK characters count NARROW_WIDTH, others LATIN_WIDTH)."""
    widths = [_char_width(ch) for ch in text]
    total = sum(widths)
    return sum(widths[: max(0, index)]) / total if total else 0.5


def text_index(text: str, fraction: float) -> int:
    """The character boundary nearest to `fraction` of the box's length (the inverse of text_fraction)."""
    return min(range(len(text) + 1), key=lambda i: abs(text_fraction(text, i) - fraction)) if text else 0


def point_fraction(points: Points, x: float, y: float) -> float:
    """Where the point (x, y) falls along the region's reading direction, as a fraction of its length."""
    angle = frame_angle([points])
    left, top, right, bottom = bounds(_to_frame(points, angle))
    (u, v), axis = _to_frame([(x, y)], angle)[0], bottom - top >= VERTICAL_RATIO * (right - left)
    low, high, at = (top, bottom, v) if axis else (left, right, u)
    return (at - low) / (high - low) if high > low else 0.5


def split_region(region: TextRegion, fraction: float, index: int | None = None) -> tuple[TextRegion, TextRegion]:
    """Two regions from one, cut at `fraction` of its length (split_points); the text is cut before character
    `index` (None: the boundary nearest the cut, text_index), the spaces at the seam dropped.

    Both parts have no score (they are to be read again); the second is a copy without KIE id or links.
    """
    at = text_index(region.transcription, fraction) if index is None else index
    first_points, second_points = split_points(region.points, fraction)
    first, second = copy.deepcopy(region), copy.deepcopy(region)
    first.points, second.points = first_points, second_points
    first.transcription = region.transcription[:at].rstrip()
    second.transcription = region.transcription[at:].lstrip()
    first.score = second.score = None
    second.id, second.linking = None, []
    return first, second
