"""One way to run a training child process: its own process group, its lines streamed, cancel in order.

    result = run_supervised(ChildCommand(argv, env={"OMP_NUM_THREADS": "2"}), on_line, should_stop)

- The child starts from an argument list (never a shell) in a session of its own, so a terminal's Ctrl+C
  reaches only us and we stop the child in order; its stdout (and with merge_stderr its stderr) comes
  line by line to on_line, in the calling thread, with a tqdm-style line kept at its last state.
- Cancel (should_stop() turned true, or an exception here such as KeyboardInterrupt): the child's group
  gets SIGTERM, then SIGKILL after grace_s (CHILD_GRACE_S), then run_supervised raises Cancelled.
- A watchdog process (labeler.train.process_groups guard) ends the child's group should this process die
  without doing so itself (SIGKILL, a crash); the child learns our pid from PARENT_PID_ENV.

The grace periods live here: whoever stops a `labeler train` must wait longer than that one waits for its
own child (GUI_GRACE_S > CHILD_GRACE_S), or its kill would come while the child's group is still being
ended and leave ranks and the run folder behind (docs/training-notes.md).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import labeler
from labeler.core.errors import Cancelled, LabelerError
from labeler.train.process_groups import end_group, signal_group

CHILD_GRACE_S = 20.0  # after SIGTERM, how long a training child (torchrun, a PaddleOCR step) may take to stop
GUI_GRACE_S = CHILD_GRACE_S + 10.0  # the window's wait for `labeler train`: its child's grace plus cleanup time
PARENT_PID_ENV = "LABELER_PARENT_PID"  # set for a child: the process whose death should stop it
TAIL_LINES = 30


class ChildStartError(LabelerError):
    """The child process could not be started (no such program, not executable)."""


@dataclass(frozen=True)
class ChildCommand:
    argv: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # on top of ours
    merge_stderr: bool = False  # False: the child's stderr is ours (it writes its own human lines there)


@dataclass(frozen=True)
class ChildExit:
    returncode: int
    tail: list[str]  # the last TAIL_LINES lines it wrote


def child_env(extra: Mapping[str, str] = ()) -> dict[str, str]:
    """Our environment for a child: unbuffered output, our pid as its parent's, then `extra`."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", PARENT_PID_ENV: str(os.getpid()), **dict(extra)}


def run_supervised(
    command: ChildCommand,
    on_line: Callable[[str], None],
    should_stop: Callable[[], bool],
    grace_s: float = CHILD_GRACE_S,
) -> ChildExit:
    """Run `command` to its end (see the module docstring); raises Cancelled once a stopped child's group is gone."""
    try:
        child = subprocess.Popen(
            list(command.argv),
            cwd=command.cwd,
            env=child_env(command.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if command.merge_stderr else None,
            start_new_session=os.name == "posix",
        )
    except OSError as exc:
        raise ChildStartError(f"cannot start {command.argv[0]} ({exc})") from None
    guard = _start_guard(child.pid, grace_s)
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(child, lines), name="child-lines", daemon=True)
    reader.start()
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        while True:
            if should_stop():
                _end(child, grace_s)
                raise Cancelled()
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            tail.append(line)
            on_line(line)
        returncode = child.wait()
    except BaseException:
        if child.poll() is None:
            _end(child, 0.0)  # an error or an interrupt here: nobody is left to wait for the child
        raise
    finally:
        _stop_guard(guard)
        reader.join(timeout=1.0)
    return ChildExit(returncode, list(tail))


def _read_lines(child: subprocess.Popen, lines: queue.Queue) -> None:
    assert child.stdout is not None
    for raw in child.stdout:
        # a progress bar redraws its line with \r: keep the line's last state
        lines.put(raw.decode("utf-8", "replace").rstrip("\r\n").split("\r")[-1])
    lines.put(None)


def _end(child: subprocess.Popen, grace_s: float) -> None:
    """SIGTERM to the child's group, SIGKILL after grace_s; waits for the child itself."""
    if os.name == "posix":
        end_group(child.pid, grace_s, gone=lambda: child.poll() is not None)
    else:  # pragma: no cover - no process groups: the child alone
        child.terminate()
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
    child.wait()


def _start_guard(pgid: int, grace_s: float) -> subprocess.Popen | None:
    """The watchdog that ends group `pgid` if this process dies first (POSIX only)."""
    if os.name != "posix":
        return None
    package_root = str(Path(labeler.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": package_root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [sys.executable, "-m", "labeler.train.process_groups", "guard", str(os.getpid()), str(pgid), str(grace_s)]
    try:
        return subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:  # the child runs unguarded: a cancel still ends it, only our own death would not
        return None


def _stop_guard(guard: subprocess.Popen | None) -> None:
    if guard is not None and guard.poll() is None:
        signal_group(guard.pid, signal.SIGKILL)
        guard.wait()
