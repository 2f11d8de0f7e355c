"""Where a split at the text cursor cuts the pixels: the gap between the characters nearest the cursor's guess.

region_ops.text_fraction guesses where the cursor falls along a box from character widths; boxes have margins
and fonts are not monospaced, so the guess can land inside a letter. `gap_fraction` moves it to the widest run
of ink-free columns (rows, for vertical text) near the guess within the box's inked extent. No Qt.
"""

from __future__ import annotations

import cv2
import numpy as np

INK_CONTRAST = 60  # grey levels from the crop's median (its paper) that make a pixel ink
EMPTY_SHARE = 0.02  # a column with ink in at most this share of its pixels is a gap (noise, antialiasing)
SEARCH = 0.2  # the gap is looked for this share of the inked length either side of the guess


def ink_profile(crop: np.ndarray, vertical: bool = False) -> np.ndarray:
    """Ink pixels per column of the crop (per row with `vertical`); dark on light and light on dark alike."""
    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    ink = np.abs(gray.astype(np.float32) - float(np.median(gray))) > INK_CONTRAST
    return ink.sum(axis=1 if vertical else 0)


def gap_fraction(profile: np.ndarray, fraction: float, search: float = SEARCH) -> float:
    """The cut for a guess at `fraction` of the text, as a fraction of the profile's length.

    The guess is taken along the inked extent (first to last inked column); the result is the middle of the
    widest gap within `search` of it (the nearest of equal ones), or the guess itself when there is none.
    """
    n = len(profile)
    if n == 0:
        return fraction
    across = max(1, int(profile.max())) if profile.size else 1
    empty = profile <= max(0.0, EMPTY_SHARE * across)
    inked = np.flatnonzero(~empty)
    if len(inked) < 2:
        return fraction
    first, last = int(inked[0]), int(inked[-1]) + 1
    guess = first + fraction * (last - first)
    low = max(first, int(guess - search * (last - first)))
    high = min(last, int(guess + search * (last - first)) + 1)
    best: tuple[int, float, float] | None = None  # (width, -distance, centre)
    i = low
    while i < high:
        if not empty[i]:
            i += 1
            continue
        j = i
        while j < last and empty[j]:
            j += 1
        start = i
        while start > first and empty[start - 1]:
            start -= 1
        centre = (start + j) / 2.0
        key = (j - start, -abs(centre - guess), centre)
        if best is None or key[:2] > best[:2]:
            best = key
        i = j
    return (best[2] if best is not None else guess) / n
