"""Labelling conventions a project follows, read from its confirmed transcriptions."""

from __future__ import annotations

from collections.abc import Iterable

MIN_CASED_LETTERS = 200  # fewer letters say nothing reliable about a convention
UNIFORM_SHARE = 0.995  # a stray mis-typed letter must not hide a convention


def uniform_text_case(texts: Iterable[str], min_letters: int = MIN_CASED_LETTERS, share: float = UNIFORM_SHARE) -> str:
    """ "upper" or "lower" when (nearly) every cased letter of `texts` is in that case, else "".

    SROIE-style projects write lower-case print in capitals; a recognizer told so reads letters
    case-blind instead of re-learning the case of every glyph (which it then applies to every document).
    """
    upper = lower = 0
    for text in texts:
        for ch in text:
            if ch.isupper():
                upper += 1
            elif ch.islower():
                lower += 1
    cased = upper + lower
    if cased < min_letters:
        return ""
    if upper >= share * cased:
        return "upper"
    if lower >= share * cased:
        return "lower"
    return ""
