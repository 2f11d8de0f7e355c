"""The line editor's text rules, Qt-free: where each character of a (possibly edited) text lies on the
recognizer's crop, which characters were read with low confidence, and where Ctrl+Left/Right stop.

Word stops ("useful places"): the start and the end of the text, and every position whose character starts a
new run of letters, of digits, or of one punctuation mark (a repeated mark, "...", is one run). Spaces are
never a stop and a run of them is skipped: in "INV-2026/11 total:42.50EUR" Ctrl+Right stops at
``-``, ``2026``, ``/``, ``11``, ``total``, ``:``, ``42``, ``.``, ``50``, ``EUR`` and the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

SPACE, LETTER, DIGIT, MARK = range(4)
MAX_DIFF_CELLS = 250_000  # a diff of two 500-character middles takes a few ms; beyond, the edit is spread


@dataclass(frozen=True)
class CharSpot:
    """Where one character of the shown text lies on the crop (x0..x1, crop pixels).

    `prob`: the recognizer's probability for it; None for a character a person typed (or when no reading came).
    """

    x0: float
    x1: float
    prob: float | None


def char_class(c: str) -> int:
    if c.isspace():
        return SPACE
    if c.isdigit():
        return DIGIT
    if c.isalpha():
        return LETTER
    return MARK


def is_stop(text: str, i: int) -> bool:
    """Whether Ctrl+Left/Right stop before text[i] (i == len(text): the end, always a stop)."""
    if i <= 0 or i >= len(text):
        return True
    here, before = char_class(text[i]), char_class(text[i - 1])
    if here == SPACE:
        return False
    return here != before or (here == MARK and text[i] != text[i - 1])


def next_stop(text: str, pos: int) -> int:
    """Ctrl+Right: the first stop after `pos`."""
    i = pos + 1
    while i < len(text) and not is_stop(text, i):
        i += 1
    return min(i, len(text))


def previous_stop(text: str, pos: int) -> int:
    """Ctrl+Left: the last stop before `pos`."""
    i = min(pos, len(text)) - 1
    while i > 0 and not is_stop(text, i):
        i -= 1
    return max(i, 0)


def spread(n: int, width: float, prob: float | None = None) -> list[CharSpot]:
    """n characters over a crop `width` wide, evenly (no reading to place them by)."""
    step = width / max(n, 1)
    return [CharSpot(i * step, (i + 1) * step, prob) for i in range(n)]


def align(read_text: str, read_spots: Sequence[CharSpot], text: str, width: float) -> list[CharSpot]:
    """Spots for `text` from the spots of what was read (`read_text`, one spot per character).

    Characters the two share (a diff after the common start and end, which a local edit leaves long) keep
    their spot and probability; typed ones get prob None and an even share of the span of what they
    replace, or of the gap where they were inserted.
    """
    if len(read_spots) != len(read_text):
        raise ValueError("one spot per character read")
    if text == read_text:
        return list(read_spots)
    if not read_text:
        return spread(len(text), width)
    head = 0
    limit = min(len(text), len(read_text))
    while head < limit and text[head] == read_text[head]:
        head += 1
    tail = 0
    while tail < limit - head and text[-1 - tail] == read_text[-1 - tail]:
        tail += 1
    a, b = read_text[head : len(read_text) - tail], text[head : len(text) - tail]
    out = list(read_spots[:head])
    if len(a) * len(b) > MAX_DIFF_CELLS:  # unrelated texts: the diff would be quadratic, share the span instead
        opcodes = [("replace" if a else "insert", 0, len(a), 0, len(b))] if b else []
    else:
        opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        i1, i2 = i1 + head, i2 + head
        if tag == "equal":
            out += read_spots[i1:i2]
            continue
        if tag == "delete":
            continue
        if i2 > i1:  # replace: the typed characters share what they replace
            left, right = read_spots[i1].x0, read_spots[i2 - 1].x1
        else:  # insert: the gap between the neighbours
            left = read_spots[i1 - 1].x1 if i1 > 0 else 0.0
            right = max(left, read_spots[i1].x0) if i1 < len(read_spots) else max(left, width)
        step = (right - left) / (j2 - j1)
        out += [CharSpot(left + k * step, left + (k + 1) * step, None) for k in range(j2 - j1)]
    out += read_spots[len(read_spots) - tail :] if tail else []
    return out


def cursor_x(spots: Sequence[CharSpot], pos: int) -> float:
    """The x on the crop of a text cursor before character `pos`."""
    if not spots:
        return 0.0
    if pos < len(spots):
        return spots[max(pos, 0)].x0
    return spots[-1].x1


def low_runs(spots: Sequence[CharSpot], low_score: float) -> list[tuple[int, int]]:
    """[start, end) runs of characters read below `low_score` (typed characters never are)."""
    runs: list[tuple[int, int]] = []
    for i, spot in enumerate(spots):
        if spot.prob is not None and spot.prob < low_score:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
    return runs
