"""CTC greedy decoding of recognizer outputs. Plain numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def load_charset(dict_lines: list[str], use_space_char: bool = True) -> list[str]:
    """Class index -> character: blank at 0, the dictionary, then the space (PaddleOCR's layout)."""
    chars = ["<blank>"] + list(dict_lines)
    if use_space_char:
        chars.append(" ")
    return chars


def ctc_greedy_decode(probs: np.ndarray, charset: list[str], blank: int = 0) -> list[tuple[str, float]]:
    """[N, T, C] softmax outputs -> (text, confidence) per row.

    Best class per step; repeats collapsed, then blanks removed. Confidence is the mean
    probability of the kept steps (0.0 for an empty result).
    """
    probs = np.asarray(probs)
    if probs.ndim != 3:
        raise ValueError(f"expected [N, T, C] probabilities, got shape {probs.shape}")
    if probs.shape[2] != len(charset):
        raise ValueError(f"model has {probs.shape[2]} classes but the dictionary gives {len(charset)}")
    best = probs.argmax(axis=2)
    best_p = np.take_along_axis(probs, best[..., None], axis=2)[..., 0]
    results = []
    for idx, p in zip(best, best_p):
        keep = idx != blank
        keep[1:] &= idx[1:] != idx[:-1]
        kept = idx[keep]
        text = "".join(charset[i] for i in kept)
        score = float(p[keep].mean()) if kept.size else 0.0
        results.append((text, score))
    return results


@dataclass(frozen=True)
class CtcChar:
    """One decoded character: its run of arg-max frames [first, last] and its probability.

    `prob` is the probability of the run's first frame, the step ctc_greedy_decode keeps, so the mean of a
    line's `prob`s is its score. `lo`/`hi` (frames, `hi` exclusive) widen the run halfway into the blank
    frames around it (at most `MAX_PAD_FRAMES` each side): CTC fires on a narrow peak inside a glyph, the
    glyph spans the blanks around it.
    """

    char: str
    first: int
    last: int
    prob: float
    lo: float
    hi: float


MAX_PAD_FRAMES = 2.0


def ctc_greedy_chars(probs: np.ndarray, charset: list[str], blank: int = 0) -> list[CtcChar]:
    """[T, C] softmax outputs of one line -> its characters with their frame spans (greedy, as ctc_greedy_decode)."""
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[1] != len(charset):
        raise ValueError(f"expected [T, {len(charset)}] probabilities, got shape {probs.shape}")
    best = probs.argmax(axis=1)
    runs: list[tuple[int, int, int]] = []  # (class, first, last)
    for t, c in enumerate(best.tolist()):
        if runs and runs[-1][0] == c and runs[-1][2] == t - 1:
            runs[-1] = (c, runs[-1][1], t)
        else:
            runs.append((c, t, t))
    kept = [r for r in runs if r[0] != blank]
    chars = []
    frames = len(best)
    for k, (c, first, last) in enumerate(kept):
        before = kept[k - 1][2] + 1 if k else 0  # the first blank frame after the previous character
        after = kept[k + 1][1] if k + 1 < len(kept) else frames
        gap_lo = (first - before) / 2 if k else first - before
        gap_hi = (after - last - 1) / 2 if k + 1 < len(kept) else after - last - 1
        lo = first - min(MAX_PAD_FRAMES, gap_lo)
        hi = last + 1 + min(MAX_PAD_FRAMES, gap_hi)
        chars.append(CtcChar(charset[c], first, last, float(probs[first, c]), lo, hi))
    return chars


TEXT_CASES = ("upper", "lower")


def case_fold_columns(charset: list[str], text_case: str) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) class indices folding each letter into its `text_case` partner ('a' -> 'A' for "upper").

    Only letters whose partner is one character in the same dictionary take part; others are untouched.
    """
    if text_case not in TEXT_CASES:
        raise ValueError(f"text case must be one of {TEXT_CASES}, not {text_case!r}")
    index = {c: i for i, c in enumerate(charset)}
    src, dst = [], []
    for i, c in enumerate(charset[1:], start=1):
        partner = c.upper() if text_case == "upper" else c.lower()
        j = index.get(partner)
        if len(c) == 1 and partner != c and j is not None and j != 0:
            src.append(i)
            dst.append(j)
    return np.asarray(src, np.int64), np.asarray(dst, np.int64)


def fold_case(probs: np.ndarray, columns: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """[N, T, C] probabilities with each folded letter's mass moved onto its partner (in place; returned).

    A project that writes every letter in one case reads letters case-blind: 'a' 0.3 + 'A' 0.3 beats a
    blank at 0.4, where taking the arg-max first and upper-casing after would drop the letter.
    """
    src, dst = columns
    if src.size:
        # Classes first (views of probs): add.at on the leading axis, which repeated partners need unbuffered.
        np.add.at(np.moveaxis(probs, 2, 0), dst, np.moveaxis(probs[:, :, src], 2, 0))
        probs[:, :, src] = 0.0
    return probs
