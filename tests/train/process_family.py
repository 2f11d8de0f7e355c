"""Real processes for the supervisor tests: a child that starts a grandchild, and a parent that runs it like
`labeler train` runs torchrun (a run folder of its own, labeler.train.supervisor, exit 130 on SIGTERM).

    python process_family.py child PIDFILE [stubborn]        starts a grandchild, writes both pids, sleeps
    python process_family.py parent PROJECT PIDFILE GRACE_S [stubborn]
        claims PROJECT/.labeler/runs/<time> (labeler.train.run_dirs), supervises `child`, prints protocol lines;
        SIGTERM -> the child's group is ended, the run folder removed, {"event": "cancelled"}, exit 130

stubborn: the child and grandchild ignore SIGTERM, so only the SIGKILL after the grace period ends them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SLEEPER = (
    "import signal, sys, time\nif sys.argv[1] == '1': signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)"
)


def child(pidfile: Path, stubborn: bool) -> int:
    if stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", SLEEPER, "1" if stubborn else "0"])
    pidfile.write_text(json.dumps({"child": os.getpid(), "grandchild": grandchild.pid}), encoding="utf-8")
    print("child ready", flush=True)
    time.sleep(600)
    return 0


def parent(project: Path, pidfile: Path, grace_s: float, stubborn: bool) -> int:
    from labeler.core.errors import Cancelled
    from labeler.train.events import CancelledEvent, EventEmitter, StageEvent
    from labeler.train.run_dirs import new_run_dir
    from labeler.train.supervisor import ChildCommand, run_supervised

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emit = EventEmitter()
    claim = new_run_dir(project)
    try:
        emit(StageEvent("train", f"run folder {claim.folder.name}"))
        argv = [sys.executable, __file__, "child", str(pidfile)] + (["stubborn"] if stubborn else [])
        run_supervised(ChildCommand(argv), lambda line: emit(StageEvent("train", line)), stop.is_set, grace_s)
    except Cancelled:
        emit(CancelledEvent())
        return 130
    finally:
        claim.release(remove=True)
    return 0


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    stubborn = rest[-1] == "stubborn"
    if mode == "child":
        sys.exit(child(Path(rest[0]), stubborn))
    sys.exit(parent(Path(rest[0]), Path(rest[1]), float(rest[2]), stubborn))
