"""The name search above the image list: typing a part of a file name shows only the images whose name has it."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtWidgets import QLineEdit, QWidget

from labeler.ui.i18n import tr

CTX = "ImageSearch"


class ImageNameFilter(QLineEdit):
    """`on_text(text)` is called with the typed text (any case; empty: every image)."""

    def __init__(self, on_text: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self.setFocusPolicy(Qt.ClickFocus)  # A / D on the canvas must not type here
        self.textChanged.connect(lambda text: on_text(text.strip()))
        self._retranslate()

    def _retranslate(self) -> None:
        self.setPlaceholderText(tr("Filter by name", CTX))
        self.setToolTip(tr("Show only the images whose file name contains this text (Esc clears it)", CTX))

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
