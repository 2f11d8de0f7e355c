"""RetrainRunner with real child processes. Cancel with the default grace: the training process ends its child's
whole group (here a child and a grandchild that both ignore SIGTERM) and removes its run folder before any kill
comes. Lines are read with the protocol's one parser: garbled or unknown ones are shown, not acted on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from labeler.train.run_dirs import RUNS_DIR
from labeler.train.supervisor import PARENT_PID_ENV
from labeler.ui.retrain_runner import RetrainRunner

FAMILY = Path(__file__).resolve().parents[1] / "train" / "process_family.py"
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_cancel_from_the_window_leaves_no_process_and_no_run_folder(qtbot, tmp_path):
    project, pidfile = tmp_path / "project", tmp_path / "pids.json"
    project.mkdir()
    runner = RetrainRunner()  # the default grace: GUI_GRACE_S
    lines: list[str] = []
    runner.log_line.connect(lines.append)
    env = {"PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # A child grace of 1 s instead of CHILD_GRACE_S keeps the test short; the order of the waits is the same.
    runner.start([sys.executable, str(FAMILY), "parent", str(project), str(pidfile), "1", "stubborn"], env)
    qtbot.waitUntil(lambda: any("child ready" in e.get("message", "") for e in runner.events), timeout=30000)
    pids = json.loads(pidfile.read_text())
    assert any((project / RUNS_DIR).iterdir())
    with qtbot.waitSignal(runner.finished, timeout=20000) as finished:
        runner.cancel()
    assert finished.args == [130], lines  # it stopped by itself: no kill from the window was needed
    assert runner.events[-1] == {"event": "cancelled"}
    qtbot.waitUntil(lambda: not _alive(pids["child"]) and not _alive(pids["grandchild"]), timeout=5000)
    assert not (project / RUNS_DIR).exists()
    assert not any("killed" in line for line in lines)


def test_the_child_learns_the_windows_pid(qtbot):
    runner = RetrainRunner()
    code = f"import json, os; print(json.dumps({{'event': 'stage', 'stage': 'x', 'message': os.environ['{PARENT_PID_ENV}']}}))"
    runner.start([sys.executable, "-c", code])
    with qtbot.waitSignal(runner.finished, timeout=20000):
        pass
    assert runner.events == [{"event": "stage", "stage": "x", "message": str(os.getpid())}]


def test_garbled_and_unknown_lines_are_shown_not_acted_on(qtbot):
    runner = RetrainRunner()
    lines: list[str] = []
    runner.log_line.connect(lines.append)
    code = (
        'print(\'{"event": "progress", "step": "two"}\'); print(\'{"event": "thermal"}\'); '
        'print(\'{"event": "stage"\'); print(\'{"event": "cancelled"}\')'
    )
    runner.start([sys.executable, "-c", code])
    with qtbot.waitSignal(runner.finished, timeout=20000):
        pass
    assert runner.events == [{"event": "cancelled"}]
    assert [line for line in lines if line.startswith("{")] == [
        '{"event": "progress", "step": "two"}',
        '{"event": "thermal"}',
        '{"event": "stage"',
    ]
