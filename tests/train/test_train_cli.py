"""`python -m labeler train` as real subprocesses on a small rendered project: events, gate, history, cancel, DDP.

The project's pages print words and numbers 3 px apart ("TAX 43.58" set tight): the bundled recognizer
reads them without the space, and two fine-tuning steps on the confirmed pages teach it the space, so
the first run is accepted on the held-out page; a second run, starting from that version, cannot
improve on a perfect score and is rejected.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.ocr import project_models as pm
from labeler.ocr.registry import resolve_model_set
from tests.train.train_project import REPO, event_of, events_of, make_project, run_train, train_env

pytest.importorskip("torch")
pytestmark = pytest.mark.models


def _metrics(events: list[dict], which: str) -> dict:
    return next(e for e in events if e["event"] == "metrics" and e["which"] == which)


def _check_run(proc: subprocess.CompletedProcess, split: str = "test") -> list[dict]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = events_of(proc.stdout)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "result"
    stages = [e["stage"] for e in events if e["event"] == "stage"]
    assert [s for i, s in enumerate(stages) if s not in stages[:i]] == [
        "export",
        "baseline",
        "train",
        "evaluate",
        "install",
    ]
    progress = [e for e in events if e["event"] == "progress"]
    assert progress and all(e["model"] == "rec" and e["total_steps"] == 2 for e in progress)
    assert [e["step"] for e in progress] == [1, 2]
    assert any(e["event"] == "validate" for e in events)
    base, tuned, result = _metrics(events, "base"), _metrics(events, "tuned"), events[-1]
    assert base["split"] == tuned["split"] == split and base["images"] == tuned["images"] == 1
    # The gate's decision is the rule applied to the figures it printed.
    assert result["accepted"] == (tuned["metrics"]["zero_edit"] > base["metrics"]["zero_edit"])
    assert result["base"] == base["metrics"] and result["tuned"] == tuned["metrics"]
    assert "[train] rec epoch 1 step 2/2 loss" in proc.stderr  # the human progress line
    return events


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One project and its first run's events."""
    project = make_project(tmp_path_factory.mktemp("cli") / "proj", n_images=10, gap=3)
    return project, _check_run(run_train(project, "--max-steps", "2"))


@pytest.fixture(scope="module")
def retrained(trained):
    """The same project trained a second time: (project, first run's events, second run's events)."""
    project, first = trained
    return project, first, _check_run(run_train(project, "--max-steps", "2"))


def test_first_run_is_accepted_and_installed(trained):
    project, events = trained
    result = events[-1]
    assert events[0]["base_model"] == "ppocrv6-small" and events[0]["nproc"] == 1
    assert _metrics(events, "base")["metrics"]["zero_edit"] < 0.5  # the tight spaces fool the base model
    assert result["accepted"] and result["version"] == "v1"
    model_dir = Path(result["model_dir"])
    assert model_dir == project / ".labeler" / "models" / "v1"
    tuned_set = resolve_model_set(model_dir)
    assert tuned_set.rec.sha256 != resolve_model_set("default").rec.sha256  # new weights ...
    assert tuned_set.det.sha256 == resolve_model_set("default").det.sha256  # ... the detector as it was
    # ... drawing boxes the way the confirmed train pages do: the fitted unclip ratio is in the set's manifest.
    fit = pm.read_history(project).versions[0].training["box_fit"]
    assert fit["images"] == 8 and fit["det_hmean"] >= fit["base_det_hmean"] and fit["base_unclip_ratio"] == 1.6
    assert tuned_set.det.postprocess["unclip_ratio"] == fit["unclip_ratio"]
    assert any(e["event"] == "stage" and "box outline fitted on 8 train images" in e["message"] for e in events)
    # The weight blends toward the base were checked on validation, and the pick is recorded.
    blends = [e for e in events if e["event"] == "stage" and "of the way from base to tuned" in e["message"]]
    assert [e["alpha"] for e in blends] == [0.25, 0.5]
    training = pm.read_history(project).versions[0].training
    assert training["blend_alpha"] in (0.25, 0.5, 1.0) and len(training["blend_trials"]) == 3
    assert not (project / ".labeler" / "runs").exists()  # the work folder is gone


def test_second_run_starts_from_v1_and_is_rejected(retrained):
    project, first, events = retrained
    result = events[-1]
    assert events[0]["base_model"] == "v1"
    assert _metrics(events, "base")["metrics"] == first[-1]["tuned"]  # the same model on the same page
    assert not result["accepted"] and result["version"] is None and result["model_dir"] is None
    assert "not better" in result["reason"]
    history = pm.read_history(project)
    assert history.active == "v1"
    assert [(v.version, v.accepted) for v in history.versions] == [("v1", True), ("v2", False)]
    assert not (project / ".labeler" / "models" / "v2").exists()
    v2 = history.versions[1]
    assert v2.metrics["base"] == result["base"] and v2.reason == result["reason"] and v2.train_images == 8
    assert v2.training["steps"] == 2 and v2.base_model == "v1"


def test_history_and_rollback_without_torch(retrained):
    project = retrained[0]
    code = (
        "import sys; from labeler.cli import main; rc = main(sys.argv[1:]); "
        "assert 'torch' not in sys.modules, 'torch imported'; sys.exit(rc)"
    )

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code, "train", str(project), *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env=train_env(project),
        )

    shown = cli("--history")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[1].startswith("v1*") and " yes " in lines[1] and "-> 1.000" in lines[1]
    assert lines[2].startswith("v2 ") and " no " in lines[2] and "not better" in lines[2]
    assert cli("--rollback", "base").returncode == 0
    assert pm.active_model_dir(project) is None
    refused = cli("--rollback", "v2")
    assert refused.returncode == 2 and "rejected" in refused.stderr  # not a version --rollback can name: usage
    assert cli("--rollback", "v1").returncode == 0
    assert pm.active_model_dir(project) == project / ".labeler" / "models" / "v1"


@pytest.mark.parametrize("nproc", [1, 2])
def test_sigterm_mid_training_exits_130_and_leaves_nothing(tmp_path, nproc):
    """SIGTERM (QProcess.terminate) after the first step; with --nproc 2 it is forwarded to the torchrun ranks."""
    project = make_project(tmp_path / "proj", n_images=10, gap=3)
    cmd = [
        sys.executable,
        "-m",
        "labeler",
        "train",
        str(project),
        "--threads",
        str(nproc),
        "--max-steps",
        "500",
        "--nproc",
        str(nproc),
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=train_env(project)
    )
    seen = []
    try:
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            seen.append(event_of(line))
            if seen[-1]["event"] == "progress" or time.monotonic() > deadline:
                break
        assert seen[-1]["event"] == "progress", seen
        assert (project / ".labeler" / "runs").is_dir()  # a run folder exists while training
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    events = events_of(rest)
    assert events[-1] == {"event": "cancelled"}
    assert not any(e["event"] == "result" for e in events)
    assert max(e["step"] for e in seen + events if e["event"] == "progress") < 500
    assert pm.list_versions(project) == [] and pm.active_model_dir(project) is None
    assert not (project / ".labeler" / "runs").exists()
    assert not any((project / ".labeler" / "models").glob("v*"))
    if nproc == 1:  # (torchrun itself prints a traceback when signalled; our own process never does)
        assert "Traceback" not in err


def test_two_processes_on_cpu(tmp_path):
    """--nproc 2: torch.distributed.run with gloo; the rank-0 events come through the parent.

    Six images split 8:1:1 give no test image (5 train, 1 val): the gate falls back to the val split.
    """
    project = make_project(tmp_path / "proj", n_images=6, gap=3)
    proc = run_train(project, "--max-steps", "2", "--nproc", "2", "--threads", "2", timeout=300)
    events = _check_run(proc, split="val")
    assert events[0]["nproc"] == 2
    version = pm.list_versions(project)[0]
    assert version.training["world_size"] == 2 and version.training["nproc"] == 2


def test_errors_are_events_with_status_1(tmp_path):
    empty = make_project(tmp_path / "empty", n_images=0, unconfirmed=2)
    proc = run_train(empty, "--max-steps", "1")
    assert proc.returncode == 1
    events = events_of(proc.stdout)
    assert events[-1]["event"] == "error" and "no confirmed images" in events[-1]["message"]
    assert not (empty / ".labeler" / "runs").exists()

    tiny = make_project(tmp_path / "tiny", n_images=3)  # 8:1:1 of 3 images: all train, nothing held out
    proc = run_train(tiny, "--max-steps", "1")
    assert proc.returncode == 1
    assert "leave the test and val splits empty (--split 8:1:1)" in events_of(proc.stdout)[-1]["message"]
    assert not (tiny / ".labeler" / "runs").exists() and pm.list_versions(tiny) == []

    bad = run_train(tmp_path / "missing", "--max-steps", "1")  # a usage error (2), still reported as an event
    assert bad.returncode == 2 and "not a folder" in events_of(bad.stdout)[-1]["message"]


def test_det_fine_tunes_the_detector_too(tmp_path):
    project = make_project(tmp_path / "proj", n_images=10, gap=3)
    proc = run_train(project, "--det", "--max-steps", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = events_of(proc.stdout)
    models = [e["model"] for e in events if e["event"] == "progress"]
    assert models == ["rec", "det"]
    base, tuned, result = _metrics(events, "base"), _metrics(events, "tuned"), events[-1]
    assert result["accepted"] == (tuned["metrics"]["zero_edit"] > base["metrics"]["zero_edit"])
    version = pm.list_versions(project)[0]
    assert version.training["det"]["steps"] == 1 and version.training["steps"] == 1


def test_ctrl_c_mid_training_exits_130_and_removes_its_run_folder(tmp_path):
    """SIGINT (Ctrl+C at a terminal) ends the run like SIGTERM: its work folder goes, nothing is installed."""
    project = make_project(tmp_path / "proj", n_images=4, gap=3)
    cmd = [sys.executable, "-m", "labeler", "train", str(project), "--threads", "1", "--max-steps", "500"]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=train_env(project)
    )
    try:
        for line in proc.stdout:
            if event_of(line)["event"] == "progress":
                break
        runs = list((project / ".labeler" / "runs").iterdir())
        assert len(runs) == 1 and (runs[0] / "owner.json").is_file()  # owned by the live run
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert events_of(rest)[-1] == {"event": "cancelled"} and "SIGINT: stopping at the next step" in err
    assert not (project / ".labeler" / "runs").exists() and pm.list_versions(project) == []
