"""The main window: assembles the panels, the canvas, the menus and the status bar around an Editor.

It is the composition root: it makes every controller, giving each only the collaborators it needs, and builds
the menus from the action table (actions.py) with the controllers' handlers. It holds no labelling state: the
editor owns the project, the widgets show it and forward user actions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PyQt5.QtCore import QEvent, QRect, QSettings, Qt, QTimer
from PyQt5.QtWidgets import (
    QAction,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from labeler.core.errors import LabelerError
from labeler.core.model import ImageRecord
from labeler.core.problems import after_reread, late_problem, problems_by_record, project_problems
from labeler.core.settings import Settings
from labeler.ui import i18n
from labeler.ui.about import AboutDialog
from labeler.ui.actions import AUTO_LABELLING, KIE_MODE, PROBLEMS_LISTED, WindowActions, build_actions
from labeler.ui.batch_label import BatchLabeler, Recognizer
from labeler.ui.canvas import Canvas
from labeler.ui.correction import CorrectionPanel, EscapeStopsBatch
from labeler.ui.edit_actions import EditActions
from labeler.ui.editor import Editor
from labeler.ui.export_actions import FileJobs
from labeler.ui.i18n import tr
from labeler.ui.image_actions import ImageActions
from labeler.ui.image_loader import ImageLoader
from labeler.ui.image_search import ImageNameFilter
from labeler.ui.kie import KieController
from labeler.ui.last_image import read_last_image, write_last_image
from labeler.ui.model_switch import ModelSwitch
from labeler.ui.notice_bar import NoticeBar
from labeler.ui.panels import ImagePanel, RegionTable, RegionTableModel, row_of, status_name
from labeler.ui.problems import ProblemsBar, image_mark
from labeler.ui.retrain_panel import RetrainPanel
from labeler.ui.settings_dialog import SettingsController
from labeler.ui.shortcuts import ShortcutsDialog
from labeler.ui.window_layout import (
    available_area,
    default_size,
    fit_to_screen,
    keep_rows,
    restore_layout,
    save_layout,
)

USABLE_ROWS = 5  # the region table and the KIE table never show fewer rows than this


class MainWindow(QMainWindow):
    def __init__(self, editor: Editor | None = None) -> None:
        super().__init__()
        self.setWindowTitle("labeler")
        self.available_area: Callable[[], QRect] = lambda: available_area(self)  # tests give a screen size
        self.layout_store: QSettings | None = None  # geometry and docks (app.py: the user's; see use_layout_store)
        self.editor = editor or Editor(parent=self)
        self.canvas = Canvas(self, selection=self.editor.session.selection)
        self.problems = ProblemsBar()  # above the canvas: seen at once, stays until dismissed
        self.notices = NoticeBar()  # other windows on the folder, conflicts with other writers
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notices)
        column.addWidget(self.problems)
        column.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.image_loader = ImageLoader(self.editor, self.canvas, self)  # before the panels: it shows the image first
        self.images = ImagePanel(self.editor.go_to)
        self.image_filter = ImageNameFilter(self._filter_images)
        images_box = QWidget()
        images_column = QVBoxLayout(images_box)
        images_column.setContentsMargins(0, 0, 0, 0)
        images_column.setSpacing(2)
        images_column.addWidget(self.image_filter)
        images_column.addWidget(self.images, 1)
        self.region_model = RegionTableModel(
            self.editor.set_text, self.editor.set_difficult, lambda: self.editor.low_score, self
        )
        self.regions = RegionTable(self.region_model)
        self.images_dock = self._dock("Images", images_box, Qt.LeftDockWidgetArea)
        self.regions_dock = self._dock("Regions", self.regions, Qt.RightDockWidgetArea)
        self._build_status_bar()
        self._build_controllers()
        self._build_actions()
        self._connect()
        self._closed = False
        self._arrange_docks()
        self.resize(default_size(self.available_area()))

    # ------------------------------------------------------------------ assembly

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea, min_width: bool = True) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        if min_width:
            widget.setMinimumWidth(240 if area == Qt.LeftDockWidgetArea else 440)
        return dock

    def _arrange_docks(self) -> None:
        """Images left; correction over regions on the right, the full height (KIE tabbed with the regions);
        Retrain under the image list and the canvas. Every dock can be moved, floated or tabbed onto another."""
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowNestedDocks | QMainWindow.AllowTabbedDocks)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.setCorner(Qt.BottomLeftCorner, Qt.BottomDockWidgetArea)
        self.tabifyDockWidget(self.regions_dock, self.kie.dock)
        self.regions_dock.raise_()
        keep_rows(self.regions, USABLE_ROWS)
        keep_rows(self.kie.panel.table, USABLE_ROWS)
        self.kie.panel.classes_hint.setWordWrap(True)  # a long hint must not widen the right-hand column
        self.kie.panel.class_list.setMinimumHeight(44)  # the rows above keep the room on a 768 px screen
        self.kie.panel.layout().setContentsMargins(4, 4, 4, 4)
        self.kie.panel.layout().setSpacing(4)
        self.kie.mode_changed.connect(lambda on: self.kie.dock.raise_() if on else self.regions_dock.raise_())
        self._last_image_timer = QTimer(self)  # written down a moment after the user settles on an image
        self._last_image_timer.setSingleShot(True)
        self._last_image_timer.setInterval(2000)
        self._last_image_timer.timeout.connect(self.remember_last_image)
        self._fit_timer = QTimer(self)  # a dock shown or moved: keep the window on the screen once the layout settled
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self.fit_to_screen)
        for dock in self.findChildren(QDockWidget):
            dock.visibilityChanged.connect(lambda _on: self._fit_timer.start(0))
            dock.topLevelChanged.connect(lambda _on: self._fit_timer.start(0))

    def fit_to_screen(self) -> bool:
        """Shrink (and move) the window into the screen's available area; True if it had to."""
        return fit_to_screen(self, self.available_area())

    def use_layout_store(self, store: QSettings) -> bool:
        """Restore the geometry and docks saved in `store` and save them there when the window closes."""
        self.layout_store = store
        restored = restore_layout(self, store)
        self.kie.dock.setVisible(self.kie.enabled)  # the mode is the settings file's, not the saved dock's
        self.fit_to_screen()
        return restored

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_timer.start(0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_timer.start(0)  # grown past the screen (a dock's minimum, a restored size): brought back

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.file_label = QLabel()  # the current image's file name (its folder path in the tooltip)
        self.size_label, self.zoom_label, self.cursor_label, self.count_label = QLabel(), QLabel(), QLabel(), QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator while OCR runs
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        for w in (self.progress, self.cursor_label, self.size_label, self.zoom_label, self.count_label):
            w.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(w)

    def _build_controllers(self) -> None:
        """Every controller, given what it works on; made in the order their editor signal slots must run."""
        ed, show_status = self.editor, self.statusBar().showMessage
        self.kie = KieController(ed, show_status, self, canvas=self.canvas)
        self.addDockWidget(Qt.RightDockWidgetArea, self.kie.dock)
        self.file_jobs = FileJobs(ed, show_status, self, self.kie)
        ed.ocr.pool.setMaxThreadCount(2)  # a folder job must not hold up Ctrl+R on the current image
        self.batch = BatchLabeler(ed, self)
        self.recognizer = Recognizer(ed, self)
        self.correction = CorrectionPanel(ed, self.image_loader.array_for)
        self.image_loader.shown.connect(lambda _path: self.correction.image_shown())
        self.correction.left.connect(lambda: self.canvas.setFocus(Qt.ShortcutFocusReason))
        correction_dock = self._dock("Correction", self.correction, Qt.RightDockWidgetArea, min_width=False)
        self.splitDockWidget(correction_dock, self.regions_dock, Qt.Vertical)  # the crop right above the region list
        self.escape_filter = EscapeStopsBatch(self.batch, self)
        self.installEventFilter(self.escape_filter)
        self.batch.running_changed.connect(self._batch_running)
        self.batch.progress.connect(self._batch_progress)
        self.edit_actions = EditActions(ed, self.canvas)
        self.image_actions = ImageActions(ed, self.canvas, self.images, self)
        retranslate = partial(i18n.retranslate, self)
        self.settings_controller = SettingsController(ed, self.kie, retranslate, show_status, self)
        self.model_switch = ModelSwitch(ed, lambda: self.user_settings, self)
        self.statusBar().insertPermanentWidget(0, self.model_switch.label)
        self.statusBar().insertPermanentWidget(0, self.file_label)
        self.file_label.setContentsMargins(8, 0, 8, 0)
        self.retrain = RetrainPanel(ed, self.model_switch, self.batch)
        self.retrain_dock = self._dock("Retrain", self.retrain, Qt.BottomDockWidgetArea, min_width=False)
        self.retrain_dock.setFeatures(self.retrain_dock.features() | QDockWidget.DockWidgetClosable)
        self.retrain_dock.hide()

    def _handlers(self) -> dict[str, Callable[..., object]]:
        """What the window's own actions (actions.py ids) do; the controllers give theirs."""
        ed, cv = self.editor, self.canvas
        return {
            "open": self.choose_folder,
            "save": ed.flush,
            "settings": self.settings_controller.open_dialog,
            "quit": self.close,
            "undo": ed.undo,
            "redo": ed.redo,
            "edit_text": lambda: self.regions.edit_text(ed.selected),
            "confirm": ed.confirm_and_next,
            "line_editor": self._line_editor,
            "next_low": lambda: self.correction.jump(1),
            "previous_low": lambda: self.correction.jump(-1),
            "auto_label": ed.auto_label_current,
            "recognize": ed.recognize_selected,
            "recognize_all": self.recognizer.start,
            "auto_label_all": self.batch.start,
            "stop_auto_label": self.batch.cancel,
            "retrain": self.show_retrain,
            "previous": lambda: self.images.step(-1),  # A / D follow the image list's filter
            "next": lambda: self.images.step(1),
            "zoom_in": cv.zoom_in,
            "zoom_out": cv.zoom_out,
            "fit": cv.fit_window,
            "show_problems": self.problems.reopen,
            "shortcuts_help": self.show_shortcuts,
            "about": self.show_about,
        }

    def _build_actions(self) -> None:
        handlers = {
            **self._handlers(),
            **self.file_jobs.handlers(),
            **self.kie.handlers(),
            **self.edit_actions.handlers(),
            **self.image_actions.handlers(),
        }
        checked = {"box_numbers": self.canvas.indices_visible, "auto_template": self.edit_actions.auto_template}
        self.window_actions: WindowActions = build_actions(self, self.menuBar(), handlers, checked)
        self.actions_by_name: dict[str, QAction] = self.window_actions.by_id
        self.kie.mode_changed.connect(self.actions_by_name["kie_mode"].setChecked)
        self.kie.mode_changed.connect(lambda on: self.window_actions.set_context(KIE_MODE, on))
        self.batch.running_changed.connect(lambda on: self.window_actions.set_context(AUTO_LABELLING, on))
        i18n.remember_sources(self)
        self.settings_controller.apply_loaded(self.window_actions)  # shortcut overrides, language, editor values

    # ------------------------------------------------------------------ settings

    @property
    def user_settings(self) -> Settings:
        return self.settings_controller.settings

    @user_settings.setter
    def user_settings(self, settings: Settings) -> None:  # as if read from the file: not applied
        self.settings_controller.settings = settings

    @property
    def settings_path(self) -> Path:
        return self.settings_controller.path

    @property
    def settings_warnings(self) -> list[str]:
        return self.settings_controller.warnings

    # ------------------------------------------------------------------ dialogs and docks

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.actions_by_name, self).exec_()

    def show_about(self) -> None:
        AboutDialog(self).exec_()

    def show_retrain(self) -> None:
        if not self.retrain_dock.isVisible() and not self.retrain_dock.isFloating():
            side = [self.images_dock, self.regions_dock]
            widths = [dock.width() for dock in side]  # the side docks keep their widths
            self.retrain_dock.show()
            # a third of the window: the canvas keeps most of the height; the panel scrolls what does not fit
            self.resizeDocks([self.retrain_dock], [max(self.height() // 3, 200)], Qt.Vertical)
            self.resizeDocks(side, widths, Qt.Horizontal)
        self.retrain_dock.raise_()
        self.retrain.start_button.setFocus()

    def _line_editor(self) -> None:
        """Ctrl+L: the cursor into the line editor's text (its dock shown), for the selected region or the first one."""
        ed = self.editor
        if ed.current is None or not ed.current.regions:
            return
        if ed.selected < 0:
            ed.select(0)
        dock = self.correction.parentWidget()
        if dock is not None and not dock.isVisible():
            dock.show()
        self.correction.focus_text()

    def _batch_running(self, on: bool) -> None:
        if not on:
            self.progress.setRange(0, 0)  # back to the busy indicator of single-image jobs
            self.progress.setVisible(self.editor.ocr.busy)

    def _batch_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}")
        self.progress.setTextVisible(True)
        self.progress.show()

    def _connect(self) -> None:
        ed = self.editor
        ed.project_opened.connect(self._project_opened)
        ed.current_changed.connect(self._show_current)
        ed.regions_changed.connect(self._regions_changed)
        ed.selection_changed.connect(self._selection_changed)
        ed.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        ed.busy_changed.connect(self.progress.setVisible)
        self.image_loader.status.connect(self.size_label.setText)
        self.image_loader.failed.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.canvas.region_clicked.connect(ed.select)
        self.canvas.points_edited.connect(ed.move_points)
        self.canvas.rectangle_drawn.connect(ed.add_region)
        self.canvas.zoom_changed.connect(self._show_zoom)
        self.canvas.cursor_moved.connect(lambda x, y: self.cursor_label.setText(f"{x:.0f}, {y:.0f}"))
        self.regions.selectionModel().currentRowChanged.connect(lambda cur, _prev: ed.select(cur.row()))
        self.regions.long_text_requested.connect(self._edit_long_text)
        self.image_loader.regions_failed.connect(self._regions_failed)
        self.problems.go_to_record.connect(self._go_to_path)
        ed.shared.connect(self.notices.show_shared)
        ed.conflicts.connect(self.notices.add_conflicts)
        ed.merged.connect(self._files_reread)

    # ------------------------------------------------------------------ following the editor

    def open_folder(self, folder: str | Path) -> bool:
        self.remember_last_image()
        try:
            self.editor.open_folder(folder)
        except LabelerError as exc:
            QMessageBox.critical(self, "labeler", str(exc))
            return False
        last = read_last_image(folder)
        row = row_of(self.editor.project, last) if last is not None and self.editor.project is not None else -1
        if row > 0:
            self.editor.go_to(row)  # where the folder was left
        return True

    def remember_last_image(self) -> None:
        """Write down the image the open folder is on (last_image.py), for the next time it is opened."""
        project, rec = self.editor.project, self.editor.current
        if project is not None and rec is not None:
            write_last_image(project.folder, rec.path)

    def _filter_images(self, text: str) -> None:
        self.images.name_filter = text
        self.images.apply_filter()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Open image folder"))
        if folder:
            self.open_folder(folder)

    def _project_opened(self) -> None:
        project = self.editor.project
        self.images.set_project(project)
        self.problems.set_problems(project_problems(project) if project is not None else [])
        self._problems_changed()
        self.notices.clear()
        self._show_title(None)
        if project is not None:
            self.batch.after_open(self.user_settings.prelabel_on_open)  # the README's promise: new images pre-labelled

    def _files_reread(self, report) -> None:  # another writer's save read in: its files' problems replace theirs
        project = self.editor.project
        if project is None or not report.files_changed:
            return
        old = self.problems.problems
        new = after_reread(old, report.files_changed, project_problems(project, report.errors))
        if new != old:
            self.problems.set_problems(new)  # shown again when there are any: they changed
            self._problems_changed()

    def _problems_changed(self) -> None:
        marks = problems_by_record(self.problems.problems)
        self.images.model.set_marks({path: [image_mark(p) for p in found] for path, found in marks.items()})
        self.window_actions.set_context(PROBLEMS_LISTED, bool(self.problems.problems))
        self._update_counts(self.editor.current)

    def _regions_failed(self, path: str, error) -> None:
        """A line that failed when its image was first shown: listed with the others, not an empty image."""
        self.problems.add_problem(late_problem(error, path))
        self._problems_changed()

    def _go_to_path(self, path: str) -> None:
        row = row_of(self.editor.project, path) if self.editor.project is not None else -1
        if row >= 0:
            self.editor.go_to(row)

    def _edit_long_text(self, row: int) -> None:
        self.editor.select(row)
        self.correction.edit_long_text()  # the page editor: a cell editor would lay out all of it

    def _show_current(self) -> None:
        ed = self.editor
        rec = ed.current
        self.region_model.set_record(rec)  # the canvas image and regions: image_loader.py
        self._show_title(rec)
        self._last_image_timer.start()
        if rec is not None:
            self.images.show_row(row_of(ed.project, rec.path))  # not ed.current_index: it parses lazy records
        self._update_counts(rec)
        self.canvas.setFocus()

    def _regions_changed(self, record: ImageRecord) -> None:
        self.images.model.record_changed(record)
        self.images.update_counts()
        if record is self.editor.current:
            self.image_loader.show_regions(record)
            self.region_model.refresh()
            self._selection_changed(self.editor.selected)
            self._update_counts(record)

    def _selection_changed(self, index: int) -> None:
        self.canvas.set_selected(index)
        self.regions.select_row(index)

    def _update_counts(self, rec: ImageRecord | None) -> None:
        if rec is None:
            self.count_label.setText("")
            return
        text = tr("{n} regions · {status}").format(n=len(rec.regions), status=status_name(rec.status))
        if rec.path in self.images.model.marks:
            text += " · " + tr("a label line could not be read")
        self.count_label.setText(text)

    def _show_title(self, rec: ImageRecord | None) -> None:
        project = self.editor.project
        name = Path(rec.path).name if rec is not None else ""
        self.file_label.setText(name)
        self.file_label.setToolTip(str(project.image_path(rec)) if project is not None and rec is not None else "")
        parts = [name] if name else []
        parts += [str(project.folder)] if project is not None else []
        self.setWindowTitle(" - ".join([*parts, "labeler"]))

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(tr("Zoom {percent:.0f}%").format(percent=zoom * 100))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:  # the status bar; menus and docks: i18n.retranslate
            self._update_counts(self.editor.current)
            if self.zoom_label.text():
                self._show_zoom(self.canvas.zoom)
            self.image_loader.emit_status()
        super().changeEvent(event)

    # ------------------------------------------------------------------ shutdown

    def shutdown(self) -> None:
        """Cancel OCR, save pending edits, stop the autosave thread (idempotent; raises if the save fails)."""
        if not self._closed:
            if self.layout_store is not None:
                save_layout(self, self.layout_store)
            self._last_image_timer.stop()
            self.remember_last_image()
            self.file_jobs.shutdown()  # an export must not write on after the window
            self.correction.line.shutdown()  # a line reading in flight is dropped, not waited for
            self.retrain.shutdown()  # a training child process must not outlive the window
            self.image_loader.shutdown()
            self.editor.close_project()
            self._closed = True

    def closeEvent(self, event) -> None:
        try:
            self.shutdown()
        except Exception as exc:  # the last save failed: keep the window (and the edits) open
            text = tr("Could not save the labels:\n{error}\n\nThe window stays open.").format(error=exc)
            QMessageBox.critical(self, "labeler", text)
            event.ignore()
            return
        super().closeEvent(event)
