"""Runs `labeler train` as a child process through QProcess and turns its stdout JSON lines into Qt signals.

    runner = RetrainRunner()
    runner.received.connect(show)       # every protocol object, as a dict
    runner.finished.connect(idle)       # exit code: 0 done, 1 error, 130 cancelled, -1 killed / failed to start
    runner.start(train_argv(project_dir, TrainOptions(max_steps=2)))

No thread of its own: QProcess delivers output on the GUI thread's event loop, in whatever chunks the
pipe gives, so partial lines are buffered until their newline arrives (labeler.train.events: one object per
line, read with its read_event).

Cancel waits GUI_GRACE_S (labeler.train.supervisor) before it kills: longer than `labeler train` itself waits
for its torchrun child, so the child's ranks are ended and the run folder deleted before any kill comes. The
child also learns our pid (PARENT_PID_ENV) and stops by itself should this process die first.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, pyqtSignal

from labeler.train.events import NotAnEvent, UnknownEvent, read_event
from labeler.train.job_spec import DEVICES, TrainJobSpec
from labeler.train.supervisor import GUI_GRACE_S, PARENT_PID_ENV
from labeler.ui.i18n import tr

__all__ = [
    "DEVICES",
    "EXIT_KILLED",
    "KILL_AFTER_MS",
    "TRAIN_KILL_AFTER_MS",
    "LineBuffer",
    "RetrainRunner",
    "TrainOptions",
    "finish_process",
    "train_argv",
]

KILL_AFTER_MS = 5000  # short children that ignore terminate (the train extra's pip): taken as hung after this
TRAIN_KILL_AFTER_MS = int(GUI_GRACE_S * 1000)  # `labeler train`: its own child's grace plus a margin
EXIT_KILLED = -1  # crashed, killed after the grace period, or never started
CTX = "RetrainPanel"


@dataclass(frozen=True)
class TrainOptions:
    """The choices the Retrain panel offers (None / False leave the engine's default); to_spec makes the job."""

    time_budget_min: float = 20.0
    det: bool = False
    nproc: int | None = None
    device: str = "cpu"
    max_steps: int | None = None
    threads: int | None = None
    models: str | None = None  # the base set (the one pre-labelling now); None: the engine's choice

    def to_spec(self, project_dir: str | Path) -> TrainJobSpec:
        """The job these choices ask for (ValueError for an impossible one, e.g. an unknown device)."""
        chosen = {"nproc": self.nproc, "max_steps": self.max_steps, "threads": self.threads, "models": self.models}
        return TrainJobSpec(
            Path(project_dir),
            time_budget_min=self.time_budget_min,
            det=self.det,
            device=self.device,
            **{name: value for name, value in chosen.items() if value},  # unset: the engine's default
        )


def train_argv(
    project_dir: str | Path, options: TrainOptions = TrainOptions(), python: str = sys.executable
) -> list[str]:
    """The argument list of `python -m labeler train PROJECT_DIR ...` (TrainJobSpec.to_argv), never a shell string."""
    return [python, "-m", "labeler", "train", *options.to_spec(project_dir).to_argv()]


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

    def __init__(self, parent: QObject | None = None, kill_after_ms: int = TRAIN_KILL_AFTER_MS) -> None:
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
        environment.insert(PARENT_PID_ENV, str(os.getpid()))  # the child stops by itself should we die first
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

    def shutdown(self, wait_ms: int | None = None) -> None:
        """Stop a running child before the window goes (blocking, at most about twice `wait_ms`, by default the
        kill_after_ms grace: a cancel that ends in time leaves no torchrun rank and no run folder behind)."""
        process = self.process
        if process is None:
            return
        self.cancel()
        finish_process(process, self.kill_after_ms if wait_ms is None else wait_ms)

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
        event = read_event(line)
        if isinstance(event, NotAnEvent):
            if not event.blank:
                self.log_line.emit(line)  # not ours (a library printing to stdout), or garbled: shown, not acted on
            return
        if isinstance(event, UnknownEvent):
            self.log_line.emit(line)  # a kind this version does not know: shown, not acted on
            return
        obj = event.to_dict()
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
