"""labeler.train.supervisor with real processes: a child that starts a grandchild is ended with its whole group
on cancel, also when both ignore SIGTERM; when the supervising process is killed outright, the watchdog ends
them and the next run's cleanup removes the run folder (labeler.train.run_dirs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.core.errors import Cancelled
from labeler.train.events import CancelledEvent, read_event
from labeler.train.run_dirs import RUNS_DIR, clean_dead_runs
from labeler.train.supervisor import CHILD_GRACE_S, GUI_GRACE_S, PARENT_PID_ENV, ChildCommand, run_supervised
from labeler.ui.retrain_runner import RetrainRunner

FAMILY = Path(__file__).with_name("process_family.py")
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups")


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split()[2] == "Z")  # a zombie has ended


def wait_gone(*pids: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def family_pids(pidfile: Path, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pidfile.is_file() and pidfile.read_text():
            return json.loads(pidfile.read_text())
        time.sleep(0.05)
    raise AssertionError("the child never started")


@pytest.mark.parametrize("stubborn", [False, True])
def test_cancel_ends_the_child_and_its_grandchild(tmp_path, stubborn):
    pidfile = tmp_path / "pids.json"
    argv = [sys.executable, str(FAMILY), "child", str(pidfile)] + (["stubborn"] if stubborn else [])
    lines: list[str] = []
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_supervised(ChildCommand(argv), lines.append, lambda: "child ready" in lines, grace_s=0.5)
    pids = family_pids(pidfile)
    assert wait_gone(pids["child"], pids["grandchild"], timeout=5)
    assert time.monotonic() - started < 20


def test_exit_status_and_lines(tmp_path):
    code = "import sys; print('one'); print('two\\rthree', flush=True); sys.stderr.write('err\\n'); sys.exit(3)"
    lines: list[str] = []
    done = run_supervised(ChildCommand([sys.executable, "-c", code], merge_stderr=True), lines.append, lambda: False)
    assert done.returncode == 3 and lines == ["one", "three", "err"] and done.tail == lines


def test_sigterm_to_the_parent_ends_the_family_and_removes_the_run_folder(tmp_path):
    project, pidfile = tmp_path / "project", tmp_path / "pids.json"
    project.mkdir()
    parent = subprocess.Popen(
        [sys.executable, str(FAMILY), "parent", str(project), str(pidfile), "0.5", "stubborn"],
        stdout=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        pids = family_pids(pidfile)
        assert any((project / RUNS_DIR).iterdir())  # the live run's folder
        parent.send_signal(signal.SIGTERM)
        out, _ = parent.communicate(timeout=30)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert parent.returncode == 130 and read_event(out.splitlines()[-1]) == CancelledEvent()
    assert wait_gone(pids["child"], pids["grandchild"], timeout=5)
    assert not (project / RUNS_DIR).exists()


def test_a_killed_parent_takes_its_children_along_and_the_next_run_cleans_up(tmp_path):
    project, pidfile = tmp_path / "project", tmp_path / "pids.json"
    project.mkdir()
    parent = subprocess.Popen(
        [sys.executable, str(FAMILY), "parent", str(project), str(pidfile), "0.5", "stubborn"],
        stdout=subprocess.DEVNULL,
        env=env(),
    )
    pids = family_pids(pidfile)
    parent.kill()  # no handler runs: only the watchdog can end the child's group
    parent.wait()
    assert wait_gone(pids["child"], pids["grandchild"], timeout=15)
    report = clean_dead_runs(project)  # the run folder stays until the next run's cleanup
    assert len(report.removed) == 1 and not any((project / RUNS_DIR).glob("*"))


def test_our_own_children_die_with_their_parent(tmp_path):
    """die_with_parent (the training worker's ranks, in sessions of their own): the parent goes, so does the child."""
    pidfile = tmp_path / "pid"
    code = (
        "import os, sys, subprocess, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'from labeler.train.process_groups import die_with_parent;"
        " import time; die_with_parent(0.5); time.sleep(600)'], start_new_session=True)\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    middle = subprocess.Popen([sys.executable, "-c", code], env=env())
    deadline = time.monotonic() + 30
    while not (pidfile.is_file() and pidfile.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pidfile.read_text())
    time.sleep(1.0)  # the child has set its parent-death signal by now
    middle.kill()
    middle.wait()
    assert wait_gone(child, timeout=10)


def test_the_window_waits_longer_than_labeler_train_waits_for_its_child():
    assert GUI_GRACE_S > CHILD_GRACE_S
    assert RetrainRunner().kill_after_ms >= GUI_GRACE_S * 1000


def test_labeler_train_stops_when_the_window_that_started_it_is_gone(tmp_path):
    """The window names itself in PARENT_PID_ENV; `labeler train`'s cancel flag sets itself when that process goes."""
    out, ready = tmp_path / "out.txt", tmp_path / "ready.txt"
    run = (
        "import sys, time\n"
        "from labeler.commands.train import CancelFlag\n"
        "with CancelFlag() as cancel:\n"
        f"    open({str(ready)!r}, 'w').write('watching')\n"
        "    deadline = time.monotonic() + 60\n"
        "    while not cancel() and time.monotonic() < deadline: time.sleep(0.05)\n"
        f"    open({str(out)!r}, 'w').write('cancelled' if cancel() else 'timeout')\n"
    )
    window = (
        "import os, subprocess, sys, time\n"
        f"env = dict(os.environ, {PARENT_PID_ENV}=str(os.getpid()))\n"
        f"subprocess.Popen([sys.executable, '-c', {run!r}], env=env)\n"
        "time.sleep(600)\n"
    )
    middle = subprocess.Popen([sys.executable, "-c", window], env=env())
    deadline = time.monotonic() + 30
    while not ready.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    middle.kill()
    middle.wait()
    deadline = time.monotonic() + 20
    while not out.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "cancelled"
