"""TrainJobSpec: one job spec for the CLI, the engine and the window, and its command line both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.cli import build_parser
from labeler.core.errors import UsageError
from labeler.core.split import SplitRatios
from labeler.train.job_spec import JobSpecError, TrainJobSpec
from labeler.ui.retrain_runner import TrainOptions, train_argv

SPECS = [
    TrainJobSpec(Path("shop")),
    TrainJobSpec(Path("/data/my project"), models="light", det=True, time_budget_min=2.5, nproc=2, device="cuda"),
    TrainJobSpec(Path("p"), max_steps=3, seed=7, threads=1, split=SplitRatios(9, 1, 0), lr=3.3e-5, keep_run=True),
    TrainJobSpec(Path("p"), time_budget_min=1 / 3, lr=0.1 + 0.2),  # values :g would round
    TrainJobSpec(Path("p"), engine="paddleocr", paddleocr_dir=Path("/src/PaddleOCR"), gpus="0,1", pretrained=Path("w")),
]


@pytest.mark.parametrize("spec", SPECS)
def test_argv_round_trip(spec):
    argv = spec.to_argv()
    assert all(isinstance(a, str) for a in argv)  # an argument list, never a shell string
    assert TrainJobSpec.from_argv(argv) == spec
    args = build_parser().parse_args(["train", *argv])  # the CLI's own parser reads it the same
    assert TrainJobSpec.from_namespace(args) == spec


def test_defaults_stay_short_and_budget_is_in_minutes():
    spec = TrainJobSpec(Path("p"))
    assert spec.to_argv() == ["p", "--time-budget", "20", "--device", "cpu"]
    assert spec.time_budget_s == 1200.0


def test_bad_values_are_usage_errors():
    with pytest.raises(JobSpecError):
        TrainJobSpec(Path("p"), device="tpu")
    with pytest.raises(ValueError):  # what the window's form expects
        TrainJobSpec(Path("p"), nproc=0)
    with pytest.raises(UsageError, match="--threads"):
        TrainJobSpec.from_argv(["p", "--threads", "0"])


def test_the_window_builds_its_arguments_from_the_spec():
    options = TrainOptions(time_budget_min=5, det=True, nproc=2, max_steps=3, threads=1, models="v2")
    argv = train_argv("proj", options, python="/py")
    assert argv[:4] == ["/py", "-m", "labeler", "train"]
    assert TrainJobSpec.from_argv(argv[4:]) == options.to_spec("proj")
    assert options.to_spec("proj") == TrainJobSpec(
        Path("proj"), models="v2", det=True, time_budget_min=5, nproc=2, max_steps=3, threads=1
    )
