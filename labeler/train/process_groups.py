"""Process groups that end together: stopping a child's whole group, and children that die with their parent.

Standard library only: `python -m labeler.train.process_groups guard PARENT PGID GRACE_S` is the watchdog
labeler.train.supervisor starts beside each child (see guard_group), and it must start in milliseconds.

- end_group: SIGTERM to a process group, up to a grace period for it to go, then SIGKILL to what is left.
- guard_group: the watchdog's loop. Its parent is the supervising process; when that one is gone (killed
  outright: no code of its own runs any more), the watchdog ends the child's group.
- die_with_parent: for our own child processes (the training worker's ranks, which torchrun starts in
  sessions of their own, out of reach of a group signal): SIGTERM when the parent goes, by the kernel's
  parent-death signal on Linux and a parent watch elsewhere, then a hard exit if the process did not stop.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

POLL_S = 0.1
PR_SET_PDEATHSIG = 1  # linux/prctl.h
EXIT_CANCELLED = 130


def signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to every process of group `pgid`; False when none is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of the group we may not signal (it changed user): leave it
        return True
    return True


def group_alive(pgid: int) -> bool:
    return signal_group(pgid, 0)


def end_group(pgid: int, grace_s: float, gone: Callable[[], bool] | None = None) -> bool:
    """SIGTERM to the group, then SIGKILL after `grace_s` unless `gone()` (default: no process left) came first.

    Returns True when it had to kill. Processes that left the group (a new session of their own) are not reached.
    """
    gone = gone or (lambda: not group_alive(pgid))
    if not signal_group(pgid, signal.SIGTERM):
        return False
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if gone():
            break
        time.sleep(POLL_S)
    return signal_group(pgid, signal.SIGKILL)  # also the stragglers a launcher left behind when it exited


def guard_group(parent: int, pgid: int, grace_s: float) -> int:
    """Until group `pgid` is gone: when this process's parent is no longer `parent`, end the group."""
    while group_alive(pgid):
        if os.getppid() != parent:  # reparented: the supervising process died without ending its child
            end_group(pgid, grace_s)
            return 0
        time.sleep(POLL_S)
    return 0


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Linux: have the kernel send `sig` to this process when the thread that started it ends. False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(on_gone: Callable[[], None], parent: int | None = None, poll_s: float = POLL_S) -> threading.Thread:
    """A daemon thread that calls on_gone() once this process's parent is no longer `parent` (default: today's)."""
    expected = os.getppid() if parent is None else parent

    def watch() -> None:
        while os.getppid() == expected:
            time.sleep(poll_s)
        on_gone()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def die_with_parent(grace_s: float) -> None:
    """This process gets SIGTERM (its own cancel path) when its parent goes, and exits 130 `grace_s` later."""

    def parent_gone() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace_s)
        os._exit(EXIT_CANCELLED)  # a collective call waiting for a dead peer never returns by itself

    set_parent_death_signal(signal.SIGTERM)
    watch_parent(parent_gone)


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] != "guard":
        print("usage: python -m labeler.train.process_groups guard PARENT_PID PGID GRACE_S", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl+C is for the parent, which then ends us
    return guard_group(int(argv[1]), int(argv[2]), float(argv[3]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
