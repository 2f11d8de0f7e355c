"""`labeler train PROJECT_DIR`: fine-tune the models on the project's confirmed images, keep them only if better.

Progress goes to stdout as JSON lines (one object per line, see labeler.train.events) and to stderr as a
readable line. Exit status: 0 finished (the result event says whether the new model was accepted), 1 error,
2 usage error (not a folder, a bad option value, an unknown --models or --rollback name; nothing done),
130 cancelled (Ctrl+C / SIGTERM: stops at the next step, deletes the run folder, installs nothing).
A run killed outright (SIGKILL) leaves its work folder PROJECT_DIR/.labeler/runs/<time>; the next run removes
it (a "cleanup" stage says how many and how many MB), never the folder of a run still going, nor a --keep-run one.
--history and --rollback manage the project's model versions without training (and without torch).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from labeler.commands._common import require_folder, resolve_models
from labeler.core.errors import Cancelled, LabelerError, UsageError, exit_status
from labeler.train.job_spec import TrainJobSpec, add_job_arguments
from labeler.train.process_groups import watch_parent
from labeler.train.supervisor import PARENT_PID_ENV

DESCRIPTION = (
    "Fine-tune the recognizer (and with --det the detector) on the confirmed images of a PPOCRLabel folder, "
    "starting from the current model set; measure base and tuned models on the held-out split; install the "
    "tuned set in PROJECT_DIR/.labeler/models only if zero_edit improved. stdout: JSON-lines events."
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="fine-tune the models on confirmed labels (JSON-lines progress)", description=DESCRIPTION
    )
    add_job_arguments(p)
    p.add_argument("--history", action="store_true", help="list the model versions with their metrics")
    p.add_argument("--rollback", metavar="VERSION|base", help="make VERSION (or the bundled set: base) active")
    p.set_defaults(run=run)


class CancelFlag:
    """Set by SIGINT / SIGTERM, or by the death of the process named in PARENT_PID_ENV (the window that started
    this run); polled between steps. Restores the previous handlers on exit."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.event.is_set()

    def _stop(self, why: str) -> None:
        if not self.event.is_set():
            print(f"labeler train: {why}: stopping at the next step", file=sys.stderr, flush=True)
        self.event.set()

    def _handle(self, signum, frame) -> None:
        self._stop(signal.Signals(signum).name)

    def __enter__(self) -> CancelFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        parent = os.environ.get(PARENT_PID_ENV, "")
        if parent.isdigit() and int(parent) == os.getppid():  # the window's child: cancelled should the window go
            watch_parent(lambda: self._stop(f"the process that started it ({parent}) is gone"), int(parent))
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"


def print_history(project: Path) -> int:
    from labeler.ocr.project_models import read_history

    history = read_history(project)
    if not history.versions:
        print(f"{project}: no trained versions yet (active: the bundled / configured set)")
        return 0
    rows = [("version", "created", "accepted", "base", "zero_edit", "rec_acc", "images", "reason")]
    for v in history.versions:
        b, t = v.metrics.get("base", {}), v.metrics.get("tuned", {})
        mark = "*" if v.version == history.active else ""
        rows.append(
            (
                v.version + mark,
                v.created.replace("+00:00", "Z"),
                "yes" if v.accepted else "no",
                v.base_model,
                f"{_fmt(b.get('zero_edit'))} -> {_fmt(t.get('zero_edit'))}",
                f"{_fmt(b.get('rec_acc'))} -> {_fmt(t.get('rec_acc'))}",
                f"{v.train_images}/{v.test_images}",
                v.reason,
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(f"{str(c):<{w}}" for c, w in zip(r, widths)) + "  " + r[-1])
    active = history.active or "base (the bundled / configured set)"
    print(f"active: {active}; images = train/held-out; * marks the active version")
    return 0


def rollback(project: Path, target: str) -> int:
    from labeler.ocr.project_models import history_path, read_history, set_active

    if target != "base":  # a version the user names must be one that can be active: else exit 2, nothing changed
        history = read_history(project)
        entry = history.find(target)
        if entry is None:
            known = ", ".join(v.version for v in history.versions if v.accepted) or "none"
            raise UsageError(f"{history_path(project)}: unknown version '{target}' (installed: {known}; or base)")
        if not entry.accepted:
            raise UsageError(
                f"{history_path(project)}: version '{target}' was rejected by the acceptance gate and "
                f"never installed ({entry.reason})"
            )
    set_active(project, None if target == "base" else target)
    print(f"{project}: active model is now {target if target != 'base' else 'the bundled / configured set'}")
    return 0


def _paddleocr(spec: TrainJobSpec, emit) -> int:
    from labeler.train import paddleocr_engine

    return int(
        paddleocr_engine.run(
            project_dir=spec.project_dir,
            paddleocr_dir=spec.paddleocr_dir,
            gpus=spec.gpus,
            pretrained=spec.pretrained,
            det=spec.det,
            emit=emit,
            split=spec.split,
            seed=spec.seed,
        )
        or 0
    )


def _check_spec(spec: TrainJobSpec) -> None:
    """Usage errors argparse cannot see, before anything starts."""
    require_folder(spec.project_dir, "PROJECT_DIR")
    if spec.engine == "paddleocr":
        if spec.paddleocr_dir is None:
            raise UsageError("--engine paddleocr needs --paddleocr-dir PATH (a PaddleOCR git checkout)")
        require_folder(spec.paddleocr_dir, "--paddleocr-dir")
    elif spec.models is not None:
        resolve_models(spec.models)


def run(args: argparse.Namespace) -> int:
    if args.history or args.rollback:
        # Errors reach cli.main, which prints them and exits 2 (usage) or 1 (an unreadable history, say).
        require_folder(args.project, "PROJECT_DIR")
        return print_history(args.project) if args.history else rollback(args.project, args.rollback)
    from labeler.train.events import EventEmitter

    emit = EventEmitter()
    try:
        spec = TrainJobSpec.from_namespace(args)
        _check_spec(spec)
        if spec.engine == "paddleocr":
            return _paddleocr(spec, emit)
        return _run_torch(spec, emit)
    except LabelerError as exc:  # an event, so a window running this sees it; the status says which kind
        emit({"event": "error", "message": str(exc)})
        return exit_status(exc)


def _run_torch(spec: TrainJobSpec, emit) -> int:
    from labeler.core.extras import TRAIN, require_extra

    require_extra(TRAIN)  # torch and onnx, found without importing them: before a minute of export and evaluation
    from labeler.train.engine import run_job

    with CancelFlag() as cancel:
        try:
            if spec.device == "cuda":
                _check_cuda()
            run_job(spec, emit, cancel)
        except Cancelled:
            emit({"event": "cancelled"})
            return 130
        except (OSError, ValueError, RuntimeError) as exc:  # torch / onnx failures: report, never a traceback alone
            if cancel():
                emit({"event": "cancelled"})
                return 130
            emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
            return 1
    return 0


def _check_cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        raise LabelerError("--device cuda: this torch build sees no CUDA device (use --device cpu)")
