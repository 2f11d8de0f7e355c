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
