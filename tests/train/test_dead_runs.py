"""Work folders of killed `labeler train` runs are removed by the next run; live and --keep-run folders stay.

The end-to-end test SIGKILLs real `python -m labeler train` processes (no handler runs, so the folder stays
behind) while a helper process holds a run folder of its own, then trains again on the same project.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.train.run_dirs import OWNER_NAME, RUNS_DIR, RunOwner, claim_run_dir, clean_dead_runs, new_run_dir
from tests.train.train_project import REPO, event_of, events_of, make_project, run_train, train_env

HOLD = (
    "import sys; from pathlib import Path; from labeler.train.run_dirs import new_run_dir; "
    "claim = new_run_dir(Path(sys.argv[1])); (claim.folder / 'data.bin').write_bytes(bytes(2_000_000)); "
    "print(claim.folder, flush=True); sys.stdin.read()"
)


def _holder(project: Path) -> tuple[subprocess.Popen, Path]:
    """A live process owning a run folder of `project` until its stdin closes or it is killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=train_env(project),
    )
    folder = Path(proc.stdout.readline().strip())
    assert folder.is_dir(), proc.poll()
    return proc, folder


def _kill_train_at(project: Path, stage: str, *args: str) -> tuple[Path, list[dict]]:
    """Start `labeler train`, SIGKILL it at the first `stage` event; (its run folder, the events seen)."""
    before = set((project / RUNS_DIR).glob("*")) if (project / RUNS_DIR).is_dir() else set()
    cmd = [sys.executable, "-m", "labeler", "train", str(project), "--threads", "1", "--max-steps", "1", *args]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=train_env(project)
    )
    seen: list[dict] = []
    try:
        for line in proc.stdout:
            seen.append(event_of(line))
            if seen[-1].get("stage") == stage:
                break
        assert seen and seen[-1].get("stage") == stage, seen
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    new = set((project / RUNS_DIR).glob("*")) - before
    assert len(new) == 1, new
    return new.pop(), seen


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.models
def test_next_run_removes_killed_runs_only(tmp_path):
    pytest.importorskip("torch")
    project = make_project(tmp_path / "proj", n_images=4, gap=3)
    live_proc, live = _holder(project)
    try:
        kept, _ = _kill_train_at(project, "baseline", "--keep-run")  # killed, but kept on purpose
        dead, seen = _kill_train_at(project, "evaluate")  # killed with its staged model set written
        assert not any(e.get("stage") == "cleanup" for e in seen)  # nothing dead yet: the live one is not
        assert live.is_dir() and kept.is_dir()
        assert json.loads((dead / OWNER_NAME).read_text())["keep"] is False
        left_mb = _size(dead) / 1e6
        assert (dead / "model").is_dir() and left_mb > 5, left_mb

        proc = run_train(project, "--max-steps", "1")
        assert proc.returncode == 0, proc.stderr[-3000:]
        events = events_of(proc.stdout)
        cleanup = [e["message"] for e in events if e["event"] == "stage" and e["stage"] == "cleanup"]
        assert len(cleanup) == 1 and cleanup[0].startswith("removed 1 work folder of killed runs ("), cleanup
        assert dead.name in cleanup[0] and f"[cleanup] {cleanup[0]}" in proc.stderr
        assert not dead.exists()
        # The live run and the kept one survive; the second run removed its own folder when it finished.
        assert sorted((project / RUNS_DIR).iterdir()) == sorted([live, kept])
        assert live_proc.poll() is None and (live / "data.bin").is_file()
    finally:
        live_proc.kill()
        live_proc.wait()

    # Its owner gone, the helper's folder is a dead run too; the kept one still stays.
    report = clean_dead_runs(project)
    assert list(report.removed) == [live] and report.removed[live].pid == live_proc.pid
    assert report.kept == [kept] and report.live == [] and not report.failed
    assert 2.0 <= report.freed_bytes / 1e6 < 2.1
    assert sorted((project / RUNS_DIR).iterdir()) == [kept]
    print(f"\nkilled run left {left_mb:.1f} MB; cleanup of the helper's folder took {report.seconds * 1000:.1f} ms")


def test_claim_is_live_until_released(tmp_path):
    claim = new_run_dir(tmp_path)
    owner = RunOwner.from_bytes((claim.folder / OWNER_NAME).read_bytes())
    assert owner is not None and owner.pid == os.getpid() and not owner.keep
    # Another open file of this same process cannot take the lock either: the folder is live.
    report = clean_dead_runs(tmp_path)
    assert report.live == [claim.folder] and not report.removed and claim.folder.is_dir()
    claim.release(remove=True)
    assert not (tmp_path / RUNS_DIR).exists()  # the run's folder, then the empty runs folder


def test_released_without_removing_is_dead_unless_kept(tmp_path):
    dead, kept = new_run_dir(tmp_path), new_run_dir(tmp_path, keep=True)
    (dead.folder / "export").mkdir()
    (dead.folder / "export" / "crop.png").write_bytes(bytes(1000))
    os.link(dead.folder / "export" / "crop.png", tmp_path / "image.png")  # a hard link frees nothing
    (dead.folder / "model.onnx").write_bytes(bytes(3000))
    dead.release(remove=False)  # as if killed: the lock goes, the folder stays
    kept.release(remove=False)
    owner_bytes = (dead.folder / OWNER_NAME).stat().st_size
    report = clean_dead_runs(tmp_path)
    assert list(report.removed) == [dead.folder] and report.kept == [kept.folder]
    assert report.freed_bytes == 3000 + owner_bytes
    assert not dead.folder.exists() and kept.folder.is_dir() and (tmp_path / "image.png").is_file()
    assert report.summary() == (
        f"removed 1 work folder of killed runs (0.0 MB) from {tmp_path / RUNS_DIR}: {dead.folder.name}"
    )
    again = clean_dead_runs(tmp_path)
    assert not again.removed and again.summary() is None


def test_folders_without_an_owner_are_left_alone(tmp_path):
    runs = tmp_path / RUNS_DIR
    (runs / "paddle-20250101-000000").mkdir(parents=True)  # the PaddleOCR engine's runs have no owner.json
    (runs / "20250101-000000").mkdir()  # a run from before owner.json
    starting = runs / "20250101-000001"  # a run between creating owner.json and writing it
    starting.mkdir()
    (starting / OWNER_NAME).write_bytes(b"")
    report = clean_dead_runs(tmp_path)
    assert sorted(report.unowned) == sorted(runs.iterdir()) and not report.removed and report.summary() is None


def test_claim_refuses_a_claimed_folder(tmp_path):
    from labeler.train.run_dirs import RunDirError

    with new_run_dir(tmp_path) as claim:
        with pytest.raises(RunDirError, match="cannot claim"):
            claim_run_dir(claim.folder)
    assert not claim.folder.exists()


def test_cleanup_of_many_dead_runs_is_quick(tmp_path):
    for _ in range(20):
        claim = new_run_dir(tmp_path)
        (claim.folder / "model.onnx").write_bytes(bytes(100_000))
        claim.release(remove=False)
    started = time.perf_counter()
    report = clean_dead_runs(tmp_path)
    assert len(report.removed) == 20 and 20 * 100_000 < report.freed_bytes < 20 * 100_500  # + owner.json files
    assert time.perf_counter() - started < 5 and not (tmp_path / RUNS_DIR).exists()
    assert report.summary().startswith("removed 20 work folders of killed runs (2.0 MB)")
