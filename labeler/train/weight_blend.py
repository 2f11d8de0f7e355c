"""Weight-space blends of a fine-tuned model with its base (WiSE-FT, Wortsman et al. 2022).

base + alpha * (tuned - base) with alpha < 1 keeps most of what fine-tuning taught the project's
images while moving the weights less far, so the model forgets less of what it read before (the measurements:
docs/training-notes.md). The engine checks a few alphas on the validation split and keeps the smallest one
that validates within one standard error of the best (pick_blend).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BlendTrial:
    alpha: float  # 0: the base weights, 1: the fine-tuned weights
    val_acc: float
    val_loss: float


def blend_states(
    base: Mapping[str, np.ndarray], tuned: Mapping[str, np.ndarray], alpha: float
) -> dict[str, np.ndarray]:
    """base + alpha * (tuned - base) for every floating tensor that training changed; the rest as tuned."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"blend alpha {alpha} is outside [0, 1]")
    missing = sorted(set(tuned) - set(base))
    if missing:
        raise ValueError(f"{len(missing)} tuned tensors have no base counterpart, e.g. {missing[:3]}")
    out: dict[str, np.ndarray] = {}
    for name, value in tuned.items():
        start = base[name]
        if value.dtype.kind != "f" or np.array_equal(start, value):
            out[name] = value.copy()
        else:  # in float64 so alpha 0 and 1 give the end points bit for bit
            mixed = start.astype(np.float64) + alpha * (value.astype(np.float64) - start.astype(np.float64))
            out[name] = mixed.astype(value.dtype)
    return out


def pick_blend(trials: Sequence[BlendTrial], tolerance: float | None, n_val: int) -> BlendTrial:
    """The smallest alpha whose validation accuracy is within `tolerance` of the best trial's.

    tolerance None: one standard error of the best accuracy over n_val crops (the one-standard-error
    rule: 0.017 at 0.90 on 300 crops). Blends that close cannot be told apart by the validation images,
    and then the one nearer the base model is the safer for everything those images do not show.
    """
    if not trials:
        raise ValueError("no blend trials")
    best = max(t.val_acc for t in trials)
    if tolerance is None:
        tolerance = math.sqrt(best * (1.0 - best) / max(n_val, 1))
    return min((t for t in trials if t.val_acc >= best - tolerance - 1e-9), key=lambda t: t.alpha)
