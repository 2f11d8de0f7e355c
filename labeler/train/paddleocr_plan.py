"""What a `labeler train --engine paddleocr` run will execute: its folder layout and its child commands.

Pure: plans, runs and checks nothing (labeler.train.paddleocr_engine runs them). Argument lists, never a shell.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PREFLIGHT_TAG = "LABELER_PREFLIGHT "
PREFLIGHT_CODE = (  # one line, so the logged command reads well
    "import json, paddle; cuda = bool(paddle.is_compiled_with_cuda()); "
    "gpus = paddle.device.cuda.device_count() if cuda else 0; "
    f"print({PREFLIGHT_TAG!r} + json.dumps({{'version': paddle.__version__, 'cuda': cuda, 'gpus': gpus}}))"
)


@dataclass(frozen=True)
class RunLayout:
    """Where one run keeps its files: PROJECT/.labeler/runs/paddle-<time>/..."""

    root: Path

    @property
    def export_dir(self) -> Path:
        return self.root / "export"

    @property
    def launch_log(self) -> Path:
        return self.root / "launch-log"

    def config(self, kind: str) -> Path:
        return self.root / "configs" / f"{kind}.yml"

    def save_model_dir(self, kind: str) -> Path:
        return self.root / "output" / kind

    def inference_dir(self, kind: str) -> Path:
        return self.root / "inference" / kind

    def onnx_file(self, kind: str) -> Path:
        return self.root / "onnx" / f"{kind}.onnx"


@dataclass(frozen=True)
class CommandSpec:
    """One child process: argument list, working folder, environment overrides, and what it writes."""

    name: str  # preflight | train-rec | export-rec | onnx-rec | ... (det likewise)
    stage: str  # protocol stage: train | install
    model: str | None
    argv: tuple[str, ...]
    cwd: Path | None
    env: Mapping[str, str] = field(default_factory=dict)
    produces: tuple[Path, ...] = ()

    def shell_line(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        cd = f"cd {shlex.quote(str(self.cwd))} && " if self.cwd else ""
        return f"{cd}{env + ' ' if env else ''}{shlex.join(self.argv)}"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "stage": self.stage,
            "model": self.model,
            "argv": list(self.argv),
            "cwd": str(self.cwd) if self.cwd else None,
            "env": dict(self.env),
            "produces": [str(p) for p in self.produces],
        }


def preflight_command(paddleocr_dir: Path, python: str) -> CommandSpec:
    return CommandSpec("preflight", "train", None, (python, "-c", PREFLIGHT_CODE), paddleocr_dir)


def train_command(kind: str, layout: RunLayout, paddleocr_dir: Path, gpus: Sequence[int], python: str) -> CommandSpec:
    tail = ("tools/train.py", "-c", str(layout.config(kind)), "-o", "Global.use_gpu=True")
    if len(gpus) == 1:
        argv, env = (python, *tail), {"CUDA_VISIBLE_DEVICES": str(gpus[0])}
    else:
        launch = (
            python,
            "-m",
            "paddle.distributed.launch",
            "--gpus",
            ",".join(map(str, gpus)),
            "--log_dir",
            str(layout.launch_log / kind),
        )
        argv, env = (*launch, *tail), {}
    return CommandSpec(
        f"train-{kind}",
        "train",
        kind,
        argv,
        paddleocr_dir,
        env,
        (layout.save_model_dir(kind) / "best_accuracy.pdparams",),
    )


def export_command(
    kind: str, layout: RunLayout, paddleocr_dir: Path, gpus: Sequence[int], python: str, checkpoint: Path | None = None
) -> CommandSpec:
    weights = checkpoint or layout.save_model_dir(kind) / "best_accuracy"
    out = layout.inference_dir(kind)
    argv = (
        python,
        "tools/export_model.py",
        "-c",
        str(layout.config(kind)),
        "-o",
        f"Global.pretrained_model={weights}",
        f"Global.save_inference_dir={out}",
    )
    return CommandSpec(
        f"export-{kind}",
        "install",
        kind,
        argv,
        paddleocr_dir,
        {"CUDA_VISIBLE_DEVICES": str(gpus[0])},
        (out / "inference.pdmodel", out / "inference.pdiparams", out / "inference.yml"),
    )


def onnx_command(kind: str, layout: RunLayout, model_filename: str = "inference.pdmodel") -> CommandSpec:
    """paddle2onnx; model_filename is inference.json when the export wrote PIR (Global.export_with_pir)."""
    argv = (
        "paddle2onnx",
        "--model_dir",
        str(layout.inference_dir(kind)),
        "--model_filename",
        model_filename,
        "--params_filename",
        "inference.pdiparams",
        "--save_file",
        str(layout.onnx_file(kind)),
        "--opset_version",
        "11",
        "--enable_onnx_checker",
        "True",
    )
    return CommandSpec(f"onnx-{kind}", "install", kind, argv, None, {}, (layout.onnx_file(kind),))


def plan_commands(
    layout: RunLayout, paddleocr_dir: Path, kinds: Sequence[str], gpus: Sequence[int], python: str = sys.executable
) -> list[CommandSpec]:
    """Every child process of a run, in order (pure: runs and checks nothing). run() re-makes the export and
    onnx commands once it knows which checkpoint and which model file the earlier step wrote."""
    commands = [preflight_command(paddleocr_dir, python)]
    for kind in kinds:
        commands += [
            train_command(kind, layout, paddleocr_dir, gpus, python),
            export_command(kind, layout, paddleocr_dir, gpus, python),
            onnx_command(kind, layout),
        ]
    return commands
