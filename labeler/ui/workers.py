"""Background jobs on a QThreadPool: immutable inputs in, results out by signal; they never touch widgets.

    job = Job(lambda cancel: ocr_image(path, pipeline, cancel))
    job.signals.result.connect(apply)
    pool.start(job)

`cancel` is a threading.Event the function checks between steps (cooperative abort). A cancelled job
emits neither result nor error, only finished.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PyQt5.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from labeler.core.errors import Cancelled  # raised inside a job function when its cancel event is set
from labeler.core.image_io import read_image
from labeler.core.logs import where_to_look
from labeler.core.model import TextRegion

log = logging.getLogger(__name__)


def _job_name(fn: Any) -> str:
    """A readable name for the log: the function, or the function a partial wraps."""
    inner = getattr(fn, "func", fn)
    return getattr(inner, "__qualname__", repr(inner))


class JobSignals(QObject):
    started = pyqtSignal()
    result = pyqtSignal(object)
    error = pyqtSignal(str)
    finished = pyqtSignal()


class Job(QRunnable):
    def __init__(self, fn: Callable[[threading.Event], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps it until `finished`, so its signals outlive run()
        self.fn = fn
        self.cancel_event = threading.Event()
        self.signals = JobSignals()
        self.done = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def run(self) -> None:  # runs on a pool thread
        try:
            if self.cancelled:
                return
            self.signals.started.emit()
            try:
                value = self.fn(self.cancel_event)
            except Cancelled:
                return
            except BaseException as exc:  # reported to the GUI, never raised into Qt's thread
                if not self.cancelled:
                    log.error("background job %s failed", _job_name(self.fn), exc_info=exc)  # the whole traceback
                    detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
                    self.signals.error.emit(f"{detail} ({where_to_look()})")
                return
            if not self.cancelled:
                self.signals.result.emit(value)
        finally:
            self.done.set()
            self.signals.finished.emit()


class JobRunner(QObject):
    """Owns a pool and the jobs in flight; `shutdown` cancels them and waits (no thread left behind)."""

    busy_changed = pyqtSignal(bool)

    def __init__(self, max_threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.pool.setExpiryTimeout(2000)
        self.jobs: list[Job] = []

    def start(self, job: Job) -> Job:
        self.jobs.append(job)
        job.signals.finished.connect(lambda: self._forget(job))
        self.pool.start(job)
        self.busy_changed.emit(True)
        return job

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            if not self.jobs:
                self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def cancel_all(self) -> None:
        for job in list(self.jobs):
            job.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        self.cancel_all()
        self.pool.clear()  # jobs not started yet never run
        self.pool.waitForDone(timeout_ms)
        if self.jobs:
            self.jobs.clear()
            self.busy_changed.emit(False)


# ------------------------------------------------------------------ OCR job functions (no Qt, no widgets)


@dataclass(frozen=True)
class AutoLabelResult:
    record_path: str
    generation: int  # the record's edit count when the job started
    width: int
    height: int
    regions: tuple[TextRegion, ...]


@dataclass(frozen=True)
class RecognizeResult:
    record_path: str
    generation: int
    index: int
    points: tuple[tuple[float, float], ...]
    text: str
    score: float


def auto_label(
    pipeline_factory: Callable[[], Any], image_file: str, record_path: str, generation: int, cancel: threading.Event
) -> AutoLabelResult:
    image = read_image(image_file)
    if cancel.is_set():
        raise Cancelled
    pipeline = pipeline_factory()
    if cancel.is_set():
        raise Cancelled
    result = pipeline(image)
    regions = tuple(r.to_text_region() for r in result.regions)
    return AutoLabelResult(record_path, generation, result.width, result.height, regions)


def recognize_region(
    pipeline_factory: Callable[[], Any],
    image_file: str,
    record_path: str,
    generation: int,
    index: int,
    points: tuple[tuple[float, float], ...],
    cancel: threading.Event,
) -> RecognizeResult:
    image = read_image(image_file)
    if cancel.is_set():
        raise Cancelled
    pipeline = pipeline_factory()
    ((text, score),) = pipeline.recognize_polygons(image, [np.asarray(points, np.float32)])
    return RecognizeResult(record_path, generation, index, points, text, round(float(score), 5))
