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

A re-read that belongs to an edit (a box drawn, reshaped, merged or split) is folded into that edit's undo step
instead (`last_step` when the job starts, `fold_if_unedited` when it ends): one Ctrl+Z takes back both.
Which texts the user typed is kept here, in memory (`typed`): only texts the user did not type are re-read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
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
from labeler.core.learned_conventions import ConventionLearner, Conventions, adjust
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


@dataclass(frozen=True)
class Step:
    """An undo step just pushed on a record, and the record's edit count right after it (a background result
    may be folded into it while the count is unchanged)."""

    record: ImageRecord
    command: Command  # the command on the undo stack (a merged text edit: the older one it absorbed the newer into)
    generation: int

    @property
    def record_path(self) -> str:
        return self.record.path


@dataclass
class TypedTexts:
    """The regions whose text the user typed in this session, by identity: a TextRegion object lives on through
    moves, reorders, undo and redo, while == compares contents (two equal regions are not the same one).

    In memory only, not in the label files: those are PPOCRLabel's and PaddleOCR's formats, read by other tools
    and merged with other writers' saves, which would carry or drop a key of ours; and what it protects is typing
    against an automatic re-read started in this session.
    """

    regions: dict[int, TextRegion] = field(default_factory=dict)  # id(region) -> region (kept alive: ids stay unique)

    def add(self, region: TextRegion) -> None:
        self.regions[id(region)] = region

    def __contains__(self, region: object) -> bool:
        return self.regions.get(id(region)) is region

    def clear(self) -> None:
        self.regions.clear()


@dataclass(eq=False)
class EditingSession:
    project: Project | None = None
    current: ImageRecord | None = None  # the image shown; a record, not an index: images can be removed
    selection: Selection = field(default_factory=Selection)  # in the current image; one object for the session
    generations: dict[str, int] = field(default_factory=dict)  # edits per record path: background results check it
    low_score: float = Settings.low_score  # recognitions under this confidence are highlighted for review
    histories: HistoryBook | None = None  # one undo history per record of the open project
    listeners: list[ChangeListener] = field(default_factory=list)  # told after every edit, undo and redo
    typed: TypedTexts = field(default_factory=TypedTexts)  # texts the user typed: never overwritten by a re-read
    last_steps: dict[str, Step] = field(default_factory=dict)  # per record path: the last step pushed
    learner: ConventionLearner = field(default_factory=ConventionLearner)  # the project's conventions, learned
    apply_conventions: bool = Settings.apply_conventions  # learned conventions go onto pre-labels when shown

    # ------------------------------------------------------------------ project

    def open(self, project: Project) -> None:
        """Edit `project` from now on (no image shown yet: go_to)."""
        self.project = project
        self.histories = HistoryBook(project.lock, self._edited)
        self.generations.clear()
        self.typed.clear()
        self.last_steps.clear()
        self.learner = ConventionLearner()
        self.current = None
        self.selection.clear()

    def close(self) -> None:
        self.project = None
        self.histories = None
        self.typed.clear()
        self.last_steps.clear()
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
        target = record or self.current
        if self.project is None or target is None:
            return None
        typed = _typed_indices(command)
        pushed = self.history(target).push(command, merge)
        for index in typed:
            if 0 <= index < len(target.regions):
                self.typed.add(target.regions[index])
        self.last_steps[target.path] = Step(target, pushed, self.generation(target.path))
        return pushed

    def last_step(self, record: ImageRecord | None = None) -> Step | None:
        """The last undo step pushed on `record` (default: the current one), if nothing changed the record since."""
        record = record or self.current
        step = self.last_steps.get(record.path) if record is not None else None
        if step is None or step.record is not record or step.generation != self.generation(record.path):
            return None
        return step

    def text_is_users(self, region: TextRegion) -> bool:
        """Whether the user typed this region's text in this session (a re-read must not overwrite it)."""
        return region in self.typed

    def undo(self) -> Command | None:
        """Undo the current image's last step; None when there is nothing to undo."""
        return None if self.current is None else self.history().undo()

    def redo(self) -> Command | None:
        return None if self.current is None else self.history().redo()

    def _edited(self, record: ImageRecord, command: Command) -> None:
        self.generations[record.path] = self.generations.get(record.path, 0) + 1
        if record.status is ImageStatus.CONFIRMED and _confirms(command):
            self.learner.learn(record.path, record.regions)  # what the user made of the OCR's pre-labels
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

    # ------------------------------------------------------------------ learned conventions

    def adopt_prelabels(self, record: ImageRecord, machine: Sequence[TextRegion] | None = None) -> Command | None:
        """`record` shows the OCR's pre-labels (`machine`: those of its regions, default all): remember them to learn
        from when it is confirmed, and apply the conventions learned so far as one undo step (None: nothing to do).

        Only for a pre-labelled image whose regions are all the OCR's (the caller knows: no person edited it).
        """
        if self.project is None or record.status is not ImageStatus.PRELABELLED:
            return None
        regions = list(record.regions if machine is None else machine)
        if not regions or any(r.score is None for r in regions):
            return None  # a hand-made region, or PPOCRLabel's scoreless pre-labels: not the OCR's for sure
        self.learner.remember(record.path, regions)
        if not self.apply_conventions or machine is not None and len(machine) != len(record.regions):
            return None
        adjusted = adjust(record.regions, self.learner.conventions())
        if adjusted is None:
            return None
        return self.push(Batch([ReplaceRegions(adjusted)], label="project conventions"), record=record, merge=False)

    def conventions(self) -> Conventions:
        return self.learner.conventions()

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

    def fold_if_unedited(
        self,
        step: Step,
        command_for: Callable[[ImageRecord], Command],
        fits: Callable[[ImageRecord], bool] | None = None,
    ) -> Applied:
        """Make `command_for(record)` part of `step` (one undo step with it) unless the record changed since `step`.

        The same rule as apply_if_unedited, the user's edits win: any edit, undo or redo after `step` (or another
        writer's save) and the result is EDITED; a closed project or a removed record, GONE. The step is taken back
        and pushed again with the result, the selection kept as it was.
        """
        project = self.project
        if project is None or step.record_path not in project or project.record(step.record_path) is not step.record:
            return Applied(ApplyOutcome.GONE)
        record = step.record
        if self.generation(record.path) != step.generation or (fits is not None and not fits(record)):
            return Applied(ApplyOutcome.EDITED, record)
        extra = command_for(record)
        history = self.history(record)
        kept = replace(self.selection) if record is self.current else None
        with project.lock:  # no save of the moment between taking the step back and pushing it again
            undone = history.undo()
            if undone is not step.command:  # the step is not the last one after all: leave the history as it was
                if undone is not None:
                    history.redo()
                return Applied(ApplyOutcome.EDITED, record)
            if kept is not None:  # so that the views hear of the selection the user had, not of the undo's
                self.selection.primary, self.selection.chosen = kept.primary, set(kept.chosen)
                self.selection.picked_vertex = kept.picked_vertex
            try:
                folded = Batch([step.command, extra], label=step.command.label)
                command = self.push(folded, record=record, merge=False)
            except (ValueError, IndexError):
                history.redo()
                raise
        return Applied(ApplyOutcome.APPLIED, record, command)


# ---------------------------------------------------------------------- the commands OCR results become


def auto_label_command(record: ImageRecord, regions: Iterable[TextRegion]) -> Command:
    """Detected regions replace the record's; a new image becomes pre-labelled. One undo step."""
    commands: list[Command] = [ReplaceRegions(list(regions))]
    if record.status is ImageStatus.NEW:
        commands.append(SetStatus(ImageStatus.PRELABELLED))
    return Batch(commands, label="auto-label")


class ReadText(SetText):
    """A text the recognizer read (not typed by the user: a later re-read may replace it)."""

    label = "re-recognize"


def _confirms(command: Command) -> bool:
    """Whether `command` (or a part of it) sets the status to confirmed."""
    commands = command.commands if isinstance(command, Batch) else [command]
    return any(isinstance(c, SetStatus) and ImageStatus(c.status) is ImageStatus.CONFIRMED for c in commands)


def _typed_indices(command: Command) -> list[int]:
    """The regions whose text the user types with `command` (text and field edits only: with regions added,
    removed or reordered in the same step the indices would not say which region is meant)."""
    commands = command.commands if isinstance(command, Batch) else [command]
    if not all(isinstance(c, (SetText, SetField)) for c in commands):
        return []
    return [c.index for c in commands if isinstance(c, SetText) and not isinstance(c, ReadText)]


def recognition_command(index: int, text: str, score: float) -> Batch:
    """A region read again: its text and score, as one undo step."""
    return Batch([ReadText(index, text), SetField(index, "score", score)], label="re-recognize")


def recognize_all_command(texts: Iterable[tuple[str, float]]) -> Batch:
    """Every region read again, (text, score) in region order, as one undo step."""
    commands: list[Command] = []
    for i, (text, score) in enumerate(texts):
        commands += [ReadText(i, text), SetField(i, "score", score)]
    return Batch(commands, label="re-recognize all")


def read_command(indices: Sequence[int], texts: Sequence[tuple[str, float]]) -> Batch:
    """Regions `indices` read again, (text, score) each: the part of a box edit that a re-read adds."""
    commands: list[Command] = []
    for i, (text, score) in zip(indices, texts, strict=True):
        commands += [ReadText(i, text), SetField(i, "score", score)]
    return Batch(commands, label="re-recognize")
