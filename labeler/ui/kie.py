"""KIE mode: a key class per region (saved as `key_cls` in Label.txt), a class list with a colour per class.

The class list comes from a text file (one class per line) or is typed; the dock lists the current
image's regions with their class in its colour, and the canvas draws every region in its class's colour
while the mode is on. Ctrl+X (PPOCRLabel's shortcut) pops up the class list for the selected region(s);
Ctrl+D marks them difficult (or not); every change is one undo step in the image's history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QEvent, QObject, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QCursor, QIcon, QPixmap
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.core.history import Batch, SetKeyClass
from labeler.core.model import ImageRecord, TextRegion
from labeler.ui.canvas import Canvas
from labeler.ui.editor import Editor
from labeler.ui.i18n import noop_tr, tr
from labeler.ui.long_text import elide

CTX = "KiePanel"
NO_CLASS = noop_tr("(none)", CTX)  # shown through tr()
TEXT_FILES = noop_tr("Text files (*.txt);;All files (*)", CTX)


def read_class_list(path: str | Path) -> list[str]:
    """One class per line; blank lines and repeats dropped, order kept (PaddleOCR's class_list.txt too)."""
    names: list[str] = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        name = line.strip()
        if name and name not in names:
            names.append(name)
    return names


class KeyClasses(QObject):
    """The ordered class list; colours follow the position (golden-angle hues), unknown names a hash."""

    changed = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []

    def set_names(self, names: list[str]) -> None:
        self.names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        self.changed.emit()

    def add(self, name: str) -> bool:
        name = name.strip()
        if not name or name in self.names:
            return False
        self.names.append(name)
        self.changed.emit()
        return True

    def remove(self, name: str) -> None:
        if name in self.names:
            self.names.remove(name)
            self.changed.emit()

    def colour(self, name: str | None) -> QColor:
        if not name:
            return QColor(200, 200, 200)
        if name in self.names:
            k = self.names.index(name)
        else:
            k = int(hashlib.md5(name.encode("utf-8")).hexdigest()[:6], 16)
        return QColor.fromHsv(int(k * 137.508) % 360, 150, 235)

    def icon(self, name: str | None) -> QIcon:
        pixmap = QPixmap(14, 14)
        pixmap.fill(self.colour(name))
        return QIcon(pixmap)


class KiePanel(QWidget):
    """The current image's regions with their key class, and the class list with its colours."""

    def __init__(self, classes: KeyClasses, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes = classes
        self.selected_label = QLabel()
        self._shown: tuple[ImageRecord | None, int] = (None, -1)  # the record and selection shown
        self.table = QTableWidget(0, 3)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.class_list = QListWidget()
        self.new_class = QLineEdit()
        self.load_button = QPushButton()
        self.remove_button = QPushButton()
        self.classes_hint = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.new_class, 1)
        row.addWidget(self.remove_button)
        row.addWidget(self.load_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.selected_label)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.classes_hint)
        layout.addWidget(self.class_list, 2)
        layout.addLayout(row)
        classes.changed.connect(self.show_classes)
        self._retranslate()

    def _retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([tr("#", CTX), tr("Text", CTX), tr("Key class", CTX)])
        self.new_class.setPlaceholderText(tr("Type a class and press Enter", CTX))
        self.load_button.setText(tr("Load list...", CTX))
        self.remove_button.setText(tr("Remove", CTX))
        self.classes_hint.setText(tr("Key classes (double-click: set for the selected region; Ctrl+X: choose)", CTX))
        self.show_selected(*self._shown)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def show_classes(self) -> None:
        self.class_list.clear()
        for name in self.classes.names:
            item = QListWidgetItem(self.classes.icon(name), name)
            self.class_list.addItem(item)

    def show_record(self, record: ImageRecord | None, selected: int) -> None:
        regions = record.regions if record is not None else []
        self.table.setRowCount(len(regions))
        for i, region in enumerate(regions):
            cells = (str(i + 1), elide(region.transcription), region.key_cls or "")  # Qt lays out all it is given
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setIcon(self.classes.icon(region.key_cls))
                    if region.key_cls:
                        item.setBackground(self.classes.colour(region.key_cls))
                self.table.setItem(i, col, item)
        self.show_selected(record, selected)

    def show_selected(self, record: ImageRecord | None, selected: int) -> None:
        self._shown = (record, selected)
        if record is None or not 0 <= selected < len(record.regions):
            self.selected_label.setText(tr("No region selected", CTX))
            self.table.clearSelection()
            return
        region = record.regions[selected]
        colour = self.classes.colour(region.key_cls).name()
        name = f"<span style='background:{colour}'>&nbsp;{region.key_cls or tr(NO_CLASS, CTX)}&nbsp;</span>"
        self.selected_label.setText(tr("Region {n}: key class {name}", CTX).format(n=selected + 1, name=name))
        if self.table.currentRow() != selected:
            self.table.blockSignals(True)
            self.table.selectRow(selected)
            self.table.blockSignals(False)


class KieController(QObject):
    """KIE mode of one window: its dock and the region label edits (key class, difficult) through the editor;
    the KIE menu's handlers and the Region menu's "difficult".

    `show_status(text, ms)` tells the user what happened; `parent` is the widget the dock, dialogs and the
    Ctrl+X popup belong to; `canvas` (or attach_canvas) draws the regions in their class colours in KIE mode.
    `mode_changed` follows the mode (the KIE mode menu entry shows it).
    """

    mode_changed = pyqtSignal(bool)

    def __init__(
        self, editor: Editor, show_status: Callable[[str, int], None], parent: QWidget, canvas: Canvas | None = None
    ) -> None:
        super().__init__(parent)
        self.editor, self.show_status, self.parent_widget = editor, show_status, parent
        self.canvas: Canvas | None = None
        self.enabled = False
        self.classes = KeyClasses(self)
        self.panel = KiePanel(self.classes)
        self.dock = QDockWidget("Key classes", parent)
        self.dock.setObjectName("Key classes")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.dock.hide()
        self.menu: QMenu | None = None  # the Ctrl+X popup, kept for tests
        self._connect()
        if canvas is not None:
            self.attach_canvas(canvas)

    def handlers(self) -> dict[str, Callable[..., object]]:
        return {
            "kie_mode": self.set_enabled,
            "kie_set_class": self.choose_key_class,
            "kie_load_classes": self.load_dialog,
        }

    def attach_canvas(self, canvas: Canvas) -> None:
        """Draw the regions on `canvas` in their key class colours while KIE mode is on (again: no-op)."""
        if canvas is not self.canvas:
            self.canvas = canvas
            self._paint()

    def region_colour(self, region: TextRegion) -> QColor:
        """The colour a region is drawn in, in KIE mode: its class's (grey without one)."""
        return self.classes.colour(region.key_cls)

    def _paint(self) -> None:
        if self.canvas is not None:
            self.canvas.set_region_colours(self.region_colour if self.enabled else None)

    def _connect(self) -> None:
        ed, panel = self.editor, self.panel
        ed.current_changed.connect(self.refresh)
        ed.project_opened.connect(self.refresh)
        ed.regions_changed.connect(lambda record: self.refresh() if record is ed.current else None)
        ed.selection_changed.connect(lambda index: panel.show_selected(ed.current, index))
        self.classes.changed.connect(self.refresh)
        panel.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: ed.select(row) if row >= 0 else None)
        panel.class_list.itemDoubleClicked.connect(lambda item: self.set_key_class(item.text()))
        panel.new_class.returnPressed.connect(self._add_typed)
        panel.load_button.clicked.connect(self.load_dialog)
        panel.remove_button.clicked.connect(self._remove_current)

    # ------------------------------------------------------------------ mode and class list

    def set_enabled(self, on: bool) -> None:
        on = bool(on)
        if on == self.enabled:
            return  # the menu entry follows mode_changed and calls back here with the same value
        self.enabled = on
        self.dock.setVisible(on)
        if on:
            self.refresh()
        self._paint()
        self.mode_changed.emit(on)

    def load_classes(self, path: str | Path) -> list[str]:
        """Replace the class list with the file's; raises OSError / UnicodeDecodeError."""
        names = read_class_list(path)
        self.classes.set_names(names)
        return names

    def load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, tr("Key class list (one class per line)", CTX), "", tr(TEXT_FILES, CTX)
        )
        if not path:
            return
        try:
            names = self.load_classes(path)
        except (OSError, UnicodeDecodeError) as exc:
            text = tr("Could not read {path}:\n{error}", CTX).format(path=path, error=exc)
            QMessageBox.warning(self.parent_widget, tr("KIE", CTX), text)
            return
        text = tr("{n} key classes from {path}", CTX).format(n=len(names), path=path)
        self.show_status(text, 5000)
        if not self.enabled:
            self.set_enabled(True)

    def _add_typed(self) -> None:
        name = self.panel.new_class.text().strip()
        if name:
            self.classes.add(name)
            self.panel.new_class.clear()

    def _remove_current(self) -> None:
        item = self.panel.class_list.currentItem()
        if item is not None:
            self.classes.remove(item.text())

    def refresh(self) -> None:
        record = self.editor.current
        if record is not None:  # classes already used in the image join the list (no lazy-load of others)
            for region in record.regions:
                if region.key_cls and region.key_cls not in self.classes.names:
                    self.classes.names.append(region.key_cls)
                    self.panel.show_classes()
        if self.enabled:
            self.panel.show_record(record, self.editor.selected)
            self._paint()  # the class list may have changed, and the colours follow its order

    # ------------------------------------------------------------------ edits

    def selected_indices(self) -> list[int]:
        """The selected regions: the editor's multi-selection when it has one, else its single selection."""
        record = self.editor.current
        if record is None:
            return []
        indices = self.editor.session.selection.indices() or [self.editor.selected]
        return sorted({i for i in indices if 0 <= i < len(record.regions)})

    def set_key_class(self, name: str | None) -> bool:
        """Set the selected regions' key class (None or '' clears it) as one undo step; False if nothing changed."""
        record = self.editor.current
        name = (name or "").strip() or None
        indices = [i for i in self.selected_indices() if record.regions[i].key_cls != name] if record else []
        if not indices:
            return False
        if name is not None:
            self.classes.add(name)
        commands = [SetKeyClass(i, name) for i in indices]
        command = commands[0] if len(commands) == 1 else Batch(commands, label="set key class")
        self.editor.push(command, merge=False)
        text = tr("Key class {name} for {n} region(s)", CTX).format(name=name or tr(NO_CLASS, CTX), n=len(indices))
        self.show_status(text, 3000)
        return True

    def choose_key_class(self) -> QMenu | None:
        """Ctrl+X: a popup of the classes (digits pick the first nine) at the mouse; it does not block."""
        if not self.enabled:
            return None
        if not self.selected_indices():
            self.show_status(tr("Select a region to set its key class", CTX), 3000)
            return None
        menu = QMenu(self.parent_widget)
        menu.setAttribute(Qt.WA_DeleteOnClose)
        for k, name in enumerate(self.classes.names):
            text = f"&{k + 1} {name}" if k < 9 else name
            action = menu.addAction(self.classes.icon(name), text)
            action.setData(name)
        if self.classes.names:
            menu.addSeparator()
        menu.addAction(tr(NO_CLASS, CTX)).setData("")
        menu.triggered.connect(lambda action: self.set_key_class(action.data()))
        self.menu = menu
        menu.destroyed.connect(lambda *_: setattr(self, "menu", None) if self.menu is menu else None)
        menu.popup(QCursor.pos())
        return menu
