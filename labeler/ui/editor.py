"""The editing session: one open project, its undo histories, autosave and OCR jobs, as Qt signals.

Widgets read the core dataclasses (Project, ImageRecord, TextRegion) and ask for changes here; every
change goes through a History command, marks the project dirty and is announced by a signal, so the
views follow the model and never hold state of their own.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal

from labeler.core.autosave import AutoSaver
from labeler.core.history import (
    AddRegion,
    Batch,
    Command,
    History,
    HistoryBook,
    MovePoints,
    RemoveRegion,
    ReplaceRegions,
    SetField,
    SetStatus,
    SetText,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.ppocrlabel_project import SaveResult
from labeler.core.project import Project, open_project, save_project
from labeler.core.project_merge import Conflict, MergeReport
from labeler.ui.folder_sync import FolderSync
from labeler.ui.i18n import tr
from labeler.ui.workers import AutoLabelResult, Job, JobRunner, RecognizeResult, auto_label, recognize_region

LOW_SCORE = 0.85  # recognitions under this confidence are highlighted for review
CTX = "Editor"


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
        self.project: Project | None = None
        self.current: ImageRecord | None = None
        self.selected = -1
        self._model_set = str(model_set)
        self.low_score = LOW_SCORE
        self.autosave_delay = autosave_delay
        self.histories: HistoryBook | None = None
        self.saver: AutoSaver | None = None
        self.generations: dict[str, int] = {}  # edits per record path: background results check it
        self.ocr = JobRunner(1, self)
        self.ocr.busy_changed.connect(self.busy_changed)
        self._pipeline = None
        self._pipeline_lock = threading.Lock()
        self.sync: FolderSync | None = None
        self._saved.connect(self._after_save)
        self._save_failed.connect(
            lambda text: self.message.emit(tr("Autosave failed: {error}", CTX).format(error=text))
        )

    # ------------------------------------------------------------------ project

    def open_folder(self, folder: str | Path) -> None:
        self.close_project()
        project = open_project(folder)
        self.project = project
        self.histories = HistoryBook(project.lock, self._on_history_change)
        self.saver = AutoSaver(
            partial(save_project, project),
            delay=self.autosave_delay,
            on_error=lambda exc: self._save_failed.emit(str(exc)),
            on_saved=self._saved.emit,
        )
        self.generations.clear()
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
        self.ocr.shutdown()
        if self.sync is not None:
            self.sync.stop()
        if self.saver is not None:
            self.saver.close()  # raises if the last save fails: the project stays open
            self.saver = None
        if self.sync is not None:
            self.sync.deleteLater()
            self.sync = None
        self.project = None
        self.current = None
        self.selected = -1

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
        for path in report.reloaded:
            if path not in self.project:
                continue
            rec = self.project.record(path)
            self.generations[path] = self.generations.get(path, 0) + 1  # OCR results started before are stale
            if rec is self.current and self.selected >= len(rec.regions):
                self.selected = -1
            self.regions_changed.emit(rec)
        if report.conflicts:
            self.conflicts.emit([_conflict_text(c) for c in report.conflicts])
        elif report.reloaded:
            text = tr("{n} image(s) updated from another writer's save", CTX)
            self.message.emit(text.format(n=len(report.reloaded)))

    # ------------------------------------------------------------------ navigation

    @property
    def current_index(self) -> int:
        if self.project is None or self.current is None:
            return -1
        # Not records.index(): ImageRecord's == compares regions, which parses every lazy record before it.
        return next((i for i, rec in enumerate(self.project.records) if rec is self.current), -1)

    def go_to(self, index: int) -> None:
        if self.project is None or not 0 <= index < len(self.project):
            return
        record = self.project.records[index]
        if record is self.current:
            return
        if self.current is not None:
            self.history().break_merge()
        self.current = record
        self.selected = -1
        self.current_changed.emit()

    def step(self, delta: int) -> None:
        self.go_to(self.current_index + delta)

    def next_unconfirmed(self) -> int:
        """Index of the next image after the current one not confirmed yet (wrapping), or -1."""
        if self.project is None:
            return -1
        n, start = len(self.project), self.current_index
        for k in range(1, n + 1):
            i = (start + k) % n
            if self.project.records[i].status is not ImageStatus.CONFIRMED:
                return i
        return -1

    def select(self, index: int) -> None:
        if self.current is None or index >= len(self.current.regions):
            index = -1
        if index != self.selected:
            self.history().break_merge()
            self.selected = index
            self.selection_changed.emit(index)

    # ------------------------------------------------------------------ edits (all through the history)

    def history(self, record: ImageRecord | None = None) -> History:
        assert self.histories is not None
        record = record or self.current
        assert record is not None
        return self.histories.for_record(record)

    def push(self, command: Command, record: ImageRecord | None = None, merge: bool = True) -> None:
        if self.project is None or (record or self.current) is None:
            return
        self.history(record).push(command, merge)

    def _on_history_change(self, record: ImageRecord, command: Command) -> None:
        self.generations[record.path] = self.generations.get(record.path, 0) + 1
        if self.saver is not None:
            self.saver.mark_dirty()
        if record is self.current and self.selected >= len(record.regions):
            self.selected = len(record.regions) - 1
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
            self.selected = -1
            self.select(min(index, len(self.current.regions) - 1))

    def undo(self) -> None:
        if self.current is not None and self.history().undo() is None:
            self.message.emit(tr("Nothing to undo", CTX))

    def redo(self) -> None:
        if self.current is not None and self.history().redo() is None:
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

    @property
    def cached_pipeline(self):
        with self._pipeline_lock:
            return self._pipeline

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
        fn = partial(
            auto_label, self.pipeline, str(self.project.image_path(rec)), rec.path, self.generations.get(rec.path, 0)
        )
        self.message.emit(tr("Auto-labelling {path}...", CTX).format(path=rec.path))
        return self._start(fn, self._apply_auto_label)

    def _apply_auto_label(self, result: AutoLabelResult) -> None:
        if self.project is None or result.record_path not in self.project:
            return
        rec = self.project.record(result.record_path)
        if self.generations.get(rec.path, 0) != result.generation:
            text = tr("{path} was edited meanwhile: auto-label result not applied", CTX)
            self.message.emit(text.format(path=rec.path))
            return
        commands: list[Command] = [ReplaceRegions(list(result.regions))]
        if rec.status is ImageStatus.NEW:
            commands.append(SetStatus(ImageStatus.PRELABELLED))
        self.push(Batch(commands, label="auto-label"), record=rec, merge=False)
        self.message.emit(tr("Auto-labelled {path}: {n} regions", CTX).format(path=rec.path, n=len(result.regions)))

    def recognize_selected(self) -> Job | None:
        if self.project is None or self.current is None or self.selected < 0:
            self.message.emit(tr("Select a region to re-recognize", CTX))
            return None
        rec, index = self.current, self.selected
        points = tuple((float(x), float(y)) for x, y in rec.regions[index].points)
        fn = partial(
            recognize_region,
            self.pipeline,
            str(self.project.image_path(rec)),
            rec.path,
            self.generations.get(rec.path, 0),
            index,
            points,
        )
        return self._start(fn, self._apply_recognition)

    def _apply_recognition(self, result: RecognizeResult) -> None:
        if self.project is None or result.record_path not in self.project:
            return
        rec = self.project.record(result.record_path)
        if self.generations.get(rec.path, 0) != result.generation:
            self.message.emit(tr("{path} was edited meanwhile: recognition not applied", CTX).format(path=rec.path))
            return
        batch = Batch(
            [SetText(result.index, result.text), SetField(result.index, "score", result.score)], label="re-recognize"
        )
        self.push(batch, record=rec, merge=False)
        self.message.emit(
            tr("Region {n}: {text!r} ({score:.2f})", CTX).format(
                n=result.index + 1, text=result.text, score=result.score
            )
        )


def _conflict_text(conflict: Conflict) -> str:
    if conflict.kept == "here":
        text = tr("{path}: also changed by another writer; this window's newer edit was kept, theirs is in {file}", CTX)
    else:
        text = tr("{path}: also changed by another writer; their newer edit was kept, this window's is in {file}", CTX)
    return text.format(path=conflict.path, file=conflict.saved_to.name if conflict.saved_to else "-")
