"""A project's box and text conventions, learned from what the user confirms, applied to the pre-labels still to check.

Every project has conventions the bundled models do not know: how tightly its boxes hug the ink, full-width or
half-width punctuation, a space before a colon or none between Chinese characters and digits. A user who fixes
the same thing on every line of the first images should not fix it again on the next ones. So the window keeps,
for each image, the pre-labels as the OCR made them (`remember`), and when the image is confirmed compares them
with what the user confirmed (`learn`):

- **box margin**: the inward offset (as a share of the box's short side; the DB detector's unclip grows boxes
  by such an offset) that the most boxes would have needed no edit with. For a sample of the image's pre-labels,
  reshaped or not, every offset of GRID is tried: a box "needs no edit" at an offset when it then lies within
  ACCEPT_IOU of the box the user confirmed (left alone: the OCR's own). With MIN_RESHAPED reshaped boxes or
  more, the offset accepted by the most boxes (the middle of the best plateau) wins when it accepts clearly more
  than no offset does (MARGIN_GAIN). Reshapes no offset explains (an edge moved along the text) vote for no
  offset in particular.
- **text rules**, from a character alignment of each pre-label text with its confirmed text: a punctuation or
  symbol mark replaced by another (`：` -> `:`), a space dropped or added between two kinds of character (CJK,
  digit, letter, or a given mark). A rule holds when it was applied at least MIN_SUPPORT times and in at least
  RULE_PRECISION of the cases where it could have been (a mark the user kept counts against it). Letters and
  digits are never rewritten: their errors are misreadings, not conventions (and a case convention such as
  SROIE's capitals is the Text > Upper case action's, applied by the user where it holds).

Recent images count most: every confirmed image multiplies the weight of all earlier evidence by DECAY, so a
folder that moves on to another kind of page (forms after receipts) follows within an image or two, and a rule
that stops holding fades instead of being outvoted slowly.

`adjust` applies the conventions to one image's pre-labels; the session pushes that as one undo step when an
unconfirmed image nobody edited is shown (editing_session.apply_conventions). Evidence lives in memory for the
session (a new session learns again from the first images confirmed); nothing here touches the project's files.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from labeler.core.model import TextRegion
from labeler.core.polygon import polygon_iou

MIN_RESHAPED = 8  # fewer reshaped boxes say nothing reliable about a margin
GRID = np.round(np.arange(-0.25, 0.2501, 0.025), 3)  # offsets tried, as shares of the short side
ACCEPT_IOU = 0.8  # a box this close to the confirmed one needs no edit (a few pixels off on a line)
MARGIN_GAIN = 0.05  # the best offset must leave this share of the boxes more without an edit than none does
MIN_MARGIN = 0.02  # a smaller offset is noise: boxes are left as the detector made them
PAIR_IOU = 0.5  # a pre-label and a confirmed region are the same line at this IoU
MIN_SUPPORT = 3  # times the user made a text change before it becomes a rule
RULE_PRECISION = 0.9  # share of the chances a rule had that the user took
MOVED_PX = 0.5  # a vertex moved by more than this: the box was reshaped
MAX_FITS = 12  # reshaped (and as many untouched) boxes tried per confirmed image: a confirmation stays ~50 ms
DECAY = 0.5  # each confirmed image halves the weight of what earlier ones taught: a new kind of page takes over fast

Context = tuple[str, str]  # (kind of the character before, kind of the character after)


def char_kind(ch: str) -> str:
    """The class a spacing rule is about: 'cjk', 'digit', 'alpha', or the mark itself."""
    if not ch:
        return ""
    if ch.isdigit():
        return "digit"
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")):
        return "cjk"
    if ch.isalpha():
        return "alpha"
    return ch


def _rewritable(ch: str) -> bool:
    """Marks and symbols may follow a convention; letters, digits and spaces are read, not conventional."""
    return bool(ch) and not ch.isalnum() and not ch.isspace()


# ---------------------------------------------------------------------- geometry


def short_side(points: Sequence[Sequence[float]]) -> float:
    """The shorter side of the polygon's minimum-area rectangle (the text height of a line)."""
    import cv2

    arr = np.asarray(points, np.float32)
    if len(arr) < 3:
        return 0.0
    (_cx, _cy), (w, h), _angle = cv2.minAreaRect(arr)
    return float(min(w, h))


def offset_convex(points: Sequence[Sequence[float]], distance: float) -> list[tuple[float, float]] | None:
    """Every edge of a convex polygon moved inward by `distance` px (outward when negative), same vertex order.

    None when the polygon is not convex or the result would turn inside out (shrunk past its width).
    """
    p = np.asarray(points, np.float64)
    n = len(p)
    if n < 3:
        return None
    edges = np.roll(p, -1, axis=0) - p
    lengths = np.linalg.norm(edges, axis=1)
    if np.any(lengths < 1e-9):
        return None
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not (np.all(cross > 0) or np.all(cross < 0)):
        return None
    sign = 1.0 if cross[0] > 0 else -1.0  # y points down: a positive turn is clockwise on screen
    normals = sign * np.stack([-edges[:, 1], edges[:, 0]], axis=1) / lengths[:, None]  # inward unit normals
    starts = p + normals * distance
    out = []
    for i in range(n):
        a0, d0 = starts[i - 1], edges[i - 1]  # the edge ending at vertex i
        a1, d1 = starts[i], edges[i]  # the edge starting there
        det = d0[0] * d1[1] - d0[1] * d1[0]
        if abs(det) < 1e-12:
            return None
        t = ((a1[0] - a0[0]) * d1[1] - (a1[1] - a0[1]) * d1[0]) / det
        out.append((float(a0[0] + t * d0[0]), float(a0[1] + t * d0[1])))
    q = np.asarray(out)
    q_edges = np.roll(q, -1, axis=0) - q
    if np.any(np.sum(q_edges * edges, axis=1) <= 0):  # an edge reversed: shrunk past the polygon's width
        return None
    return out


def shrink_by_margin(points: Sequence[Sequence[float]], margin: float) -> list[tuple[float, float]] | None:
    """`points` with every edge moved inward by `margin` x the short side; None when that cannot be done."""
    return offset_convex(points, margin * short_side(points))


def accepted_offsets(raw: Sequence[Sequence[float]], confirmed: Sequence[Sequence[float]]) -> np.ndarray:
    """For each offset of GRID: whether `raw` moved by it lies within ACCEPT_IOU of `confirmed` (bool array)."""
    height = short_side(raw)
    out = np.zeros(len(GRID), bool)
    if height <= 0:
        return out
    for k, m in enumerate(GRID):
        shrunk = offset_convex(raw, float(m) * height)
        out[k] = shrunk is not None and polygon_iou(shrunk, confirmed) >= ACCEPT_IOU
    return out


def best_offset(votes: Sequence[tuple[np.ndarray, float]]) -> tuple[float, float, float]:
    """(offset, share of the weight accepting it, share accepting no offset): the middle of the best plateau."""
    total = sum(w for _v, w in votes)
    if total <= 0:
        return 0.0, 0.0, 0.0
    score = np.zeros(len(GRID))
    for accepted, w in votes:
        score += accepted * (w / total)
    best = np.flatnonzero(score >= score.max() - 1e-9)
    k = int(best[len(best) // 2])
    return float(GRID[k]), float(score[k]), float(score[int(np.argmin(np.abs(GRID)))])


# ---------------------------------------------------------------------- text


def _tally() -> defaultdict[Any, float]:
    return defaultdict(float)  # weighted counts (earlier images fade)


@dataclass
class TextEvidence:
    """Counts from aligning pre-label texts with the confirmed ones."""

    replaced: defaultdict[Any, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # (mark, replacement) -> times
    kept: defaultdict[Any, float] = field(default_factory=_tally)  # mark -> times left as it was
    space_dropped: defaultdict[Any, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # Context -> spaces the user removed there
    space_kept: defaultdict[Any, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # Context -> spaces left there
    space_added: defaultdict[Any, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # Context -> spaces the user put between two characters
    joined_kept: defaultdict[Any, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # Context -> adjacent characters left without a space

    def fade(self, factor: float) -> None:
        """Weigh everything counted so far by `factor` (a new image was confirmed)."""
        for counter in (
            self.replaced,
            self.kept,
            self.space_dropped,
            self.space_kept,
            self.space_added,
            self.joined_kept,
        ):
            for key in counter:
                counter[key] *= factor

    def add(self, raw: str, confirmed: str) -> None:
        matcher = difflib.SequenceMatcher(None, raw, confirmed, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                self._kept(raw, i1, i2)
            elif op == "replace" and i2 - i1 == j2 - j1:
                for a, b in zip(raw[i1:i2], confirmed[j1:j2], strict=True):
                    if _rewritable(a) and (_rewritable(b) or b.isspace()):
                        self.replaced[(a, b)] += 1
            elif op == "delete" and raw[i1:i2].isspace():
                self.space_dropped[_context(raw, i1, i2)] += 1
            elif op == "insert" and confirmed[j1:j2].isspace() and 0 < i1 < len(raw):
                self.space_added[_context(raw, i1, i1)] += 1

    def _kept(self, raw: str, i1: int, i2: int) -> None:
        for k in range(i1, i2):
            ch = raw[k]
            if _rewritable(ch):
                self.kept[ch] += 1
            if ch.isspace():
                self.space_kept[_context(raw, k, k + 1)] += 1
            elif k + 1 < i2 and not raw[k + 1].isspace():
                self.joined_kept[(char_kind(ch), char_kind(raw[k + 1]))] += 1


def _context(text: str, start: int, end: int) -> Context:
    """The kinds of the characters on either side of text[start:end] (spaces skipped)."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    return (char_kind(before[-1:]), char_kind(after[:1]))


def _holds(support: float, against: float) -> bool:
    return support >= MIN_SUPPORT and support >= RULE_PRECISION * (support + against)


@dataclass(frozen=True)
class Conventions:
    """What is applied to pre-labels: a box margin (None: boxes unchanged) and text rules."""

    margin: float | None = None
    marks: tuple[tuple[str, str], ...] = ()  # (mark, replacement)
    drop_space: frozenset[Context] = frozenset()
    add_space: frozenset[Context] = frozenset()
    evidence_images: int = 0

    @property
    def empty(self) -> bool:
        return self.margin is None and not self.marks and not self.drop_space and not self.add_space

    def fix_text(self, text: str) -> str:
        """`text` with the spacing rules applied (on the read text's character kinds), then the mark rules."""
        out: list[str] = []
        k = 0
        while k < len(text):
            ch = text[k]
            if ch.isspace():
                end = k
                while end < len(text) and text[end].isspace():
                    end += 1
                if 0 < k and end < len(text) and _context(text, k, end) in self.drop_space:
                    k = end
                    continue
                out.append(text[k:end])
                k = end
                continue
            out.append(ch)
            nxt = text[k + 1 : k + 2]
            if nxt and not nxt.isspace() and (char_kind(ch), char_kind(nxt)) in self.add_space:
                out.append(" ")
            k += 1
        fixed = "".join(out)
        table = dict(self.marks)
        return "".join(table.get(ch, ch) for ch in fixed)


@dataclass
class ConventionLearner:
    """The pre-labels of each image as the OCR made them, and what the confirmed images taught."""

    prelabels: dict[str, list[TextRegion]] = field(default_factory=dict)  # path -> the OCR's regions, copied
    learned_from: set[str] = field(default_factory=set)
    votes: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (accepted_offsets, weight) per box tried
    reshaped_weight: float = 0.0  # how many reshaped boxes the votes speak for (faded like them)
    text: TextEvidence = field(default_factory=TextEvidence)

    def remember(self, path: str, regions: Sequence[TextRegion]) -> None:
        """The OCR's pre-labels of image `path`, before anyone (or any convention) changed them."""
        self.prelabels[path] = [replace(r, points=[(float(p[0]), float(p[1])) for p in r.points]) for r in regions]

    def learn(self, path: str, confirmed: Sequence[TextRegion]) -> bool:
        """Compare the image's remembered pre-labels with its confirmed regions (once per image); True if learned."""
        raw = self.prelabels.get(path)
        if raw is None or path in self.learned_from:
            return False
        self.learned_from.add(path)
        self.text.fade(DECAY)
        self.votes = [(v, w * DECAY) for v, w in self.votes if w * DECAY >= 0.01]
        self.reshaped_weight *= DECAY
        reshaped: list[tuple[TextRegion, TextRegion]] = []
        kept: list[tuple[TextRegion, TextRegion]] = []
        for r, c in _pairs(raw, confirmed):
            if r.transcription != c.transcription and not c.is_dont_care:
                self.text.add(r.transcription, c.transcription)
            elif not c.is_dont_care:
                self.text.add(r.transcription, r.transcription)
            if c.is_dont_care:
                continue  # a don't-care box is drawn loosely on purpose
            (reshaped if _reshaped(r.points, c.points) else kept).append((r, c))
        self.reshaped_weight += len(reshaped)
        for group in (reshaped, kept):
            tried = min(len(group), MAX_FITS)
            step = max(1.0, len(group) / MAX_FITS)
            for k in range(tried):  # a sample spread over the page speaks for all of its group
                r, c = group[int(k * step)]
                self.votes.append((accepted_offsets(r.points, c.points), len(group) / tried))
        return True

    def conventions(self) -> Conventions:
        margin = None
        if self.reshaped_weight >= MIN_RESHAPED:
            offset, accepted, at_zero = best_offset(self.votes)
            if abs(offset) >= MIN_MARGIN and accepted >= at_zero + MARGIN_GAIN:
                margin = round(offset, 3)
        ev = self.text
        marks: list[tuple[str, str]] = []
        for (a, b), n in sorted(ev.replaced.items(), key=lambda item: -item[1]):
            if a in dict(marks):
                continue
            others = sum(v for (x, y), v in ev.replaced.items() if x == a and y != b)
            if _holds(n, ev.kept[a] + others):
                marks.append((a, b))
        drop = frozenset(c for c, n in ev.space_dropped.items() if _holds(n, ev.space_kept[c]))
        add = frozenset(c for c, n in ev.space_added.items() if _holds(n, ev.joined_kept[c]))
        return Conventions(margin, tuple(sorted(marks)), drop, add, len(self.learned_from))


def _reshaped(raw: Sequence[Sequence[float]], confirmed: Sequence[Sequence[float]]) -> bool:
    if len(raw) != len(confirmed):
        return True
    return bool(np.abs(np.asarray(raw, float) - np.asarray(confirmed, float)).max() > MOVED_PX)


def _pairs(raw: Sequence[TextRegion], confirmed: Sequence[TextRegion]) -> list[tuple[TextRegion, TextRegion]]:
    """Pre-labels and confirmed regions that are the same line (greedy by IoU >= PAIR_IOU)."""
    from labeler.core.polygon import iou_matrix

    if not raw or not confirmed:
        return []
    matrix = iou_matrix([r.points for r in raw], [c.points for c in confirmed])
    pairs = []
    used_r: set[int] = set()
    used_c: set[int] = set()
    for flat in np.argsort(-matrix, axis=None):
        i, j = divmod(int(flat), matrix.shape[1])
        if matrix[i, j] < PAIR_IOU:
            break
        if i in used_r or j in used_c:
            continue
        used_r.add(i)
        used_c.add(j)
        pairs.append((raw[i], confirmed[j]))
    return pairs


def adjust(regions: Sequence[TextRegion], conventions: Conventions) -> list[TextRegion] | None:
    """The pre-labels with the conventions applied (OCR regions only: scored, not flagged); None when none changes."""
    out: list[TextRegion] = []
    changed = False
    for r in regions:
        if r.score is None or r.difficult or r.locked or r.key_cls is not None:
            out.append(r)
            continue
        points = list(r.points)
        if conventions.margin is not None:
            shrunk = shrink_by_margin(r.points, conventions.margin)
            if shrunk is not None:
                points = [(float(round(x)), float(round(y))) for x, y in shrunk]  # whole pixels: what Label.txt keeps
        text = conventions.fix_text(r.transcription)
        if points != list(r.points) or text != r.transcription:
            changed = True
            out.append(replace(r, points=points, transcription=text))
        else:
            out.append(r)
    return out if changed else None
