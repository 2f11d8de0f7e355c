"""The action table (actions.py) is the one source of the menus, the F1 list, the default keys and Help > About."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtWidgets import QMainWindow

from labeler import __version__
from labeler.core.logs import log_path
from labeler.ui import i18n
from labeler.ui.about import AboutDialog
from labeler.ui.actions import ACTIONS, MENUS, ActionSpec, build_actions
from labeler.ui.shortcuts import ShortcutsDialog, keys_of


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    yield tmp_path / "cfg" / "labeler" / "settings.json"
    i18n.set_language("en")


def menu_layout(window) -> list[tuple[str, list[str]]]:
    """(menu title, entries) in menu bar order; '-' for a separator, else the action's id."""
    ids = {id(action): name for name, action in window.actions_by_name.items()}
    return [
        (top.text(), ["-" if a.isSeparator() else ids[id(a)] for a in top.menu().actions()])
        for top in window.menuBar().actions()
    ]


def test_the_menus_are_the_table(make_window):
    window = make_window()
    assert [spec.id for spec in ACTIONS] == list(window.actions_by_name)
    expected = []
    for title in MENUS:
        entries, group = [], None
        for spec in (s for s in ACTIONS if s.menu == title):
            if group is not None and spec.group != group:
                entries.append("-")
            entries.append(spec.id)
            group = spec.group
        expected.append((title, entries))
    assert menu_layout(window) == expected
    for spec in ACTIONS:
        action = window.actions_by_name[spec.id]
        assert (action.text(), action.isCheckable()) == (spec.text, spec.checkable)
        assert [k.toString() for k in action.shortcuts()] == [k.replace("Delete", "Del") for k in spec.keys]


def test_menu_placement_is_as_before(make_window):
    layout = dict(menu_layout(make_window()))
    assert list(layout) == ["&File", "&Edit", "&OCR", "&View", "&KIE", "Re&gion", "&Image", "&Help"]
    assert layout["&File"] == [
        "open",
        "save",
        "-",
        "export_paddleocr",
        "convert_labels",
        "import_labels",
        "-",
        "settings",
        "quit",
    ]
    assert layout["&OCR"] == ["auto_label", "recognize", "-", "recognize_all", "auto_label_all", "stop_auto_label"] + [
        "-",
        "retrain",
    ]
    assert layout["&View"][-3:] == ["show_problems", "-", "box_numbers"]
    assert layout["&Help"] == ["shortcuts_help", "about"]


def test_enablement_follows_the_window_state(make_window, project_folder, tmp_path):
    window = make_window(project_folder)
    actions = window.actions_by_name
    assert not actions["stop_auto_label"].isEnabled() and not actions["kie_set_class"].isEnabled()
    assert not actions["show_problems"].isEnabled()  # the folder's label files are all readable
    window.kie.set_enabled(True)
    assert actions["kie_set_class"].isEnabled() and actions["kie_mode"].isChecked()
    actions["kie_mode"].trigger()  # the menu entry switches the mode off again
    assert not window.kie.enabled and not actions["kie_set_class"].isEnabled()
    window.batch.running_changed.emit(True)
    assert actions["stop_auto_label"].isEnabled()
    window.batch.running_changed.emit(False)
    assert not actions["stop_auto_label"].isEnabled()


def test_overrides_reset_to_the_tables_keys(make_window, settings_file):
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"shortcuts": {"delete": ["X"]}}), encoding="utf-8")
    window = make_window()
    assert keys_of(window.actions_by_name["delete"]) == ["X"]
    window.settings_controller.save_and_apply(window.user_settings.with_changes(shortcuts={}))
    assert keys_of(window.actions_by_name["delete"]) == ["Del", "Backspace"]  # the table's default again


def test_the_f1_list_is_the_table(make_window, monkeypatch):
    window = make_window()
    shown = []
    monkeypatch.setattr(ShortcutsDialog, "exec_", lambda self: shown.append(self.rows()) or 0)
    window.actions_by_name["shortcuts_help"].trigger()
    assert sorted(name for _, name, _ in shown[0]) == sorted(spec.id for spec in ACTIONS)


def test_about_shows_the_version_and_the_log_file(make_window, monkeypatch):
    window = make_window()
    shown = []
    monkeypatch.setattr(AboutDialog, "exec_", lambda self: shown.append(self.label.text()) or 0)
    window.actions_by_name["about"].trigger()
    assert __version__ in shown[0] and str(log_path()) in shown[0]


def test_every_action_needs_its_handler(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    specs = (ActionSpec("a", "&A", MENUS[0], "g"), ActionSpec("b", "&B", MENUS[0], "g"))
    with pytest.raises(ValueError, match="without a handler: \\['b'\\]"):
        build_actions(window, window.menuBar(), {"a": lambda: None}, {}, specs)
    with pytest.raises(ValueError, match="without an action: \\['c'\\]"):
        build_actions(window, window.menuBar(), {"a": print, "b": print, "c": print}, {}, specs)
