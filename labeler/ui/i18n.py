"""UI languages: Qt .ts translation files read at runtime, and re-translation of a built window.

Windows are built with their English texts (the action table's source texts are the translation keys);
SettingsController.apply then shows every menu, action and dock title through
QCoreApplication.translate. Switching language at runtime installs another translator and re-translates
them at once, no restart; dialogs translate their texts (`tr`) when they are opened.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree
from PyQt5.QtCore import QCoreApplication, QLibraryInfo, QTranslator
from PyQt5.QtWidgets import QAction, QDockWidget, QMainWindow

from labeler.core.bundled import bundled_dir

TRANSLATIONS = bundled_dir("translations")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
CONTEXT = "MainWindow"
SKIPPED_TYPES = ("unfinished", "obsolete", "vanished")
_SOURCE = "labeler_source_text"  # QObject property: the English text an action or dock was built with


def tr(text: str, context: str = CONTEXT) -> str:
    return QCoreApplication.translate(context, text)


def noop_tr(text: str, context: str = CONTEXT) -> str:
    """Qt's QT_TRANSLATE_NOOP: marks a source string kept in a table (the .ts check finds it); tr() shows it later."""
    return text


def load_ts(path: str | Path) -> dict[tuple[str, str], str]:
    """(context, source) -> translation from a Qt Linguist .ts file; unfinished and empty entries are left out."""
    root = etree.parse(str(path)).getroot()
    table: dict[tuple[str, str], str] = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            translation = message.find("translation")
            if source is None or translation is None or translation.get("type") in SKIPPED_TYPES:
                continue
            if translation.text:
                table[(name, source)] = translation.text
    return table


class TsTranslator(QTranslator):
    # PyQt5 wheels ship no lrelease to compile .qm files, so the .ts XML is looked up directly.
    def __init__(self, table: dict[tuple[str, str], str], parent=None):
        super().__init__(parent)
        self.table = table

    def translate(self, context, source, disambiguation=None, n=-1):
        # None is a null QString, which makes Qt try the next translator, then show the source; "" would blank it
        return self.table.get((context, source))

    def isEmpty(self) -> bool:
        return not self.table  # non-empty: installing it sends LanguageChange events


_installed: list[QTranslator] = []  # ours, then Qt's own (dialog buttons, context menus)


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"labeler_{language}.ts"


def set_language(language: str) -> None:
    """Install the translators for `language` ("en": none) on the running QApplication."""
    app = QCoreApplication.instance()
    while _installed:
        app.removeTranslator(_installed.pop())
    if language == "en":
        return
    if not ts_path(language).is_file():  # a broken install: say so rather than fall back silently
        print(f"labeler: translation file {ts_path(language)} not found; the window stays in English", file=sys.stderr)
        return
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.location(QLibraryInfo.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    ours = TsTranslator(load_ts(ts_path(language)), app)
    app.installTranslator(ours)  # installed last = asked first
    _installed.append(ours)


def current_language() -> str:
    return "en" if not _installed else "zh_CN"


def _known_sources() -> dict[str, str]:
    """translated text -> source, over every catalogue (a window may have been built in another language)."""
    back: dict[str, str] = {}
    for path in TRANSLATIONS.glob("labeler_*.ts"):
        back.update({v: src for (_ctx, src), v in load_ts(path).items()})
    return back


def remember_sources(window: QMainWindow) -> None:
    """Record the English text of every menu, action and dock so the window can be re-translated later."""
    back = _known_sources()
    for obj in [*window.findChildren(QAction), *window.findChildren(QDockWidget)]:
        if obj.property(_SOURCE) is None:
            text = obj.windowTitle() if isinstance(obj, QDockWidget) else obj.text()
            obj.setProperty(_SOURCE, back.get(text, text))


def source_text(obj) -> str:
    """The English text of an action, menu action or dock, whatever language it shows now."""
    source = obj.property(_SOURCE)
    return source if source else (obj.windowTitle() if isinstance(obj, QDockWidget) else obj.text())


def retranslate(window: QMainWindow) -> None:
    """Show every remembered menu, action and dock title in the current language."""
    remember_sources(window)
    for action in window.findChildren(QAction):
        source = action.property(_SOURCE)
        if source:
            action.setText(tr(source))
    for dock in window.findChildren(QDockWidget):
        source = dock.property(_SOURCE)
        if source:
            dock.setWindowTitle(tr(source))
