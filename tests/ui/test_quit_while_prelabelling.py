"""The event loop ending without the window being closed (app.exit, a session ending) while pre-labelling runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

CODE = """
import sys
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication
qapp = QApplication(sys.argv[:1])
from labeler.ui import app
QTimer.singleShot(1500, lambda: qapp.exit(0))
sys.exit(app.run_gui(sys.argv[1]))
"""


def test_app_exit_mid_prelabelling_stops_the_jobs_and_saves(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    for image in (REPO / "resources" / "demo").glob("*.png"):
        shutil.copy(image, folder / image.name)
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", CODE, str(folder)], capture_output=True, text=True, env=env, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-2000:]  # was -6: a job signalled into deleted objects
    assert "Traceback" not in proc.stderr
