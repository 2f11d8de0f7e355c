"""Image file actions (PPOCRLabel's Ctrl+Alt+L / Ctrl+Alt+R rotate, Ctrl+Shift+D delete), the box
number toggle and Ctrl+J (leave drawing mode): the handlers of the Image menu and of those entries (actions.py).

Turning an image rewrites the file (labeler.core.image_file_ops.RotateImageFile, one undo step that
writes the original bytes back) and saves the labels at once, so the file and Label.txt / Cache.cach
agree. Deleting asks first, moves the file into `.labeler/trash/` and drops the image's lines from the
label files through the project's own save.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QObject, Qt, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QApplication, QMessageBox, QWidget

from labeler.core.errors import LabelerError
from labeler.core.image_file_ops import RotateImageFile, move_to_trash, prepare_rotation
from labeler.core.model import ImageRecord
from labeler.ui.canvas import Canvas
from labeler.ui.editor import Editor
from labeler.ui.i18n import tr
from labeler.ui.panels import ImagePanel

CTX = "ImageActions"


class _RotationReady(QObject):
    """Brings a prepared turn from its thread to the GUI thread (the slot runs there: queued)."""

    ready = pyqtSignal(object, str)

    def __init__(self, receive) -> None:
        super().__init__()
        self._receive = receive
        self.ready.connect(self._deliver)

    @pyqtSlot(object, str)
    def _deliver(self, job, error: str) -> None:
        self._receive(job, error)


class ImageActions:
    """`images`: the image list, told when a record goes; `parent`: the widget the questions are asked over."""

    def __init__(self, editor: Editor, canvas: Canvas, images: ImagePanel, parent: QWidget) -> None:
        self.parent_widget = parent
        self.editor = editor
        self.canvas = canvas
        self.images = images
        self._reshow: set[str] = set()  # records whose file was rewritten: show the new pixels
        self.rotating = False  # a turn is being prepared on a thread
        self._carrier = _RotationReady(self.rotation_ready)
        self.editor.regions_changed.connect(self._after_change)
        self.editor.current_changed.connect(self._reshow.clear)

    def handlers(self) -> dict[str, Callable[..., object]]:
        return {
            "rotate_image_ccw": lambda: self.rotate_image(False),
            "rotate_image_cw": lambda: self.rotate_image(True),
            "delete_image": self.ask_delete_image,
            "box_numbers": self.set_indices_visible,
            "edit_mode": self.edit_mode,
        }

    # ------------------------------------------------------------------ rotate the file

    def rotate_image(self, clockwise: bool) -> bool:
        """Turn the current image file by 90 degrees with all its regions, then save the labels.

        The new bytes are made on a thread (a 100 Mpx JPEG takes seconds); the turn is applied when they
        come back, unless the image or its file changed meanwhile. False: not started.
        """
        ed = self.editor
        rec = ed.current
        if ed.project is None or rec is None:
            return False
        if self.rotating:
            ed.message.emit(tr("Still rotating the last image...", CTX))
            return False
        self.canvas.cancel_drawing()
        path, project, carrier = ed.project.image_path(rec), ed.project, self._carrier

        def work() -> None:
            try:
                prepared, error = prepare_rotation(path, clockwise), ""
            except Exception as exc:
                prepared, error = None, str(exc) or type(exc).__name__
            try:
                carrier.ready.emit((project, rec, prepared), error)
            except RuntimeError:  # the window is gone
                pass

        self.rotating = True
        QApplication.setOverrideCursor(Qt.BusyCursor)
        ed.message.emit(tr("Rotating {path}...", CTX).format(path=rec.path))
        threading.Thread(target=work, name="labeler-rotate-image", daemon=True).start()
        return True

    def rotation_ready(self, job, error: str) -> None:
        """A turn prepared on its thread: (project, record, prepared) or an error; applied unless things moved on."""
        ed = self.editor
        project, rec, prepared = job
        self.rotating = False
        QApplication.restoreOverrideCursor()
        if error or prepared is None:
            ed.message.emit(tr("Cannot rotate {path}: {error}", CTX).format(path=rec.path, error=error))
            return
        if ed.project is not project or rec.path not in project or project.record(rec.path) is not rec:
            return  # another folder, or the image was deleted meanwhile
        if not prepared.is_current():
            ed.message.emit(tr("{path} changed on disk meanwhile: not rotated", CTX).format(path=rec.path))
            return
        command = RotateImageFile(prepared.image_file, prepared.clockwise, self._file_written, prepared)
        if rec is ed.current:
            ed.select(-1)
        try:
            ed.push(command, record=rec, merge=False)
        except (LabelerError, OSError, ValueError) as exc:
            ed.message.emit(tr("Cannot rotate {path}: {error}", CTX).format(path=rec.path, error=exc))
            return
        self._save_now()
        if prepared.clockwise:
            text = tr("Rotated {path} clockwise: now {width} × {height} px (Ctrl+Z undoes)", CTX)
        else:
            text = tr("Rotated {path} anticlockwise: now {width} × {height} px (Ctrl+Z undoes)", CTX)
        ed.message.emit(text.format(path=rec.path, width=rec.width, height=rec.height))

    def _file_written(self, record: ImageRecord) -> None:
        self._reshow.add(record.path)  # called under the project lock: only note it, show it after the change

    def _after_change(self, record: ImageRecord) -> None:
        if record.path in self._reshow and record is self.editor.current:
            self._reshow.discard(record.path)
            self.editor.current_changed.emit()  # every view re-reads the image (canvas, crop preview)

    def _save_now(self) -> None:
        try:
            self.editor.flush()
        except Exception as exc:  # the autosave retries; the user must know the files lag behind
            self.editor.message.emit(tr("Could not save the labels: {error}", CTX).format(error=exc))

    # ------------------------------------------------------------------ delete the file

    def ask_delete_image(self) -> Path | None:
        """Ctrl+Shift+D: ask, then move the current image to the trash (None: not deleted)."""
        ed = self.editor
        if ed.project is None or ed.current is None:
            return None
        text = tr(
            "Move {name} to {trash} and remove its labels from Label.txt, Cache.cach and fileState.txt?\n\n"
            "This cannot be undone with Ctrl+Z; the file and a copy of its labels stay in the trash folder."
        )
        answer = QMessageBox.question(
            self.parent_widget,
            tr("Delete image"),
            text.format(name=ed.current.path, trash=".labeler/trash/"),
            QMessageBox.Yes | QMessageBox.No,
            QMessageBox.No,
        )
        if answer != QMessageBox.Yes:
            return None
        return self.delete_current_image()

    def delete_current_image(self) -> Path | None:
        """Move the current image into `.labeler/trash/`, forget its record, save, show the next image."""
        ed = self.editor
        project, rec = ed.project, ed.current
        if project is None or rec is None:
            return None
        index = ed.current_index
        self.canvas.cancel_drawing()
        try:
            target = move_to_trash(project.folder, rec, project.key_for(rec))
        except LabelerError as exc:
            QMessageBox.warning(self.parent_widget, "labeler", str(exc))
            return None
        with self.images.model.removing_row(index):
            project.remove_record(rec.path)
        ed.current, ed.selected = None, -1  # the record is gone: go_to must not look for it
        if ed.saver is not None:
            ed.saver.mark_dirty()  # no record is dirty: the save still drops the removed image's lines
        self._save_now()
        self.images.update_counts()
        if len(project):
            ed.go_to(min(index, len(project) - 1))
        else:
            ed.current_changed.emit()
        moved = tr("Moved {path} to {target}", CTX)
        ed.message.emit(moved.format(path=rec.path, target=target.relative_to(project.folder)))
        return target

    # ------------------------------------------------------------------ view

    def set_indices_visible(self, visible: bool) -> None:
        self.canvas.set_indices_visible(visible)

    def edit_mode(self) -> None:
        """PPOCRLabel's Ctrl+J: stop drawing, back to selecting and editing."""
        self.canvas.cancel_drawing()
