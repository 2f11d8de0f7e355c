"""Background auto-labelling of every new image, and re-recognition of all regions of the current one.

One Job walks the list of new images with the editor's pipeline (created on the pool thread), sends each
result by signal and the progress as (done, total); the GUI thread applies a result through the history
only if the image was not edited since the job started (EditingSession.apply_if_unedited, the rule the
single-image auto-label uses too), so the user's edits always win; auto-labelling an image again keeps the
regions the user drew, edited or confirmed (core/relabel.py, `relabel_text` says what was kept). Opening a folder
starts the same job on its new images (`after_open`, setting prelabel_on_open), as the README promises.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from labeler.core.editing_session import ApplyOutcome, recognize_all_command
from labeler.core.errors import LabelerError
from labeler.core.history import SetText
from labeler.core.image_io import read_image
from labeler.core.model import ImageStatus
from labeler.core.relabel import RelabelPlan
from labeler.ui.i18n import tr
from labeler.ui.workers import AutoLabelResult, Cancelled, Job

CTX = "BatchLabeler"
RELABEL_CTX = "Relabel"


def relabel_text(path: str, plan: RelabelPlan) -> str:
    """The status line after auto-labelling an image: what was added, and what of the user's was kept."""
    if not plan.kept:
        return tr("Auto-labelled {path}: {n} regions", RELABEL_CTX).format(path=path, n=len(plan.added))
    text = tr("Auto-labelled {path}: {added} regions added, your {kept} regions kept", RELABEL_CTX)
    text = text.format(path=path, added=len(plan.added), kept=len(plan.kept))
    if plan.left_out:
        text += tr(" ({n} detections on your regions left out)", RELABEL_CTX).format(n=plan.left_out)
    return text


@dataclass(frozen=True)
class BatchItem:
    """One image to label: what the worker needs, nothing it could change."""

    image_file: str
    record_path: str
    generation: int


@dataclass(frozen=True)
class BatchSummary:
    total: int
    done: int
    cancelled: bool


@dataclass(frozen=True)
class Opened:
    """A folder just opened, waiting for its pre-labelling to start."""

    project: Any
    generations: dict[str, int]  # edit counts at the opening: an edit made before the job starts wins too


@dataclass(frozen=True)
class RecognizeAllResult:
    record_path: str
    generation: int
    texts: tuple[tuple[str, float], ...]  # (text, score) per region, in region order


class BatchSignals(QObject):
    """Lives on the GUI thread; the worker's emits are queued to it."""

    item_done = pyqtSignal(object)  # AutoLabelResult
    item_failed = pyqtSignal(str, str)  # record path, reason
    progress = pyqtSignal(int, int)  # done, total


def auto_label_all(
    pipeline_factory: Callable[[], Any], items: tuple[BatchItem, ...], signals: BatchSignals, cancel: threading.Event
) -> BatchSummary:
    """Label the items one after another; stops between images when `cancel` is set."""
    total = len(items)
    signals.progress.emit(0, total)
    pipeline = pipeline_factory()  # loads the models here, on the pool thread
    load = getattr(pipeline, "load", None)
    if load is not None:
        load()  # models that cannot load fail the job once, not every image
    done = 0
    for item in items:
        if cancel.is_set():
            return BatchSummary(total, done, True)
        try:
            image = read_image(item.image_file)
            result = pipeline(image)
        except LabelerError as exc:
            signals.item_failed.emit(item.record_path, str(exc))
        else:
            regions = tuple(r.to_text_region() for r in result.regions)
            label = AutoLabelResult(item.record_path, item.generation, result.width, result.height, regions)
            signals.item_done.emit(label)
        done += 1
        signals.progress.emit(done, total)
    return BatchSummary(total, done, cancel.is_set())


def recognize_all(
    pipeline_factory: Callable[[], Any],
    image_file: str,
    record_path: str,
    generation: int,
    polygons: tuple[tuple[tuple[float, float], ...], ...],
    cancel: threading.Event,
) -> RecognizeAllResult:
    image = read_image(image_file)
    if cancel.is_set():
        raise Cancelled
    pipeline = pipeline_factory()
    read = pipeline.recognize_polygons(image, [np.asarray(p, np.float32) for p in polygons])
    return RecognizeAllResult(record_path, generation, tuple((t, round(float(s), 5)) for t, s in read))


class BatchLabeler(QObject):
    """Starts, follows and cancels the folder auto-label job of an Editor; applies its results."""

    running_changed = pyqtSignal(bool)
    progress = pyqtSignal(int, int)  # done, total
    finished = pyqtSignal(object)  # BatchSummary, or None when it failed

    def __init__(self, editor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.job: Job | None = None
        self.applied: list[str] = []
        self.skipped: list[str] = []
        self._project = None
        self._force = False
        self._opened: Opened | None = None
        self._open_timer = QTimer(self)
        self._open_timer.setSingleShot(True)
        self._open_timer.setInterval(0)  # after open_folder returns: its first image and messages come first
        self._open_timer.timeout.connect(self._start_on_open)

    @property
    def running(self) -> bool:
        return self.job is not None

    def after_open(self, enabled: bool) -> None:
        """A folder was opened: pre-label its new images in the background when `enabled` (prelabel_on_open)."""
        ed = self.editor
        self._opened = Opened(ed.project, dict(ed.session.generations)) if enabled and ed.project is not None else None
        if self._opened is None:
            self._open_timer.stop()
        else:
            self._open_timer.start()

    def _start_on_open(self) -> None:
        opened, self._opened = self._opened, None
        ed = self.editor
        if opened is None or opened.project is not ed.project or (self.running and self.job in ed.ocr.jobs):
            return
        if opened.project.records_with_status(ImageStatus.NEW):
            self.start(opened=opened)

    def start(self, force: bool = False, opened: Opened | None = None) -> Job | None:
        """Label every new image; `force`: every image not confirmed (e.g. again, with a newly trained model);
        `opened`: the folder was just opened (results apply only to images unedited since the opening)."""
        ed = self.editor
        if ed.project is None:
            return None
        if self.job is not None and self.job not in ed.ocr.jobs:
            self._finished(self.job)  # ended by close_project (cancelled or never run): its `finished` may never come
        if self.job is not None:
            ed.message.emit(tr("Auto-labelling is already running", CTX))
            return self.job
        generations = ed.session.generations if opened is None else opened.generations
        items = tuple(
            BatchItem(str(ed.project.image_path(rec)), rec.path, generations.get(rec.path, 0))
            for rec in ed.project.records_with_status(*self._targets(force))
        )
        if not items:
            none = tr("No unconfirmed images to auto-label", CTX) if force else tr("No new images to auto-label", CTX)
            ed.message.emit(none)
            return None
        self._project, self._force = ed.project, force
        self.applied, self.skipped = [], []
        signals = BatchSignals(self)  # one per job: a closed folder's queued results never reach the next one
        job = Job(partial(auto_label_all, ed.pipeline, items, signals))
        mine = partial(self._if_current, job)
        signals.item_done.connect(mine(self._apply))
        signals.item_failed.connect(mine(lambda path, why: ed.message.emit(f"{path}: {why}")))
        signals.progress.connect(mine(self.progress.emit))
        job.signals.result.connect(mine(self._done))
        job.signals.error.connect(mine(self._failed))
        job.signals.finished.connect(lambda: self._finished(job))
        job.signals.finished.connect(signals.deleteLater)
        self.job = job
        ed.ocr.start(job)
        self.running_changed.emit(True)
        if opened is not None:
            text = tr("Pre-labelling {n} new images (Esc stops)", CTX)
        elif force:
            text = tr("Auto-labelling {n} unconfirmed images (Esc stops)", CTX)
        else:
            text = tr("Auto-labelling {n} new images (Esc stops)", CTX)
        ed.message.emit(text.format(n=len(items)))
        return job

    def _if_current(self, job: Job, slot: Callable[..., Any]) -> Callable[..., None]:
        """`slot`, called only while `job` is this labeler's job (not after close_project ended it)."""

        def call(*args: Any) -> None:
            if job is self.job:
                slot(*args)

        return call

    @staticmethod
    def _targets(force: bool) -> tuple[ImageStatus, ...]:
        return (ImageStatus.NEW, ImageStatus.PRELABELLED) if force else (ImageStatus.NEW,)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.editor.message.emit(tr("Stopping auto-labelling...", CTX))

    def _apply(self, result: AutoLabelResult) -> None:
        ed, targets = self.editor, self._targets(self._force)
        done = ed.session.apply_if_unedited(
            result.record_path,
            result.generation,
            ed.relabeller.command_for(self._project, result.regions),  # keeps the user's regions (core/relabel.py)
            fits=lambda rec: rec.status in targets,  # confirmed meanwhile: the user's labels stay
            started_on=self._project,
        )
        if done.outcome is ApplyOutcome.EDITED:
            self.skipped.append(result.record_path)
            text = tr("{path} was edited meanwhile: its auto-labels were not applied", CTX)
            ed.message.emit(text.format(path=result.record_path))
        elif done.applied:
            self.applied.append(result.record_path)
            plan = ed.relabeller.last
            if plan is not None and not plan.kept and done.record is not None:
                ed.adopt_prelabels(done.record, plan.added)  # the project's learned conventions go onto them

    def _done(self, summary: BatchSummary) -> None:
        text = (
            tr("Stopped auto-labelling: {done} of {total} images labelled", CTX)
            if summary.cancelled
            else tr("Finished auto-labelling: {done} of {total} images labelled", CTX)
        )
        text = text.format(done=len(self.applied), total=summary.total)
        if self.skipped:
            text += tr(", {n} skipped (edited meanwhile)", CTX).format(n=len(self.skipped))
        self.editor.message.emit(text)
        self.finished.emit(summary)

    def _failed(self, text: str) -> None:
        self.editor.message.emit(tr("Auto-labelling failed: {error}", CTX).format(error=text))
        self.finished.emit(None)

    def _finished(self, job: Job) -> None:
        if job is self.job:
            if job.cancelled:
                text = tr("Stopped auto-labelling: {n} images labelled", CTX)
                self.editor.message.emit(text.format(n=len(self.applied)))
                self.finished.emit(BatchSummary(0, len(self.applied), True))
            self.job = None
            self.running_changed.emit(False)


class Recognizer(QObject):
    """Re-recognize every region of the current image in the background; applied as one undo step."""

    def __init__(self, editor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor

    def start(self) -> Job | None:
        ed = self.editor
        if ed.project is None or ed.current is None:
            return None
        rec = ed.current
        if not rec.regions:
            ed.message.emit(tr("No regions to re-recognize", CTX))
            return None
        polygons = tuple(tuple((float(x), float(y)) for x, y in r.points) for r in rec.regions)
        fn = partial(
            recognize_all,
            ed.pipeline,
            str(ed.project.image_path(rec)),
            rec.path,
            ed.session.generation(rec.path),
            polygons,
        )
        job = Job(fn)
        job.signals.result.connect(self._apply)
        job.signals.error.connect(lambda text: ed.message.emit(tr("OCR failed: {error}", CTX).format(error=text)))
        ed.ocr.start(job)
        ed.message.emit(tr("Re-recognizing {n} regions...", CTX).format(n=len(polygons)))
        return job

    def _apply(self, result: RecognizeAllResult) -> None:
        ed = self.editor
        batch = recognize_all_command(result.texts)
        done = ed.session.apply_if_unedited(
            result.record_path,
            result.generation,
            lambda _rec: batch,
            fits=lambda rec: len(rec.regions) == len(result.texts),  # regions added or removed meanwhile
        )
        if done.outcome is ApplyOutcome.EDITED:
            text = tr("{path} was edited meanwhile: re-recognition not applied", CTX)
            ed.message.emit(text.format(path=result.record_path))
            return
        if not done.applied:
            return
        changed = sum(1 for c in batch.commands if isinstance(c, SetText) and c.old != c.text)
        text = tr("Re-recognized {n} regions, {changed} texts changed", CTX)
        ed.message.emit(text.format(n=len(result.texts), changed=changed))
