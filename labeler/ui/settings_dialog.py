"""The settings dialog, and `SettingsController`: load the user's settings file and apply it (shortcuts,
language, editor thresholds, model set, KIE mode); File > Settings... (Ctrl+,) edits, saves and applies it.
prelabel_on_open is read from the controller's settings when a folder opens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from PyQt5.QtWidgets import (
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
from labeler.ocr.registry import resolve_model_set
from labeler.ui import i18n
from labeler.ui.actions import WindowActions
from labeler.ui.editor import Editor
from labeler.ui.i18n import tr
from labeler.ui.kie import KieController
from labeler.ui.model_switch import pipeline_for
from labeler.ui.shortcut_editor import ShortcutEditorDialog
from labeler.ui.shortcuts import apply_overrides

log = logging.getLogger(__name__)
CTX = "SettingsDialog"


def _tr(text: str) -> str:
    return tr(text, CTX)


class SettingsDialog(QDialog):
    """Edits a Settings value; `result_settings()` is the edited copy (unknown keys kept). With the window's
    `actions` it also edits the shortcuts (shortcut_editor.py); without, they are kept as they are."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, actions: WindowActions | None = None):
        super().__init__(parent)
        self.settings = settings
        self.actions, self.shortcuts = actions, dict(settings.shortcuts)
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
        self.read_new_boxes = QCheckBox(_tr("Read drawn and reshaped boxes at once"))
        self.read_new_boxes.setToolTip(_tr("A text you typed is never read over"))
        self.read_new_boxes.setChecked(settings.read_new_boxes)
        form.addRow(_tr("New boxes"), self.read_new_boxes)
        self.apply_conventions = QCheckBox(_tr("Fit pre-labels to the confirmed images"))
        self.apply_conventions.setToolTip(
            _tr(
                "The box margin and text rules learned from the images you confirmed go onto the next pre-labels "
                "(Ctrl+Z undoes)"
            )  # fmt: skip
        )
        self.apply_conventions.setChecked(settings.apply_conventions)
        form.addRow(_tr("Conventions"), self.apply_conventions)

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

        if actions is not None:
            self.shortcuts_button = QPushButton(_tr("Edit..."))
            self.shortcuts_button.clicked.connect(lambda _checked=False: self.edit_shortcuts())
            form.addRow(_tr("Keyboard shortcuts"), self.shortcuts_button)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(680)  # the longest check box reads whole

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

    def shortcut_editor(self) -> ShortcutEditorDialog:
        assert self.actions is not None
        return ShortcutEditorDialog(self.actions.by_id, self.actions.default_keys(), self.shortcuts, self)

    def edit_shortcuts(self) -> bool:
        """The shortcut editor; its keys are saved with the other settings when this dialog is accepted."""
        editor = self.shortcut_editor()
        if editor.exec_() != QDialog.Accepted:
            return False
        self.shortcuts = editor.overrides()
        return True

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
            read_new_boxes=self.read_new_boxes.isChecked(),
            apply_conventions=self.apply_conventions.isChecked(),
            kie_mode=self.kie_mode.isChecked(),
            key_class_file=self.key_class_file.text().strip(),
            shortcuts=self.shortcuts,
        )

    def accept(self) -> None:
        try:
            new = self.result_settings()
            if new.model_set != self.settings.model_set:
                resolve_model_set(new.model_set)  # reads a manifest only: a bad path is refused here
        except (ValueError, LabelerError) as exc:
            QMessageBox.warning(self, _tr("Settings"), str(exc))
            return
        self.settings = new
        super().accept()


# ---------------------------------------------------------------------- applying settings


def apply_to_editor(editor: Editor, settings: Settings, keys: Iterable[str]) -> None:
    keys = set(keys)
    if "low_score" in keys:
        editor.low_score = settings.low_score
    if "read_new_boxes" in keys:
        editor.read_new_boxes = settings.read_new_boxes
    if "apply_conventions" in keys:
        editor.session.apply_conventions = settings.apply_conventions
    if "autosave_delay" in keys:
        editor.autosave_delay = settings.autosave_delay  # used when the next folder opens
        if editor.saver is not None:
            editor.saver.delay = settings.autosave_delay
    if {"model_set", "box_thresh", "unclip_ratio"} & keys:
        pipeline = None
        try:
            pipeline = pipeline_for(settings)
        finally:  # a set whose thresholds cannot be applied is still the user's choice: its OCR says why
            editor.use_model_set(settings.model_set, pipeline)  # takes effect with the next OCR job


def apply_to_kie(kie: KieController, settings: Settings, keys: Iterable[str]) -> list[str]:
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


class SettingsController:
    """The user's settings file and its values in one window: loaded at once (a bad file: defaults and a warning),
    applied by `apply_loaded()` once the window's actions exist, then edited through the dialog.

    `retranslate` shows the window's menus and docks in the current language; `show_status(text, ms)` tells the
    user about warnings; `parent` is the widget dialogs open over.
    """

    def __init__(
        self,
        editor: Editor,
        kie: KieController,
        retranslate: Callable[[], None],
        show_status: Callable[[str, int], None],
        parent: QWidget,
        path: str | Path | None = None,
    ) -> None:
        self.editor, self.kie, self.parent_widget = editor, kie, parent
        self.retranslate, self.show_status = retranslate, show_status
        self.actions: WindowActions | None = None
        try:
            loaded = load_settings(path)
            self.settings, self.warnings, self._present = loaded.settings, list(loaded.warnings), loaded.present
            self.path = loaded.path
        except SettingsError as exc:
            self.settings, self.warnings, self._present = Settings(), [str(exc)], frozenset()
            self.path = Path(exc.path)
        self._applied = False

    def apply_loaded(self, actions: WindowActions) -> None:
        """Apply the file's settings: shortcuts and language, and of the rest only the keys the file sets."""
        self.actions = actions
        self._report(self.warnings + self.apply(self.settings, self._present))

    def apply(self, settings: Settings, keys: Iterable[str] | None = None) -> list[str]:
        """Apply `settings`: shortcuts and language always, of the rest the `keys` given (None: those that differ
        from the current settings). Returns warnings."""
        old = self.settings if self._applied else None
        if keys is None:
            keys = SCHEMA_KEYS if old is None else [k for k in SCHEMA_KEYS if getattr(old, k) != getattr(settings, k)]
        keys = list(keys)
        self.settings, self._applied = settings, True
        warnings = []
        if self.actions is not None:
            warnings += apply_overrides(self.actions.by_id, settings.shortcuts, self.actions.default_keys())
        if old is None or old.language != settings.language or i18n.current_language() != settings.language:
            i18n.set_language(settings.language)
            self.retranslate()
        try:
            apply_to_editor(self.editor, settings, keys)
        except LabelerError as exc:
            warnings.append(str(exc))
        warnings += apply_to_kie(self.kie, settings, keys)
        if "low_score" in keys and self.editor.current is not None:
            self.editor.regions_changed.emit(self.editor.current)  # re-highlight with the new threshold
        return warnings

    def _report(self, warnings: list[str]) -> None:
        self.warnings = warnings
        for text in warnings:
            log.warning("%s", text)
        if warnings:
            more = _tr(" (+{n} more)").format(n=len(warnings) - 1) if len(warnings) > 1 else ""
            self.show_status(warnings[0] + more, 15000)

    def open_dialog(self) -> bool:
        dialog = SettingsDialog(self.settings, self.parent_widget, self.actions)
        if dialog.exec_() != QDialog.Accepted:
            return False
        self.save_and_apply(dialog.settings)
        return True

    def save_and_apply(self, settings: Settings) -> None:
        """Persist `settings` (atomically) to the settings file and apply them."""
        try:
            save_settings(settings, self.path)
        except OSError as exc:
            QMessageBox.critical(self.parent_widget, _tr("Settings"), f"{self.path}: {exc}")
            return
        self._report(self.apply(settings))
