"""Fast correction: jump to the next low-confidence region (F3), see its line at a readable height above its
text (line_editor.LineEditor), fix it, Enter accepts and moves on. Also the Esc filter that stops a folder's
auto-labelling.

Accepting keeps the region's recognition score, edited or not: the score says how sure the recognizer was of
what it read (retraining and the metrics use it), and a person's text is not a reading. The region is marked
reviewed instead (review.MarkReviewed, one undo step with the text), so it is no longer a low-confidence one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
from PyQt5.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from labeler.core.crop import crop_polygon, order_quad
from labeler.core.history import Batch, Command, SetText
from labeler.core.review import MarkReviewed, is_low, is_reviewed
from labeler.ui.batch_label import BatchLabeler
from labeler.ui.i18n import tr
from labeler.ui.line_editor import MAX_STRIP_WIDTH, STRIP_HEIGHT, LineEditor, array_to_pixmap
from labeler.ui.long_text import LongTextDialog, edit_long_text, elide, is_long

__all__ = ["CorrectionPanel", "EscapeStopsBatch", "array_to_pixmap", "is_low", "next_low_index", "preview_crop"]

PREVIEW_SIZE = (600, 120)  # preview_crop's default box: the crop is scaled to fit it (up or down), aspect kept
STRIP_BOX = (MAX_STRIP_WIDTH, STRIP_HEIGHT)  # the line editor's strip: the crop at the strip's height
VERTICAL_RATIO = 1.5  # labeler.ocr.pipeline's (not imported here: onnxruntime stays out of the window's start)
NEXT_LOW_KEY = "F3"  # the default key of actions.py's next_low, named in the field's placeholder
CTX = "CorrectionPanel"
LINE_CTX = "LineEditor"


def next_low_index(regions, start: int, threshold: float, step: int = 1) -> int:
    """Index of the next region after `start` (wrapping, `step` = -1 backwards) under the threshold, or -1."""
    n = len(regions)
    for k in range(1, n + 1):
        i = (start + k * step) % n
        if is_low(regions[i], threshold):
            return i
    return -1


def _natural_size(points: np.ndarray) -> tuple[float, float]:
    """About the (width, height) crop_polygon gives these points (exact for 4 points)."""
    if len(points) == 4:
        q = order_quad(points)
        return (
            max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])),
            max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])),
        )
    (_cx, _cy), (w, h), _angle = cv2.minAreaRect(points.reshape(-1, 1, 2))
    return max(w, h), min(w, h)  # text runs along the long side


def preview_crop(image: np.ndarray, points, box: tuple[int, int] = PREVIEW_SIZE) -> np.ndarray:
    """The region's rectified crop (crop_polygon's) scaled to fit `box`, at a cost of about the box, not the image.

    Only the region's bounding box is read. A region larger than the box is first area-averaged by a whole
    factor (so thin strokes survive), warped at up to twice the box, then scaled to it; a smaller one is
    warped at its own size and enlarged.
    """
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    width, height = _natural_size(pts)
    scale = min(box[0] / max(width, 1.0), box[1] / max(height, 1.0))
    factor = max(1, int(1 / scale)) if scale < 1 else 1
    margin = 3 * factor  # the cubic warp reads 2 pixels around each sample
    h_img, w_img = image.shape[:2]
    x0 = max(0, math.floor(float(pts[:, 0].min())) - margin)
    y0 = max(0, math.floor(float(pts[:, 1].min())) - margin)
    x1 = min(w_img, math.ceil(float(pts[:, 0].max())) + margin + 1)
    y1 = min(h_img, math.ceil(float(pts[:, 1].max())) + margin + 1)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 0), np.uint8)
    if min(x1 - x0, y1 - y0) < factor:  # a sliver at the image edge: nothing to average
        factor = 1
    x1 = x0 + max(factor, (x1 - x0) // factor * factor)  # whole blocks: cv2's fast integer area path
    y1 = y0 + max(factor, (y1 - y0) // factor * factor)
    roi = image[y0:y1, x0:x1]
    local = pts - np.float32([x0, y0])
    if factor > 1:
        roi = cv2.resize(roi, (roi.shape[1] // factor, roi.shape[0] // factor), interpolation=cv2.INTER_AREA)
        local = (local - (factor - 1) / 2) / factor  # pixel centres of the averaged blocks
    crop = crop_polygon(roi, local)
    if not crop.size:
        return crop
    fit = min(box[0] / crop.shape[1], box[1] / crop.shape[0])
    size = (max(1, round(crop.shape[1] * fit)), max(1, round(crop.shape[0] * fit)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA if fit < 1 else cv2.INTER_CUBIC)


class CorrectionPanel(QWidget):
    """The selected region's line editor (its crop above its text); Enter accepts and goes to the next low one,
    Tab / Shift+Tab go to the next / previous region in reading order (keeping what was typed), Esc back to the
    canvas (after a first Esc that reverts a changed text).

    `image_for(record)` gives the pixels the canvas shows for that record (None while they are not there);
    call `image_shown` when they change. A text too long for a one-line field (long_text.FIELD_MAX_CHARS)
    shows elided and read-only; "Edit full text" opens it in the page editor.
    """

    left = pyqtSignal()  # Esc in the unchanged text: the keys go back to the canvas, the selection stays

    def __init__(self, editor, image_for: Callable | None = None, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._image_for = image_for or (lambda _record: None)
        self.line = LineEditor(self._revert_text, editor.pipeline)
        self.preview = self.line.strip  # the crop, at a readable height, scrolling with the cursor
        self.text = self.line.field
        self.text.returnPressed.connect(self.accept)
        self.text.installEventFilter(self)  # Tab / Shift+Tab walk the regions in reading order
        self.long_button = QPushButton()
        self.long_button.clicked.connect(self.edit_long_text)
        self.long_button.hide()
        self.long_dialog: LongTextDialog | None = None
        self.info = QLabel()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.long_button, 0, Qt.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.info)
        layout.addStretch(1)
        self.setMaximumHeight(self.sizeHint().height() + 12)  # the region list below gets the rest
        self._changed = QTimer(self)  # edits arriving together (a burst of nudges, a batch) cut one crop
        self._changed.setSingleShot(True)
        self._changed.setInterval(0)
        self._changed.timeout.connect(lambda: self.refresh(keep_text=True))
        editor.current_changed.connect(self.refresh)
        editor.selection_changed.connect(lambda _i: self.refresh())
        editor.regions_changed.connect(lambda rec: rec is editor.current and self._changed.start())
        self._retranslate()
        self.refresh()

    def _retranslate(self) -> None:
        self.text.setPlaceholderText(
            tr("Select a region ({key}: next low-confidence region)", CTX).format(key=NEXT_LOW_KEY)
        )
        self._show_info(self.region())
        self.long_button.setText(tr("Edit full text...", CTX))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ following the editor

    def image_shown(self) -> None:
        """The canvas got the current image (a huge one comes from a thread): show the crop now."""
        self.refresh(keep_text=True)

    def current_image(self):
        """The pixels the crop preview cuts from: the canvas's array of the current image (None until shown)."""
        return self._image_for(self.editor.current)

    def region(self):
        ed = self.editor
        if ed.current is None or not 0 <= ed.selected < len(ed.current.regions):
            return None
        return ed.current.regions[ed.selected]

    @property
    def long_mode(self) -> bool:
        """The selected region's text is too long for the field: it shows elided and opens in the page editor."""
        region = self.region()
        return region is not None and is_long(region.transcription)

    def refresh(self, keep_text: bool = False) -> None:
        self._changed.stop()
        region = self.region()
        self.text.setEnabled(region is not None)
        long_mode = region is not None and is_long(region.transcription)
        self.text.setReadOnly(long_mode)
        self.long_button.setVisible(long_mode)
        self.line.low_score = self.editor.low_score
        if region is None:
            self.line.clear()
            self.text.clear()
            self._show_info(None)
            return
        self._show_line(region, long_mode)
        if long_mode or not (keep_text and self.text.hasFocus() and self.text.isModified()):
            self.text.setText(self._field_text(region))
            self.text.setModified(False)
        self._show_info(region)

    def _show_line(self, region, long_mode: bool) -> None:
        image, points = self.current_image(), region.points
        key = None
        if image is not None and not long_mode and self.editor.project is not None:  # a long text: not read
            key = (self.editor.current.path, tuple(map(tuple, points)), id(image), image.shape)

        def make_crop():
            if image is None:
                return None
            try:
                crop = preview_crop(image, points, STRIP_BOX)
                if crop.shape[0] >= VERTICAL_RATIO * crop.shape[1]:  # turned as the recognizer reads it
                    crop = np.ascontiguousarray(np.rot90(crop))
                return crop
            except Exception:  # a degenerate polygon being drawn must not take the window down
                return None

        self.line.set_line(key, image, points, make_crop)

    @staticmethod
    def _field_text(region) -> str:
        return elide(region.transcription) if is_long(region.transcription) else region.transcription

    def _show_info(self, region) -> None:
        if region is None:
            self.info.setText("")
            return
        score = tr("no score", CTX) if region.score is None else tr("score {score:.2f}", CTX).format(score=region.score)
        parts = [tr("Region {n}", CTX).format(n=self.editor.selected + 1), score]
        if is_low(region, self.editor.low_score):
            parts.append(tr("low confidence", CTX))
        elif is_reviewed(region):
            parts.append(tr("reviewed", LINE_CTX))
        if is_long(region.transcription):
            parts.append(tr("{n} characters", CTX).format(n=f"{len(region.transcription):,}"))
        self.info.setText(" · ".join(parts))

    # ------------------------------------------------------------------ actions

    def _revert_text(self) -> None:
        region = self.region()
        self.text.setText(self._field_text(region) if region is not None else "")
        self.text.setModified(False)
        self.text.selectAll()

    def focus_text(self) -> None:
        self.text.setFocus(Qt.ShortcutFocusReason)
        self.text.selectAll()

    def jump(self, step: int = 1) -> int:
        """Select the next (step=-1: previous) low-confidence region and put the cursor in its text."""
        ed = self.editor
        if ed.current is None or not ed.current.regions:
            return -1
        start = ed.selected if ed.selected >= 0 else (-1 if step > 0 else 0)
        index = next_low_index(ed.current.regions, start, ed.low_score, step)
        if index < 0:
            ed.message.emit(tr("No low-confidence regions left in this image", CTX))
            return -1
        ed.select(index)
        self.refresh()
        self.focus_text()
        return index

    def accept(self) -> None:
        """Enter: the typed text (if changed) and the reviewed mark as one undo step, then the next low region.

        The score stays the recognizer's (see the module's docstring)."""
        if not self._commit(reviewed=True):
            return
        if self.jump() < 0:
            self.refresh()

    def _commit(self, reviewed: bool) -> bool:
        """The field's text onto the selected region (and the reviewed mark), one undo step; False: no region."""
        ed = self.editor
        region = self.region()
        if region is None:
            return False
        index = ed.selected
        commands: list[Command] = []
        if not is_long(region.transcription) and self.text.text() != region.transcription:
            commands.append(SetText(index, self.text.text()))  # a long text's field holds only its start
        if (reviewed or commands) and not is_reviewed(region):
            commands.append(MarkReviewed(index))
        if commands:
            ed.push(Batch(commands, label="accept region"), merge=False)
        self.text.setModified(False)
        return True

    def step(self, step: int = 1) -> int:
        """Tab (Shift+Tab): keep what was typed, then the next (previous) region in reading order, its text selected.

        A review that reads every line in order without the mouse; a region passed over is not marked reviewed."""
        ed = self.editor
        if ed.current is None or not ed.current.regions or not self._commit(reviewed=False):
            return -1
        index = ed.selected + step
        if not 0 <= index < len(ed.current.regions):
            ed.message.emit(tr("No more regions in this image", CTX))
            return -1
        ed.select(index)
        self.refresh()
        self.focus_text()
        return index

    def eventFilter(self, obj, event) -> bool:
        if obj is self.text and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Tab, Qt.Key_Backtab):
            self.step(-1 if event.key() == Qt.Key_Backtab or event.modifiers() & Qt.ShiftModifier else 1)
            return True  # not the next widget: the next region
        if obj is self.text and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape:
            if not self.text.isModified():  # (a changed text is reverted by the first Esc: the field's own)
                self.left.emit()
                return True
        return super().eventFilter(obj, event)

    def edit_long_text(self) -> LongTextDialog | None:
        """Open the selected region's whole text in the page editor; OK saves it through the history."""
        ed, region = self.editor, self.region()
        if region is None:
            return None
        record, index = ed.current, ed.selected

        def done(text: str) -> None:
            alive = ed.project is not None and ed.project.by_path.get(record.path) is record
            if alive and index < len(record.regions):
                ed.push(SetText(index, text), record=record, merge=False)

        title = tr("Region {n}: whole text", CTX).format(n=index + 1)
        dialog = edit_long_text(self, region.transcription, title, done)
        self.long_dialog = dialog
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        return dialog

    def _dialog_closed(self, dialog: LongTextDialog) -> None:
        if self.long_dialog is dialog:
            self.long_dialog = None
        dialog.deleteLater()  # it holds the text (and its edits) until then


class EscapeStopsBatch(QObject):
    """Esc that no widget used (drawing, an open editor) reaches the window: it stops the batch job."""

    def __init__(self, batch: BatchLabeler, parent: QObject) -> None:
        super().__init__(parent)
        self.batch = batch

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape and self.batch.running:
            self.batch.cancel()
            return True
        return False
