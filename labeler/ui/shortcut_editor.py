"""The shortcut editor of the settings dialog: every action with its keys; pick one, press a key, Set.

It edits a copy: the settings dialog saves the result as the settings' "shortcuts" (only the actions whose keys
differ from the action table's) and SettingsController applies them at once. A key another action already has
is refused with a message naming that action, and so is a key a menu text reserves (Esc stops auto-labelling).
"""

from __future__ import annotations

from collections.abc import Mapping

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QAction,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.ui.i18n import tr
from labeler.ui.shortcuts import hint_keys, parse_keys, plain_text

CTX = "ShortcutEditor"


def _tr(text: str) -> str:
    return tr(text, CTX)


def normal(key: str) -> str:
    """A key as Qt writes it ('ctrl+shift+z' -> 'Ctrl+Shift+Z', 'Delete' -> 'Del')."""
    return QKeySequence.fromString(key, QKeySequence.PortableText).toString(QKeySequence.PortableText)


class ShortcutEditorDialog(QDialog):
    """`actions`: id -> QAction (texts); `defaults`: id -> the table's keys; `overrides`: the settings' shortcuts."""

    def __init__(
        self,
        actions: Mapping[str, QAction],
        defaults: Mapping[str, tuple[str, ...]],
        overrides: Mapping[str, list[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.defaults = {name: [normal(k) for k in keys] for name, keys in defaults.items()}
        self.unknown = {name: list(keys) for name, keys in overrides.items() if name not in actions}  # kept as is
        self.keys: dict[str, list[str]] = {}
        for name in actions:
            given = overrides.get(name)
            good, _bad = parse_keys(list(given)) if given is not None else ([], [])
            keys = [k.toString(QKeySequence.PortableText) for k in good] if given is not None else None
            self.keys[name] = keys if keys is not None else list(self.defaults.get(name, []))
        self.reserved = {key: name for name, action in actions.items() for key in hint_keys(action)}
        self.texts = {name: plain_text(action.text()) for name, action in actions.items()}
        self.ids = sorted(actions, key=lambda name: self.texts[name].lower())
        self.message = ""  # the last refusal, also shown in a message box
        self._build()

    def _build(self) -> None:
        self.setWindowTitle(_tr("Keyboard shortcuts"))
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_tr("Search actions, names and keys"))
        self.search.textChanged.connect(self._filter)
        self.table = QTableWidget(len(self.ids), 3)
        self.table.setHorizontalHeaderLabels([_tr("Action"), _tr("Name"), _tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)  # the keys are never cut off
        for row, name in enumerate(self.ids):
            for col, text in enumerate((self.texts[name], name, "")):
                self.table.setItem(row, col, QTableWidgetItem(text))
            self._show_keys(name)
        self.key_edit = QKeySequenceEdit()
        self.set_button = QPushButton(_tr("Set"))
        self.set_button.setToolTip(_tr("Give the selected action the key pressed in the box"))
        self.clear_button = QPushButton(_tr("No key"))
        self.default_button = QPushButton(_tr("Default"))
        self.set_button.clicked.connect(lambda _c=False: self.assign(self.current(), self.key_edit.keySequence()))
        self.clear_button.clicked.connect(lambda _c=False: self.set_keys(self.current(), []))
        self.default_button.clicked.connect(
            lambda _c=False: self.set_keys(self.current(), self.defaults.get(self.current(), []))
        )
        row = QHBoxLayout()
        row.addWidget(QLabel(_tr("Press a key:")))
        row.addWidget(self.key_edit, 1)
        for button in (self.set_button, self.clear_button, self.default_button):
            row.addWidget(button)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(720, 620)

    def _show_keys(self, name: str) -> None:
        row = self.ids.index(name)
        fixed = [key for key, owner in self.reserved.items() if owner == name]
        item = self.table.item(row, 2)
        item.setText(", ".join(self.keys[name] or fixed) or "-")
        item.setToolTip(_tr("Fixed: handled by the window, not a shortcut") if fixed and not self.keys[name] else "")

    def _filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        for r in range(self.table.rowCount()):
            found = any(wanted in self.table.item(r, c).text().casefold() for c in range(3))
            self.table.setRowHidden(r, not found)

    def select(self, name: str) -> None:
        self.table.selectRow(self.ids.index(name))

    def current(self) -> str:
        row = self.table.currentRow()
        return self.ids[row] if 0 <= row < len(self.ids) else ""

    # ------------------------------------------------------------------ edits

    def assign(self, name: str, key: QKeySequence | str) -> bool:
        """Make `key` the action's only key; refused (False, with a message) if it is taken or not a key."""
        text = key.toString(QKeySequence.PortableText) if isinstance(key, QKeySequence) else normal(key)
        if not name:
            return self._refuse(_tr("Select an action first."))
        if not text or parse_keys([text])[1]:
            return self._refuse(_tr("Press a key in the box first."))
        return self.set_keys(name, [text])

    def set_keys(self, name: str, keys: list[str]) -> bool:
        if not name:
            return self._refuse(_tr("Select an action first."))
        if name in self.reserved.values():
            return self._refuse(_tr("{action}: its key is fixed.").format(action=self.texts[name]))
        for key in keys:
            owner = self.reserved.get(key) or next((o for o, ks in self.keys.items() if o != name and key in ks), None)
            if owner is not None:
                text = _tr(
                    "{key} is already the key of \u201c{action}\u201d ({name}). Choose another key, or give that action another key first."
                )
                return self._refuse(text.format(key=key, action=self.texts[owner], name=owner))
        self.keys[name] = list(keys)
        self._show_keys(name)
        self.status.setText(_tr("{action}: {keys}").format(action=self.texts[name], keys=", ".join(keys) or "-"))
        return True

    def _refuse(self, text: str) -> bool:
        self.message = text
        self.status.setText(text)
        QMessageBox.warning(self, _tr("Keyboard shortcuts"), text)
        return False

    def overrides(self) -> dict[str, list[str]]:
        """The settings' "shortcuts": the actions whose keys differ from the table's (and unknown names as given)."""
        changed = {name: keys for name, keys in self.keys.items() if keys != self.defaults.get(name, [])}
        return {**self.unknown, **changed}
