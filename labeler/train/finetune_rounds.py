"""What the recognizer and detector fine-tune loops share: their progress record, the time budget, the ETA,
and the rule that says a validation round beat the best so far. No torch.

Both loops (labeler.train.rec_finetune, labeler.train.det_finetune) run rounds of steps closed by a validation
(an epoch, or val_every_steps steps), keep the best state, stop early after `patience` rounds without a better
one, and stop before a step that, with the closing validation, would overrun the budget.
"""

from __future__ import annotations

import math
import time

LOSS_TIE_MARGIN = 1e-6  # equal scores: the lower validation loss wins only by more than this


def loop_progress(
    stage: str, epoch: int, step: int, loss: float | None, val_acc: float | None, eta: float | None
) -> dict:
    """A fine-tune loop's progress record: stage "validate" / "train" / "blend" / "done" (see
    labeler.train.step_report.progress_events for the protocol events it becomes)."""
    return {"stage": stage, "epoch": epoch, "step": step, "loss": loss, "val_acc": val_acc, "eta_s": eta}


def beats(score: float, loss: float, best_score: float, best_loss: float) -> bool:
    """A higher validation score wins; an equal one only with a lower loss."""
    return score > best_score or (score == best_score and loss < best_loss - LOSS_TIE_MARGIN)


def out_of_time(start: float, budget_s: float, step_s: float, val_s: float) -> bool:
    """True when one more step plus the closing validation would overrun the budget."""
    return time.perf_counter() - start + step_s + val_s > budget_s


def eta_seconds(start: float, budget_s: float, step_s: float, steps_left: int, val_s: float, per_round: int) -> float:
    """Seconds left: the planned steps and their validations, at most what the budget leaves."""
    rounds_left = math.ceil(steps_left / max(per_round, 1))
    wanted = steps_left * step_s + rounds_left * val_s
    budget_left = budget_s - (time.perf_counter() - start)
    return max(0.0, min(wanted, budget_left))
