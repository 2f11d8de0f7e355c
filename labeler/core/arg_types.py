"""argparse option types shared by the subcommands and the training job spec: a bad value is a usage error
(exit 2) whose message says what was expected."""

from __future__ import annotations

import argparse

from labeler.core.errors import SplitSpecError
from labeler.core.split import SplitRatios, parse_split


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (threads, processes, workers)."""
    value = _number(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = _number(text, int, "an integer")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text, float, "a number")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text}")
    return value


def fraction(text: str) -> float:
    """argparse type: a number from 0 to 1 (a score)."""
    value = _number(text, float, "a number")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def split_ratios(text: str) -> SplitRatios:
    """argparse type: train:val:test ratios such as 8:1:1."""
    try:
        return parse_split(text)
    except SplitSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _number(text: str, kind: type, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
