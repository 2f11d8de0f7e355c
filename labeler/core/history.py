"""Undo/redo: every edit of an image's regions is a small command object applied through a History.

One History per image (PPOCRLabel's single global undo lost track across images). Every apply, undo and
redo marks the record dirty and tells the listeners (the GUI's views, the autosave), so no edit can
bypass saving. Consecutive text edits of one region merge into one undo step, as in a text editor.

Usage:
    history = History(record, lock=project.lock, on_change=lambda rec, cmd: autosaver.mark_dirty())
    history.push(SetText(0, "Hello"))
    history.undo(); history.redo()
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from labeler.core.model import ImageRecord, ImageStatus, Point, TextRegion

ChangeListener = Callable[[ImageRecord, "Command"], None]
T = TypeVar("T")


class Command:
    """One reversible edit of one record. `apply` may store what it needs for `revert` (old values)."""

    label = "edit"

    def apply(self, record: ImageRecord) -> None:
        raise NotImplementedError

    def revert(self, record: ImageRecord) -> None:
        raise NotImplementedError

    def merge(self, newer: Command) -> bool:
        """Absorb `newer` (already applied, right after this one) into this step; False if they stay apart."""
        return False


def _applied(old: T | None) -> T:
    """What apply() kept for revert(): a command is only reverted after it was applied."""
    if old is None:
        raise RuntimeError("an edit was undone before it was done")
    return old


def _region(record: ImageRecord, index: int) -> TextRegion:
    if not 0 <= index < len(record.regions):
        raise IndexError(f"{record.path}: no region {index} (has {len(record.regions)})")
    return record.regions[index]


def checked_points(points: Iterable[Sequence[float]]) -> list[Point]:
    """Points as (x, y) tuples; refuses fewer than 3 points or non-finite coordinates (they cannot be saved)."""
    pts = []
    for pt in points:
        x, y = pt
        if isinstance(x, bool) or isinstance(y, bool) or not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"bad point {pt!r}")
        pts.append((x, y))
    if len(pts) < 3:
        raise ValueError(f"a region needs at least 3 points, got {len(pts)}")
    return pts


@dataclass
class SetText(Command):
    """Change a region's transcription. Typing in the same region merges into one step."""

    index: int
    text: str
    old: str | None = field(default=None, init=False)
    label = "edit text"

    def apply(self, record: ImageRecord) -> None:
        region = _region(record, self.index)
        self.old = region.transcription
        region.transcription = self.text

    def revert(self, record: ImageRecord) -> None:
        _region(record, self.index).transcription = _applied(self.old)

    def merge(self, newer: Command) -> bool:
        if isinstance(newer, SetText) and newer.index == self.index:
            self.text = newer.text
            return True
        return False


@dataclass
class MovePoints(Command):
    """Replace a region's polygon (drag a vertex, move or resize a box). `continuous`: merge a run of nudges."""

    index: int
    points: list[Point]
    continuous: bool = False
    old: list[Point] | None = field(default=None, init=False)
    label = "move"

    def __post_init__(self) -> None:
        self.points = checked_points(self.points)

    def apply(self, record: ImageRecord) -> None:
        region = _region(record, self.index)
        self.old = region.points
        region.points = list(self.points)

    def revert(self, record: ImageRecord) -> None:
        _region(record, self.index).points = _applied(self.old)

    def merge(self, newer: Command) -> bool:
        if isinstance(newer, MovePoints) and self.continuous and newer.continuous and newer.index == self.index:
            self.points = newer.points
            return True
        return False


_SETTABLE = frozenset({"difficult", "key_cls", "locked", "score", "id", "linking", "transcription"})


@dataclass
class SetField(Command):
    """Set one field of a region (difficult, key_cls, locked, score, id, linking)."""

    index: int
    name: str
    value: Any
    old: Any = field(default=None, init=False)
    label = "change region"

    def __post_init__(self) -> None:
        if self.name not in _SETTABLE:
            raise ValueError(f"cannot set region field {self.name!r}")

    def apply(self, record: ImageRecord) -> None:
        region = _region(record, self.index)
        self.old = getattr(region, self.name)
        setattr(region, self.name, self.value)

    def revert(self, record: ImageRecord) -> None:
        setattr(_region(record, self.index), self.name, self.old)


def SetDifficult(index: int, value: bool) -> SetField:
    return SetField(index, "difficult", bool(value))


def SetKeyClass(index: int, value: str | None) -> SetField:
    return SetField(index, "key_cls", value)


def SetLocked(index: int, value: bool) -> SetField:
    return SetField(index, "locked", bool(value))


@dataclass
class AddRegion(Command):
    """Insert a region at `index` (None: at the end)."""

    region: TextRegion
    index: int | None = None
    at: int = field(default=-1, init=False)
    label = "add region"

    def __post_init__(self) -> None:
        self.region.points = checked_points(self.region.points)

    def apply(self, record: ImageRecord) -> None:
        n = len(record.regions)
        self.at = n if self.index is None else self.index
        if not 0 <= self.at <= n:
            raise IndexError(f"{record.path}: cannot insert a region at {self.at} (has {n})")
        record.regions.insert(self.at, self.region)

    def revert(self, record: ImageRecord) -> None:
        del record.regions[self.at]


@dataclass
class RemoveRegion(Command):
    index: int
    removed: TextRegion | None = field(default=None, init=False)
    label = "delete region"

    def apply(self, record: ImageRecord) -> None:
        _region(record, self.index)
        self.removed = record.regions.pop(self.index)

    def revert(self, record: ImageRecord) -> None:
        record.regions.insert(self.index, _applied(self.removed))


@dataclass
class Reorder(Command):
    """Put the regions in a new order: `order[i]` is the old index of the region that goes to place i."""

    order: list[int]
    label = "reorder regions"

    def apply(self, record: ImageRecord) -> None:
        if sorted(self.order) != list(range(len(record.regions))):
            raise ValueError(f"{record.path}: {self.order} is not an order of {len(record.regions)} regions")
        record.regions[:] = [record.regions[i] for i in self.order]

    def revert(self, record: ImageRecord) -> None:
        old = list(record.regions)  # every place is overwritten: the order is a permutation
        for new_place, old_index in enumerate(self.order):
            old[old_index] = record.regions[new_place]
        record.regions[:] = old


@dataclass
class ReplaceRegions(Command):
    """Replace all regions at once (re-recognise all, paste a template, clear)."""

    regions: list[TextRegion]
    old: list[TextRegion] | None = field(default=None, init=False)
    label = "replace regions"

    def __post_init__(self) -> None:
        self.regions = list(self.regions)
        for r in self.regions:
            r.points = checked_points(r.points)

    def apply(self, record: ImageRecord) -> None:
        self.old = list(record.regions)
        record.regions[:] = self.regions

    def revert(self, record: ImageRecord) -> None:
        record.regions[:] = _applied(self.old)


@dataclass
class SetStatus(Command):
    """Confirm an image (or send it back to pre-labelled / new)."""

    status: ImageStatus
    old: ImageStatus | None = field(default=None, init=False)
    label = "change status"

    def apply(self, record: ImageRecord) -> None:
        self.old = record.status
        record.status = ImageStatus(self.status)

    def revert(self, record: ImageRecord) -> None:
        record.status = _applied(self.old)


@dataclass
class Batch(Command):
    """Several commands as one undo step (delete the selected regions, confirm and fix...)."""

    commands: list[Command]
    label: str = "edit"

    def apply(self, record: ImageRecord) -> None:
        done: list[Command] = []
        try:
            for cmd in self.commands:
                cmd.apply(record)
                done.append(cmd)
        except BaseException:
            for cmd in reversed(done):  # all or nothing
                cmd.revert(record)
            raise

    def revert(self, record: ImageRecord) -> None:
        for cmd in reversed(self.commands):
            cmd.revert(record)


class History:
    """The undo and redo stacks of one record. Unlimited; `push` clears the redo stack."""

    def __init__(
        self,
        record: ImageRecord,
        lock: threading.RLock | None = None,
        on_change: ChangeListener | None = None,
    ) -> None:
        self.record = record
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._merge_open = False
        self._revision = record.revision
        self.listeners: list[ChangeListener] = [on_change] if on_change else []

    def _drop_if_reloaded(self) -> None:
        # Another writer's save replaced the record: the stored steps refer to regions that are gone.
        if self.record.revision != self._revision:
            self._undo.clear()
            self._redo.clear()
            self._merge_open = False
            self._revision = self.record.revision

    def push(self, command: Command, merge: bool = True) -> Command:
        """Apply `command` and record it; raises (with the record unchanged) if it does not apply."""
        with self._lock:
            self._drop_if_reloaded()
            command.apply(self.record)
            if merge and self._merge_open and self._undo and self._undo[-1].merge(command):
                command = self._undo[-1]
            else:
                self._undo.append(command)
            self._redo.clear()
            self._merge_open = True
            self.record.mark_edited()
        self._notify(command)
        return command

    def undo(self) -> Command | None:
        with self._lock:
            self._drop_if_reloaded()
            if not self._undo:
                return None
            command = self._undo.pop()
            command.revert(self.record)
            self._redo.append(command)
            self._merge_open = False
            self.record.mark_edited()
        self._notify(command)
        return command

    def redo(self) -> Command | None:
        with self._lock:
            self._drop_if_reloaded()
            if not self._redo:
                return None
            command = self._redo.pop()
            command.apply(self.record)
            self._undo.append(command)
            self._merge_open = False
            self.record.mark_edited()
        self._notify(command)
        return command

    def break_merge(self) -> None:
        """The next text edit starts a new undo step (call when the selection or focus changes)."""
        self._merge_open = False

    def clear(self) -> None:
        with self._lock:
            self._undo.clear()
            self._redo.clear()
            self._merge_open = False

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) and self.record.revision == self._revision

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) and self.record.revision == self._revision

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def __len__(self) -> int:
        return len(self._undo)

    def _notify(self, command: Command) -> None:
        for listener in list(self.listeners):
            listener(self.record, command)


class HistoryBook:
    """One History per record of a project, created on first use, sharing the project lock and listeners."""

    def __init__(self, lock: threading.RLock | None = None, on_change: ChangeListener | None = None) -> None:
        self._lock = lock
        self._on_change = on_change
        self._histories: dict[int, History] = {}

    def for_record(self, record: ImageRecord) -> History:
        history = self._histories.get(id(record))
        if history is None or history.record is not record:
            history = History(record, self._lock, self._on_change)
            self._histories[id(record)] = history
        return history

    def push(self, record: ImageRecord, command: Command, merge: bool = True) -> Command:
        return self.for_record(record).push(command, merge)

    def clear(self) -> None:
        self._histories.clear()
