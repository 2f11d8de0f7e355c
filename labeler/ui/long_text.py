"""Long transcriptions (one region holding a 50 MB text) shown and edited without blocking the GUI thread.

Qt lays a text out in full wherever it shows it: a 50 MB text in the region list froze the window for
over 20 s, and a QLineEdit or a QPlainTextEdit (one 50 MB paragraph) takes 13-20 s more. So lists and
labels show at most ELIDE_CHARS with the length (`elide`), and a text longer than FIELD_MAX_CHARS is
edited in LongTextDialog one page of PAGE_CHARS at a time. Only pages the user changed are read back:
the text stays exactly as it was unless it is edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QTextOption
from PyQt5.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeler.ui.i18n import tr

ELIDE_CHARS = 200  # lists, tables and tooltips show this much of a text, then its length
FIELD_MAX_CHARS = 10_000  # a one-line field lays out this much in well under a frame
PAGE_CHARS = 20_000  # one page of the long-text editor: laid out again on each keystroke in ~10 ms
CTX = "LongText"


def is_long(text: str, limit: int = FIELD_MAX_CHARS) -> bool:
    return len(text) > limit


def elide(text: str, limit: int = ELIDE_CHARS) -> str:
    """The text if short; else its first `limit` characters, an ellipsis and its length."""
    if len(text) <= limit:
        return text
    return tr("{start}… ({n} characters)", CTX).format(start=text[:limit], n=f"{len(text):,}")


@dataclass
class LongTextState:
    """The text cut into pages of PAGE_CHARS; `edits`: the pages the user changed (page -> new text).

    Pages are fixed slices of the original text, so putting back an edited page copies only that page;
    the whole text is joined once, when asked for.
    """

    original: str
    page: int = 0
    edits: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.original) // PAGE_CHARS))

    def page_text(self, page: int) -> str:
        if page in self.edits:
            return self.edits[page]
        return self.original[page * PAGE_CHARS : (page + 1) * PAGE_CHARS]

    def _delta(self, before: int | None = None) -> int:
        return sum(
            len(new) - len(self.original[p * PAGE_CHARS : (p + 1) * PAGE_CHARS])
            for p, new in self.edits.items()
            if before is None or p < before
        )

    def length(self) -> int:
        return len(self.original) + self._delta()

    def start(self, page: int) -> int:
        """Where the page starts in the edited text."""
        return page * PAGE_CHARS + self._delta(page)

    def changed(self) -> bool:
        return any(new != self.original[p * PAGE_CHARS : (p + 1) * PAGE_CHARS] for p, new in self.edits.items())

    def text(self) -> str:
        if not self.changed():
            return self.original
        pieces, done = [], 0
        for p in sorted(self.edits):  # whole runs of untouched pages as one slice each: few copies of 50 MB
            pieces += [self.original[done : p * PAGE_CHARS], self.edits[p]]
            done = (p + 1) * PAGE_CHARS
        pieces.append(self.original[done:])
        return "".join(pieces)


class LongTextDialog(QDialog):
    """Edit a very long text page by page; `text()` is the whole text with the edited pages put back."""

    def __init__(self, text: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.state = LongTextState(text)
        self.info = QLabel()
        self.edit = QPlainTextEdit()
        self.edit.setWordWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)  # a page may be one 20,000-char word
        self.previous = QPushButton(tr("< Previous page", CTX))
        self.next = QPushButton(tr("Next page >", CTX))
        self.page = QSpinBox()
        self.page.setRange(1, self.state.pages)
        self.page.setKeyboardTracking(False)  # go there on Enter, not at each digit typed
        self.of_pages = QLabel(tr("of {n}", CTX).format(n=f"{self.state.pages:,}"))
        self.previous.clicked.connect(lambda: self.show_page(self.state.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.state.page + 1))
        self.page.valueChanged.connect(lambda value: self.show_page(value - 1))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        nav = QHBoxLayout()
        nav.addWidget(self.previous)
        nav.addWidget(QLabel(tr("Page", CTX)))
        nav.addWidget(self.page)
        nav.addWidget(self.of_pages)
        nav.addWidget(self.next)
        nav.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(nav)
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)  # fits a 1366 x 768 screen with room around it
        self._load(0)

    @property
    def changed(self) -> bool:
        self._keep_page()
        return self.state.changed()

    def text(self) -> str:
        """The whole text: exactly the one given unless a page was edited."""
        self._keep_page()
        return self.state.text()

    def show_page(self, page: int) -> None:
        self._keep_page()
        page = max(0, min(self.state.pages - 1, page))
        if page != self.state.page:
            self._load(page)

    def _keep_page(self) -> None:
        doc = self.edit.document()
        if not doc.isModified():
            return  # untouched: never read back (Qt would turn a no-break space into a space)
        # Raw text: no-break spaces stay; Qt ends each block with U+2029 where the text had a newline.
        self.state.edits[self.state.page] = doc.toRawText().replace("\u2029", "\n")
        doc.setModified(False)

    def _load(self, page: int) -> None:
        self.state.page = page
        page_text = self.state.page_text(page)
        self.edit.setPlainText(page_text)
        self.edit.document().setModified(False)
        self.page.blockSignals(True)
        self.page.setValue(page + 1)
        self.page.blockSignals(False)
        self.previous.setEnabled(page > 0)
        self.next.setEnabled(page < self.state.pages - 1)
        start = self.state.start(page)
        text = tr("{n} characters; characters {first} to {last} are shown here.", CTX)
        self.info.setText(
            text.format(n=f"{self.state.length():,}", first=f"{start + 1:,}", last=f"{start + len(page_text):,}")
        )


def edit_long_text(parent: QWidget, text: str, title: str, on_done: Callable[[str], None]) -> LongTextDialog:
    """Open the page editor (window-modal); `on_done(new_text)` runs on OK if the text was edited."""
    dialog = LongTextDialog(text, title, parent)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.accepted.connect(lambda: dialog.changed and on_done(dialog.text()))
    dialog.open()
    return dialog
