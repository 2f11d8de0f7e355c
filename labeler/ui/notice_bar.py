"""Notices about other writers of the open folder, above the canvas until dismissed.

Two kinds: "also open in another window" (shown when the folder is opened; both windows may edit, saves merge
image by image) and conflicts (an image both changed: which edit was kept and where the other one is).
The status bar's 5-second messages are too easy to miss for either.
"""

from __future__ import annotations

from PyQt5.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from labeler.ui.i18n import tr

CTX = "NoticeBar"
MAX_LINES = 6  # older conflict lines are summarised: the canvas keeps the screen


class NoticeBar(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("notice_bar")
        self.setStyleSheet("#notice_bar { background: #e8f0fe; border-bottom: 1px solid #9ab; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button)
        self.shared: list[str] = []
        self.conflicts: list[str] = []
        self.hide()

    def show_shared(self, windows: list[str]) -> None:
        """Other windows that have this folder open (empty: none; the notice goes)."""
        self.shared = list(windows)
        self._render()

    def add_conflicts(self, lines: list[str]) -> None:
        self.conflicts += lines
        self._render()

    def clear(self) -> None:
        self.shared, self.conflicts = [], []
        self._render()

    def dismiss(self) -> None:
        self.clear()

    def _render(self) -> None:
        parts = []
        if self.shared:
            head = tr("This folder is also open in another window: {who}.", CTX).format(who="; ".join(self.shared))
            parts.append(
                head
                + " "
                + tr(
                    "Both can edit: saves merge image by image; an image changed in both keeps "
                    "the newer edit and the other is saved in .labeler/conflicts/.",
                    CTX,
                )
            )
        shown = self.conflicts[-MAX_LINES:]
        if len(self.conflicts) > len(shown):
            parts.append(
                tr("{n} earlier conflicts (see .labeler/conflicts/)", CTX).format(n=len(self.conflicts) - len(shown))
            )
        parts += shown
        self.label.setText("\n".join(parts))
        self.setVisible(bool(parts))
