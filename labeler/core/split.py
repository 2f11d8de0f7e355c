"""Train / val / test split by image, deterministic for a seed.

Rule: each image key is ranked by sha1(f"{seed}:{key}") and the ranking is cut by counts from the
ratios (largest remainder, ties to the earlier split). So the split depends only on the seed and the
set of keys (not on file order), an image and all its crops always share one split, and adding a
few images moves only the images near the cut points. Tiny projects: train always gets at least one
image; val and test get an image only when their share rounds to one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from labeler.core.errors import SplitSpecError

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class SplitRatios:
    """Relative weights of train, val and test (any scale: 8:1:1 == 0.8:0.1:0.1)."""

    train: float = 8.0
    val: float = 1.0
    test: float = 1.0

    def __post_init__(self) -> None:
        values = (self.train, self.val, self.test)
        if any(v < 0 for v in values) or self.train <= 0:
            raise SplitSpecError(f"split ratios must be >= 0 with train > 0, got {values}")

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.train, self.val, self.test)


def parse_split(spec: str) -> SplitRatios:
    """'8:1:1' -> SplitRatios(8, 1, 1); '9:1' means no test split; '1' means everything in train."""
    parts = [p.strip() for p in spec.replace(",", ":").split(":")]
    if not 1 <= len(parts) <= 3 or any(not p for p in parts):
        raise SplitSpecError(f"--split wants TRAIN[:VAL[:TEST]], e.g. 8:1:1, got {spec!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise SplitSpecError(f"--split wants numbers, e.g. 8:1:1, got {spec!r}") from None
    values += [0.0] * (3 - len(values))
    return SplitRatios(*values)


def split_counts(n: int, ratios: SplitRatios) -> tuple[int, int, int]:
    """How many of n images go to train, val and test (largest remainder, train >= 1 when n >= 1)."""
    weights = ratios.as_tuple()
    total = sum(weights)
    shares = [n * w / total for w in weights]
    counts = [int(s) for s in shares]
    # Hand out what flooring left over, biggest fractional part first; ties go to the earlier split.
    order = sorted(range(3), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    if n >= 1 and counts[0] == 0:
        donor = max((1, 2), key=lambda i: counts[i])
        counts[donor] -= 1
        counts[0] += 1
    return counts[0], counts[1], counts[2]


def _rank(seed: int, key: str) -> str:
    return hashlib.sha1(f"{seed}:{key}".encode()).hexdigest()


def assign_splits(keys: Iterable[str], ratios: SplitRatios, seed: int = 0) -> dict[str, str]:
    """Map each distinct key to 'train', 'val' or 'test'."""
    unique = sorted(set(keys))
    ranked = sorted(unique, key=lambda k: (_rank(seed, k), k))
    n_train, n_val, _ = split_counts(len(ranked), ratios)
    result = {}
    for i, key in enumerate(ranked):
        result[key] = "train" if i < n_train else "val" if i < n_train + n_val else "test"
    return result
