"""Help > About: the version, and where the log file is (what a bug report needs)."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from labeler import __version__
from labeler.core.logs import log_path
from labeler.ui.i18n import tr

CTX = "AboutDialog"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("About labeler", CTX))
        self.label = QLabel(self.text())
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the log path can be copied
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)

    @staticmethod
    def text() -> str:
        version = tr("Version {version}", CTX).format(version=__version__)
        log = tr("Log file: {path}", CTX).format(path=log_path())
        return f"{version}\n\n{log}"
