"""What one `labeler train` run is asked to do: TrainJobSpec, and its command line both ways.

    spec = TrainJobSpec(Path("shop"), time_budget_min=5, max_steps=3)
    argv = [sys.executable, "-m", "labeler", "train", *spec.to_argv()]   # the GUI's QProcess arguments
    TrainJobSpec.from_argv(argv[4:]) == spec                              # what the CLI parses back

The options are declared once (add_job_arguments): the CLI's `train` subcommand adds them to its parser,
from_argv parses with them, and to_argv writes only what differs from their defaults, except --time-budget
and --device, which a reader of the GUI's log wants to see. No torch, no Qt.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from labeler.core.arg_types import non_negative_int, positive_float, positive_int, split_ratios
from labeler.core.errors import UsageError
from labeler.core.split import SplitRatios

DEVICES = ("cpu", "cuda")
ENGINES = ("torch", "paddleocr")


class JobSpecError(UsageError, ValueError):
    """A job spec with an impossible value (a device or engine nobody offers, a count below its minimum)."""


@dataclass(frozen=True)
class TrainJobSpec:
    project_dir: Path
    models: str | None = None  # explicit base set; None: the project's active version, else settings
    det: bool = False
    time_budget_min: float = 20.0
    nproc: int = 1
    device: str = "cpu"
    max_steps: int = 0  # 0: the time budget decides
    seed: int = 0
    threads: int = 2
    split: SplitRatios = SplitRatios()
    lr: float | None = None  # None: the engine's default (engine.default_rec_config)
    keep_run: bool = False  # keep PROJECT/.labeler/runs/<time>/ (export, predictions) for inspection
    engine: str = "torch"
    paddleocr_dir: Path | None = None  # --engine paddleocr: a PaddleOCR git checkout
    gpus: str | None = None  # --engine paddleocr: "0,1"
    pretrained: Path | None = None  # --engine paddleocr: pretrained weights

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise JobSpecError(f"device must be one of {DEVICES}, not {self.device!r}")
        if self.engine not in ENGINES:
            raise JobSpecError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if self.nproc < 1 or self.threads < 1 or self.max_steps < 0 or not self.time_budget_min > 0:
            raise JobSpecError(
                f"nproc and threads must be 1 or more, max_steps 0 or more and the time budget above 0 "
                f"(got {self.nproc}, {self.threads}, {self.max_steps}, {self.time_budget_min})"
            )

    @property
    def time_budget_s(self) -> float:
        return float(self.time_budget_min) * 60

    def to_argv(self) -> list[str]:
        """The arguments after `labeler train`: PROJECT_DIR, then the options that are not at their default."""
        argv = [str(self.project_dir), "--time-budget", _number(self.time_budget_min)]
        if self.det:
            argv.append("--det")
        if self.nproc != 1:
            argv += ["--nproc", str(self.nproc)]
        argv += ["--device", self.device]
        if self.max_steps:
            argv += ["--max-steps", str(self.max_steps)]
        if self.threads != 2:
            argv += ["--threads", str(self.threads)]
        if self.models is not None:
            argv += ["--models", self.models]
        if self.seed:
            argv += ["--seed", str(self.seed)]
        if self.split != SplitRatios():
            argv += ["--split", ":".join(_number(v) for v in self.split.as_tuple())]
        if self.lr is not None:
            argv += ["--lr", _number(self.lr)]
        if self.keep_run:
            argv.append("--keep-run")
        if self.engine != "torch":
            argv += ["--engine", self.engine]
        for option, value in (
            ("--paddleocr-dir", self.paddleocr_dir),
            ("--gpus", self.gpus),
            ("--pretrained", self.pretrained),
        ):
            if value is not None:
                argv += [option, str(value)]
        return argv

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> TrainJobSpec:
        """The spec of `labeler train ARGV...` (as to_argv writes it); UsageError for a bad command line."""
        parser = _RaisingParser(prog="labeler train", add_help=False)
        add_job_arguments(parser)
        return cls.from_namespace(parser.parse_args(list(argv)))

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> TrainJobSpec:
        """The spec of arguments parsed with add_job_arguments' options."""
        return cls(
            project_dir=args.project,
            models=args.models,
            det=args.det,
            time_budget_min=args.time_budget,
            nproc=args.nproc,
            device=args.device,
            max_steps=args.max_steps,
            seed=args.seed,
            threads=args.threads,
            split=args.split,
            lr=args.lr,
            keep_run=args.keep_run,
            engine=args.engine,
            paddleocr_dir=args.paddleocr_dir,
            gpus=args.gpus,
            pretrained=args.pretrained,
        )


def _number(value: float) -> str:
    """Short when that reads back exactly ("20", "2e-05"), else every digit."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print and exit
        raise UsageError(f"labeler train: {message}")


# ------------------------------------------------------------------------------------------- the options


def add_job_arguments(p: argparse.ArgumentParser) -> None:
    """PROJECT_DIR and every option of a training run (the CLI's `train` subcommand adds its own few more)."""
    p.add_argument("project", type=Path, metavar="PROJECT_DIR")
    p.add_argument("--det", action="store_true", help="also fine-tune the detector")
    p.add_argument(
        "--time-budget",
        type=positive_float,
        default=20.0,
        metavar="MIN",
        help="training time budget in minutes (default: %(default)s)",
    )
    p.add_argument(
        "--nproc",
        type=positive_int,
        default=1,
        metavar="N",
        help="training processes (torchrun DDP: gloo on CPU, NCCL on CUDA; default: 1)",
    )
    p.add_argument("--device", choices=DEVICES, default="cpu")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="torch",
        help="torch (built in) or paddleocr (a PaddleOCR git checkout; see --paddleocr-dir)",
    )
    p.add_argument("--paddleocr-dir", type=Path, metavar="PATH", help="PaddleOCR checkout (--engine paddleocr)")
    p.add_argument("--gpus", metavar="0,1", help="GPUs for --engine paddleocr")
    p.add_argument("--pretrained", type=Path, metavar="PATH", help="pretrained weights for --engine paddleocr")
    p.add_argument(
        "--models",
        metavar="NAME|PATH",
        help="base model set (default: the project's active version, else the settings' model set)",
    )
    p.add_argument(
        "--max-steps", type=non_negative_int, default=0, metavar="N", help="stop after N training steps (0: budget)"
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="split and shuffling seed (default: 0)")
    p.add_argument("--threads", type=positive_int, default=2, metavar="N", help="CPU threads, 1 or more (default: 2)")
    p.add_argument(
        "--split", type=split_ratios, default="8:1:1", metavar="8:1:1", help="train:val:test ratios by image"
    )
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the engine's, 2e-5)")
    p.add_argument(
        "--keep-run",
        action="store_true",
        help="keep the work folder PROJECT_DIR/.labeler/runs/<time> (later runs never remove it)",
    )
