"""The side panels: the image list (left) and the region list (right), as Qt models over core records.

The models read ImageRecord / TextRegion directly and send edits to the editor (which pushes history
commands); they store nothing of their own, so what they show is always the project's state.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PyQt5.QtCore import QAbstractListModel, QAbstractTableModel, QEvent, QModelIndex, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QIcon, QPainter, QPixmap
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QListView,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.project import Project
from labeler.core.review import is_low
from labeler.ui.i18n import noop_tr, tr
from labeler.ui.long_text import elide, is_long
from labeler.ui.problems import WARNING, warning_icon

STATUS_COLOURS = {
    ImageStatus.NEW: QColor(160, 160, 160),
    ImageStatus.PRELABELLED: QColor(240, 170, 0),
    ImageStatus.CONFIRMED: QColor(0, 160, 60),
}
CTX = "ImagePanel"
# English source texts; status_name() and update_counts() show them in the current language
STATUS_NAMES = {
    ImageStatus.NEW: noop_tr("new", CTX),
    ImageStatus.PRELABELLED: noop_tr("pre-labelled", CTX),
    ImageStatus.CONFIRMED: noop_tr("confirmed", CTX),
}
FILTERS: tuple[ImageStatus | None, ...] = (None, ImageStatus.NEW, ImageStatus.PRELABELLED, ImageStatus.CONFIRMED)
FILTER_LABELS = {
    None: noop_tr("All images ({n})", CTX),
    ImageStatus.NEW: noop_tr("New ({n})", CTX),
    ImageStatus.PRELABELLED: noop_tr("Pre-labelled ({n})", CTX),
    ImageStatus.CONFIRMED: noop_tr("Confirmed ({n})", CTX),
}


def row_of(project: Project, path: str) -> int:
    """The record's row, -1 if none. Not records.index(): its == compares regions (parses lazy records)."""
    record = project.by_path.get(path)
    return next((i for i, rec in enumerate(project.records) if rec is record), -1) if record is not None else -1


def status_name(status: ImageStatus) -> str:
    return tr(STATUS_NAMES[status], CTX)


def _status_icon(status: ImageStatus) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(Qt.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(STATUS_COLOURS[status])
    painter.setPen(STATUS_COLOURS[status].darker(140))
    painter.drawEllipse(1, 1, 12, 12)
    if status is ImageStatus.CONFIRMED:
        painter.setPen(Qt.white)
        painter.drawLine(4, 7, 6, 10)
        painter.drawLine(6, 10, 10, 4)
    painter.end()
    return QIcon(pix)


class ImageListModel(QAbstractListModel):
    """Rows are the project's records in its (natural) order.

    `marks[path]`: what is wrong with an image's label lines (problems.image_mark): it gets a warning icon
    and the lines in its tooltip, instead of looking like a normal image with 0 regions.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.marks: dict[str, list[str]] = {}
        self._icons = {s: _status_icon(s) for s in ImageStatus}
        self._warning = warning_icon()

    def set_project(self, project: Project | None) -> None:
        self.beginResetModel()
        self.project = project
        self.marks = {}
        self.endResetModel()

    def set_marks(self, marks: dict[str, list[str]]) -> None:
        """Mark these images (path -> lines for the tooltip); the others lose their mark."""
        changed = set(self.marks) | set(marks)
        self.marks = {path: list(lines) for path, lines in marks.items()}
        for path in changed:
            self._path_changed(path)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.project is None else len(self.project.records)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if self.project is None or not index.isValid():
            return None
        rec = self.project.records[index.row()]
        if role == Qt.DisplayRole:
            return rec.path
        if role == Qt.DecorationRole:
            return self._warning if rec.path in self.marks else self._icons[rec.status]
        if role == Qt.ToolTipRole:
            return "\n".join([f"{rec.path}: {status_name(rec.status)}", *self.marks.get(rec.path, ())])
        if role == Qt.ForegroundRole and rec.path in self.marks:
            return WARNING.darker(160)
        return None

    @contextmanager
    def removing_row(self, row: int) -> Iterator[None]:
        """Wrap the removal of the project's record at `row` (the views drop just that row, no reset)."""
        self.beginRemoveRows(QModelIndex(), row, row)
        try:
            yield
        finally:
            self.endRemoveRows()

    def record_changed(self, record: ImageRecord) -> None:
        self._path_changed(record.path)

    def _path_changed(self, path: str) -> None:
        row = row_of(self.project, path) if self.project is not None else -1
        if row >= 0:
            self.dataChanged.emit(self.index(row), self.index(row))


class ImagePanel(QWidget):
    """Counts and a status filter above the list; `on_pick(row)` is called when the user picks an image.

    The filter hides rows (QListView.setRowHidden) instead of using a proxy model, so view rows stay
    project rows everywhere.
    """

    def __init__(self, on_pick: Callable[[int], None], parent=None) -> None:
        super().__init__(parent)
        self._on_pick = on_pick
        self.model = ImageListModel(self)
        self.name_filter = ""  # a part of the file name to show (image_search.py's box), any case
        self.counts = QLabel()
        self.counts.setContentsMargins(4, 2, 4, 2)
        self.counts.setWordWrap(True)  # a longer count must not widen the dock (and shrink the canvas: a jump)
        self.counts.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.filter = QComboBox()
        self.filter.setFocusPolicy(Qt.ClickFocus)
        self.filter.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)  # same: not widening
        for status in FILTERS:
            self.filter.addItem("", status)
        self.filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)  # fast with 10,000 rows
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setFocusPolicy(Qt.ClickFocus)
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _prev: cur.isValid() and on_pick(cur.row()))
        self.model.dataChanged.connect(self._rows_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.counts)
        layout.addWidget(self.filter)
        layout.addWidget(self.view)
        self.update_counts()

    def set_project(self, project: Project | None) -> None:
        self.model.set_project(project)
        self.update_counts()
        self.apply_filter()  # a model reset forgets hidden rows

    @property
    def status_filter(self) -> ImageStatus | None:
        return self.filter.currentData()

    def set_status_filter(self, status: ImageStatus | None) -> None:
        self.filter.setCurrentIndex(FILTERS.index(status))

    def _shown(self, record: ImageRecord) -> bool:
        wanted = self.status_filter
        return (wanted is None or record.status is wanted) and self.name_filter.casefold() in record.path.rsplit(
            "/", 1
        )[-1].casefold()

    def apply_filter(self) -> None:
        project = self.model.project
        if project is None:
            return
        for row, rec in enumerate(project.records):
            hidden = not self._shown(rec)
            if self.view.isRowHidden(row) != hidden:
                self.view.setRowHidden(row, hidden)

    def visible_rows(self) -> list[int]:
        n = self.model.rowCount()
        return [row for row in range(n) if not self.view.isRowHidden(row)]

    def neighbour(self, row: int, delta: int) -> int:
        """The shown row `delta` (+1 / -1) steps from `row` under the filter, -1 when there is none.

        A / D step through the rows the filter shows; from a row it hides (the current image was just
        confirmed under "New"), to the next shown one after it or before it."""
        rows = self.visible_rows()
        if delta > 0:
            k = bisect_right(rows, row) + delta - 1
        else:
            k = bisect_left(rows, row) + delta
        return rows[k] if 0 <= k < len(rows) else -1

    def step(self, delta: int) -> None:
        """Previous / next image (A / D) as the list shows them: filtered-out images are skipped."""
        row = self.neighbour(self.view.currentIndex().row(), delta)
        if row >= 0:
            self._on_pick(row)

    def _rows_changed(self, first: QModelIndex, last: QModelIndex, _roles=()) -> None:
        """A record's status may have changed: show or hide its row under the filter."""
        project = self.model.project
        if project is None:
            return
        for row in range(first.row(), min(last.row(), len(project.records) - 1) + 1):
            hidden = not self._shown(project.records[row])
            if self.view.isRowHidden(row) != hidden:
                self.view.setRowHidden(row, hidden)

    def show_row(self, row: int) -> None:
        index = self.model.index(row)
        if self.view.currentIndex() != index:
            self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def update_counts(self) -> None:
        project = self.model.project
        c = project.status_counts() if project is not None else dict.fromkeys(ImageStatus, 0)
        n = len(project) if project is not None else 0
        for i, status in enumerate(FILTERS):
            self.filter.setItemText(i, tr(FILTER_LABELS[status], CTX).format(n=n if status is None else c[status]))
        if project is None:
            self.counts.setText("")
            return
        images = tr("{n} image", CTX) if n == 1 else tr("{n} images", CTX)
        states = tr("{confirmed} confirmed · {prelabelled} pre-labelled · {new} new", CTX).format(
            confirmed=c[ImageStatus.CONFIRMED], prelabelled=c[ImageStatus.PRELABELLED], new=c[ImageStatus.NEW]
        )
        self.counts.setText(f"{images.format(n=n)}\n{states}")

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self.update_counts()
        super().changeEvent(event)


TABLE_CTX = "RegionTable"
COLUMNS = (
    noop_tr("#", TABLE_CTX),
    noop_tr("Transcription", TABLE_CTX),
    noop_tr("Score", TABLE_CTX),
    noop_tr("Difficult", TABLE_CTX),
)
TEXT, SCORE, DIFFICULT = 1, 2, 3


class RegionTableModel(QAbstractTableModel):
    """The current record's regions; edits go to `on_text(index, text)` / `on_difficult(index, bool)`."""

    record_replaced = pyqtSignal()  # another image's regions are shown

    def __init__(
        self,
        on_text: Callable[[int, str], None],
        on_difficult: Callable[[int, bool], None],
        low_score: Callable[[], float],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.record: ImageRecord | None = None
        self._on_text = on_text
        self._on_difficult = on_difficult
        self._low_score = low_score
        self._rows = 0

    def set_record(self, record: ImageRecord | None) -> None:
        other = record is not self.record
        self.beginResetModel()
        self.record = record
        self._rows = len(record.regions) if record is not None else 0
        self.endResetModel()
        if other:
            self.record_replaced.emit()  # another image: its list starts at the top (not after a delete)

    def refresh(self) -> None:
        n = len(self.record.regions) if self.record is not None else 0
        if n != self._rows:
            self.set_record(self.record)
        elif n:
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return tr(COLUMNS[section], TABLE_CTX)
        return None

    def is_long(self, row: int) -> bool:
        """Whether the region's text is too long for an in-place editor (it opens in the page editor)."""
        regions = self.record.regions if self.record is not None else []
        return 0 <= row < len(regions) and is_long(regions[row].transcription)

    def flags(self, index: QModelIndex):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if index.column() == TEXT:
            return base if self.is_long(index.row()) else base | Qt.ItemIsEditable
        if index.column() == DIFFICULT:
            return base | Qt.ItemIsUserCheckable
        return base

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if self.record is None or not index.isValid() or index.row() >= len(self.record.regions):
            return None
        region = self.record.regions[index.row()]
        col = index.column()
        if role in (Qt.DisplayRole, Qt.EditRole):
            if col == 0:
                return index.row() + 1
            if col == TEXT and role == Qt.EditRole:
                return region.transcription  # the cell editor's: whole (long texts open in the page editor)
            if col == TEXT:
                return elide(region.transcription)  # Qt lays out the whole text it is given: 50 MB took 20 s
            if col == SCORE and role == Qt.DisplayRole:
                return "" if region.score is None else f"{region.score:.2f}"
        if role == Qt.ToolTipRole and col == TEXT and is_long(region.transcription):
            text = tr("{n} characters: double-click to edit the whole text", TABLE_CTX)
            return text.format(n=f"{len(region.transcription):,}")
        if role == Qt.CheckStateRole and col == DIFFICULT:
            return Qt.Checked if region.difficult else Qt.Unchecked
        if role == Qt.ForegroundRole and col == SCORE and is_low(region, self._low_score()):
            return QColor(200, 70, 0)  # a region a person accepted (reviewed) keeps its score, not the colour
        if role == Qt.TextAlignmentRole and col in (0, SCORE):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def setData(self, index: QModelIndex, value, role: int = Qt.EditRole) -> bool:
        if self.record is None or not index.isValid():
            return False
        if index.column() == TEXT and role == Qt.EditRole:
            self._on_text(index.row(), str(value))
            return True
        if index.column() == DIFFICULT and role == Qt.CheckStateRole:
            self._on_difficult(index.row(), Qt.CheckState(value) == Qt.Checked)
            return True
        return False


class RegionTable(QTableView):
    long_text_requested = pyqtSignal(int)  # the user wants to edit a text too long for the cell's editor (row)

    def __init__(self, model: RegionTableModel, parent=None) -> None:
        super().__init__(parent)
        self.setModel(model)
        model.record_replaced.connect(self.scrollToTop)  # each image's list starts at its top (or its selection)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        # No AnyKeyPressed: single-letter shortcuts (A, D, W) must mean the same wherever the focus is.
        self.setEditTriggers(
            QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed | QAbstractItemView.SelectedClicked
        )
        self.verticalHeader().hide()
        self._fit_columns()
        self.horizontalHeader().setSectionResizeMode(TEXT, QHeaderView.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)  # rows of one height: no per-row measuring
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setWordWrap(False)

    def _fit_columns(self) -> None:
        header = self.horizontalHeader()
        # Fixed widths from the font, not ResizeToContents: that asks every row for its text on each change
        # (1,000 regions: 0.3 s per keystroke).
        metrics = self.fontMetrics()
        pad = 3 * metrics.averageCharWidth()
        samples = {0: "0000", SCORE: "0.00", DIFFICULT: COLUMNS[DIFFICULT]}  # what the column must show in full

        def width(column: int) -> int:
            title = tr(COLUMNS[column], TABLE_CTX)  # a translated title may be wider than the sample
            shown = [samples[column]] + ([title] if title != COLUMNS[column] else [])
            return max(20, *(metrics.horizontalAdvance(text) for text in shown)) + pad

        for column in samples:
            header.setSectionResizeMode(column, QHeaderView.Fixed)
            header.resizeSection(column, width(column))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self.model().headerDataChanged.emit(Qt.Horizontal, 0, len(COLUMNS) - 1)
            self._fit_columns()
        super().changeEvent(event)

    def select_row(self, row: int) -> None:
        if row < 0:
            self.setCurrentIndex(QModelIndex())  # so a later click on the same row selects it again
            return
        index = self.model().index(row, TEXT)
        if self.currentIndex().row() != row:
            self.setCurrentIndex(index)
        self.scrollTo(index)

    def edit_text(self, row: int) -> None:
        """Put the cursor in the region's transcription (PPOCRLabel's Ctrl+E)."""
        if row < 0:
            return
        index = self.model().index(row, TEXT)
        self.setFocus()
        self.setCurrentIndex(index)
        self.edit(index)

    def edit(self, index, trigger=QAbstractItemView.AllEditTriggers, event=None):
        if index.isValid() and index.column() == TEXT and self.model().is_long(index.row()):
            if trigger in (
                QAbstractItemView.AllEditTriggers,
                QAbstractItemView.DoubleClicked,
                QAbstractItemView.EditKeyPressed,
            ):
                self.long_text_requested.emit(index.row())  # not a cell editor: laying out 50 MB froze the window
            return False
        return super().edit(index, trigger, event)
