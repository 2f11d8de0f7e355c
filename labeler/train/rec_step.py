"""The recognizer training step, one function whichever way it runs.

- one process: labeler.train.rec_worker.train_rec called in this process;
- N processes: `python -m torch.distributed.run --standalone --nproc_per_node=N -m labeler.train.rec_worker`
  whose stdout (rank 0) is protocol JSON lines, relayed through `emit`; cancel forwards SIGTERM to it.

Torch is imported only once training starts (the config dataclass lives beside the torch code).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeler.core.errors import LabelerError
from labeler.train.events import parse_event

Emit = Callable[[dict], None]
ShouldStop = Callable[[], bool]
STOP_GRACE_S = 20.0  # after SIGTERM, how long the torchrun child may take to stop before it is killed


class TrainStepError(LabelerError):
    """The training step failed (the message says why; a child's stderr went to ours)."""


class TrainStepCancelled(Exception):
    """should_stop() returned True; the step stopped and wrote nothing usable."""


def train_rec_inprocess(
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg: Any,
    emit: Emit,
    should_stop: ShouldStop,
) -> dict:
    """labeler.train.rec_worker.train_rec in this process; its cancel becomes TrainStepCancelled."""
    from labeler.train.rec_finetune import TrainingCancelled
    from labeler.train.rec_worker import train_rec

    try:
        return dict(train_rec(export_dir, base_rec_onnx, dict_path, out_onnx, cfg, emit, should_stop) or {})
    except TrainingCancelled:
        raise TrainStepCancelled() from None


def torchrun_command(
    nproc: int,
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg: Any,
    threads_per_process: int,
) -> list[str]:
    config = json.dumps(dataclasses.asdict(cfg))
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        "labeler.train.rec_worker",
        "--export",
        str(export_dir),
        "--base",
        str(base_rec_onnx),
        "--dict",
        str(dict_path),
        "--out",
        str(out_onnx),
        "--config-json",
        config,
        "--threads",
        str(threads_per_process),
    ]


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
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(per_process)  # torchrun otherwise sets 1 and warns
    env["PYTHONUNBUFFERED"] = "1"
    # Own session: the terminal's Ctrl+C reaches only us, and we stop the child in order (SIGTERM, then kill).
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, env=env, start_new_session=True)
    summary: dict = {}
    errors: list[str] = []
    relay = getattr(emit, "relay", emit)  # the worker prints its own human lines to our stderr

    def pump() -> None:
        for raw in child.stdout:
            event = _worker_event(raw)
            if event is None:
                text = raw.decode("utf-8", "replace").rstrip()
                if text:
                    print(text, file=sys.stderr, flush=True)  # stray output: never onto our protocol stdout
            elif event["event"] == "worker_done":
                summary.update(event.get("summary") or {})  # our own result event comes after the gate
            elif event["event"] == "error":
                errors.append(str(event.get("message", "")))  # reported once, by the job, as its error
            elif parse_event(json.dumps(event)) is not None:
                relay(event)

    reader = threading.Thread(target=pump, name="torchrun-relay", daemon=True)
    reader.start()
    cancelled = False
    try:
        while child.poll() is None:
            if not cancelled and should_stop():
                cancelled = True
                _signal_group(child, signal.SIGTERM)
                deadline = time.monotonic() + STOP_GRACE_S
                while child.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                if child.poll() is None:
                    _signal_group(child, signal.SIGKILL)
            time.sleep(0.1)
    except BaseException:
        _signal_group(child, signal.SIGKILL)
        raise
    finally:
        child.wait()
        reader.join(timeout=5)
    if cancelled or should_stop():
        raise TrainStepCancelled()
    if child.returncode != 0:
        detail = "; ".join(errors) or "see its messages above"
        raise TrainStepError(f"the torchrun training job exited with status {child.returncode} ({detail})")
    if not out_onnx.is_file():
        raise TrainStepError(f"the torchrun training job finished without writing {out_onnx}")
    return summary


def _worker_event(raw: bytes) -> dict | None:
    """A JSON object with an "event" key from the worker (protocol events plus its worker_done), else None."""
    text = raw.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and isinstance(obj.get("event"), str) else None


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
