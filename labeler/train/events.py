"""The `labeler train` progress protocol: JSON lines on stdout, a human line on stderr (this file is its reference).

stdout carries only JSON objects, one per line, each with an "event" key, flushed at once so a reader
(the GUI's QProcess, a test, a parent relaying a torchrun child) sees each as it happens. Non-finite
floats become null (JSON has no NaN) and numpy scalars plain numbers. stderr gets a readable line per
event for a person at a terminal.

Each kind is a dataclass below (StartEvent ... CancelledEvent; WorkerDoneEvent only passes from the training
worker to the process that started it). `read_event` is the one parser: every reader of these lines uses it.
It returns the typed event, an UnknownEvent for a well-formed object of a kind this version does not know,
or NotAnEvent (with the reason) for anything else, never raising, so a stray or garbled line is reported.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import threading
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

EVENT_TYPES = ("start", "stage", "progress", "validate", "metrics", "result", "error", "cancelled")
METRIC_KEYS = ("det_hmean", "rec_acc", "rec_acc_norm", "one_minus_ned", "e2e_hmean", "zero_edit")

Emit = Callable[[dict], None]


# ------------------------------------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class Event:
    """One protocol object. `extra`: keys beyond the kind's own fields (kept, so a line reads back as written)."""

    KIND: ClassVar[str] = ""
    extra: Mapping[str, Any] = field(default_factory=dict, kw_only=True)

    @property
    def kind(self) -> str:
        return self.KIND

    def to_dict(self) -> dict:
        own = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {"event": self.kind, **own, **self.extra}


@dataclass(frozen=True)
class StartEvent(Event):
    KIND: ClassVar[str] = "start"
    project: str
    engine: str
    device: str
    base_model: str
    time_budget_s: float | None
    nproc: int


@dataclass(frozen=True)
class StageEvent(Event):
    KIND: ClassVar[str] = "stage"
    stage: str
    message: str


@dataclass(frozen=True)
class ProgressEvent(Event):
    KIND: ClassVar[str] = "progress"
    stage: str
    model: str
    epoch: int
    step: int
    total_steps: int
    loss: float | None
    val_acc: float | None
    eta_s: float | None


@dataclass(frozen=True)
class ValidateEvent(Event):
    KIND: ClassVar[str] = "validate"
    model: str
    epoch: int
    step: int
    val_loss: float | None
    val_acc: float | None


@dataclass(frozen=True)
class MetricsEvent(Event):
    KIND: ClassVar[str] = "metrics"
    which: str
    split: str
    images: int
    metrics: dict


@dataclass(frozen=True)
class ResultEvent(Event):
    KIND: ClassVar[str] = "result"
    accepted: bool
    version: str | None
    model_dir: str | None
    reason: str
    base: dict
    tuned: dict


@dataclass(frozen=True)
class ErrorEvent(Event):
    KIND: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True)
class CancelledEvent(Event):
    KIND: ClassVar[str] = "cancelled"


@dataclass(frozen=True)
class WorkerDoneEvent(Event):
    """The training worker's last line: its summary, for the process that started it (never relayed further)."""

    KIND: ClassVar[str] = "worker_done"
    model: str
    summary: dict


@dataclass(frozen=True)
class UnknownEvent(Event):
    """A JSON object with an "event" name this version does not know (a newer child, say): shown, not acted on."""

    name: str

    @property
    def kind(self) -> str:
        return self.name

    def to_dict(self) -> dict:
        return {"event": self.name, **self.extra}


@dataclass(frozen=True)
class NotAnEvent:
    """A line that holds no event (a library's print, a garbled or cut line, a blank one) and why."""

    text: str
    reason: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


KINDS: dict[str, type[Event]] = {
    cls.KIND: cls
    for cls in (
        StartEvent,
        StageEvent,
        ProgressEvent,
        ValidateEvent,
        MetricsEvent,
        ResultEvent,
        ErrorEvent,
        CancelledEvent,
        WorkerDoneEvent,
    )
}


# ------------------------------------------------------------------------------------------- reading


def read_event(line: str | bytes) -> Event | NotAnEvent:
    """The event one stdout line holds, or NotAnEvent saying why it holds none. Never raises."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    if not text:
        return NotAnEvent(text, "blank line")
    if not text.startswith("{"):
        return NotAnEvent(text, "not a JSON object")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return NotAnEvent(text, f"not JSON ({exc})")
    if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
        return NotAnEvent(text, 'no "event" name')
    return event_from_dict(obj, text)


def event_from_dict(obj: Mapping[str, Any], text: str = "") -> Event | NotAnEvent:
    """The typed event of a decoded protocol object (see read_event)."""
    name = obj["event"]
    cls = KINDS.get(name)
    rest = {k: v for k, v in obj.items() if k != "event"}
    if cls is None:
        return UnknownEvent(name=name, extra=rest)
    values = {}
    for f, expected in _own_fields(cls):
        if f not in rest:
            return NotAnEvent(text or json.dumps(obj), f'"{name}" event without "{f}"')
        value = rest.pop(f)
        if not _fits(value, expected):
            return NotAnEvent(text or json.dumps(obj), f'"{name}" event with a bad "{f}": {value!r:.60}')
        values[f] = value
    return cls(**values, extra=rest)


def parse_event(line: str | bytes) -> dict | None:
    """A protocol event (of EVENT_TYPES) from one line, as its dict; None for anything else."""
    event = read_event(line)
    return event.to_dict() if isinstance(event, Event) and event.kind in EVENT_TYPES else None


def _own_fields(cls: type[Event]) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.name != "extra"]


def _fits(value: Any, expected: Any) -> bool:
    """Whether a JSON value fits a field's annotation (str, int, float, bool, dict, and X | None)."""
    options = typing.get_args(expected) if typing.get_origin(expected) is not None else (expected,)
    for option in options:
        if option is type(None) and value is None:
            return True
        if option is bool and isinstance(value, bool):
            return True
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if option in (str, dict) and isinstance(value, option):
            return True
    return False


# ------------------------------------------------------------------------------------------- writing


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


def encode_event(event: dict | Event) -> str:
    """One protocol line (no newline). Raises ValueError for an object of no known kind."""
    if isinstance(event, Event):
        event = event.to_dict()
    if event.get("event") not in KINDS:
        raise ValueError(f"not a protocol event: {event!r:.120}")
    return json.dumps(_plain(event), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


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
    """Callable: emit(event dict or Event). Thread-safe (a relay thread and the main thread may both write)."""

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

    def __call__(self, event: dict | Event, human: bool | None = None) -> None:
        if isinstance(event, Event):
            event = event.to_dict()
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

    def relay(self, event: dict | Event) -> None:
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
