"""The acceptance gate: a fine-tuned model set replaces the base one only if it proved a gain on held-out images.

Rule (issue 5): zero_edit, the share of held-out regions that came out exactly right (nothing for the
annotator to fix), must be strictly higher with the tuned set than with the base set, both measured
by the full pipeline on the same images. Both figures share one denominator (the scored regions), so
the comparison is exact. Without held-out images there is no proof, and the run is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from labeler.train.evaluate import Evaluation


@dataclass(frozen=True)
class GateDecision:
    accepted: bool
    reason: str


def decide(base: Evaluation | None, tuned: Evaluation | None, split: str, images: int) -> GateDecision:
    if base is None or tuned is None or images == 0:
        return GateDecision(
            False,
            "no held-out images to prove a gain (confirm more images, or give the test split a share with --split)",
        )
    b, t = base.metrics["zero_edit"], tuned.metrics["zero_edit"]
    figures = (
        f"zero_edit {b:.3f} -> {t:.3f} ({t - b:+.3f}), rec_acc {base.metrics['rec_acc']:.3f} -> "
        f"{tuned.metrics['rec_acc']:.3f} on {images} {split} image(s)"
    )
    if t > b:
        return GateDecision(True, figures)
    return GateDecision(False, f"{figures}: not better than the base model, kept the base model")
