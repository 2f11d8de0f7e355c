"""The recognizer fine-tune as a process of its own: export folder in, tuned ONNX file out, JSON lines on stdout.

    python -m labeler.train.rec_worker --export OUT --base rec.onnx --dict dict.txt --out tuned.onnx \\
        [--config-json '{"max_steps": 200, ...}'] [--threads N] [--model rec|det]
    python -m torch.distributed.run --standalone --nproc_per_node=2 -m labeler.train.rec_worker ...

stdout carries protocol events (../shared briefs protocol.md): {"event": "progress", "model": "rec", ...},
{"event": "validate", ...}, then one {"event": "worker_done", "model": ..., "summary": {...}} line, or
{"event": "error", "message": ...}. Under torch.distributed.run only rank 0 prints to stdout and only rank 0
writes --out; the other ranks are silent there. SIGTERM / SIGINT stop training at the next step: nothing is
written and the process exits 130. Errors exit 1.

--config-json holds RecFinetuneConfig fields (DetFinetuneConfig with --model det) as a JSON object, or
@FILE to read it from a file. --threads defaults to the usable cores divided by the number of processes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from labeler.core.errors import LabelerError
from labeler.train.rec_data import AugmentParams, read_dict_file, read_rec_list

EXIT_OK, EXIT_ERROR, EXIT_CANCELLED = 0, 1, 130

EmitFn = Callable[[dict], None]
StopFn = Callable[[], bool]


class WorkerError(LabelerError):
    """The worker cannot start: bad arguments, bad config JSON, or no training data."""


# ---------------------------------------------------------------- config JSON


def config_from_dict(cls, data: dict, nested: dict[str, type] | None = None):
    """A frozen config dataclass from a JSON object; unknown keys are errors (a typo would silently do nothing)."""
    if not isinstance(data, dict):
        raise WorkerError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise WorkerError(f"{cls.__name__}: unknown fields {unknown}")
    values = {}
    for key, value in data.items():
        if nested and key in nested:
            value = None if value is None else config_from_dict(nested[key], value)
        elif isinstance(value, list):
            value = tuple(value)  # JSON has no tuples: scale ranges and the like
        values[key] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise WorkerError(f"{cls.__name__}: {exc}") from None


def rec_config_from_json(data: dict):
    from labeler.train.rec_finetune import RecFinetuneConfig

    return config_from_dict(RecFinetuneConfig, data, {"augment": AugmentParams})


def config_to_json(cfg) -> str:
    """The --config-json text for a config dataclass (rec or det)."""
    return json.dumps(dataclasses.asdict(cfg))


def _read_config_arg(text: str | None) -> dict:
    if not text:
        return {}
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise WorkerError(f"{text[1:]}: cannot read the config ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise WorkerError(f"--config-json is not valid JSON ({exc})") from None


# ---------------------------------------------------------------- events


def protocol_progress(model: str, total_steps: int, emit: EmitFn) -> Callable[[dict], None]:
    """finetune_* progress dicts -> protocol "progress" / "validate" events."""

    def on_progress(e: dict) -> None:
        if e["stage"] == "train":
            emit(
                {
                    "event": "progress",
                    "stage": "train",
                    "model": model,
                    "epoch": e["epoch"],
                    "step": e["step"],
                    "total_steps": total_steps,
                    "loss": e["loss"],
                    "val_acc": e["val_acc"],
                    "eta_s": e["eta_s"],
                }
            )
        elif e["stage"] == "blend":
            emit(
                {
                    "event": "stage",
                    "stage": "train",
                    "model": model,
                    "alpha": e["alpha"],
                    "val_acc": e["val_acc"],
                    "message": f"{model} weights {e['alpha']:.2f} of the way from base to tuned: "
                    f"val_acc {e['val_acc']:.3f}",
                }
            )
        elif e["stage"] == "validate" and e["loss"] is not None:
            emit(
                {
                    "event": "validate",
                    "model": model,
                    "epoch": e["epoch"],
                    "step": e["step"],
                    "val_loss": e["loss"],
                    "val_acc": e["val_acc"],
                }
            )

    return on_progress


def human_line(event: dict) -> str | None:
    """The stderr line for an event, e.g. "[train] rec epoch 2 step 140/600 loss 0.412 val_acc 0.913 ETA 6:40"."""
    if event.get("event") == "progress":
        val = "-" if event["val_acc"] is None else f"{event['val_acc']:.3f}"
        eta = "-" if event["eta_s"] is None else f"{int(event['eta_s']) // 60}:{int(event['eta_s']) % 60:02d}"
        return (
            f"[train] {event['model']} epoch {event['epoch']} step {event['step']}/{event['total_steps']} "
            f"loss {event['loss']:.3f} val_acc {val} ETA {eta}"
        )
    if event.get("event") == "validate":
        return (
            f"[validate] {event['model']} step {event['step']} val_acc {event['val_acc']:.3f} "
            f"val_loss {event['val_loss']:.3f}"
        )
    return None


# ---------------------------------------------------------------- the in-process job


def train_rec(
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg,
    emit: EmitFn,
    should_stop: StopFn,
    dist=None,
) -> dict:
    """Fine-tune `base_rec_onnx` on export_dir/rec/train.txt (validating on val.txt) and write the best
    weights into a copy of it at `out_onnx` (atomic). Returns a summary dict. TrainingCancelled when
    should_stop() turns true: nothing is written. With `dist`, only rank 0 writes and emits.
    """
    from labeler.train.onnx_writeback import write_back
    from labeler.train.rec_finetune import TrainingCancelled, finetune_rec, planned_steps

    started = time.perf_counter()
    export_dir, out_onnx = Path(export_dir), Path(out_onnx)
    charset = read_dict_file(dict_path)
    train_list, val_list = export_dir / "rec" / "train.txt", export_dir / "rec" / "val.txt"
    if not train_list.is_file():
        raise WorkerError(f"{train_list}: not found (is {export_dir} a labeler export?)")
    train = read_rec_list(train_list, charset, export_dir, cfg.height, cfg.max_width)
    val = read_rec_list(val_list, charset, export_dir, cfg.height, cfg.max_width) if val_list.is_file() else None
    if not train.samples:
        raise WorkerError(f"{train_list}: no usable training crops (skipped: {train.skipped or 'none listed'})")
    world = dist.world if dist is not None else 1
    main = dist is None or dist.is_main
    quiet: EmitFn = emit if main else (lambda event: None)
    progress = protocol_progress("rec", planned_steps(len(train), cfg, world), quiet)
    val_samples = val.samples if val is not None else []
    result = finetune_rec(base_rec_onnx, charset, train.samples, val_samples, cfg, progress, should_stop, dist)
    changed: list[str] = []
    if main:
        if should_stop():
            raise TrainingCancelled()
        changed = write_back(base_rec_onnx, result.state, out_onnx)  # temp file + fsync + os.replace
    return {
        "model": "rec",
        "out_onnx": str(out_onnx) if main else None,
        "base_val_acc": result.base_val_acc,
        "best_val_acc": result.best_val_acc,
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
        "val_samples": len(val_samples),
        "train_skipped": train.skipped,
        "val_skipped": val.skipped if val is not None else {},
        "changed_tensors": len(changed),
        "world_size": world,
        "blend_alpha": result.blend_alpha,
        "blend_trials": result.blend_trials,
    }


# ---------------------------------------------------------------- the process


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m labeler.train.rec_worker", description=__doc__.split("\n")[0])
    p.add_argument("--export", required=True, type=Path, help="export folder (OUT/rec/train.txt, OUT/det/...)")
    p.add_argument("--base", required=True, type=Path, help="the ONNX model to start from (never written)")
    p.add_argument("--dict", type=Path, help="rec dictionary (one character per line); rec only")
    p.add_argument("--out", required=True, type=Path, help="where the tuned ONNX file goes")
    p.add_argument("--config-json", default="", help="config fields as a JSON object, or @FILE")
    p.add_argument("--model", choices=("rec", "det"), default="rec")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (default: cores / processes)")
    p.add_argument(
        "--nproc",
        type=int,
        default=1,
        help="data-parallel processes: runs itself under torch.distributed.run and exits 130 on cancel",
    )
    return p


def launch_command(nproc: int, worker_args: list[str]) -> list[str]:
    """The torch.distributed.run command line for `nproc` ranks of this worker."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        "labeler.train.rec_worker",
        *worker_args,
    ]


def _without_nproc(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            out.append(arg)
    return out


def _supervise(nproc: int, argv: list[str], stop: _StopFlag) -> int:
    """Run the ranks under torch.distributed.run; a cancel is forwarded and reported as 130.

    The launcher itself exits 1 with a traceback when signalled, so its code cannot tell a cancel from a crash.
    """
    import subprocess

    child = subprocess.Popen(launch_command(nproc, _without_nproc(argv)))  # inherits stdout: rank 0's JSON lines

    def forward(signum, frame):
        stop.stop = True
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    rc = child.wait()
    return EXIT_CANCELLED if stop.stop else (EXIT_OK if rc == 0 else EXIT_ERROR)


class _StopFlag:
    """Set by SIGTERM / SIGINT; training polls it between steps."""

    def __init__(self) -> None:
        self.stop = False

    def __call__(self) -> bool:
        return self.stop

    def install(self) -> None:
        def handler(signum, frame):
            self.stop = True

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def default_threads(world: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(world, 1))


def main(argv: list[str] | None = None) -> int:
    stop = _StopFlag()
    stop.install()
    from labeler.train import distributed

    world = distributed.world_size_from_env()
    rank0 = int(os.environ.get("RANK", "0")) == 0

    def emit(event: dict) -> None:
        if not rank0:
            return
        sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        line = human_line(event)
        if line:
            print(line, file=sys.stderr, flush=True)

    ctx = None
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = _parser().parse_args(argv)
        if args.nproc > 1 and world <= 1:
            return _supervise(args.nproc, argv, stop)
        data = _read_config_arg(args.config_json)
        if args.model == "rec":
            if args.dict is None:
                raise WorkerError("--dict is required for --model rec")
            cfg = rec_config_from_json(data)
        else:
            from labeler.train.det_finetune import det_config_from_json

            cfg = det_config_from_json(data)
        threads = args.threads or cfg.num_threads or default_threads(world)
        cfg = dataclasses.replace(cfg, num_threads=threads)
        import cv2
        import torch

        torch.set_num_threads(threads)
        cv2.setNumThreads(threads)  # augmentation must not oversubscribe the cores torch uses
        ctx = distributed.init_from_env(cfg.device)
        if args.model == "rec":
            summary = train_rec(args.export, args.base, args.dict, args.out, cfg, emit, stop, ctx)
        else:
            if ctx is not None:
                raise WorkerError("the detector fine-tune runs in one process (drop torch.distributed.run)")
            from labeler.train.det_finetune import train_det

            summary = train_det(args.export, args.base, args.out, cfg, emit, stop)
        emit({"event": "worker_done", "model": args.model, "summary": summary})
        return EXIT_OK
    except SystemExit as exc:  # argparse
        return EXIT_ERROR if exc.code else EXIT_OK
    except Exception as exc:
        from labeler.train.rec_finetune import TrainingCancelled

        if isinstance(exc, TrainingCancelled):
            print("[train] cancelled: nothing written", file=sys.stderr, flush=True)
            return EXIT_CANCELLED
        if not isinstance(exc, (LabelerError, ValueError, OSError)):
            traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "message": str(exc) or type(exc).__name__})
        if not rank0:
            print(f"[train] rank {os.environ.get('RANK')}: {exc}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    finally:
        distributed.shutdown(ctx)


if __name__ == "__main__":
    sys.exit(main())
