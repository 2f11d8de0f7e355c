"""A line editor made for long lines: the region's crop at a readable height in a strip that scrolls with the
text cursor, above a one-line field; characters the recognizer read with low confidence are boxed on the
image and underlined in the text.

Where each character lies comes from the recognizer's own alignment (`OcrPipeline.read_line`: CTC frames
mapped onto the crop), read on a worker thread when the field has the focus; until it comes (or without
models) the characters are spread evenly over the crop. Typed characters are placed between their
neighbours (line_text.align). Moving the cursor repaints the strip's visible part only: no per-region work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any

import cv2
import numpy as np
from PyQt5.QtCore import QEvent, QPointF, QRectF, Qt, QThreadPool, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFontMetricsF, QImage, QKeySequence, QPainter, QPen, QPixmap
from PyQt5.QtWidgets import QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from labeler.core.errors import Cancelled
from labeler.ui.i18n import tr
from labeler.ui.line_text import CharSpot, align, cursor_x, low_runs, next_stop, previous_stop, spread
from labeler.ui.workers import Job

STRIP_HEIGHT = 60  # the crop's height on screen: a detected line's text is 2/3 of its crop, so >= 36 px of text
MAX_STRIP_WIDTH = 30_000  # QPainter's coordinates stay in 16 bits beyond this; a longer line is shrunk to fit
SCROLL_MARGIN = 48  # the cursor stays at least this far inside the strip's edges
READ_DELAY_MS = 120  # a reading starts once the selection has settled this long
CACHE_SIZE = 64  # readings kept (per region key): going back to a region shows its reading at once
LOW_COLOUR = QColor(230, 110, 0)
CURSOR_COLOUR = QColor(40, 140, 255)
CTX = "LineEditor"
_IN_FLIGHT: set[Job] = set()  # readings running or queued (a QRunnable the pool runs needs its Python object)


def strip_image(crop: np.ndarray, height: int = STRIP_HEIGHT, max_width: int = MAX_STRIP_WIDTH) -> np.ndarray:
    """The crop scaled to `height` (or narrower to fit `max_width`), aspect kept; BGR or grey uint8."""
    h, w = crop.shape[:2]
    if not h or not w:
        return np.zeros((0, 0), np.uint8)
    fit = min(height / h, max_width / w)
    size = (max(1, round(w * fit)), max(1, round(h * fit)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA if fit < 1 else cv2.INTER_CUBIC)


@dataclass(frozen=True)
class LineRead:
    """A worker's reading of one region: `key` names what was read, `strip` is its crop at the strip's height."""

    key: Hashable
    text: str
    score: float
    spots: tuple[CharSpot, ...]  # crop pixels
    crop_width: int
    strip: np.ndarray


def read_line_job(
    pipeline_factory: Callable[[], Any], image: np.ndarray, points, key: Hashable, cancel: threading.Event
) -> LineRead:
    """Worker function (no Qt): read the region with its characters' positions; the crop comes back scaled."""
    pipeline = pipeline_factory()  # the first call loads the models, here on the pool thread
    if cancel.is_set():
        raise Cancelled
    reading = pipeline.read_line(image, np.asarray(points, np.float32))
    spots = tuple(CharSpot(c.x0, c.x1, c.prob) for c in reading.chars)
    return LineRead(key, reading.text, reading.score, spots, int(reading.crop.shape[1]), strip_image(reading.crop))


def array_to_pixmap(image) -> QPixmap:
    """BGR (or grey) uint8 array -> QPixmap (copied, so the array may go)."""
    img = np.ascontiguousarray(image)
    if img.ndim == 2:
        qimg = QImage(img.data, img.shape[1], img.shape[0], img.strides[0], QImage.Format_Grayscale8)
    else:
        qimg = QImage(img.data, img.shape[1], img.shape[0], img.strides[0], QImage.Format_BGR888)
    return QPixmap.fromImage(qimg.copy())


class LineStrip(QWidget):
    """The line's crop at STRIP_HEIGHT, scrolled so that the cursor's x stays in view; low characters boxed.

    `crop` is the whole strip pixmap (None: nothing shown); paint draws only the visible part of it.
    """

    clicked = pyqtSignal(float)  # crop x the user clicked

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setFixedHeight(STRIP_HEIGHT + 8)
        self.setMinimumWidth(80)
        self.setToolTip(
            tr(
                "The line as the recognizer read it: low-confidence characters are boxed; click to put the cursor there",
                CTX,
            )
        )
        self.crop: QPixmap | None = None
        self.scale = 1.0  # strip pixels per crop pixel
        self.offset = 0.0  # strip x shown at the widget's left edge
        self.cursor = 0.0  # crop x of the text cursor
        self.cursor_span: tuple[float, float] | None = None  # crop x range of the character after the cursor
        self.boxes: list[tuple[float, float]] = []  # crop x ranges of the low-confidence runs

    def set_crop(self, pixmap: QPixmap | None, crop_width: float) -> None:
        self.crop = pixmap
        self.scale = pixmap.width() / max(crop_width, 1e-6) if pixmap is not None else 1.0
        self.offset = 0.0
        self.update()

    def clear(self) -> None:
        self.set_crop(None, 1.0)
        self.boxes, self.cursor_span = [], None

    def pixmap(self) -> QPixmap | None:
        return self.crop

    def strip_width(self) -> int:
        return self.crop.width() if self.crop is not None else 0

    def show_cursor(self, x: float, span: tuple[float, float] | None) -> None:
        """Put the cursor mark at crop x and scroll (as little as possible) to keep it in view."""
        self.cursor, self.cursor_span = x, span
        sx, view = x * self.scale, self.width()
        margin = min(SCROLL_MARGIN, view / 3)
        if sx - self.offset < margin:
            self.offset = sx - margin
        elif sx - self.offset > view - margin:
            self.offset = sx - view + margin
        self.offset = max(0.0, min(self.offset, max(0.0, self.strip_width() - view)))
        self.update()

    def set_boxes(self, boxes: list[tuple[float, float]]) -> None:
        self.boxes = boxes
        self.update()

    def _top(self) -> float:
        return (self.height() - (self.crop.height() if self.crop is not None else 0)) / 2

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(60, 60, 60))
        if self.crop is None:
            return
        view_w = min(self.width(), self.crop.width() - int(self.offset))
        top, h = self._top(), self.crop.height()
        x_shift = max(0.0, (self.width() - self.crop.width()) / 2)  # a short line sits in the middle
        left = x_shift - self.offset
        p.drawPixmap(
            QRectF(x_shift, top, view_w, h), self.crop, QRectF(self.offset, 0, view_w, h)
        )  # the visible part only: the cost of the widget, not of the line
        lo, hi = self.offset / self.scale, (self.offset + self.width()) / self.scale
        p.setPen(QPen(LOW_COLOUR, 2))
        p.setBrush(QColor(LOW_COLOUR.red(), LOW_COLOUR.green(), LOW_COLOUR.blue(), 40))
        for x0, x1 in self.boxes:
            if x1 >= lo and x0 <= hi:
                p.drawRect(QRectF(left + x0 * self.scale, top + 1, max(2.0, (x1 - x0) * self.scale), h - 2))
        if self.cursor_span is not None:
            x0, x1 = self.cursor_span
            p.fillRect(QRectF(left + x0 * self.scale, top + h - 4, max(2.0, (x1 - x0) * self.scale), 4), CURSOR_COLOUR)
        p.setPen(QPen(CURSOR_COLOUR, 2))
        cx = left + self.cursor * self.scale
        p.drawLine(QPointF(cx, top - 3), QPointF(cx, top + h + 3))

    def mousePressEvent(self, event) -> None:
        if self.crop is not None and event.button() == Qt.LeftButton:
            x_shift = max(0.0, (self.width() - self.crop.width()) / 2)
            self.clicked.emit((event.pos().x() - x_shift + self.offset) / self.scale)
        super().mousePressEvent(event)

    def wheelEvent(self, event) -> None:
        if self.crop is None:
            return
        delta = event.angleDelta().y() or event.angleDelta().x()
        self.offset = max(0.0, min(self.offset - delta, max(0.0, self.strip_width() - self.width())))
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.show_cursor(self.cursor, self.cursor_span)


class LineField(QLineEdit):
    """The text: Ctrl+Left/Right (with Shift: select; Ctrl+Backspace/Delete: delete) stop at line_text's word
    stops; low-confidence runs are underlined and tinted; Esc with typing in it calls `on_escape` (and does not
    reach the window)."""

    def __init__(self, on_escape: Callable[[], None]) -> None:
        super().__init__()
        self._on_escape = on_escape
        self.runs: list[tuple[int, int]] = []  # [start, end) low-confidence character runs of the text
        self._advances: list[float] = []  # x of each character boundary, from the text's start (font units)

    def set_runs(self, runs: list[tuple[int, int]]) -> None:
        self.runs = runs
        self._advances = []
        self.update()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.isModified():
            self._on_escape()
            event.accept()
            return
        for keys, forward, mark in (
            (QKeySequence.MoveToNextWord, True, False),
            (QKeySequence.MoveToPreviousWord, False, False),
            (QKeySequence.SelectNextWord, True, True),
            (QKeySequence.SelectPreviousWord, False, True),
        ):
            if event.matches(keys):
                self.move_to_stop(forward, mark)
                event.accept()
                return
        for keys, forward in ((QKeySequence.DeleteEndOfWord, True), (QKeySequence.DeleteStartOfWord, False)):
            if event.matches(keys) and not self.isReadOnly():  # Ctrl+Delete / Ctrl+Backspace: to the same stops
                if not self.hasSelectedText():
                    self.move_to_stop(forward, mark=True)
                self.del_()
                event.accept()
                return
        super().keyPressEvent(event)

    def move_to_stop(self, forward: bool, mark: bool = False) -> None:
        pos, text = self.cursorPosition(), self.text()
        target = next_stop(text, pos) if forward else previous_stop(text, pos)
        if target > pos:
            self.cursorForward(mark, target - pos)
        elif target < pos:
            self.cursorBackward(mark, pos - target)

    def _boundaries(self) -> list[float]:
        if len(self._advances) != len(self.text()) + 1:
            fm, x, out = QFontMetricsF(self.font()), 0.0, [0.0]
            for c in self.text():
                x += fm.horizontalAdvance(c)
                out.append(x)
            self._advances = out
        return self._advances

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.runs:
            return
        xs = self._boundaries()
        anchor = self.cursorRect().center().x() + 0.5 - xs[min(self.cursorPosition(), len(xs) - 1)]
        base = self.cursorRect().bottom() - 1
        p = QPainter(self)
        p.setClipRect(self.rect().adjusted(2, 2, -2, -2))
        tint = QColor(LOW_COLOUR.red(), LOW_COLOUR.green(), LOW_COLOUR.blue(), 50)
        top = self.cursorRect().top() + 1
        for start, end in self.runs:
            x0, x1 = anchor + xs[start], anchor + xs[min(end, len(xs) - 1)]
            if x1 < 0 or x0 > self.width():
                continue
            p.fillRect(QRectF(x0, top, x1 - x0, base - top), tint)
            p.fillRect(QRectF(x0, base - 1, x1 - x0, 2), LOW_COLOUR)


class LineEditor(QWidget):
    """The strip above the field. `set_line` shows a region; a reading comes from `pipeline_factory` (None:
    never read) while the field has the focus. `low_score`: characters read below it are marked.

    Readings are workers.Job's on Qt's global pool, their signals connected to this widget's own methods: a
    reading that ends after the widget is gone (the window closed while the models load) is dropped by Qt,
    and a closing window never waits for one (an inference cannot be stopped halfway; it is cancelled
    between its steps)."""

    reading_changed = pyqtSignal()  # a reading of the shown region arrived (or was taken from the cache)

    def __init__(
        self,
        on_escape: Callable[[], None],
        pipeline_factory: Callable[[], Any] | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.pipeline_factory = pipeline_factory
        self._low_score = 0.5
        self.strip = LineStrip()
        self.field = LineField(on_escape)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.strip)
        layout.addWidget(self.field)
        self.reading: LineRead | None = None  # of the shown region, once read
        self.spots: list[CharSpot] = []  # one per character of the field's text
        self._crop_width = 1.0
        self._key: Hashable | None = None
        self._source: tuple[np.ndarray, Any] | None = None  # (image, points) to read
        self._cache: OrderedDict[Hashable, LineRead] = OrderedDict()
        self._job: Job | None = None
        self._job_key: Hashable | None = None
        self._read_timer = QTimer(self)
        self._read_timer.setSingleShot(True)
        self._read_timer.setInterval(READ_DELAY_MS)
        self._read_timer.timeout.connect(self._start_reading)
        self.field.textChanged.connect(lambda _text: self._realign())
        self.field.cursorPositionChanged.connect(lambda _old, _new: self._follow_cursor())
        self.field.installEventFilter(self)
        self.strip.clicked.connect(self._clicked)

    # ------------------------------------------------------------------ what is shown

    @property
    def low_score(self) -> float:
        return self._low_score

    @low_score.setter
    def low_score(self, value: float) -> None:
        if value != self._low_score:
            self._low_score = value
            self._realign()

    @property
    def key(self) -> Hashable | None:
        return self._key

    def set_line(
        self,
        key: Hashable | None,
        image: np.ndarray | None,
        points,
        make_crop: Callable[[], np.ndarray | None] | None = None,
    ) -> None:
        """Show a region: `make_crop()` its rectified crop at any scale (shown until a reading comes; called
        only for a region not shown yet), `image` and `points` what a reading cuts it from, `key` what names
        the reading (None: never read)."""
        if key == self._key and key is not None:
            return
        self._key = key
        self._source = (image, points) if key is not None and image is not None else None
        cached = self._cache.get(key) if key is not None else None
        if cached is not None:
            self._cache.move_to_end(key)
            self._use(cached)
            return
        self.reading = None
        crop = make_crop() if make_crop is not None else None
        strip = strip_image(crop) if crop is not None and crop.size else None
        if strip is None or not strip.size:
            self.strip.clear()
            self._crop_width = 1.0
        else:
            self._crop_width = float(strip.shape[1])  # spread over the strip itself until a reading comes
            self.strip.set_crop(array_to_pixmap(strip), self._crop_width)
        self._realign()
        if self.field.hasFocus():
            self.request_reading()

    def clear(self) -> None:
        self.set_line(None, None, None)

    def request_reading(self) -> None:
        """Read the shown region soon (once the selection has settled), unless read or being read."""
        if self._source is not None and self.reading is None and self.pipeline_factory is not None:
            self._read_timer.start()

    def _start_reading(self) -> None:
        if self._source is None or self.reading is not None or self.pipeline_factory is None:
            return
        if self._job is not None:
            if self._job_key == self._key:
                return  # already reading it
            self._job.cancel()
        image, points = self._source
        key, factory = self._key, self.pipeline_factory
        job = Job(lambda cancel: read_line_job(factory, image, points, key, cancel))
        job.signals.result.connect(self._on_read)
        job.signals.finished.connect(self._job_done)
        job.signals.finished.connect(partial(_IN_FLIGHT.discard, job))  # the pool holds no Python reference
        _IN_FLIGHT.add(job)
        self._job, self._job_key = job, key
        QThreadPool.globalInstance().start(job)

    def _job_done(self) -> None:
        job = self._job
        if job is not None and job.done.is_set():
            self._job, self._job_key = None, None

    def _on_read(self, read: LineRead) -> None:
        self._cache[read.key] = read
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        if read.key == self._key:
            self._use(read)

    def _use(self, read: LineRead) -> None:
        self.reading = read
        self._crop_width = float(read.crop_width)
        self.strip.set_crop(array_to_pixmap(read.strip) if read.strip.size else None, read.crop_width)
        self._realign()
        self.reading_changed.emit()

    def shutdown(self) -> None:
        """Read nothing more: the pending reading is dropped, the running one cancelled (not waited for)."""
        self._read_timer.stop()
        self._source = None
        if self._job is not None:
            self._job.cancel()

    # ------------------------------------------------------------------ following the text

    def _realign(self) -> None:
        text = self.field.text()
        if self.reading is not None:
            self.spots = align(self.reading.text, self.reading.spots, text, self._crop_width)
        else:
            self.spots = spread(len(text), self._crop_width)
        runs = low_runs(self.spots, self._low_score)
        self.field.set_runs(runs)
        self.strip.set_boxes([(self.spots[a].x0, self.spots[b - 1].x1) for a, b in runs])
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        pos = self.field.cursorPosition()
        span = (self.spots[pos].x0, self.spots[pos].x1) if pos < len(self.spots) else None
        self.strip.show_cursor(cursor_x(self.spots, pos), span)

    def _clicked(self, x: float) -> None:
        if not self.spots:
            return
        centres = [(s.x0 + s.x1) / 2 for s in self.spots]
        pos = sum(1 for c in centres if c < x)  # before the first character whose middle is right of x
        self.field.setFocus(Qt.MouseFocusReason)
        self.field.setCursorPosition(pos)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.field and event.type() == QEvent.FocusIn:
            self.request_reading()
        return False
