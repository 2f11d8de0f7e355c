"""The training worker: one fine-tune as a process of its own (export folder in, tuned ONNX file out, JSON lines out).

    python -m labeler.train.worker --export OUT --base rec.onnx --dict dict.txt --out tuned.onnx \\
        [--config-json '{"max_steps": 200, ...}'] [--threads N] [--model rec|det] [--nproc N]
    python -m torch.distributed.run --standalone --nproc_per_node=2 -m labeler.train.worker ...

stdout carries protocol events (labeler.train.events): {"event": "progress", "model": "rec", ...},
{"event": "validate", ...}, then one {"event": "worker_done", "model": ..., "summary": {...}} line, or
{"event": "error", "message": ...}; stderr a human line per event. Under torch.distributed.run only rank 0
prints to stdout and only rank 0 writes --out. SIGTERM / SIGINT stop training at the next step: nothing is
written and the process exits 130; so does the death of the process that started it. Errors exit 1.

--config-json holds RecFinetuneConfig fields (DetFinetuneConfig with --model det) as a JSON object, or
@FILE to read it from a file (labeler.train.config_json). --threads defaults to the usable cores divided by
the number of processes. --nproc N runs this worker's ranks under torch.distributed.run itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import traceback
from pathlib import Path

from labeler.core.errors import Cancelled, LabelerError
from labeler.train.config_json import det_config_from_json, read_config_arg, rec_config_from_json
from labeler.train.events import ErrorEvent, EventEmitter, WorkerDoneEvent
from labeler.train.step_report import TrainInputError

WORKER_MODULE = "labeler.train.worker"
EXIT_OK, EXIT_ERROR, EXIT_CANCELLED = 0, 1, 130


def torchrun_argv(nproc: int, worker_args: list[str]) -> list[str]:
    """The torch.distributed.run command line for `nproc` ranks of this worker."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        WORKER_MODULE,
        *worker_args,
    ]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m {WORKER_MODULE}", description=__doc__.split("\n")[0])
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


class StopFlag:
    """Set by SIGTERM / SIGINT (and so by the parent's death, see die_with_parent); training polls it."""

    def __init__(self) -> None:
        self.stop = False

    def __call__(self) -> bool:
        return self.stop

    def install(self) -> None:
        def handler(signum, frame):
            self.stop = True

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def _launch_ranks(nproc: int, argv: list[str], stop: StopFlag) -> int:
    """Run the ranks under torch.distributed.run (labeler.train.supervisor); a cancel is reported as 130.

    The launcher itself exits 1 with a traceback when signalled, so its code cannot tell a cancel from a crash.
    """
    from labeler.train.supervisor import ChildCommand, run_supervised

    def relay(line: str) -> None:  # rank 0's JSON lines, onto our stdout as they come
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        done = run_supervised(ChildCommand(torchrun_argv(nproc, _without_nproc(argv))), relay, stop)
    except Cancelled:
        return EXIT_CANCELLED
    return EXIT_CANCELLED if stop() else (EXIT_OK if done.returncode == 0 else EXIT_ERROR)


def default_threads(world: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(world, 1))


def main(argv: list[str] | None = None) -> int:
    from labeler.train.process_groups import die_with_parent
    from labeler.train.supervisor import CHILD_GRACE_S

    stop = StopFlag()
    stop.install()
    die_with_parent(CHILD_GRACE_S)  # torchrun starts each rank in a session of its own: no group signal reaches it
    from labeler.train import distributed

    world = distributed.world_size_from_env()
    rank0 = int(os.environ.get("RANK", "0")) == 0
    events = EventEmitter()

    def emit(event: dict) -> None:
        if rank0:
            events(event)

    ctx = None
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = _parser().parse_args(argv)
        if args.nproc > 1 and world <= 1:
            return _launch_ranks(args.nproc, argv, stop)
        data = read_config_arg(args.config_json)
        if args.model == "rec":
            if args.dict is None:
                raise TrainInputError("--dict is required for --model rec")
            cfg = rec_config_from_json(data)
        else:
            cfg = det_config_from_json(data)
        threads = args.threads or cfg.num_threads or default_threads(world)
        cfg = dataclasses.replace(cfg, num_threads=threads)
        import cv2
        import torch

        torch.set_num_threads(threads)
        cv2.setNumThreads(threads)  # augmentation must not oversubscribe the cores torch uses
        ctx = distributed.init_from_env(cfg.device)
        if args.model == "rec":
            from labeler.train.rec_train import train_rec

            summary = train_rec(args.export, args.base, args.dict, args.out, cfg, emit, stop, ctx)
        else:
            if ctx is not None:
                raise TrainInputError("the detector fine-tune runs in one process (drop torch.distributed.run)")
            from labeler.train.det_train import train_det

            summary = train_det(args.export, args.base, args.out, cfg, emit, stop)
        emit(WorkerDoneEvent(args.model, summary).to_dict())
        return EXIT_OK
    except SystemExit as exc:  # argparse
        return EXIT_ERROR if exc.code else EXIT_OK
    except Cancelled:
        print("[train] cancelled: nothing written", file=sys.stderr, flush=True)
        return EXIT_CANCELLED
    except Exception as exc:
        if not isinstance(exc, (LabelerError, ValueError, OSError)):
            traceback.print_exc(file=sys.stderr)
        emit(ErrorEvent(str(exc) or type(exc).__name__).to_dict())
        if not rank0:
            print(f"[train] rank {os.environ.get('RANK')}: {exc}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    finally:
        distributed.shutdown(ctx)


if __name__ == "__main__":
    sys.exit(main())
