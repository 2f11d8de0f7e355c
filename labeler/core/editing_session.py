"""The editing session without Qt: the open project, the image shown, what is selected, the undo histories.

Every edit goes through a History command of its record; the session counts the edits per record
(`generations`) so that a background OCR result is applied only to a record nobody edited since the job
started (`apply_if_unedited`, the one place that rule lives). The GUI's Editor owns one session and turns
its changes into signals; listeners hear of every edit, undo and redo.

    session = EditingSession()
    session.open(open_project(folder))
    session.go_to(0)
    session.push(SetText(0, "Total"))
    stamp = session.stamp(session.current)            # when an OCR job starts
    session.apply_if_unedited(stamp.record_path, stamp.generation, lambda rec: auto_label_command(rec, regions))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from labeler.core.history import (
    Batch,
    ChangeListener,
    Command,
    History,
    HistoryBook,
    ReplaceRegions,
    SetField,
    SetStatus,
    SetText,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.project import Project
from labeler.core.selection import NONE, Selection
from labeler.core.settings import Settings


class ApplyOutcome(Enum):
    APPLIED = "applied"
    EDITED = "edited"  # skipped: the record was edited since the job started (or no longer fits the result)
    GONE = "gone"  # dropped: the project was closed or replaced, or the record left it


@dataclass(frozen=True)
class Applied:
    """What became of a background result: its outcome, the record it was for, the command pushed."""

    outcome: ApplyOutcome
    record: ImageRecord | None = None
    command: Command | None = None

    @property
    def applied(self) -> bool:
        return self.outcome is ApplyOutcome.APPLIED


@dataclass(frozen=True)
class JobStamp:
    """What a background job on one record remembers: whose result it is and the record's edit count then."""

    record_path: str
    generation: int


@dataclass(eq=False)
class EditingSession:
    project: Project | None = None
    current: ImageRecord | None = None  # the image shown; a record, not an index: images can be removed
    selection: Selection = field(default_factory=Selection)  # in the current image; one object for the session
    generations: dict[str, int] = field(default_factory=dict)  # edits per record path: background results check it
    low_score: float = Settings.low_score  # recognitions under this confidence are highlighted for review
    histories: HistoryBook | None = None  # one undo history per record of the open project
    listeners: list[ChangeListener] = field(default_factory=list)  # told after every edit, undo and redo

    # ------------------------------------------------------------------ project

    def open(self, project: Project) -> None:
        """Edit `project` from now on (no image shown yet: go_to)."""
        self.project = project
        self.histories = HistoryBook(project.lock, self._edited)
        self.generations.clear()
        self.current = None
        self.selection.clear()

    def close(self) -> None:
        self.project = None
        self.histories = None
        self.current = None
        self.selection.clear()

    # ------------------------------------------------------------------ navigation

    @property
    def current_index(self) -> int:
        """Index of the current record in the project, or -1."""
        if self.project is None or self.current is None:
            return -1
        # Not records.index(): ImageRecord's == compares regions, which parses every lazy record before it.
        return next((i for i, rec in enumerate(self.project.records) if rec is self.current), -1)

    def go_to(self, index: int) -> bool:
        """Show record `index`; False when there is none or it is shown already."""
        if self.project is None or not 0 <= index < len(self.project):
            return False
        record = self.project.records[index]
        if record is self.current:
            return False
        if self.current is not None:
            self.history().break_merge()
        self.current = record
        self.selection.clear()
        return True

    def next_unconfirmed(self) -> int:
        """Index of the next record after the current one not confirmed yet (wrapping), or -1."""
        if self.project is None:
            return -1
        n, start = len(self.project), self.current_index
        for k in range(1, n + 1):
            i = (start + k) % n
            if self.project.records[i].status is not ImageStatus.CONFIRMED:
                return i
        return -1

    def select(self, index: int) -> bool:
        """Make region `index` of the current image the primary selection (-1 or past the end: none).

        Returns whether it changed; a change ends the text edit being merged into one undo step.
        """
        if self.current is None or index >= len(self.current.regions):
            index = NONE
        if index == self.selection.primary:
            return False
        if self.current is not None:
            self.history().break_merge()
        return self.selection.select(index)

    # ------------------------------------------------------------------ edits

    def history(self, record: ImageRecord | None = None) -> History:
        """The undo history of `record` (default: the current one)."""
        assert self.histories is not None, "no project open"
        record = record or self.current
        assert record is not None, "no image shown"
        return self.histories.for_record(record)

    def push(self, command: Command, record: ImageRecord | None = None, merge: bool = True) -> Command | None:
        """Apply `command` to `record` (default: the current one) as an undo step; None with no project or image."""
        if self.project is None or (record or self.current) is None:
            return None
        return self.history(record).push(command, merge)

    def undo(self) -> Command | None:
        """Undo the current image's last step; None when there is nothing to undo."""
        return None if self.current is None else self.history().undo()

    def redo(self) -> Command | None:
        return None if self.current is None else self.history().redo()

    def _edited(self, record: ImageRecord, command: Command) -> None:
        self.generations[record.path] = self.generations.get(record.path, 0) + 1
        if record is self.current:
            self.selection.follow_regions(record.regions)
        for listener in list(self.listeners):
            listener(record, command)

    def reloaded(self, paths: Iterable[str]) -> list[ImageRecord]:
        """Another writer's save replaced these records: results of jobs started before are stale now.

        Returns the records still in the project; the selection in the current one keeps only what still exists.
        """
        if self.project is None:
            return []
        records = []
        for path in paths:
            if path not in self.project:
                continue
            record = self.project.record(path)
            self.generations[path] = self.generations.get(path, 0) + 1
            if record is self.current:
                self.selection.follow_regions(record.regions, past_end_to_last=False)
            records.append(record)
        return records

    # ------------------------------------------------------------------ background results

    def generation(self, record_path: str) -> int:
        """How many edits `record_path` has had in this session."""
        return self.generations.get(record_path, 0)

    def stamp(self, record: ImageRecord) -> JobStamp:
        """Taken when a background job on `record` starts; its result is applied only with this generation."""
        return JobStamp(record.path, self.generation(record.path))

    def apply_if_unedited(
        self,
        record_path: str,
        generation: int,
        command_for: Callable[[ImageRecord], Command],
        fits: Callable[[ImageRecord], bool] | None = None,
        started_on: Project | None = None,
    ) -> Applied:
        """Push `command_for(record)` as one undo step unless the record was edited since the job started.

        `generation`: the record's edit count when the job started (stamp). `fits`: whether the result still
        suits the record (a confirmed image, a changed region count: counted as edited too). `started_on`:
        the project the job ran for; results for any other (or a closed one) are GONE, as are removed records.
        The user's edits always win: a result is never merged into a record changed meanwhile.
        """
        project = self.project
        if project is None or (started_on is not None and project is not started_on) or record_path not in project:
            return Applied(ApplyOutcome.GONE)
        record = project.record(record_path)
        if self.generation(record_path) != generation or (fits is not None and not fits(record)):
            return Applied(ApplyOutcome.EDITED, record)
        command = self.push(command_for(record), record=record, merge=False)
        return Applied(ApplyOutcome.APPLIED, record, command)


# ---------------------------------------------------------------------- the commands OCR results become


def auto_label_command(record: ImageRecord, regions: Iterable[TextRegion]) -> Command:
    """Detected regions replace the record's; a new image becomes pre-labelled. One undo step."""
    commands: list[Command] = [ReplaceRegions(list(regions))]
    if record.status is ImageStatus.NEW:
        commands.append(SetStatus(ImageStatus.PRELABELLED))
    return Batch(commands, label="auto-label")


def recognition_command(index: int, text: str, score: float) -> Batch:
    """A region read again: its text and score, as one undo step."""
    return Batch([SetText(index, text), SetField(index, "score", score)], label="re-recognize")


def recognize_all_command(texts: Iterable[tuple[str, float]]) -> Batch:
    """Every region read again, (text, score) in region order, as one undo step."""
    commands: list[Command] = []
    for i, (text, score) in enumerate(texts):
        commands += [SetText(i, text), SetField(i, "score", score)]
    return Batch(commands, label="re-recognize all")
