"""The label-file problems of the open folder: a closable bar above the canvas, and marks in the image list.

Opening a folder with bad lines used to say so only in the status bar, where "Opened ..." replaced it at
once, and the images of those lines looked confirmed with 0 regions. The bar lists every problem (file:line,
what is wrong, that the line is kept as it is) until the user dismisses it (View menu: back again);
clicking one shows its image. Lines that fail when an image is first shown are added to it.
"""

from __future__ import annotations

from PyQt5.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPointF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from labeler.core.problems import Problem
from labeler.ui.i18n import noop_tr, tr

CTX = "ProblemsBar"
LIST_ROWS = 4  # rows shown before the list scrolls: the canvas keeps most of a 768 px high screen
COLUMNS = (noop_tr("Line", CTX), noop_tr("Image", CTX), noop_tr("What is wrong", CTX))
WHERE, IMAGE, REASON = 0, 1, 2
WARNING = QColor(230, 150, 0)


def warning_icon(size: int = 14) -> QIcon:
    """An amber triangle with '!': drawn here, so it looks the same on every platform and style."""
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(WARNING)
    painter.setPen(WARNING.darker(150))
    s = size - 1
    painter.drawPolygon(QPolygonF([QPointF(s / 2, 0.5), QPointF(s, s), QPointF(0.5, s)]))
    painter.setPen(Qt.black)
    painter.drawLine(QPointF(s / 2, s * 0.35), QPointF(s / 2, s * 0.68))
    painter.drawPoint(QPointF(s / 2, s * 0.84))
    painter.end()
    return QIcon(pix)


def kept_text(problem: Problem) -> str:
    if problem.line is None:
        return ""  # a whole file or an image name: nothing was kept
    if problem.late:
        return tr("the line is kept as it is unless this image is edited", CTX)
    return tr("the line is kept as it is", CTX)


def reason_text(problem: Problem) -> str:
    """The list's "what is wrong": the headline says the lines are kept; only a late one's fate differs."""
    return f"{problem.reason} · {kept_text(problem)}" if problem.late else problem.reason


def problem_text(problem: Problem) -> str:
    """The problem in one line (tooltip): where, which image, what is wrong, what happens to the line."""
    parts = [problem.where]
    if problem.record is not None:
        parts.append(tr("image {image}", CTX).format(image=problem.record))
    kept = kept_text(problem)
    return " · ".join([*parts, problem.reason, *([kept] if kept else [])])


def image_mark(problem: Problem) -> str:
    """What the image list says about an image one of whose lines could not be read."""
    if problem.line is None:
        return tr("{file} could not be read: {reason}", CTX).format(file=problem.file_name, reason=problem.reason)
    if problem.late:
        text = tr(
            "label line {line} of {file} could not be read ({reason}); shown without regions, the line is "
            "kept as it is unless this image is edited",
            CTX,
        )
    else:
        text = tr("label line {line} of {file} could not be read ({reason}); kept as it is", CTX)
    return text.format(line=problem.line, file=problem.file_name, reason=problem.reason)


class ProblemListModel(QAbstractTableModel):
    """The problems, in the order found, one per row (line, image, what is wrong).

    Qt.UserRole gives a problem's record path (None: no image); the tooltip has it all in full.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.problems: list[Problem] = []
        self._icon = warning_icon()

    def set_problems(self, problems: list[Problem]) -> None:
        self.beginResetModel()
        self.problems = list(problems)
        self.endResetModel()

    def add(self, problem: Problem) -> None:
        n = len(self.problems)
        self.beginInsertRows(QModelIndex(), n, n)
        self.problems.append(problem)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.problems)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return tr(COLUMNS[section], CTX)
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.problems):
            return None
        problem = self.problems[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (problem.where, problem.record or "-", reason_text(problem))[col]
        if role == Qt.ToolTipRole:
            go = tr("Click to show this image", CTX) if problem.record is not None else ""
            line = "" if problem.line is None else f":{problem.line}"
            return "\n".join(t for t in (f"{problem.path}{line}", problem_text(problem), go) if t)
        if role == Qt.DecorationRole and col == WHERE:
            return self._icon
        if role == Qt.UserRole:
            return problem.record
        return None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Horizontal, 0, len(COLUMNS) - 1)
        if self.problems:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.problems) - 1, len(COLUMNS) - 1))


class ProblemsBar(QFrame):
    """Above the canvas: a headline, the list of problems, a button to fold the list and one to dismiss.

    Hidden while there are none; `go_to_record(path)` when the user clicks a problem that has an image.
    """

    go_to_record = pyqtSignal(str)
    dismissed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsBar")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("#problemsBar { background: #fff4d6; border: 1px solid #e0b050; }")
        self.model = ProblemListModel(self)
        self.icon = QLabel()
        self.icon.setPixmap(warning_icon(18).pixmap(18, 18))
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.PlainText)
        self.fold = QToolButton()
        self.fold.setCheckable(True)
        self.fold.toggled.connect(self._fold)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        self.list = QTreeView()
        self.list.setModel(self.model)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)  # 10,000 bad lines stay fast
        self.list.setAllColumnsShowFocus(True)
        self.list.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setFocusPolicy(Qt.ClickFocus)
        self.list.clicked.connect(self._clicked)
        header = self.list.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.icon, 0, Qt.AlignTop)
        top.addWidget(self.headline, 1)
        top.addWidget(self.fold, 0, Qt.AlignTop)
        top.addWidget(self.close_button, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.list)
        self._fit_list()
        self._retranslate()
        self.hide()

    @property
    def problems(self) -> list[Problem]:
        return self.model.problems

    def set_problems(self, problems: list[Problem]) -> None:
        """The problems of a folder just opened: shown at once when there are any, else the bar goes."""
        self.model.set_problems(problems)
        self._changed()
        self.setVisible(bool(problems))

    def add_problem(self, problem: Problem) -> None:
        """A problem found later (a line that failed when its image was first shown): shown even if dismissed."""
        self.model.add(problem)
        self._changed()
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()

    def reopen(self) -> None:
        self.setVisible(bool(self.problems))

    def _changed(self) -> None:
        self._fit_list()
        self._retranslate()

    def _fit_list(self) -> None:
        rows = min(LIST_ROWS, max(1, len(self.problems)))
        metrics = self.list.fontMetrics()
        row_height = max(metrics.height() + 4, 18)
        header = self.list.header().sizeHint().height()
        self.list.setFixedHeight(rows * row_height + header + 2 * self.list.frameWidth() + 2)
        # Widths from the first rows' texts (not ResizeToContents, which reads every row at each change).
        sample = self.problems[:50]
        pad = 2 * metrics.averageCharWidth()
        for col, icon in ((WHERE, 22), (IMAGE, 0)):
            texts = [tr(COLUMNS[col], CTX)] + [self.model.index(i, col).data() for i in range(len(sample))]
            width = max(metrics.horizontalAdvance(t) for t in texts) + pad + icon
            self.list.header().resizeSection(col, min(width, 260))

    def _fold(self, folded: bool) -> None:
        self.list.setVisible(not folded)
        self._retranslate()

    def _clicked(self, index: QModelIndex) -> None:
        record = index.data(Qt.UserRole)
        if record:
            self.go_to_record.emit(record)

    def _retranslate(self) -> None:
        n = len(self.problems)
        if n == 1:
            text = tr("1 problem in the label files: a line that could not be read is kept as it is.", CTX)
        else:
            text = tr("{n} problems in the label files: lines that could not be read are kept as they are.", CTX)
        self.headline.setText(text.format(n=n))
        self.fold.setText(tr("Show list", CTX) if self.fold.isChecked() else tr("Hide list", CTX))
        self.close_button.setToolTip(tr("Dismiss (View menu: show again)", CTX))
        self.model.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
