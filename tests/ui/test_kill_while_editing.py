"""SIGKILL the real app in the middle of editing: reopening loses at most the last second of edits."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from labeler.core.project import open_project
from tests.conftest import REPO

# The child opens the real window on the folder and types a new transcription into region 0
# every 50 ms, logging "n time" after each edit has gone through the editor.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication
    from labeler.ui.main_window import MainWindow
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    assert window.open_folder(sys.argv[1])
    log = open(sys.argv[2], "a", buffering=1)
    n = [0]
    def edit():
        n[0] += 1
        window.editor.set_text(0, f"edit {n[0]}")
        log.write(f"{n[0]} {time.time()}\\n")
    timer = QTimer(); timer.timeout.connect(edit); timer.start(50)
    app.exec_()
    """
)


@pytest.mark.parametrize("run", range(3))
def test_sigkill_while_editing_loses_at_most_one_second(project_folder: Path, tmp_path: Path, run: int):
    log = tmp_path / "edits.log"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project_folder), str(log)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while (not log.exists() or log.stat().st_size == 0) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    time.sleep(1.5 + random.Random(run).random() * 2.0)  # keep editing through a few autosaves
    kill_time = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    edits = [line.split() for line in log.read_text().splitlines() if line.strip()]
    older = [int(n) for n, t in edits if float(t) <= kill_time - 1.0]
    assert older, "no edit was older than one second at the kill"
    project = open_project(project_folder)
    assert project.errors == []
    text = project.records[0].regions[0].transcription  # img1, the first image shown
    saved = int(text.split()[1]) if text.startswith("edit ") else 0
    assert saved >= max(older), f"reopened with edit {saved}, but edit {max(older)} was over a second old"
    assert saved <= int(edits[-1][0])
