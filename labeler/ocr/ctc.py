"""CTC greedy decoding of recognizer outputs. Plain numpy."""

from __future__ import annotations

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
