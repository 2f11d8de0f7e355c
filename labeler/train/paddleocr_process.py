"""PaddleOCR child processes: running one (argument list, streamed output, cancel) and reading its training log.

No paddle import here either; see labeler.train.paddleocr_engine for the steps.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from labeler.core.errors import LabelerError
from labeler.train.supervisor import CHILD_GRACE_S, ChildCommand, ChildStartError, run_supervised


class PaddleOCRRunError(LabelerError):
    """A PaddleOCR step exited non-zero, could not start, or did not write what it should."""

    def __init__(
        self,
        message: str,
        command: Sequence[str] = (),
        cwd: str = "",
        returncode: int | None = None,
        tail: Sequence[str] = (),
    ):
        super().__init__(message)
        self.command, self.cwd, self.returncode, self.tail = list(command), cwd, returncode, list(tail)


class ChildSpec(Protocol):
    name: str
    argv: Sequence[str]
    cwd: Path | None
    env: Mapping[str, str]


# ------------------------------------------------------------------------------------------ PaddleOCR's log

_TRAIN_LINE = re.compile(r"epoch: \[(\d+)/(\d+)\], global_step: (\d+),(.*)")
_EVAL_LINE = re.compile(r"cur metric, (.*)")
_FIELD = re.compile(r"([A-Za-z_]+): ([-+0-9.eE]+|nan|inf)")
_ETA = re.compile(r"eta: (?:(\d+) days?, )?(\d+):(\d\d):(\d\d)")


def parse_log_line(line: str) -> dict | None:
    """tools/program.py's training and evaluation lines -> {"kind": "train"|"eval", ...}; others None."""
    if m := _TRAIN_LINE.search(line):
        fields = {k: float(v) for k, v in _FIELD.findall(m.group(4))}
        eta = _ETA.search(line)
        eta_s = None
        if eta:
            days, h, mi, s = (int(g or 0) for g in eta.groups())
            eta_s = float(((days * 24 + h) * 60 + mi) * 60 + s)
        return {
            "kind": "train",
            "epoch": int(m.group(1)),
            "epochs": int(m.group(2)),
            "step": int(m.group(3)),
            "loss": fields.get("loss"),
            "acc": fields.get("acc"),
            "eta_s": eta_s,
        }
    if m := _EVAL_LINE.search(line):
        return {"kind": "eval", "metrics": {k: float(v) for k, v in _FIELD.findall(m.group(1))}}
    return None


class LogEvents:
    """Turns one training child's lines into protocol progress / validate events."""

    def __init__(self, kind: str, total_steps: int, emit: Callable[[dict], None]):
        self.kind, self.emit = kind, emit
        self.total = total_steps
        self.epoch = self.step = 0
        self.val: float | None = None
        self.best: dict[str, float] = {}

    def __call__(self, line: str) -> None:
        parsed = parse_log_line(line)
        if parsed is None:
            return
        if parsed["kind"] == "train":
            self.epoch, self.step = parsed["epoch"], parsed["step"]
            self.emit(
                {
                    "event": "progress",
                    "stage": "train",
                    "model": self.kind,
                    "epoch": self.epoch,
                    "step": self.step,
                    "total_steps": self.total,
                    "loss": parsed["loss"],
                    "val_acc": self.val,
                    "eta_s": parsed["eta_s"],
                }
            )
            return
        metrics = parsed["metrics"]
        main = metrics.get("acc" if self.kind == "rec" else "hmean")
        if main is None:
            return
        self.val = main
        if main >= self.best.get("main", -1.0):
            self.best = {"main": main, **metrics}
        self.emit(
            {
                "event": "validate",
                "model": self.kind,
                "epoch": self.epoch,
                "step": self.step,
                "val_loss": None,
                "val_acc": main,
            }
        )


# ------------------------------------------------------------------------------------------ child processes


class StopFlag:
    """Set by SIGTERM / SIGINT or by the caller's should_stop."""

    def __init__(self, should_stop: Callable[[], bool] | None):
        self.should_stop = should_stop
        self.flag = threading.Event()

    def __call__(self) -> bool:
        if not self.flag.is_set() and self.should_stop is not None and self.should_stop():
            self.flag.set()
        return self.flag.is_set()


@contextmanager
def signals_to(stop: StopFlag) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; should_stop still works
        return
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in before:
        signal.signal(s, lambda *_: stop.flag.set())
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def run_child(
    spec: ChildSpec, on_line: Callable[[str], None], stop: Callable[[], bool], grace_s: float = CHILD_GRACE_S
) -> tuple[int, list[str]]:
    """Run spec (labeler.train.supervisor), passing each output line to on_line; (exit status, last lines).

    Raises Cancelled on stop, once the child's process group (launch starts one worker per GPU) is gone."""
    command = ChildCommand(spec.argv, spec.cwd, spec.env, merge_stderr=True)
    try:
        done = run_supervised(command, on_line, stop, grace_s)
    except ChildStartError as exc:
        raise PaddleOCRRunError(f"{spec.name}: {exc}", spec.argv, str(spec.cwd)) from None
    return done.returncode, done.tail
