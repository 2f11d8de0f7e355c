"""The `labeler train` progress protocol (../briefs/protocol.md): JSON lines on stdout, a human line on stderr.

stdout carries only JSON objects, one per line, each with an "event" key, flushed at once so a reader
(the GUI's QProcess, a test, a parent relaying a torchrun child) sees each as it happens. Non-finite
floats become null (JSON has no NaN) and numpy scalars plain numbers. stderr gets a readable line per
event for a person at a terminal.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

EVENT_TYPES = ("start", "stage", "progress", "validate", "metrics", "result", "error", "cancelled")
METRIC_KEYS = ("det_hmean", "rec_acc", "rec_acc_norm", "one_minus_ned", "e2e_hmean", "zero_edit")

Emit = Callable[[dict], None]


def _plain(value: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None, numpy scalars and arrays -> Python numbers and lists, paths -> str."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array
        return _plain(value.tolist())
    if hasattr(value, "__fspath__"):
        return str(value)
    return str(value)


def encode_event(event: dict) -> str:
    """One protocol line (no newline). Raises ValueError for an object without a known "event"."""
    if event.get("event") not in EVENT_TYPES:
        raise ValueError(f"not a protocol event: {event!r:.120}")
    return json.dumps(_plain(event), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def parse_event(line: str | bytes) -> dict | None:
    """A protocol event from one stdout line, or None for anything else (stray prints, blank lines)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj.get("event") in EVENT_TYPES else None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _num(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def human_line(event: dict) -> str | None:
    """The stderr line for an event (None: nothing worth a line)."""
    kind = event.get("event")
    if kind == "start":
        return (
            f"[start] {event.get('project')}: engine {event.get('engine')}, device {event.get('device')}, "
            f"base {event.get('base_model')}, budget {_clock(event.get('time_budget_s'))}, "
            f"{event.get('nproc', 1)} process(es)"
        )
    if kind == "stage":
        return f"[{event.get('stage')}] {event.get('message', '')}"
    if kind == "progress":
        total = event.get("total_steps")
        return (
            f"[train] {event.get('model', 'rec')} epoch {event.get('epoch')} step {event.get('step')}"
            f"{'/' + str(total) if total else ''} loss {_num(event.get('loss'))} "
            f"val_acc {_num(event.get('val_acc'))} ETA {_clock(event.get('eta_s'))}"
        )
    if kind == "validate":
        return (
            f"[validate] {event.get('model', 'rec')} epoch {event.get('epoch')} step {event.get('step')} "
            f"val_loss {_num(event.get('val_loss'))} val_acc {_num(event.get('val_acc'))}"
        )
    if kind == "metrics":
        m = event.get("metrics") or {}
        figures = " ".join(f"{k} {_num(m.get(k))}" for k in METRIC_KEYS if k in m)
        return f"[metrics] {event.get('which')} on {event.get('images')} {event.get('split')} image(s): {figures}"
    if kind == "result":
        verdict = f"accepted as {event.get('version')}" if event.get("accepted") else "rejected"
        return f"[result] {verdict}: {event.get('reason', '')}"
    if kind == "error":
        return f"[error] {event.get('message', '')}"
    if kind == "cancelled":
        return "[cancelled] stopped; no model was installed"
    return None


class EventEmitter:
    """Callable: emit(event_dict). Thread-safe (a relay thread and the main thread may both write)."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None, human: bool = True):
        self._out = out
        self._err = err
        self.human = human
        self._lock = threading.Lock()
        self.last: dict[str, dict] = {}  # the latest event of each kind (tests, summaries)

    @property
    def out(self) -> IO[str]:
        return self._out or sys.stdout  # looked up late: tests and pytest's capture swap sys.stdout

    @property
    def err(self) -> IO[str]:
        return self._err or sys.stderr

    def __call__(self, event: dict, human: bool | None = None) -> None:
        line = encode_event(event)
        human = self.human if human is None else human
        text = human_line(json.loads(line)) if human else None  # the JSON-safe values: NaN shows as "-"
        if text:
            text = " ".join(text.splitlines())  # one event, one line
        with self._lock:
            self.last[event["event"]] = event
            self.out.write(line + "\n")
            self.out.flush()
            if text:
                self.err.write(text + "\n")
                self.err.flush()

    def relay(self, event: dict) -> None:
        """A child process's event: onto stdout only (the child wrote its own human line to the shared stderr)."""
        self(event, human=False)

    def emit(self, kind: str, **fields: Any) -> None:
        self({"event": kind, **fields})

    def stage(self, stage: str, message: str) -> None:
        self.emit("stage", stage=stage, message=message)

    def message(self, text: str) -> None:
        """A note for the person (stderr only; stdout stays protocol)."""
        with self._lock:
            self.err.write(text + "\n")
            self.err.flush()
