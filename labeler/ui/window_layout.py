"""The main window's size and dock layout: kept inside the screen, saved and restored with QSettings.

The design keeps QSettings for window geometry only (docs/architecture.md, habit 8): the window's geometry and
its dock arrangement (QMainWindow.saveState) go there, in a store the caller gives (app.py: the user's;
tests: a file in a temporary folder). Everything else the user chooses is in the settings file.
"""

from __future__ import annotations

from PyQt5.QtCore import QRect, QSettings, QSize
from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import QAbstractItemView, QDockWidget, QMainWindow, QTableView, QWidget

LAYOUT_VERSION = 2  # saveState's version: a state saved by an older arrangement is not restored
GEOMETRY_KEY, STATE_KEY = "window/geometry", "window/state"
DEFAULT_SIZE = QSize(1400, 900)


# Qt 5's offscreen platform (tests, screenshots) has one made-up 800 x 600 screen: no real screen to fit.
OFFSCREEN_AREA = QRect(0, 0, 1920, 1080)


def available_area(widget: QWidget) -> QRect:
    """The available geometry (no task bar) of the screen the widget is on."""
    if QGuiApplication.platformName() == "offscreen":
        return QRect(OFFSCREEN_AREA)
    return widget.screen().availableGeometry()


def fit_to_screen(widget: QWidget, area: QRect) -> bool:
    """Shrink and move a top-level widget so that its frame lies inside `area`; True if it changed."""
    frame, inner = widget.frameGeometry(), widget.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()  # title bar and borders
    width = min(widget.width(), area.width() - extra_w)
    height = min(widget.height(), area.height() - extra_h)
    changed = (width, height) != (widget.width(), widget.height())
    if changed:
        widget.resize(width, height)
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        widget.move(x, y)
        changed = True
    return changed


def default_size(area: QRect) -> QSize:
    """The first window: DEFAULT_SIZE, or the screen's available area less a margin on a smaller screen."""
    return QSize(min(DEFAULT_SIZE.width(), area.width() - 16), min(DEFAULT_SIZE.height(), area.height() - 40))


def rows_high(view: QTableView, rows: int) -> int:
    """The height of a table view showing its header and `rows` rows of the default height."""
    header = view.horizontalHeader()
    header_h = header.sizeHint().height() if not header.isHidden() else 0
    return header_h + rows * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()


def keep_rows(view: QAbstractItemView, rows: int) -> None:
    """Give a table at least `rows` visible rows (its dock cannot be squeezed below that)."""
    if isinstance(view, QTableView):
        view.setMinimumHeight(rows_high(view, rows))


def save_layout(window: QMainWindow, store: QSettings) -> None:
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.setValue(STATE_KEY, window.saveState(LAYOUT_VERSION))
    store.sync()


def restore_layout(window: QMainWindow, store: QSettings) -> bool:
    """Geometry and docks as saved; False when the store has none (or one of another layout version)."""
    geometry, state = store.value(GEOMETRY_KEY), store.value(STATE_KEY)
    restored = bool(geometry) and window.restoreGeometry(geometry)
    if state:
        restored = window.restoreState(state, LAYOUT_VERSION) and restored
    return bool(restored)


def docks(window: QMainWindow) -> list[QDockWidget]:
    return window.findChildren(QDockWidget)
