"""Image file actions (PPOCRLabel's Ctrl+Alt+L / Ctrl+Alt+R rotate, Ctrl+Shift+D delete), the box
number toggle and Ctrl+J (leave drawing mode).

Turning an image rewrites the file (labeler.core.image_file_ops.RotateImageFile, one undo step that
writes the original bytes back) and saves the labels at once, so the file and Label.txt / Cache.cach
agree. Deleting asks first, moves the file into `.labeler/trash/` and drops the image's lines from the
label files through the project's own save.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QMenu, QMessageBox

from labeler.core.errors import LabelerError
from labeler.core.image_file_ops import RotateImageFile, move_to_trash
from labeler.core.model import ImageRecord
from labeler.ui.i18n import tr


def _menu(window, title: str) -> QMenu:
    """The menu bar's menu with this (English) title, made if it is not there yet."""
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text() == title:
            return action.menu()
    return window.menuBar().addMenu(title)


class ImageActions:
    def __init__(self, window) -> None:
        self.window = window
        self.editor = window.editor
        self.canvas = window.canvas
        self._reshow: set[str] = set()  # records whose file was rewritten: show the new pixels
        self.editor.regions_changed.connect(self._after_change)
        self.editor.current_changed.connect(self._reshow.clear)

    # ------------------------------------------------------------------ rotate the file

    def rotate_image(self, clockwise: bool) -> bool:
        """Turn the current image file by 90 degrees with all its regions, then save the labels."""
        ed = self.editor
        rec = ed.current
        if ed.project is None or rec is None:
            return False
        self.canvas.cancel_drawing()
        command = RotateImageFile(ed.project.image_path(rec), clockwise, on_file_written=self._file_written)
        QApplication.setOverrideCursor(Qt.WaitCursor)  # a 100 Mpx JPEG takes seconds to re-encode
        try:
            ed.select(-1)
            ed.push(command, merge=False)
        except (LabelerError, OSError, ValueError) as exc:
            ed.message.emit(f"Cannot rotate {rec.path}: {exc}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._save_now()
        w, h = rec.width, rec.height
        turn = "clockwise" if clockwise else "anticlockwise"
        ed.message.emit(f"Rotated {rec.path} {turn}: now {w} × {h} px (Ctrl+Z undoes)")
        return True

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
            self.editor.message.emit(f"Could not save the labels: {exc}")

    # ------------------------------------------------------------------ delete the file

    def ask_delete_image(self) -> Path | None:
        """Ctrl+Shift+D: ask, then move the current image to the trash (None: not deleted)."""
        ed = self.editor
        if ed.project is None or ed.current is None:
            return None
        text = tr("Move {name} to {trash} and remove its labels from Label.txt, Cache.cach and fileState.txt?\n\n"
                  "This cannot be undone with Ctrl+Z; the file and a copy of its labels stay in the trash folder.")
        answer = QMessageBox.question(
            self.window, tr("Delete image"), text.format(name=ed.current.path, trash=".labeler/trash/"),
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No,
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
            QMessageBox.warning(self.window, "labeler", str(exc))
            return None
        with self.window.images.model.removing_row(index):
            project.remove_record(rec.path)
        ed.current, ed.selected = None, -1  # the record is gone: go_to must not look for it
        if ed.saver is not None:
            ed.saver.mark_dirty()  # no record is dirty: the save still drops the removed image's lines
        self._save_now()
        self.window.images.update_counts()
        if len(project):
            ed.go_to(min(index, len(project) - 1))
        else:
            ed.current_changed.emit()
        ed.message.emit(f"Moved {rec.path} to {target.relative_to(project.folder)}")
        return target

    # ------------------------------------------------------------------ view

    def set_indices_visible(self, visible: bool) -> None:
        self.canvas.set_indices_visible(visible)

    def edit_mode(self) -> None:
        """PPOCRLabel's Ctrl+J: stop drawing, back to selecting and editing."""
        self.canvas.cancel_drawing()


def install_image_actions(window) -> ImageActions:
    """Image menu (rotate the file, delete it), View > box numbers, Edit > edit mode (Ctrl+J)."""
    acts = ImageActions(window)
    window.image_actions = acts
    a = window._action
    m = _menu(window, "&Image")
    a(m, "rotate_image_ccw", "Rotate image &anticlockwise", lambda: acts.rotate_image(False), "Ctrl+Alt+L")
    a(m, "rotate_image_cw", "Rotate image &clockwise", lambda: acts.rotate_image(True), "Ctrl+Alt+R")
    m.addSeparator()
    a(m, "delete_image", "&Delete image...", acts.ask_delete_image, "Ctrl+Shift+D")
    view = _menu(window, "&View")
    view.addSeparator()
    numbers = a(view, "box_numbers", "Show box &numbers", lambda: None)
    numbers.setCheckable(True)
    numbers.setChecked(window.canvas.indices_visible)
    numbers.toggled.connect(acts.set_indices_visible)
    a(_menu(window, "&Edit"), "edit_mode", "Edit &mode (stop drawing)", acts.edit_mode, "Ctrl+J")
    return acts
