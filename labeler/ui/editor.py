"""The editing session as Qt signals, with autosave, folder sync and the OCR jobs around it.

The state (project, current image, selection, undo histories, edit generations) is a core
EditingSession (labeler/core/editing_session.py); the Editor owns one, forwards the widgets' requests to
it and announces its changes as signals. Every change goes through a History command, marks the project
dirty and is announced, so the views follow the model and never hold state of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from labeler.core.autosave import AutoSaver
from labeler.core.editing_session import (
    ApplyOutcome,
    EditingSession,
    Step,
    read_command,
    recognition_command,
)
from labeler.core.errors import Cancelled
from labeler.core.history import (
    AddRegion,
    Command,
    History,
    HistoryBook,
    MovePoints,
    RemoveRegion,
    SetField,
    SetStatus,
    SetText,
)
from labeler.core.image_io import read_image
from labeler.core.learned_conventions import Conventions
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.ppocrlabel_project import SaveResult
from labeler.core.project import Project, open_project, save_project
from labeler.core.project_merge import Conflict, MergeReport
from labeler.core.relabel import Relabeller, person_edited
from labeler.ui.batch_label import relabel_text
from labeler.ui.folder_sync import FolderSync
from labeler.ui.i18n import tr
from labeler.ui.workers import AutoLabelResult, Job, JobRunner, RecognizeResult, auto_label, recognize_region

CTX = "Editor"
READ_CTX = "BoxReading"  # the texts of issue 14 (merge, split, boxes read at once)
READ_DELAY_MS = 300  # a run of arrow-key nudges is read once, this long after the last one


@dataclass(frozen=True)
class ReadResult:
    """What the recognizer read in regions `indices` of one record: (text, score) each, in that order."""

    indices: tuple[int, ...]
    texts: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class PendingRead:
    """A re-read waiting for the end of a run of nudges: the step the nudges merged into, the regions moved."""

    step: Step
    indices: tuple[int, ...]


def read_regions(
    pipeline_factory: Callable[[], Any],
    image_file: str,
    indices: tuple[int, ...],
    polygons: tuple[tuple[tuple[float, float], ...], ...],
    cancel: threading.Event,
) -> ReadResult:
    """The background part of a re-read (no Qt): read the polygons' crops of the image file."""
    image = read_image(image_file)
    if cancel.is_set():
        raise Cancelled
    pipeline = pipeline_factory()
    read = pipeline.recognize_polygons(image, [np.asarray(p, np.float32) for p in polygons])
    return ReadResult(indices, tuple((t.strip(), round(float(score), 5)) for t, score in read))  # end spaces: noise


class Editor(QObject):
    project_opened = pyqtSignal()
    current_changed = pyqtSignal()  # another image is shown (or none)
    regions_changed = pyqtSignal(object)  # ImageRecord whose regions or status changed
    selection_changed = pyqtSignal(int)  # region index in the current image, -1: none
    message = pyqtSignal(str)  # a line for the status bar
    busy_changed = pyqtSignal(bool)  # an OCR job is running
    model_changed = pyqtSignal(str)  # the model set the next OCR job uses (name or folder)
    shared = pyqtSignal(list)  # other windows have this folder open: one line each (empty: alone)
    conflicts = pyqtSignal(list)  # images another writer changed too: one line each saying what was kept
    merged = pyqtSignal(object)  # MergeReport: what a save or refresh took in from other writers' saves
    _saved = pyqtSignal(object)  # from the autosave thread
    _save_failed = pyqtSignal(str)

    def __init__(self, model_set: str = "default", autosave_delay: float = 1.0, parent: QObject | None = None):
        super().__init__(parent)
        self.session = EditingSession()
        self.session.listeners.append(self._on_history_change)
        self.relabeller = Relabeller()  # auto-labelling again keeps the user's regions (core/relabel.py)
        self._model_set = str(model_set)
        self.autosave_delay = autosave_delay
        self.saver: AutoSaver | None = None
        self.ocr = JobRunner(1, self)
        self.ocr.busy_changed.connect(self.busy_changed)
        self._pipeline = None
        self._pipeline_lock = threading.Lock()
        self.sync: FolderSync | None = None
        self.read_new_boxes = True  # settings' read_new_boxes: drawn and reshaped boxes are read at once
        self._pending_read: PendingRead | None = None
        self._read_timer = QTimer(self)
        self._read_timer.setSingleShot(True)
        self._read_timer.setInterval(READ_DELAY_MS)
        self._read_timer.timeout.connect(self._read_pending)
        self._saved.connect(self._after_save)
        self._save_failed.connect(
            lambda text: self.message.emit(tr("Autosave failed: {error}", CTX).format(error=text))
        )

    # ------------------------------------------------------------------ the session's state, read here

    @property
    def project(self) -> Project | None:
        return self.session.project

    @property
    def current(self) -> ImageRecord | None:
        return self.session.current

    @current.setter
    def current(self, record: ImageRecord | None) -> None:
        self.session.current = record  # silently: the caller announces what it did (an image removed)

    @property
    def selected(self) -> int:
        """The primary selected region of the current image, -1: none."""
        return self.session.selection.primary

    @selected.setter
    def selected(self, index: int) -> None:
        if index < 0:
            self.session.selection.clear()
        else:
            self.session.selection.select(index)

    @property
    def generations(self) -> dict[str, int]:
        return self.session.generations

    @property
    def histories(self) -> HistoryBook | None:
        return self.session.histories

    @property
    def low_score(self) -> float:
        return self.session.low_score

    @low_score.setter
    def low_score(self, value: float) -> None:
        self.session.low_score = value

    @property
    def cached_pipeline(self):
        """The OCR pipeline made (or set) so far, or None; never makes one."""
        with self._pipeline_lock:
            return self._pipeline

    # ------------------------------------------------------------------ project

    def open_folder(self, folder: str | Path) -> None:
        self.close_project()
        project = open_project(folder)
        self.session.open(project)
        self.saver = AutoSaver(
            partial(save_project, project),
            delay=self.autosave_delay,
            on_error=lambda exc: self._save_failed.emit(str(exc)),
            on_saved=self._saved.emit,
        )
        self.sync = FolderSync(project, self)
        self.sync.merged.connect(self._take_in)
        self.sync.failed.connect(
            lambda text: self.message.emit(tr("Reading other writers' saves failed: {error}", CTX).format(error=text))
        )
        self.project_opened.emit()
        self.message.emit(tr("Opened {folder} ({n} images)", CTX).format(folder=project.folder, n=len(project)))
        if project.records:
            self.go_to(0)
        self.shared.emit(self.sync.other_windows())

    def close_project(self) -> None:
        """Stop the OCR jobs, save what is pending and stop the autosave thread."""
        self._read_timer.stop()
        self._pending_read = None
        self.ocr.shutdown()
        if self.sync is not None:
            self.sync.stop()
        if self.saver is not None:
            self.saver.close()  # raises if the last save fails: the project stays open
            self.saver = None
        if self.sync is not None:
            self.sync.deleteLater()
            self.sync = None
        self.session.close()

    def flush(self) -> None:
        if self.saver is not None:
            self.saver.flush()

    def _after_save(self, result: SaveResult) -> None:
        self.message.emit(tr("Saved", CTX))
        self._take_in(result.merge)
        if result.took_over is not None:
            text = tr("Took over the folder lock of {holder}, which ended without releasing it", CTX)
            self.message.emit(text.format(holder=result.took_over.describe()))

    def _take_in(self, report: MergeReport) -> None:
        """Show what another writer's saves changed: reloaded images redraw, conflicts are announced."""
        if self.project is None:
            return
        if report.files_changed:
            self.merged.emit(report)
        for rec in self.session.reloaded(report.reloaded):  # OCR results started before are stale now
            self.regions_changed.emit(rec)
        if report.conflicts:
            self.conflicts.emit([_conflict_text(c) for c in report.conflicts])
        elif report.reloaded:
            text = tr("{n} image(s) updated from another writer's save", CTX)
            self.message.emit(text.format(n=len(report.reloaded)))

    # ------------------------------------------------------------------ navigation

    @property
    def current_index(self) -> int:
        return self.session.current_index

    def go_to(self, index: int) -> None:
        if self.session.go_to(index):
            self.adopt_prelabels(self.current)
            self.current_changed.emit()

    def adopt_prelabels(self, record: ImageRecord | None, machine: Sequence[TextRegion] | None = None) -> None:
        """An image shows the OCR's pre-labels: learn from them at confirmation, apply what was learned so far."""
        project = self.project
        if project is None or record is None or record.status is not ImageStatus.PRELABELLED:
            return
        if machine is None and (record.path in self.session.learner.prelabels or person_edited(project, record)):
            return  # seen before, or a person's edits: not the OCR's pre-labels
        if self.session.adopt_prelabels(record, machine) is not None:
            conventions = self.session.conventions()
            text = tr("Pre-labels fitted to this project's conventions (learned from {n} confirmed images): {what}. "
                      "Ctrl+Z undoes", CTX)  # fmt: skip
            self.message.emit(
                text.format(n=conventions.evidence_images, what="; ".join(_conventions_text(conventions)))
            )

    def step(self, delta: int) -> None:
        self.go_to(self.current_index + delta)

    def next_unconfirmed(self) -> int:
        """Index of the next image after the current one not confirmed yet (wrapping), or -1."""
        return self.session.next_unconfirmed()

    def select(self, index: int) -> None:
        if self.session.select(index):
            self.selection_changed.emit(self.selected)

    # ------------------------------------------------------------------ edits (all through the history)

    def history(self, record: ImageRecord | None = None) -> History:
        return self.session.history(record)

    def push(self, command: Command, record: ImageRecord | None = None, merge: bool = True) -> None:
        self.session.push(command, record, merge)

    def _on_history_change(self, record: ImageRecord, command: Command) -> None:
        # the session has counted the edit and fitted the selection to the regions
        if self.saver is not None:
            self.saver.mark_dirty()
        self.regions_changed.emit(record)

    def set_text(self, index: int, text: str) -> None:
        if self.current is not None and self.current.regions[index].transcription != text:
            self.push(SetText(index, text))

    def set_difficult(self, index: int, value: bool) -> None:
        if self.current is not None and self.current.regions[index].difficult != value:
            self.push(SetField(index, "difficult", bool(value)), merge=False)

    def move_points(self, index: int, points: list[tuple[float, float]]) -> None:
        self.push(MovePoints(index, points), merge=False)

    def add_region(self, points: list[tuple[float, float]]) -> None:
        if self.current is None:
            return
        self.push(AddRegion(TextRegion(points=list(points))), merge=False)
        self.select(len(self.current.regions) - 1)

    def delete_selected(self) -> None:
        if self.current is not None and self.selected >= 0:
            index = self.selected
            self.push(RemoveRegion(index), merge=False)
            self.session.selection.clear()  # so that the region taking its place is announced
            self.select(min(index, len(self.current.regions) - 1))

    def undo(self) -> None:
        if self.current is not None and self.session.undo() is None:
            self.message.emit(tr("Nothing to undo", CTX))

    def redo(self) -> None:
        if self.current is not None and self.session.redo() is None:
            self.message.emit(tr("Nothing to redo", CTX))

    def confirm_and_next(self) -> None:
        """PPOCRLabel's Ctrl+V: confirm the image, save now, open the next unconfirmed one."""
        if self.current is None:
            return
        if self.current.status is not ImageStatus.CONFIRMED:
            self.push(SetStatus(ImageStatus.CONFIRMED), merge=False)
        self.flush()
        nxt = self.next_unconfirmed()
        if nxt < 0:
            self.message.emit(tr("All images are confirmed", CTX))
        else:
            self.go_to(nxt)

    # ------------------------------------------------------------------ OCR in the background

    @property
    def model_set(self) -> str:
        return self._model_set

    @model_set.setter
    def model_set(self, value: str) -> None:
        if str(value) != self._model_set:
            self._model_set = str(value)
            self.model_changed.emit(self._model_set)

    def use_model_set(self, model_set: str | Path, pipeline=None) -> None:
        """OCR with another model set from the next job on (`pipeline`: one already made for it; None: made lazily)."""
        with self._pipeline_lock:  # a worker creating the pipeline now sees both the new set and no cached pipeline
            self._pipeline = pipeline
            changed = str(model_set) != self._model_set
            self._model_set = str(model_set)
        if changed:
            self.model_changed.emit(self._model_set)

    def pipeline(self):
        """The OCR pipeline, created on first use on a worker thread (loading models takes seconds)."""
        with self._pipeline_lock:
            if self._pipeline is None:
                from labeler.ocr.pipeline import OcrPipeline, PipelineOptions

                self._pipeline = OcrPipeline(self.model_set, PipelineOptions(threads=2, spin_threads=False))
            return self._pipeline

    def _start(self, fn, on_result) -> Job:
        job = Job(fn)
        job.signals.result.connect(on_result)
        job.signals.error.connect(lambda text: self.message.emit(tr("OCR failed: {error}", CTX).format(error=text)))
        self.ocr.start(job)
        return job

    def auto_label_current(self) -> Job | None:
        if self.project is None or self.current is None:
            return None
        rec = self.current
        stamp = self.session.stamp(rec)
        fn = partial(auto_label, self.pipeline, str(self.project.image_path(rec)), rec.path, stamp.generation)
        self.message.emit(tr("Auto-labelling {path}...", CTX).format(path=rec.path))
        return self._start(fn, self._apply_auto_label)

    def _apply_auto_label(self, result: AutoLabelResult) -> None:
        command_for = self.relabeller.command_for(self.project, result.regions)
        done = self.session.apply_if_unedited(result.record_path, result.generation, command_for)
        if done.outcome is ApplyOutcome.EDITED:
            text = tr("{path} was edited meanwhile: auto-label result not applied", CTX)
            self.message.emit(text.format(path=result.record_path))
        elif done.applied and self.relabeller.last is not None:
            self.message.emit(relabel_text(result.record_path, self.relabeller.last))
            if not self.relabeller.last.kept and done.record is not None:
                self.adopt_prelabels(done.record, self.relabeller.last.added)

    def recognize_selected(self) -> Job | None:
        if self.project is None or self.current is None or self.selected < 0:
            self.message.emit(tr("Select a region to re-recognize", CTX))
            return None
        rec, index = self.current, self.selected
        points = tuple((float(x), float(y)) for x, y in rec.regions[index].points)
        stamp = self.session.stamp(rec)
        fn = partial(
            recognize_region,
            self.pipeline,
            str(self.project.image_path(rec)),
            rec.path,
            stamp.generation,
            index,
            points,
        )
        return self._start(fn, self._apply_recognition)

    def _apply_recognition(self, result: RecognizeResult) -> None:
        done = self.session.apply_if_unedited(
            result.record_path,
            result.generation,
            lambda _rec: recognition_command(result.index, result.text, result.score),
        )
        if done.outcome is ApplyOutcome.EDITED:
            text = tr("{path} was edited meanwhile: recognition not applied", CTX)
            self.message.emit(text.format(path=result.record_path))
            return
        if not done.applied:
            return
        self.message.emit(
            tr("Region {n}: {text!r} ({score:.2f})", CTX).format(
                n=result.index + 1, text=result.text, score=result.score
            )
        )

    # ------------------------------------------------------------------ boxes read at once (issue 14)

    def read_boxes(self, indices: Sequence[int], step: Step | None = None, wait: bool = False, forced: bool = False):
        """Read regions `indices` of the step's record in the background; the result becomes part of `step`
        (default: the last step of the current image), so one undo takes back the edit and its reading.

        Regions whose text the user typed are left alone. `forced`: also with the setting read_new_boxes off
        (merge and split always read their pieces). `wait`: after READ_DELAY_MS without another such call (a run
        of nudges). Returns the job, or None when nothing is read (now).
        """
        if not (forced or self.read_new_boxes) or self.project is None:
            return None
        step = step or self.session.last_step()
        if step is None:
            return None
        regions = step.record.regions
        chosen = {i for i in indices if 0 <= i < len(regions) and not self.session.text_is_users(regions[i])}
        if not chosen:
            return None
        if wait:
            pending = self._pending_read
            if pending is not None and pending.step.command is step.command and pending.step.record is step.record:
                chosen |= set(pending.indices)  # the same run of nudges: one reading of all it moved
            self._pending_read = PendingRead(step, tuple(sorted(chosen)))
            self._read_timer.start()
            return None
        return self._start_read(step, tuple(sorted(chosen)))

    def _read_pending(self) -> None:
        pending, self._pending_read = self._pending_read, None
        last = self.session.last_step(pending.step.record) if pending is not None else None
        if pending is not None and last is not None and last.generation == pending.step.generation:
            self._start_read(pending.step, pending.indices)  # else: edited since the nudges, nothing to read

    def _start_read(self, step: Step, indices: tuple[int, ...]) -> Job | None:
        if self.project is None:
            return None
        rec = step.record
        polygons = tuple(tuple((float(x), float(y)) for x, y in rec.regions[i].points) for i in indices)
        fn = partial(read_regions, self.pipeline, str(self.project.image_path(rec)), indices, polygons)
        return self._start(fn, lambda result: self._apply_read(step, result))

    def _apply_read(self, step: Step, result: ReadResult) -> None:
        done = self.session.fold_if_unedited(
            step,
            lambda _rec: read_command(result.indices, result.texts),
            fits=lambda rec: all(i < len(rec.regions) for i in result.indices),
        )
        boxes = ", ".join(str(i + 1) for i in result.indices)
        if done.outcome is ApplyOutcome.EDITED:
            self.message.emit(tr("Box {n} changed meanwhile: its reading was not applied", READ_CTX).format(n=boxes))
        elif done.applied:
            read = " | ".join(text for text, _score in result.texts)
            self.message.emit(tr("Box {n} read: {text}", READ_CTX).format(n=boxes, text=read))


def _kind_text(kind: str) -> str:
    """A character kind of a spacing rule, in the user's language (a mark stays itself)."""
    names = {"cjk": tr("CJK", CTX), "digit": tr("digit", CTX), "alpha": tr("letter", CTX)}
    return names.get(kind, repr(kind))


def _conventions_text(conventions: Conventions) -> list[str]:
    """What the learned conventions do, one short phrase each, for the status bar."""
    out = []
    if conventions.margin is not None:
        text = tr("boxes {n}% tighter", CTX) if conventions.margin > 0 else tr("boxes {n}% looser", CTX)
        out.append(text.format(n=round(abs(conventions.margin) * 100)))
    out += [f"{a!r} \u2192 {b!r}" for a, b in conventions.marks]
    for a, b in sorted(conventions.drop_space):
        out.append(tr("no space between {a} and {b}", CTX).format(a=_kind_text(a), b=_kind_text(b)))
    for a, b in sorted(conventions.add_space):
        out.append(tr("a space between {a} and {b}", CTX).format(a=_kind_text(a), b=_kind_text(b)))
    return out


def _conflict_text(conflict: Conflict) -> str:
    if conflict.kept == "here":
        text = tr("{path}: also changed by another writer; this window's newer edit was kept, theirs is in {file}", CTX)
    else:
        text = tr("{path}: also changed by another writer; their newer edit was kept, this window's is in {file}", CTX)
    return text.format(path=conflict.path, file=conflict.saved_to.name if conflict.saved_to else "-")
