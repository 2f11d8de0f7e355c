"""`labeler [DIR]`: create the QApplication and the main window.

Qt is imported inside run_gui, after the display check: a missing display or a missing system library is
said in words (status 1) instead of Qt's abort (display_check).
"""

from __future__ import annotations

import sys

from labeler.ui.display_check import DisplayError, QtFailureGuard, check_display, explain_import_error


def run_gui(folder: str | None = None) -> int:
    try:
        check_display(folder)
        return _run(folder)
    except DisplayError as exc:
        print(str(exc).rstrip("\n"), file=sys.stderr)
        return 1


def _run(folder: str | None) -> int:
    try:
        from PyQt5.QtCore import QSettings
        from PyQt5.QtGui import QIcon
        from PyQt5.QtWidgets import QApplication

        from labeler.ui.main_window import MainWindow
    except ImportError as exc:
        explained = explain_import_error(exc)
        if explained is None:  # not a system library: a real bug, shown as such
            raise
        raise explained from exc

    app = QApplication.instance()
    if app is None:
        with QtFailureGuard(folder):
            app = QApplication(sys.argv[:1])
    app.setApplicationName("labeler")
    app.setOrganizationName("labeler")
    app.setDesktopFileName("labeler")  # Wayland app id / taskbar grouping: the entry --install-desktop writes
    from labeler.core.desktop_entry import icon_file

    icon = icon_file()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow()
    # geometry and docks only (the design's one use of QSettings), beside the settings file: labeler/window.ini
    window.use_layout_store(QSettings(str(window.settings_path.with_name("window.ini")), QSettings.IniFormat))
    window.show()
    if folder and not window.open_folder(folder):
        window.close()
        return 2
    status = int(app.exec_())
    # The loop can end without the window being closed (app.exit, a session ending): stop its background
    # jobs and save before Qt goes, or a running OCR job signals into deleted objects and the process aborts.
    try:
        window.shutdown()
    except Exception as exc:
        print(f"labeler: could not save the labels: {exc}", file=sys.stderr)
        return 1
    return status
