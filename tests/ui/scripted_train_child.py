"""A child process that speaks the `labeler train` protocol (labeler/train/events.py) with delays, for the Retrain panel tests.

    python scripted_train_child.py accept PROJECT_DIR MODEL_DIR   full run, result accepted with MODEL_DIR
    python scripted_train_child.py reject PROJECT_DIR             full run, result not accepted
    python scripted_train_child.py slow PROJECT_DIR               trains for a minute; SIGTERM -> cancelled, exit 130
    python scripted_train_child.py stubborn PROJECT_DIR           ignores SIGTERM (the runner must kill it)

One progress line is written in two pieces with a pause between them, as a pipe may deliver it.
"""

from __future__ import annotations

import json
import signal
import sys
import time

KEYS = ("det_hmean", "rec_acc", "rec_acc_norm", "one_minus_ned", "e2e_hmean", "zero_edit")
BASE = dict(zip(KEYS, (0.80, 0.50, 0.70, 0.85, 0.40, 0.45)))
TUNED = dict(zip(KEYS, (0.80, 0.75, 0.80, 0.93, 0.60, 0.40)))
TOTAL = 6
LOSSES = [2.0, 1.6, 1.3, 1.1, 0.9, 0.8]
stop_requested = False


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def human(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def on_term(_signum, _frame) -> None:
    global stop_requested
    stop_requested = True


def check_stop() -> None:
    if stop_requested:
        human("[train] stopping: cancelled")
        emit({"event": "cancelled"})
        sys.exit(130)


def progress(step: int, total: int, loss: float, split: bool = False) -> None:
    obj = {
        "event": "progress",
        "stage": "train",
        "model": "rec",
        "epoch": 1,
        "step": step,
        "total_steps": total,
        "loss": loss,
        "val_acc": None,
        "eta_s": (total - step) * 0.1,
    }
    if split:
        line = json.dumps(obj) + "\n"
        sys.stdout.write(line[:25])
        sys.stdout.flush()
        time.sleep(0.3)
        sys.stdout.write(line[25:])
        sys.stdout.flush()
    else:
        emit(obj)
    human(f"[train] epoch 1 step {step}/{total} loss {loss:.3f}")


def full_run(project: str, model_dir: str | None) -> int:
    emit(
        {
            "event": "start",
            "project": project,
            "engine": "torch",
            "device": "cpu",
            "base_model": "ppocrv6-small",
            "time_budget_s": 120.0,
            "nproc": 1,
        }
    )
    print("a stray line from a library", flush=True)  # not a protocol object: logged, not acted on
    for stage in ("export", "baseline"):
        emit({"event": "stage", "stage": stage, "message": f"{stage}ing"})
        time.sleep(0.1)
    emit({"event": "metrics", "which": "base", "split": "test", "images": 3, "metrics": BASE})
    emit({"event": "stage", "stage": "train", "message": "fine-tuning the recognizer"})
    for step, loss in enumerate(LOSSES, 1):
        time.sleep(0.1)
        progress(step, TOTAL, loss, split=step == 2)
        if step % 3 == 0:
            emit(
                {
                    "event": "validate",
                    "model": "rec",
                    "epoch": 1,
                    "step": step,
                    "val_loss": loss * 1.2,
                    "val_acc": 0.5 + step * 0.05,
                }
            )
    emit({"event": "stage", "stage": "evaluate", "message": "scoring the tuned model"})
    emit({"event": "metrics", "which": "tuned", "split": "test", "images": 3, "metrics": TUNED})
    accepted = model_dir is not None
    if accepted:
        emit({"event": "stage", "stage": "install", "message": "installing v1"})
    emit(
        {
            "event": "result",
            "accepted": accepted,
            "version": "v1" if accepted else None,
            "model_dir": model_dir,
            "reason": "rec_acc +0.250" if accepted else "no gain on the test split",
            "base": BASE,
            "tuned": TUNED,
        }
    )
    return 0


def slow_run(project: str) -> int:
    emit(
        {
            "event": "start",
            "project": project,
            "engine": "torch",
            "device": "cpu",
            "base_model": "ppocrv6-small",
            "time_budget_s": 60.0,
            "nproc": 1,
        }
    )
    emit({"event": "stage", "stage": "train", "message": "fine-tuning the recognizer"})
    total = 600
    for step in range(1, total + 1):
        time.sleep(0.1)
        check_stop()
        progress(step, total, 2.0 / step)
    return 0


def main() -> int:
    mode, project = sys.argv[1], sys.argv[2]
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        emit({"event": "stage", "stage": "train", "message": "not listening"})
        time.sleep(60)
        return 0
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if mode == "slow":
        return slow_run(project)
    return full_run(project, sys.argv[3] if mode == "accept" else None)


if __name__ == "__main__":
    sys.exit(main())
