"""Keyboard shortcuts: PPOCRLabel's by default (the action table, actions.py), user overrides from the
settings on top, conflicts reported, and a help dialog (F1) listing every action with its current keys, with a
search box. The keys shown are `shown_keys`: the action's own, or the key its menu text names after a tab (Stop
auto-labelling: Esc, handled by an event filter), so the menu, F1 and the shortcut editor say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.ui.i18n import tr

CTX = "ShortcutsDialog"


def keys_of(action: QAction) -> list[str]:
    return [k.toString(QKeySequence.PortableText) for k in action.shortcuts()]


def hint_keys(action: QAction) -> list[str]:
    """The key a menu text names after its tab ('&Stop auto-labelling\tEsc'): handled elsewhere, not a shortcut."""
    _text, tab, hint = action.text().partition("\t")
    return [hint.strip()] if tab and hint.strip() else []


def shown_keys(action: QAction) -> list[str]:
    """The keys to show for an action: its shortcuts, else the key its menu text names."""
    return keys_of(action) or hint_keys(action)


def parse_keys(keys: list[str]) -> tuple[list[QKeySequence], list[str]]:
    """Key sequences and the strings that are not valid ones."""
    good, bad = [], []
    for text in keys:
        seq = QKeySequence.fromString(text, QKeySequence.PortableText)
        # an unknown key name parses to an empty sequence or one holding Qt.Key_unknown
        if seq.isEmpty() or any(seq[i] & ~int(Qt.KeyboardModifierMask) == Qt.Key_unknown for i in range(seq.count())):
            bad.append(text)
        else:
            good.append(seq)
    return good, bad


def find_conflicts(actions: Mapping[str, QAction]) -> dict[str, list[str]]:
    """Key -> the names of the actions that share it (only keys with two or more)."""
    users: dict[str, list[str]] = {}
    for name, action in actions.items():
        for key in keys_of(action):
            users.setdefault(key, []).append(name)
    return {key: names for key, names in users.items() if len(names) > 1}


def apply_overrides(
    actions: Mapping[str, QAction], overrides: Mapping[str, list[str]], defaults: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Reset every action to its `defaults` keys (name -> keys), then apply `overrides` (name -> keys, [] = no key).

    Returns warnings: unknown action names, keys Qt cannot parse, keys shared by two actions.
    """
    warnings = []
    for name, action in actions.items():
        action.setShortcuts([QKeySequence(k) for k in defaults.get(name, ())])
    for name, keys in overrides.items():
        action = actions.get(name)
        if action is None:
            text = tr("shortcut for unknown action {name!r} ignored (known: {known})", CTX)
            warnings.append(text.format(name=name, known=", ".join(sorted(actions))))
            continue
        good, bad = parse_keys(keys)
        text = tr("shortcut {key!r} for {name!r} is not a valid key sequence", CTX)
        warnings += [text.format(key=k, name=name) for k in bad]
        action.setShortcuts(good)
    for key, names in find_conflicts(actions).items():
        text = tr("shortcut {key} is bound to several actions: {names} (only one will work)", CTX)
        warnings.append(text.format(key=key, names=", ".join(names)))
    return warnings


def plain_text(text: str) -> str:
    """The menu text without its mnemonic ('&Undo', '撤销(&U)') and without a tab-separated key hint."""
    text = re.sub(r"\(&\w\)", "", text.split("\t")[0])
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


class ShortcutsDialog(QDialog):
    """Every action, its description and its current keys (read when the dialog is made)."""

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Keyboard shortcuts", CTX))
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(tr("Search actions, names and keys", CTX))
        self.search.textChanged.connect(self.filter_rows)
        self.table = QTableWidget(len(actions), 3, self)
        self.table.setHorizontalHeaderLabels([tr("Action", CTX), tr("Name", CTX), tr("Keys", CTX)])
        for row, (name, action) in enumerate(sorted(actions.items(), key=lambda kv: plain_text(kv[1].text()).lower())):
            for col, text in enumerate((plain_text(action.text()), name, ", ".join(shown_keys(action)) or "-")):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
                self.table.setItem(row, col, item)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)  # the keys are never cut off
        hint = QLabel(tr("Change keys in File > Settings... > Keyboard shortcuts.", CTX))
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(720, 640)

        self.search.setFocus()

    def filter_rows(self, text: str) -> None:
        """Show the rows whose action text, name or keys contain `text` (any case)."""
        wanted = text.strip().casefold()
        for r in range(self.table.rowCount()):
            found = any(wanted in self.table.item(r, c).text().casefold() for c in range(3))
            self.table.setRowHidden(r, not found)

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]

    def shown_rows(self) -> list[tuple[str, str, str]]:
        return [row for r, row in enumerate(self.rows()) if not self.table.isRowHidden(r)]
