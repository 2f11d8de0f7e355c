"""What the recognizer and detector training steps share: their input error, the protocol events their loops'
progress becomes, and the summary they return (labeler.train.rec_train, labeler.train.det_train). No torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeler.core.errors import LabelerError
from labeler.train.events import ProgressEvent, StageEvent, ValidateEvent

Emit = Callable[[dict], None]


class TrainInputError(LabelerError):
    """A training step cannot start: bad arguments, a bad config, or no training data."""


def progress_events(model: str, total_steps: int, emit: Emit) -> Callable[[dict], None]:
    """A fine-tune loop's progress records (finetune_rounds.loop_progress) -> protocol events for `emit`."""

    def on_progress(e: dict) -> None:
        if e["stage"] == "train":
            event = ProgressEvent(
                "train", model, e["epoch"], e["step"], total_steps, e["loss"], e["val_acc"], e["eta_s"]
            )
        elif e["stage"] == "blend":
            message = f"{model} weights {e['alpha']:.2f} of the way from base to tuned: val_acc {e['val_acc']:.3f}"
            event = StageEvent("train", message, extra={"model": model, "alpha": e["alpha"], "val_acc": e["val_acc"]})
        elif e["stage"] == "validate" and e["loss"] is not None:
            event = ValidateEvent(model, e["epoch"], e["step"], e["loss"], e["val_acc"])
        else:
            return  # "done", and the announcement of the first validation
        emit(event.to_dict())

    return on_progress


def step_summary(
    model: str,
    out_onnx: Path | None,
    scores: tuple[float | None, float | None],
    result: Any,
    started: float,
    lists: tuple[Any, Any | None],
    changed_tensors: int,
    world_size: int,
) -> dict:
    """The summary a training step returns (and the worker reports in its worker_done line).

    scores: (base, best) validation accuracy (rec) or H-mean (det); result: the fine-tune's result (its
    losses, epochs, steps, why it stopped); lists: the train and validation lists read (val may be None).
    """
    train, val = lists
    return {
        "model": model,
        "out_onnx": str(out_onnx) if out_onnx is not None else None,
        "base_val_acc": scores[0],
        "best_val_acc": scores[1],
        "base_val_loss": result.base_val_loss,
        "best_val_loss": result.best_val_loss,
        "best_epoch": result.best_epoch,
        "improved": result.best_epoch > 0,
        "epochs": result.epochs,
        "steps": result.steps,
        "stopped": result.stopped,
        "seconds": time.perf_counter() - started,
        "train_seconds": result.seconds,
        "train_samples": len(train),
        "val_samples": len(val.samples) if val is not None else 0,
        "train_skipped": train.skipped,
        "val_skipped": val.skipped if val is not None else {},
        "changed_tensors": changed_tensors,
        "world_size": world_size,
    }
