"""The settings dialog, and `install_settings_actions(window)`: load the user's settings file, apply it
(shortcuts, language, editor thresholds, model set, KIE mode) and add Settings... (File menu, Ctrl+,)
and Keyboard shortcuts (Help menu, F1). prelabel_on_open is read from window.user_settings when a folder opens.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from labeler.core.errors import LabelerError
from labeler.core.settings import (
    BUNDLED_MODEL_SETS,
    LANGUAGES,
    SCHEMA_KEYS,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
)
from labeler.ui import i18n
from labeler.ui.i18n import tr
from labeler.ui.shortcuts import ShortcutsDialog, apply_overrides

log = logging.getLogger(__name__)
CTX = "SettingsDialog"


def _tr(text: str) -> str:
    return tr(text, CTX)


class SettingsDialog(QDialog):
    """Edits a Settings value; `result_settings()` is the edited copy (unknown keys and shortcuts kept)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(_tr("Settings"))
        form = QFormLayout(self)

        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(i18n.LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(LANGUAGES.index(settings.language))
        form.addRow(_tr("Language"), self.language)

        self.model_kind = QComboBox()
        for name in BUNDLED_MODEL_SETS:
            self.model_kind.addItem(_tr(name), name)
        self.model_kind.addItem(_tr("custom"), "custom")
        custom = settings.model_set not in BUNDLED_MODEL_SETS
        kind_index = len(BUNDLED_MODEL_SETS) if custom else BUNDLED_MODEL_SETS.index(settings.model_set)
        self.model_kind.setCurrentIndex(kind_index)
        self.model_path = QLineEdit(settings.model_set if custom else "")
        self.model_path.setPlaceholderText(_tr("model folder, manifest.json or registered set name"))
        browse = QPushButton(_tr("Browse..."))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.model_kind)
        row.addWidget(self.model_path, 1)
        row.addWidget(browse)
        form.addRow(_tr("Model set"), row)
        self.model_kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

        # the lowest value of these two means "the model set's own value" (None in the settings)
        self.box_thresh = self._spin(0.0, 1.0, 0.05, settings.box_thresh, _tr("from model"))
        form.addRow(_tr("Detection box threshold"), self.box_thresh)
        self.unclip_ratio = self._spin(0.4, 5.0, 0.1, settings.unclip_ratio, _tr("from model"))
        form.addRow(_tr("Detection unclip ratio"), self.unclip_ratio)
        self.low_score = self._spin(0.0, 1.0, 0.05, settings.low_score)
        form.addRow(_tr("Low recognition score under"), self.low_score)
        self.autosave_delay = self._spin(0.0, 60.0, 0.5, settings.autosave_delay)
        self.autosave_delay.setSuffix(_tr(" s"))
        form.addRow(_tr("Autosave delay"), self.autosave_delay)
        self.prelabel_on_open = QCheckBox(_tr("Pre-label its new images"))
        self.prelabel_on_open.setChecked(settings.prelabel_on_open)
        form.addRow(_tr("Opening a folder"), self.prelabel_on_open)

        self.kie_mode = QCheckBox(_tr("KIE mode (a key class per region)"))
        self.kie_mode.setChecked(settings.kie_mode)
        form.addRow(_tr("Key information"), self.kie_mode)
        self.key_class_file = QLineEdit(settings.key_class_file)
        self.key_class_file.setPlaceholderText(_tr("one class per line; empty: type the classes"))
        browse_classes = QPushButton(_tr("Browse..."))
        browse_classes.clicked.connect(self._browse_classes)
        row = QHBoxLayout()
        row.addWidget(self.key_class_file, 1)
        row.addWidget(browse_classes)
        form.addRow(_tr("Key class list"), row)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(620)

    @staticmethod
    def _spin(low: float, high: float, step: float, value: float | None, special: str = "") -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(2)
        if special:
            spin.setSpecialValueText(special)
        spin.setValue(low if value is None else value)
        return spin

    def _kind_changed(self) -> None:
        self.model_path.setEnabled(self.model_kind.currentData() == "custom")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _tr("Model folder"))
        if folder:
            self.model_path.setText(folder)

    def _browse_classes(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, _tr("Key class list"), "", _tr("Text files (*.txt);;All files (*)"))
        if path:
            self.key_class_file.setText(path)

    def result_settings(self) -> Settings:
        """The edited settings; ValueError when a value is not acceptable."""
        kind = self.model_kind.currentData()
        model_set = self.model_path.text().strip() if kind == "custom" else kind
        if not model_set:
            raise ValueError(_tr("Choose a folder for the custom model set."))

        def optional(spin: QDoubleSpinBox) -> float | None:
            return None if spin.value() == spin.minimum() else round(spin.value(), 2)

        return self.settings.with_changes(
            language=self.language.currentData(),
            model_set=model_set,
            box_thresh=optional(self.box_thresh),
            unclip_ratio=optional(self.unclip_ratio),
            low_score=round(self.low_score.value(), 2),
            autosave_delay=round(self.autosave_delay.value(), 2),
            prelabel_on_open=self.prelabel_on_open.isChecked(),
            kie_mode=self.kie_mode.isChecked(),
            key_class_file=self.key_class_file.text().strip(),
        )

    def accept(self) -> None:
        try:
            new = self.result_settings()
            if new.model_set != self.settings.model_set:
                from labeler.ocr.registry import resolve_model_set

                resolve_model_set(new.model_set)  # reads a manifest only: a bad path is refused here
        except (ValueError, LabelerError) as exc:
            QMessageBox.warning(self, _tr("Settings"), str(exc))
            return
        self.settings = new
        super().accept()


# ---------------------------------------------------------------------- applying settings to a window


def _apply_to_editor(editor, settings: Settings, keys) -> None:
    if "low_score" in keys:
        editor.low_score = settings.low_score
    if "autosave_delay" in keys:
        editor.autosave_delay = settings.autosave_delay  # used when the next folder opens
        if editor.saver is not None:
            editor.saver.delay = settings.autosave_delay
    if {"model_set", "box_thresh", "unclip_ratio"} & set(keys):
        editor.model_set = settings.model_set
        pipeline = None
        if settings.box_thresh is not None or settings.unclip_ratio is not None:
            pipeline = _pipeline_with_thresholds(settings)
        # The editor makes its pipeline lazily; replacing it takes effect with the next OCR job.
        with editor._pipeline_lock:
            editor._pipeline = pipeline


def _pipeline_with_thresholds(settings: Settings):
    """A pipeline (sessions still unloaded) whose DB post-processing uses the user's thresholds."""
    from dataclasses import replace

    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions, det_params
    from labeler.ocr.registry import resolve_model_set

    model_set = resolve_model_set(settings.model_set)
    det = det_params(model_set)
    db = det.db
    if settings.box_thresh is not None:
        db = replace(db, box_thresh=settings.box_thresh)
    if settings.unclip_ratio is not None:
        db = replace(db, unclip_ratio=settings.unclip_ratio)
    return OcrPipeline(model_set, PipelineOptions(threads=2, spin_threads=False, det=replace(det, db=db)))


def _apply_kie(window, settings: Settings, keys) -> list[str]:
    kie = getattr(window, "kie", None)  # the KIE controller, when the window has one
    if kie is None:
        return []
    warnings = []
    if "key_class_file" in keys and settings.key_class_file:
        try:
            kie.load_classes(settings.key_class_file)
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(
                _tr("{file}: cannot read the key class list: {error}").format(file=settings.key_class_file, error=exc)
            )
    if "kie_mode" in keys:
        kie.set_enabled(settings.kie_mode)
    return warnings


def apply_settings(window, settings: Settings, keys=None) -> list[str]:
    """Apply `settings` to an open window: shortcuts and language always, of the rest the `keys` given
    (None: those that differ from the window's current settings). Returns warnings."""
    old = getattr(window, "user_settings", None)
    if keys is None:
        keys = SCHEMA_KEYS if old is None else [k for k in SCHEMA_KEYS if getattr(old, k) != getattr(settings, k)]
    window.user_settings = settings
    warnings = apply_overrides(window.actions_by_name, settings.shortcuts)
    if old is None or old.language != settings.language or i18n.current_language() != settings.language:
        i18n.set_language(settings.language)
        i18n.retranslate(window)
    try:
        _apply_to_editor(window.editor, settings, keys)
    except LabelerError as exc:
        warnings.append(str(exc))
    warnings += _apply_kie(window, settings, keys)
    if "low_score" in keys and window.editor.current is not None:
        window.editor.regions_changed.emit(window.editor.current)  # re-highlight with the new threshold
    return warnings


def _report(window, warnings: list[str]) -> None:
    window.settings_warnings = warnings
    for text in warnings:
        log.warning("%s", text)
    if warnings:
        more = _tr(" (+{n} more)").format(n=len(warnings) - 1) if len(warnings) > 1 else ""
        window.statusBar().showMessage(warnings[0] + more, 15000)


def open_settings_dialog(window) -> bool:
    dialog = SettingsDialog(window.user_settings, window)
    if dialog.exec_() != QDialog.Accepted:
        return False
    save_and_apply(window, dialog.settings)
    return True


def save_and_apply(window, settings: Settings) -> None:
    """Persist `settings` (atomically) to the window's settings file and apply them."""
    try:
        save_settings(settings, window.settings_path)
    except OSError as exc:
        QMessageBox.critical(window, _tr("Settings"), f"{window.settings_path}: {exc}")
        return
    _report(window, apply_settings(window, settings))


def show_shortcuts(window) -> None:
    ShortcutsDialog(window.actions_by_name, window).exec_()


def install_settings_actions(window, path: str | Path | None = None) -> None:
    """Load the settings file (a bad one: defaults + a message), apply it, add the Settings and F1 entries.

    Of the editor and KIE values only those the file sets are applied: the rest keep what the window was built with.
    """
    try:
        loaded = load_settings(path)
        settings, warnings, present = loaded.settings, list(loaded.warnings), loaded.present
        window.settings_path = loaded.path
    except SettingsError as exc:
        settings, warnings, present = Settings(), [str(exc)], frozenset()
        window.settings_path = Path(exc.path)

    def add(name: str, text: str, slot, key: str) -> QAction:
        action = QAction(text, window)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        window.actions_by_name[name] = action
        return action

    quit_action = window.actions_by_name.get("quit")
    file_menu = quit_action.associatedWidgets()[0] if quit_action and quit_action.associatedWidgets() else None
    settings_action = add("settings", tr("S&ettings..."), lambda: open_settings_dialog(window), "Ctrl+,")
    if file_menu is not None:
        file_menu.insertAction(quit_action, settings_action)
    else:
        window.menuBar().addMenu(tr("&Settings")).addAction(settings_action)
    help_menu = window.menuBar().addMenu(tr("&Help"))
    help_menu.addAction(add("shortcuts_help", tr("&Keyboard shortcuts"), lambda: show_shortcuts(window), "F1"))
    i18n.remember_sources(window)
    _report(window, warnings + apply_settings(window, settings, present))
