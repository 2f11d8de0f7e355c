"""`labeler [DIR]`: create the QApplication and the main window."""

from __future__ import annotations

import sys

from PyQt5.QtWidgets import QApplication

from labeler.ui.main_window import MainWindow


def run_gui(folder: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("labeler")
    app.setOrganizationName("labeler")
    window = MainWindow()
    window.show()
    if folder and not window.open_folder(folder):
        window.close()
        return 2
    return int(app.exec_())
