"""Puts the current image on the canvas: decoded at once when small, on a worker thread when large.

Decoding is most of the time it takes to show a big scan (a 100 Mpx JPEG: about a second), and on the GUI
thread it froze the window for all of it. Up to SYNC_MAX_PIXELS (read from the file header) the image is
decoded right away, as before: it takes a few tens of ms and the switch shows no empty frame. Larger images
go to a one-thread pool (immutable request in, LoadedImage out by signal); meanwhile the canvas is empty.
A result for an image the user already left, or one older than the last request, is dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from labeler.core.errors import LabelerError, LabelFormatError
from labeler.core.image_io import read_image, read_image_size
from labeler.core.model import ImageRecord
from labeler.ui.i18n import tr
from labeler.ui.workers import Job, JobRunner

# Measured on the 2-core CI machine: JPEG decodes in ~9 ms per Mpx, PNG in ~17 ms: 2 Mpx stays below ~35 ms.
SYNC_MAX_PIXELS = 2_000_000
CTX = "ImageLoader"


@dataclass(frozen=True)
class LoadRequest:
    token: int  # the loader's request counter: only the newest request's result is shown
    record_path: str
    image_file: str


@dataclass(frozen=True)
class LoadedImage:
    token: int
    record_path: str
    image: np.ndarray | None  # (H, W, 3) BGR; None when it could not be read
    error: str = ""


def load_image(request: LoadRequest, cancel: threading.Event | None = None) -> LoadedImage:
    """Decode the request's file (runs on a worker thread for large images; no Qt, no widgets)."""
    try:
        image = read_image(request.image_file)
    except LabelerError as exc:
        return LoadedImage(request.token, request.record_path, None, str(exc))
    return LoadedImage(request.token, request.record_path, image)


def decodes_fast(image_file: str, max_pixels: int) -> bool:
    """True when the header says the image has at most `max_pixels` (unreadable files too: the read reports why)."""
    try:
        width, height = read_image_size(image_file)
    except LabelerError:
        return True
    return width * height <= max_pixels


class ImageLoader(QObject):
    """Shows the editor's current record on the canvas: its image, then its regions and selection.

    Made before the other views, so it hears `current_changed` first: every view then sees the new
    image on the canvas (or none while a huge one decodes), never the one just left.
    """

    shown = pyqtSignal(str)  # the record path whose image the canvas now shows ("" when none)
    regions_failed = pyqtSignal(str, object)  # record path, the LabelFormatError its line raised when parsed
    failed = pyqtSignal(str)  # why the current image could not be read
    status = pyqtSignal(str)  # for the status bar: "W × H px", "Loading...", or ""

    def __init__(self, editor, canvas, parent: QObject | None = None, sync_max_pixels: int = SYNC_MAX_PIXELS) -> None:
        super().__init__(parent)
        self.editor, self.canvas = editor, canvas
        self.sync_max_pixels = sync_max_pixels
        self.runner = JobRunner(max_threads=1, parent=self)  # one decode at a time: a 100 Mpx image is 300 MB
        self.shown_record: ImageRecord | None = None  # whose pixels canvas.image_array holds
        self.pending: LoadRequest | None = None  # a large image being decoded on the thread
        self.dropped = 0  # results that came back for an image no longer wanted (for tests and benchmarks)
        self._token = 0
        self.job: Job | None = None
        self._arrived_result: LoadedImage | None = None
        self._regions_timer = QTimer(self)  # the regions of a decoded image come one event-loop turn after it
        self._regions_timer.setSingleShot(True)
        self._regions_timer.setInterval(0)
        self._regions_timer.timeout.connect(self._show_arrived_regions)
        self._status: tuple = ()  # what the status bar says: (), ("loading",) or ("size", width, height)
        editor.current_changed.connect(self._current_changed)

    # ------------------------------------------------------------------ requests

    def show(self, record: ImageRecord | None) -> None:
        """Show `record`'s image: now when small, else when the thread has decoded it (regions follow it)."""
        self._token += 1
        self._cancel_job()
        self.shown_record = None
        ed = self.editor
        if record is None or ed.project is None:
            self._display(None, None)
            return
        regions = self.regions_of(record)  # parsed here, first: the views after this one all read them
        request = LoadRequest(self._token, record.path, str(ed.project.image_path(record)))
        if decodes_fast(request.image_file, self.sync_max_pixels):
            self._display(record, load_image(request))
            self.canvas.set_regions(regions, ed.low_score)
            return
        self.canvas.set_image(None)  # not the last image under this record's regions
        self.pending = request
        self.job = Job(partial(load_image, request))
        self.job.signals.result.connect(self._arrived)  # before it starts: a quick decode must not be missed
        self.runner.start(self.job)
        self._set_status(("loading",))

    def _current_changed(self) -> None:
        self.show(self.editor.current)

    def show_regions(self, record: ImageRecord) -> None:
        """The current record's regions changed: redraw them (while its image is decoding they wait for it)."""
        if self.pending is None:
            self.canvas.set_regions(self.regions_of(record), self.editor.low_score)

    def regions_of(self, record: ImageRecord) -> list:
        """The record's regions, parsed now if still lazy. A line that fails to parse is reported through
        `regions_failed` and the image is shown without regions (else every view would raise on it)."""
        try:
            return record.regions
        except LabelFormatError as exc:
            record.regions = []  # in memory only: not dirty, so a save keeps the line as it is
            self.regions_failed.emit(record.path, exc)
            return record.regions

    def array_for(self, record: ImageRecord | None) -> np.ndarray | None:
        """The pixels of `record` as shown on the canvas, or None (not shown yet, or unreadable)."""
        if record is None or record is not self.shown_record:
            return None
        return self.canvas.image_array

    def status_text(self) -> str:
        """The status bar text in the current language."""
        if not self._status:
            return ""
        if self._status[0] == "loading":
            return tr("Loading...", CTX)
        return tr("{width} × {height} px", CTX).format(width=self._status[1], height=self._status[2])

    def emit_status(self) -> None:
        """Send the status text again (the language changed)."""
        self.status.emit(self.status_text())

    def _set_status(self, status: tuple) -> None:
        self._status = status
        self.emit_status()

    @property
    def loading(self) -> bool:
        return self.pending is not None

    def shutdown(self) -> None:
        self._token += 1
        self._cancel_job()
        self.runner.shutdown()

    # ------------------------------------------------------------------ results

    def _cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()  # not started: never runs; decoding: its result is not emitted
        self.job, self.pending, self._arrived_result = None, None, None
        self._regions_timer.stop()

    def _current(self, result: LoadedImage) -> ImageRecord | None:
        rec = self.editor.current
        if result.token != self._token or rec is None or rec.path != result.record_path:
            return None
        return rec

    def _arrived(self, result: LoadedImage) -> None:
        rec = self._current(result)
        if rec is None:
            self.dropped += 1  # the user moved on: this (possibly 300 MB) array goes now
            return
        self.job, self.pending = None, None
        self._display(rec, result)
        # The regions in the next turn of the event loop: a huge image and 1,000 items are two stalls, not one.
        self._arrived_result = result
        self._regions_timer.start()

    def _show_arrived_regions(self) -> None:
        result, self._arrived_result = self._arrived_result, None
        rec = None if result is None else self._current(result)
        if rec is not None:
            self.canvas.set_regions(self.regions_of(rec), self.editor.low_score)
            self.canvas.set_selected(self.editor.selected)

    def _display(self, record: ImageRecord | None, result: LoadedImage | None) -> None:
        image = None if result is None else result.image
        self.canvas.set_image(image)
        self.shown_record = record if image is not None else None
        if result is not None and result.error:
            self.failed.emit(result.error)
        self._set_status(("size", image.shape[1], image.shape[0]) if image is not None else ())
        self.shown.emit(record.path if self.shown_record is not None else "")
