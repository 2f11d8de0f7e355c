"""Settings file -> window: shortcut overrides and conflicts, the F1 help, the settings dialog, zh_CN UI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtCore import QCoreApplication, Qt

from labeler.core.settings import Settings, load_settings
from labeler.ui import i18n, settings_dialog
from labeler.ui.shortcuts import ShortcutsDialog, find_conflicts, keys_of


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch) -> Path:
    """Each test has its own (empty) settings folder and ends in English."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    yield tmp_path / "cfg" / "labeler" / "settings.json"
    i18n.set_language("en")


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def menu_titles(window) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def test_defaults_are_ppocrlabel_keys_without_conflicts(make_window):
    window = make_window()
    actions = window.actions_by_name
    assert keys_of(actions["open"]) == ["Ctrl+U"]
    assert keys_of(actions["confirm"]) == [
        "Ctrl+V",
        "End",
        "Ctrl+Return",
    ]  # PPOCRLabel's two, then one a text field leaves
    assert keys_of(actions["shortcuts_help"]) == ["F1"]
    assert find_conflicts(actions) == {}
    assert window.settings_warnings == []


def test_user_override_changes_the_key_that_works(make_window, project_folder, settings_file, qtbot):
    write(settings_file, {"shortcuts": {"next": ["N"], "open": "Ctrl+O"}})
    window = make_window(project_folder)
    assert keys_of(window.actions_by_name["next"]) == ["N"]
    assert keys_of(window.actions_by_name["open"]) == ["Ctrl+O"]
    start = window.editor.current_index
    qtbot.keyClick(window.canvas, Qt.Key_D)  # the old key does nothing now
    assert window.editor.current_index == start
    qtbot.keyClick(window.canvas, Qt.Key_N)
    assert window.editor.current_index == start + 1


def test_conflicts_unknown_actions_and_bad_keys_are_reported(make_window, settings_file):
    shortcuts = {"open": "Ctrl+Z", "no_such_action": "F9", "save": "Ctrl+Nonsense"}
    write(settings_file, {"shortcuts": shortcuts, "theme": "dark"})
    window = make_window()
    warnings = "\n".join(window.settings_warnings)
    assert "Ctrl+Z" in warnings and "open" in warnings and "undo" in warnings
    assert "no_such_action" in warnings
    assert "Ctrl+Nonsense" in warnings
    assert "theme" in warnings and str(settings_file) in warnings
    assert window.statusBar().currentMessage()  # the user sees it
    assert keys_of(window.actions_by_name["save"]) == []  # a bad key is dropped, not guessed


def test_bad_settings_file_opens_with_defaults_and_says_which_file(make_window, settings_file):
    write(settings_file, {"low_score": "high"})
    window = make_window(prelabel_on_open=True)  # the fixture's own override would differ from the defaults
    assert window.user_settings == Settings()
    assert str(settings_file) in window.settings_warnings[0]
    assert str(settings_file) in window.statusBar().currentMessage()


def test_help_dialog_lists_every_action_with_its_keys(make_window, monkeypatch):
    window = make_window()
    shown = []
    monkeypatch.setattr(ShortcutsDialog, "exec_", lambda self: shown.append(self.rows()) or 0)
    window.actions_by_name["shortcuts_help"].trigger()
    rows = shown[0]
    assert {name for _, name, _ in rows} == set(window.actions_by_name)
    by_name = {name: keys for _, name, keys in rows}
    assert by_name["redo"] == "Ctrl+Shift+Z, Ctrl+Y"
    assert by_name["shortcuts_help"] == "F1"
    assert ("Undo", "undo", "Ctrl+Z") in rows  # the text without its '&' mnemonic


def test_settings_dialog_saves_the_file_and_updates_the_editor(make_window, settings_file):
    window = make_window()
    dialog = settings_dialog.SettingsDialog(window.user_settings, window)
    dialog.model_kind.setCurrentIndex(dialog.model_kind.findData("light"))
    dialog.low_score.setValue(0.7)
    dialog.autosave_delay.setValue(2.5)
    dialog.box_thresh.setValue(0.4)
    dialog.accept()
    assert dialog.result() == dialog.Accepted
    window.settings_controller.save_and_apply(dialog.settings)
    saved = load_settings(settings_file).settings
    values = (saved.model_set, saved.low_score, saved.autosave_delay, saved.box_thresh, saved.unclip_ratio)
    assert values == ("light", 0.7, 2.5, 0.4, None)
    ed = window.editor
    assert (ed.model_set, ed.low_score, ed.autosave_delay) == ("light", 0.7, 2.5)
    assert ed.cached_pipeline.options.det.db.box_thresh == 0.4  # the next OCR job detects with the user's threshold


def test_settings_dialog_refuses_a_missing_custom_model_folder(make_window, tmp_path, monkeypatch):
    window = make_window()
    warned = []
    monkeypatch.setattr(settings_dialog.QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog = settings_dialog.SettingsDialog(window.user_settings, window)
    dialog.model_kind.setCurrentIndex(dialog.model_kind.findData("custom"))
    assert dialog.model_path.isEnabled()
    dialog.model_path.setText(str(tmp_path / "nowhere"))
    dialog.accept()
    assert warned and dialog.result() != dialog.Accepted
    assert dialog.settings == window.user_settings


def test_switching_language_retranslates_the_menus_at_once(make_window, settings_file):
    window = make_window()
    assert "&File" in menu_titles(window)
    window.settings_controller.save_and_apply(window.user_settings.with_changes(language="zh_CN"))
    titles = menu_titles(window)
    assert "文件(&F)" in titles and "帮助(&H)" in titles and "&File" not in titles
    assert window.actions_by_name["undo"].text() == "撤销(&U)"
    assert window.findChild(type(window.regions.parentWidget()), "Regions").windowTitle() == "标注框列表"
    assert load_settings(settings_file).settings.language == "zh_CN"
    assert QCoreApplication.translate("QShortcut", "Ctrl") == "Ctrl"  # untranslated texts are kept, not blanked
    window.settings_controller.save_and_apply(window.user_settings.with_changes(language="en"))
    assert "&File" in menu_titles(window) and window.actions_by_name["undo"].text() == "&Undo"


def test_chinese_from_the_settings_file_at_startup(make_window, settings_file):
    write(settings_file, {"language": "zh_CN"})
    window = make_window()
    assert "文件(&F)" in menu_titles(window)
    second = make_window()  # built while the Chinese translator is installed
    assert "文件(&F)" in menu_titles(second)
    assert i18n.source_text(second.actions_by_name["quit"]) == "&Quit"


def test_every_menu_and_action_has_a_chinese_translation(make_window):
    window = make_window()
    table = i18n.load_ts(i18n.ts_path("zh_CN"))
    texts = {a.text() for a in window.menuBar().actions()} | {a.text() for a in window.actions_by_name.values()}
    docks = {d.windowTitle() for d in window.findChildren(type(window.regions.parentWidget()))}
    missing = sorted(t for t in texts | docks if (i18n.CONTEXT, t) not in table)
    assert missing == []


def test_kie_mode_and_class_list_from_the_settings_file(make_window, settings_file, tmp_path):
    classes = tmp_path / "classes.txt"
    classes.write_text("question\nanswer\n\nheader\n", encoding="utf-8")
    write(settings_file, {"kie_mode": True, "key_class_file": str(classes)})
    window = make_window()
    assert window.kie.enabled and window.kie.classes.names == ["question", "answer", "header"]
    dialog = settings_dialog.SettingsDialog(window.user_settings, window)
    assert dialog.kie_mode.isChecked() and dialog.key_class_file.text() == str(classes)
    dialog.kie_mode.setChecked(False)
    dialog.accept()
    window.settings_controller.save_and_apply(dialog.settings)
    assert not window.kie.enabled and load_settings(settings_file).settings.kie_mode is False


def test_missing_key_class_file_is_reported(make_window, settings_file, tmp_path):
    write(settings_file, {"key_class_file": str(tmp_path / "gone.txt")})
    window = make_window()
    assert any("gone.txt" in w for w in window.settings_warnings)
