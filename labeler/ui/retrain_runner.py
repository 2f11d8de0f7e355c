"""Runs `labeler train` as a child process through QProcess and turns its stdout JSON lines into Qt signals.

    runner = RetrainRunner()
    runner.received.connect(show)       # every protocol object, as a dict
    runner.finished.connect(idle)       # exit code: 0 done, 1 error, 130 cancelled, -1 killed / failed to start
    runner.start(train_argv(project_dir, TrainOptions(max_steps=2)))

No thread of its own: QProcess delivers output on the GUI thread's event loop, in whatever chunks the
pipe gives, so partial lines are buffered until their newline arrives (protocol.md: one object per line).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, pyqtSignal

from labeler.ui.i18n import tr

DEVICES = ("cpu", "cuda")
KILL_AFTER_MS = 5000  # the engine stops at its next step; a step longer than this is taken as hung
EXIT_KILLED = -1  # crashed, killed after the grace period, or never started
CTX = "RetrainPanel"


@dataclass(frozen=True)
class TrainOptions:
    """The choices the Retrain panel offers; None / False leave the engine's default."""

    time_budget_min: float = 20.0
    det: bool = False
    nproc: int | None = None
    device: str = "cpu"
    max_steps: int | None = None
    threads: int | None = None
    models: str | None = None  # the base set (the one pre-labelling now); None: the engine's choice


def train_argv(
    project_dir: str | Path, options: TrainOptions = TrainOptions(), python: str = sys.executable
) -> list[str]:
    """The argument list of `python -m labeler train PROJECT_DIR ...` (protocol.md), never a shell string."""
    argv = [python, "-m", "labeler", "train", str(project_dir), "--time-budget", f"{options.time_budget_min:g}"]
    if options.det:
        argv.append("--det")
    if options.nproc:
        argv += ["--nproc", str(options.nproc)]
    if options.device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, not {options.device!r}")
    argv += ["--device", options.device]
    if options.max_steps:
        argv += ["--max-steps", str(options.max_steps)]
    if options.threads:
        argv += ["--threads", str(options.threads)]
    if options.models:
        argv += ["--models", options.models]
    return argv


class LineBuffer:
    """Bytes in, complete lines out; the tail without a newline waits for the next chunk."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[str]:
        data = self._pending + chunk
        *lines, self._pending = data.split(b"\n")
        return [line.decode("utf-8", "replace").rstrip("\r") for line in lines]

    def rest(self) -> str:
        """What is left without a newline (the child died mid-line, or wrote its last line without one)."""
        tail, self._pending = self._pending, b""
        return tail.decode("utf-8", "replace").rstrip("\r")


class RetrainRunner(QObject):
    received = pyqtSignal(dict)  # every protocol object, in order (not `event`: that is QObject.event())
    log_line = pyqtSignal(str)  # stderr lines, and stdout lines that are not protocol objects
    running_changed = pyqtSignal(bool)
    finished = pyqtSignal(int)  # exit code (EXIT_KILLED when it did not exit by itself)

    def __init__(self, parent: QObject | None = None, kill_after_ms: int = KILL_AFTER_MS) -> None:
        super().__init__(parent)
        self.kill_after_ms = kill_after_ms
        self.process: QProcess | None = None
        self.cancel_requested = False
        self.events: list[dict] = []  # of the current (or last) run: the panel and tests read them back
        self._stdout = LineBuffer()
        self._stderr = LineBuffer()
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> bool:
        """Start `argv` (argv[0] the program); False if a run is already going."""
        if self.process is not None:
            return False
        self.events, self.cancel_requested = [], False
        self._stdout, self._stderr = LineBuffer(), LineBuffer()
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")  # progress must reach us as it happens
        environment.insert("PYTHONIOENCODING", "utf-8")
        for key, value in (env or {}).items():
            environment.insert(key, value)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error_occurred)
        self.process = process
        self.running_changed.emit(True)
        self.log_line.emit("$ " + " ".join(argv))
        process.start(argv[0], argv[1:])
        process.closeWriteChannel()
        return True

    def cancel(self) -> None:
        """Ask the child to stop (SIGTERM: it cleans up and exits 130); kill it if it has not after the grace period."""
        if self.process is None or self.cancel_requested:
            return
        self.cancel_requested = True
        self.log_line.emit(tr("Cancelling...", CTX))
        self.process.terminate()
        self._kill_timer.start(self.kill_after_ms)

    def shutdown(self, wait_ms: int = KILL_AFTER_MS) -> None:
        """Stop a running child before the window goes (blocking, at most about twice `wait_ms`)."""
        process = self.process
        if process is None:
            return
        self.cancel()
        finish_process(process, wait_ms)

    # ------------------------------------------------------------------ from the process

    def _read_stdout(self) -> None:
        if self.process is not None:
            for line in self._stdout.feed(bytes(self.process.readAllStandardOutput())):
                self._stdout_line(line)

    def _read_stderr(self) -> None:
        if self.process is not None:
            for line in self._stderr.feed(bytes(self.process.readAllStandardError())):
                self.log_line.emit(line)

    def _stdout_line(self, line: str) -> None:
        if not line.strip():
            return
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
            self.log_line.emit(line)  # not ours (a library printing to stdout): shown, not acted on
            return
        self.events.append(obj)
        self.received.emit(obj)

    def _kill(self) -> None:
        if self.process is not None:
            text = tr("The training process did not stop within {seconds:g} s: killed", CTX)
            self.log_line.emit(text.format(seconds=self.kill_after_ms / 1000))
            self.process.kill()

    def _error_occurred(self, error) -> None:
        if error == QProcess.FailedToStart and self.process is not None:
            text = tr("Could not start the training process: {error}", CTX)
            self.log_line.emit(text.format(error=self.process.errorString()))
            self._done(EXIT_KILLED)

    def _finished(self, exit_code: int, exit_status) -> None:
        self._read_stdout()
        self._read_stderr()
        for buffer, handle in ((self._stdout, self._stdout_line), (self._stderr, self.log_line.emit)):
            tail = buffer.rest()
            if tail:
                handle(tail)
        self._done(exit_code if exit_status == QProcess.NormalExit else EXIT_KILLED)

    def _done(self, code: int) -> None:
        self._kill_timer.stop()
        process, self.process = self.process, None
        if process is not None:
            process.deleteLater()
        self.running_changed.emit(False)
        self.finished.emit(code)


def finish_process(process, wait_ms: int) -> None:
    """Wait for a process told to stop; kill it when it has not ended within `wait_ms` (blocking)."""
    if not process.waitForFinished(wait_ms):
        process.kill()
        process.waitForFinished(wait_ms)
