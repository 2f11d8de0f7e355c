"""The recognizer training step, one function whichever way it runs.

- one process: labeler.train.rec_train.train_rec called in this process;
- N processes: `python -m torch.distributed.run --standalone --nproc_per_node=N -m labeler.train.worker`
  run by labeler.train.supervisor: its stdout (rank 0) is protocol JSON lines, read with
  labeler.train.events.read_event and relayed through `emit`; a cancel ends its process group.

Torch is imported only once training starts (the config dataclass lives beside the torch code).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeler.core.errors import Cancelled, LabelerError
from labeler.train.config_json import config_to_json
from labeler.train.events import EVENT_TYPES, ErrorEvent, Event, NotAnEvent, WorkerDoneEvent, read_event
from labeler.train.supervisor import ChildCommand, run_supervised
from labeler.train.worker import torchrun_argv

Emit = Callable[[dict], None]
ShouldStop = Callable[[], bool]


class TrainStepError(LabelerError):
    """The training step failed (the message says why; a child's stderr went to ours)."""


def train_rec_inprocess(
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg: Any,
    emit: Emit,
    should_stop: ShouldStop,
) -> dict:
    """labeler.train.rec_train.train_rec in this process; raises Cancelled when should_stop() turns true."""
    from labeler.train.rec_train import train_rec

    return dict(train_rec(export_dir, base_rec_onnx, dict_path, out_onnx, cfg, emit, should_stop) or {})


def torchrun_command(
    nproc: int,
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg: Any,
    threads_per_process: int,
) -> list[str]:
    worker_args = ["--export", str(export_dir), "--base", str(base_rec_onnx), "--dict", str(dict_path)]
    worker_args += ["--out", str(out_onnx), "--config-json", config_to_json(cfg), "--threads", str(threads_per_process)]
    return torchrun_argv(nproc, worker_args)


def train_rec_torchrun(
    nproc: int,
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg: Any,
    emit: Emit,
    should_stop: ShouldStop,
    threads: int | None = None,
) -> dict:
    """Run the worker under torchrun and relay its protocol lines; returns the summary it reported."""
    per_process = max(1, (threads or cfg.num_threads or nproc) // nproc)  # N ranks share the cores, never oversubscribe
    cmd = torchrun_command(nproc, export_dir, base_rec_onnx, dict_path, out_onnx, cfg, per_process)
    # torchrun otherwise sets 1 thread and warns
    command = ChildCommand(cmd, env={"OMP_NUM_THREADS": str(per_process)})
    summary: dict = {}
    errors: list[str] = []
    relay = getattr(emit, "relay", emit)  # the worker prints its own human lines to our stderr

    def on_line(line: str) -> None:
        event = read_event(line)
        if isinstance(event, WorkerDoneEvent):
            summary.update(event.summary)  # our own result event comes after the gate
        elif isinstance(event, ErrorEvent):
            errors.append(event.message)  # reported once, by the job, as its error
        elif isinstance(event, Event) and event.kind in EVENT_TYPES:
            relay(event.to_dict())
        elif not (isinstance(event, NotAnEvent) and event.blank):
            # stray output, a garbled line or an unknown event: shown to the person, never onto our protocol stdout
            print(line, file=sys.stderr, flush=True)

    done = run_supervised(command, on_line, should_stop)
    if should_stop():
        raise Cancelled()
    if done.returncode != 0:
        detail = "; ".join(errors) or "see its messages above"
        raise TrainStepError(f"the torchrun training job exited with status {done.returncode} ({detail})")
    if not out_onnx.is_file():
        raise TrainStepError(f"the torchrun training job finished without writing {out_onnx}")
    return summary
