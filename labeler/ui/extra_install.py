"""The Retrain panel's box for the `train` extra: says it is missing and installs it into this environment.

Retraining needs torch and onnx (the `train` extra, 1.5 GB), which the window itself does not. When they are
missing the box says so and offers `sys.executable -m pip install <the extra's requirements>` (read from the
package metadata by labeler.core.extras, never a torch spec of our own), run through QProcess with an argument
list: pip's output streams into the panel's log, its download progress (--progress-bar raw, pip 24.1+) into a
progress bar, and Cancel stops it. Afterwards the box checks again; training runs in a child process, so a
freshly installed torch is used without restarting the window.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass

from PyQt5.QtCore import QEvent, QProcess, QProcessEnvironment, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from labeler.core.extras import TRAIN, ExtraStatus, extra_status
from labeler.ui.i18n import tr
from labeler.ui.retrain_runner import EXIT_KILLED, KILL_AFTER_MS, LineBuffer, finish_process

CTX = "RetrainPanel"
PROGRESS_LINE = re.compile(r"Progress (\d+) of (\d+)")  # pip --progress-bar raw, one per 0.25 s of download
RAW_PROGRESS_SINCE = (24, 1)
MB = 1024 * 1024


def _tr(text: str) -> str:
    return tr(text, CTX)


def train_extra_status() -> ExtraStatus:
    """Whether torch and onnx can be imported here (found, not imported); tests monkeypatch this."""
    return extra_status(TRAIN)


def pip_has_raw_progress() -> bool:
    try:
        release = importlib.metadata.version("pip").split(".")
        return tuple(int(part) for part in release[:2] if part.isdigit()) >= RAW_PROGRESS_SINCE
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False


def install_argv(status: ExtraStatus, python: str = sys.executable) -> list[str]:
    """[python, -m, pip, install, options..., requirements...]: the extra's own requirement strings."""
    python_m_pip_install = status.pip_argv(python)[:4]
    options = ["--disable-pip-version-check"] + (["--progress-bar", "raw"] if pip_has_raw_progress() else [])
    return [*python_m_pip_install, *options, *status.requirements]


@dataclass
class InstallState:
    """The install that runs (or ran last); the box shows it."""

    running: bool = False
    cancelled: bool = False
    exit_code: int | None = None
    downloaded: int = 0  # bytes of the file pip is downloading now
    download_size: int = 0


class ExtraInstallBox(QWidget):
    log_line = pyqtSignal(str)  # pip's output, line by line, and the command line first
    available_changed = pyqtSignal(bool)  # after each check: True when retraining can run

    def __init__(self, parent: QWidget | None = None, kill_after_ms: int = KILL_AFTER_MS) -> None:
        super().__init__(parent)
        self.status: ExtraStatus | None = None  # None until checked (when the panel is first shown)
        self.state = InstallState()
        self.python = sys.executable  # the interpreter whose environment gets the extra; tests: a scripted stand-in
        self.argv_for: Callable[[ExtraStatus, str], list[str]] = install_argv
        self.process: QProcess | None = None
        self.kill_after_ms = kill_after_ms
        self._buffer = LineBuffer()
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the pip command can be copied
        self.install_button, self.cancel_button = QPushButton(), QPushButton()
        self.install_button.clicked.connect(lambda _checked=False: self.install())
        self.cancel_button.clicked.connect(lambda _checked=False: self.cancel())
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        self._show()

    @property
    def available(self) -> bool:
        """True unless a check found the extra missing (or an install of it is running)."""
        return self.process is None and (self.status is None or self.status.installed)

    def refresh(self) -> bool:
        """Check again (a finished pip, or one run from a terminal meanwhile); True when the extra is there."""
        if self.process is not None:
            return False
        importlib.invalidate_caches()  # the path finders cache folder listings: a package pip just wrote is found
        self.status = train_extra_status()
        self._show()
        self.available_changed.emit(self.status.installed)
        return self.status.installed

    # ------------------------------------------------------------------ the pip process

    def install(self) -> bool:
        if self.process is not None or self.status is None or self.status.installed:
            return False
        argv = self.argv_for(self.status, self.python)
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.MergedChannels)  # pip's warnings and errors in order with the rest
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")
        environment.insert("PIP_NO_INPUT", "1")  # no prompt can wait for an answer nobody sees
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error_occurred)
        self.process, self._buffer, self.state = process, LineBuffer(), InstallState(running=True)
        self.log_line.emit("$ " + shlex.join(argv))
        process.start(argv[0], argv[1:])
        process.closeWriteChannel()
        self._show()
        self.available_changed.emit(False)
        return True

    def cancel(self) -> None:
        if self.process is None or self.state.cancelled:
            return
        self.state.cancelled = True
        self.log_line.emit(_tr("Cancelling the install..."))
        self.process.terminate()
        self._kill_timer.start(self.kill_after_ms)

    def shutdown(self, wait_ms: int = KILL_AFTER_MS) -> None:
        """Stop a running pip before the window goes (blocking, at most about twice `wait_ms`)."""
        process = self.process
        if process is None:
            return
        self.cancel()
        finish_process(process, wait_ms)

    def _read(self) -> None:
        if self.process is not None:
            for line in self._buffer.feed(bytes(self.process.readAllStandardOutput())):
                self._line(line)

    def _line(self, line: str) -> None:
        match = PROGRESS_LINE.fullmatch(line.strip())
        if match is None:
            st = self.state
            if st.download_size and st.downloaded >= st.download_size:  # that download is done: pip moves on
                st.downloaded = st.download_size = 0
                self._show_progress()
            if line.strip():
                self.log_line.emit(line)
            return
        self.state.downloaded, self.state.download_size = int(match[1]), int(match[2])  # the bar, not the log
        self._show_progress()

    def _kill(self) -> None:
        if self.process is not None:
            self.log_line.emit(
                _tr("pip did not stop within {seconds:g} s: killed").format(seconds=self.kill_after_ms / 1000)
            )
            self.process.kill()

    def _error_occurred(self, error) -> None:
        if error == QProcess.FailedToStart and self.process is not None:
            self.log_line.emit(_tr("Could not start pip: {error}").format(error=self.process.errorString()))
            self._done(EXIT_KILLED)

    def _finished(self, exit_code: int, exit_status) -> None:
        self._read()
        tail = self._buffer.rest()
        if tail:
            self._line(tail)
        self._done(exit_code if exit_status == QProcess.NormalExit else EXIT_KILLED)

    def _done(self, code: int) -> None:
        self._kill_timer.stop()
        process, self.process = self.process, None
        if process is not None:
            process.deleteLater()
        self.state.running, self.state.exit_code = False, code
        self.refresh()

    # ------------------------------------------------------------------ showing

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._show()
        super().changeEvent(event)

    def _show(self) -> None:
        st, status = self.state, self.status
        missing = status is not None and not status.installed
        self.setVisible(missing or st.running or st.exit_code is not None)
        self.install_button.setText(_tr("Install the train extra"))
        self.cancel_button.setText(_tr("Cancel install"))
        self.install_button.setVisible(missing and not st.running)
        self.cancel_button.setVisible(st.running)
        self.cancel_button.setEnabled(st.running and not st.cancelled)
        self.progress.setVisible(st.running)
        if status is not None:
            self.install_button.setToolTip(
                _tr("Runs: {command}").format(command=shlex.join(self.argv_for(status, self.python)))
            )
        style, text = "color: #9a6700;", ""
        if st.running:
            text = _tr("Installing {requirements} into this environment; pip's output is in the log below.")
            self._show_progress()
        elif not missing and st.exit_code is not None:
            style, text = "color: #1a7f37;", _tr("The train extra is installed: retraining is ready.")
        elif st.cancelled:
            text = _tr("Install cancelled: the train extra is still missing.")
        elif st.exit_code == 0:
            text = _tr("pip finished, but {missing} still cannot be found: restart labeler to use it.")
        elif st.exit_code is not None:
            style = "color: #c62828;"
            text = _tr("Install failed (exit status {code}); see the log. Retraining needs {requirements}.")
        elif missing:
            text = _tr(
                "Retraining needs the optional train extra ({requirements}), which this environment "
                "lacks (missing: {missing}). Install it here, or in a terminal: {command}"
            )
        self.message.setStyleSheet(style)
        self.message.setText(
            text.format(
                requirements=", ".join(status.requirements) if status else "",
                code=st.exit_code,
                missing=", ".join(status.missing) if status else "",
                command=shlex.join(status.hint_argv()) if status else "",
            )
        )

    def _show_progress(self) -> None:
        st = self.state
        if st.download_size > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(min(1000, st.downloaded * 1000 // st.download_size))
            self.progress.setFormat(
                _tr("downloading: {done:.0f} of {total:.0f} MB").format(
                    done=st.downloaded / MB, total=st.download_size / MB
                )
            )
        else:
            self.progress.setRange(0, 0)  # busy: resolving, or installing what was downloaded
            self.progress.setFormat(_tr("installing..."))
