"""The Retrain panel without the `train` extra: it says so, installs it through a real QProcess streaming pip's
output into the log, and checks again afterwards; Cancel stops the install (issue 12).

pip itself is replaced by a scripted stand-in for the interpreter (`box.python`): the panel runs it with the
very arguments it would give pip (`-m pip install <the train extra's requirements>`), and the check is
monkeypatched to report the extra missing until the stand-in "installed" it. The last test starts the window
in a child Python where torch and onnx are really absent.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from pathlib import Path

import pytest

from labeler.core.extras import TRAIN, extra_status
from labeler.ui import extra_install
from labeler.ui.extra_install import install_argv
from tests.isolated_env import run_without

PIP_LIKE = r"""
import pathlib, sys, time
print("args:", " ".join(sys.argv[1:]), flush=True)
print("Collecting torch==2.13.0", flush=True)
for done in (0, 400, 800, 1000):
    print(f"Progress {done * 1048576} of {1000 * 1048576}", flush=True)
    time.sleep(0.05)
print("Collecting onnx>=1.15", flush=True)
time.sleep(float(sys.argv[-1]) if sys.argv[-1].replace(".", "").isdigit() else 0)
print("WARNING: a pip warning on stderr", file=sys.stderr, flush=True)
print("Installing collected packages: torch, onnx", flush=True)
if "{outcome}" == "fail":
    print("ERROR: No matching distribution found for torch==2.13.0", file=sys.stderr, flush=True)
    sys.exit(1)
if "{outcome}" == "ok":
    pathlib.Path(r"{marker}").touch()
print("Successfully installed onnx-1.15.0 torch-2.13.0", end="", flush=True)
"""


@pytest.fixture
def missing_until(monkeypatch, tmp_path):
    """The check reports torch and onnx missing until the marker file exists (what the stand-in pip writes)."""
    marker = tmp_path / "installed"
    real = extra_status(TRAIN)
    checks: list[bool] = []

    def status():
        checks.append(marker.exists())
        return real if marker.exists() else dataclasses.replace(real, missing=("torch", "onnx"))

    monkeypatch.setattr(extra_install, "train_extra_status", status)
    return marker, checks


def stand_in_python(folder: Path, outcome: str, marker: Path) -> str:
    """An executable that behaves like `python -m pip install ...` would (output, exit status, the install)."""
    script = folder / "python-stand-in"
    script.write_text(f"#!{sys.executable}\n" + PIP_LIKE.replace("{outcome}", outcome).replace("{marker}", str(marker)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def open_panel(window):
    window.actions_by_name["retrain"].trigger()
    return window.retrain


def test_the_install_command_is_pip_in_this_interpreter_with_the_extras_requirements():
    status = extra_status(TRAIN)
    argv = install_argv(status)
    assert argv[:4] == [sys.executable, "-m", "pip", "install"]
    assert argv[-len(status.requirements) :] == list(status.requirements) == ["torch==2.13.0", "onnx>=1.15"]
    assert all(a.startswith("--") or a == "raw" for a in argv[4 : -len(status.requirements)])  # options only


def test_missing_extra_is_offered_installed_with_streamed_output_and_checked_again(
    make_window, project_folder, qtbot, missing_until
):
    marker, checks = missing_until
    window = make_window(project_folder)
    panel = open_panel(window)
    box = panel.extra_box
    assert box.isVisible() and box.install_button.isVisible() and not panel.start_button.isEnabled()
    assert "missing: torch, onnx" in box.message.text() and "torch==2.13.0" in box.message.text()
    assert "pip install -e" in box.message.text()  # the command for a terminal (a checkout: the editable form)
    assert not panel.start() and "install it first" in panel.stage_label.text() and not panel.runner.running

    box.python = stand_in_python(project_folder.parent, "ok", marker)
    formats: list[str] = []
    box.progress.valueChanged.connect(lambda _v: formats.append(box.progress.format()))
    qtbot.mouseClick(box.install_button, 1)  # Qt.LeftButton
    assert box.process is not None
    assert box.process.program() == box.python
    assert box.process.arguments() == install_argv(box.status, box.python)[1:]
    assert box.process.arguments()[:3] == ["-m", "pip", "install"]
    assert box.cancel_button.isVisible() and not box.install_button.isVisible() and not panel.start_button.isEnabled()
    qtbot.waitUntil(lambda: box.process is None, timeout=15000)

    log = panel.log_view.toPlainText()
    assert log.startswith("$ " + box.python + " -m pip install")
    for line in ("Collecting torch==2.13.0", "WARNING: a pip warning on stderr", "Successfully installed onnx-1.15.0"):
        assert line in log  # stdout and stderr, the last line without its newline too
    assert "Progress " not in log and "downloading: 400 of 1000 MB" in formats  # raw progress feeds the bar
    assert checks[-1] is True  # checked again after pip
    assert box.state.exit_code == 0 and "retraining is ready" in box.message.text()
    assert panel.start_button.isEnabled() and not box.install_button.isVisible()


@pytest.mark.parametrize(
    "outcome, expected", [("fail", "Install failed (exit status 1)"), ("nothing", "restart labeler")]
)
def test_an_install_that_fails_or_is_not_found_afterwards_says_so(
    make_window, project_folder, qtbot, missing_until, outcome, expected
):
    marker, _checks = missing_until
    panel = open_panel(make_window(project_folder))
    box = panel.extra_box
    box.python = stand_in_python(project_folder.parent, outcome, marker)
    assert box.install()
    qtbot.waitUntil(lambda: box.process is None, timeout=15000)
    assert expected in box.message.text()
    assert box.install_button.isVisible() and not panel.start_button.isEnabled()
    if outcome == "fail":
        assert "ERROR: No matching distribution" in panel.log_view.toPlainText()


def test_cancel_stops_the_install_and_the_extra_stays_missing(make_window, project_folder, qtbot, missing_until):
    marker, _checks = missing_until
    panel = open_panel(make_window(project_folder))
    box = panel.extra_box
    box.python = stand_in_python(project_folder.parent, "ok", marker)
    box.argv_for = lambda status, python: [*install_argv(status, python), "30"]  # the stand-in waits 30 s
    assert box.install()
    qtbot.waitUntil(lambda: "Collecting onnx" in panel.log_view.toPlainText(), timeout=10000)
    qtbot.mouseClick(box.cancel_button, 1)
    qtbot.waitUntil(lambda: box.process is None, timeout=10000)
    assert box.state.cancelled and not marker.exists()
    assert "Install cancelled" in box.message.text() and box.install_button.isVisible()
    assert not panel.start_button.isEnabled()


def test_closing_the_window_stops_a_running_install(make_window, project_folder, qtbot, missing_until):
    marker, _checks = missing_until
    window = make_window(project_folder)
    box = open_panel(window).extra_box
    box.python = stand_in_python(project_folder.parent, "ok", marker)
    box.argv_for = lambda status, python: [*install_argv(status, python), "30"]
    assert box.install()
    qtbot.waitUntil(lambda: "Collecting torch" in window.retrain.log_view.toPlainText(), timeout=10000)
    pid = box.process.processId()
    window.close()
    assert box.process is None and not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


WINDOW_WITHOUT_TORCH = """
import sys
from PyQt5.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from labeler.ui.main_window import MainWindow
window = MainWindow()
window.show()
window.actions_by_name["retrain"].trigger()
app.processEvents()
box = window.retrain.extra_box
print("torch imported:", "torch" in sys.modules)
print("box shown:", box.isVisible(), "start enabled:", window.retrain.start_button.isEnabled())
print("argv:", box.argv_for(box.status, box.python)[1:4], box.status.requirements)
print(box.message.text())
window.close()
"""


def test_the_window_starts_without_torch_and_offers_the_install(tmp_path):
    done = run_without(tmp_path, "-c", WINDOW_WITHOUT_TORCH)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "torch imported: False"
    assert lines[1] == "box shown: True start enabled: False"
    assert lines[2] == "argv: ['-m', 'pip', 'install'] ('torch==2.13.0', 'onnx>=1.15')"
    assert "missing: torch, onnx" in lines[3]
