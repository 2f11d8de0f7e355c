"""Issue 14 item 6 and part of item 5: the window fits the screen with every dock shown, the layout persists
(QSettings in a temporary file), the shortcut editor, the searchable F1 list, Esc shown for Stop, the file name
in the title and status bar, the image name search and the last image of a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtCore import QRect, QSettings, Qt
from PyQt5.QtWidgets import QDialog

from labeler.core.settings import load_settings
from labeler.ui import i18n, settings_dialog, shortcut_editor
from labeler.ui.last_image import VIEW_FILE
from labeler.ui.shortcuts import ShortcutsDialog, keys_of
from labeler.ui.window_layout import default_size

SCREENS = [(1366, 768), (1920, 1080)]


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch) -> Path:
    """Each test has its own (empty) settings folder and ends in English."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    yield tmp_path / "cfg" / "labeler" / "settings.json"
    i18n.set_language("en")


def on_screen(window, width: int, height: int, qtbot) -> QRect:
    """The window as first shown on a screen of that size (the offscreen platform's own is made up)."""
    area = QRect(0, 0, width, height)
    window.available_area = lambda: QRect(area)
    window.resize(default_size(area))
    window.move(0, 0)
    qtbot.wait(20)
    return area


def every_dock_shown(window, qtbot) -> None:
    window.kie.set_enabled(True)
    window.show_retrain()
    window.retrain.advanced_toggle.setChecked(True)  # the options that grew the window to 1072 px
    qtbot.wait(50)


def visible_rows(view) -> float:
    return view.viewport().height() / view.verticalHeader().defaultSectionSize()


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_every_dock_is_usable_and_the_window_stays_on_the_screen(make_window, project_folder, qtbot, width, height):
    window = make_window(project_folder)
    area = on_screen(window, width, height, qtbot)
    first = window.size()
    every_dock_shown(window, qtbot)
    assert window.size() == first  # showing the docks did not grow the window
    hint = window.minimumSizeHint()
    assert hint.width() <= area.width() and hint.height() <= area.height()  # Qt has no reason to grow it
    assert hint.height() <= 768 - 40 - 28  # fits a 768 px screen with a task bar and a title bar
    assert area.contains(window.frameGeometry())
    assert window.kie.dock.isVisible() and window.retrain_dock.isVisible()
    assert visible_rows(window.kie.panel.table) >= 5  # was 1.5
    assert window.retrain_dock.height() >= 200 and window.retrain.start_button.isVisible()
    assert window.canvas.width() >= 400 and window.canvas.height() >= 250
    assert window.images.view.height() >= 150
    window.regions_dock.raise_()  # tabbed with the key classes
    qtbot.wait(20)
    assert window.regions.isVisible() and visible_rows(window.regions) >= 5
    assert window.tabifiedDockWidgets(window.regions_dock) == [window.kie.dock]
    # the window had the whole screen: showing the docks must not push it past the screen
    window.resize(area.size())
    window.retrain.advanced_toggle.setChecked(False)
    window.retrain.advanced_toggle.setChecked(True)
    qtbot.wait(50)
    assert area.contains(window.frameGeometry())
    print(
        f"{width}x{height}: first {first.width()}x{first.height()}, full-screen {window.width()}x{window.height()}",
        end="",
    )
    print(f", minimum {hint.width()}x{hint.height()}")


def test_a_window_larger_than_the_screen_is_brought_back(make_window, qtbot):
    window = make_window()
    window.available_area = lambda: QRect(0, 0, 1366, 768)
    window.resize(1400, 1072)
    window.show_retrain()
    qtbot.waitUntil(lambda: window.height() <= 768 and window.width() <= 1366)


def test_geometry_and_docks_are_saved_and_restored(make_window, tmp_path, qtbot):
    path = str(tmp_path / "window.ini")  # never the user's QSettings
    first = make_window()
    first.available_area = lambda: QRect(0, 0, 1920, 1080)
    assert not first.use_layout_store(QSettings(path, QSettings.IniFormat))  # nothing saved yet
    first.resize(1300, 720)
    first.show_retrain()
    first.removeDockWidget(first.retrain_dock)  # the user moved Retrain to the right, tabbed with the correction
    first.tabifyDockWidget(first.correction.parentWidget(), first.retrain_dock)
    first.retrain_dock.show()
    qtbot.wait(20)
    first.close()
    assert Path(path).is_file()

    second = make_window()
    second.available_area = lambda: QRect(0, 0, 1920, 1080)
    assert second.retrain_dock.isHidden()
    assert second.use_layout_store(QSettings(path, QSettings.IniFormat))
    qtbot.wait(20)
    assert (second.width(), second.height()) == (1300, 720)
    assert second.retrain_dock.isVisible() and second.dockWidgetArea(second.retrain_dock) == Qt.RightDockWidgetArea
    assert second.retrain_dock in second.tabifiedDockWidgets(second.correction.parentWidget())
    assert not second.kie.dock.isVisible()  # the KIE dock follows the KIE mode, not the saved state


# ---------------------------------------------------------------------- shortcuts


def test_shortcut_editor_changes_a_key_saves_it_and_applies_it_at_once(
    make_window, project_folder, settings_file, qtbot, monkeypatch
):
    window = make_window(project_folder)

    def edit(editor) -> int:
        editor.select("next")
        editor.key_edit.setKeySequence("N")
        editor.set_button.click()
        return QDialog.Accepted

    monkeypatch.setattr(shortcut_editor.ShortcutEditorDialog, "exec_", edit)
    monkeypatch.setattr(
        settings_dialog.SettingsDialog, "exec_", lambda self: (self.shortcuts_button.click(), self.accept()) and 1
    )
    assert window.settings_controller.open_dialog()
    assert load_settings(settings_file).settings.shortcuts == {"next": ["N"]}
    assert keys_of(window.actions_by_name["next"]) == ["N"]
    start = window.editor.current_index
    qtbot.keyClick(window.canvas, Qt.Key_D)  # the old key does nothing now
    assert window.editor.current_index == start
    qtbot.keyClick(window.canvas, Qt.Key_N)
    assert window.editor.current_index == start + 1


def test_shortcut_editor_refuses_a_key_another_action_has(make_window, monkeypatch):
    window = make_window()
    warned = []
    monkeypatch.setattr(shortcut_editor.QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog = settings_dialog.SettingsDialog(window.user_settings, window, window.window_actions)
    editor = dialog.shortcut_editor()
    editor.select("open")
    editor.key_edit.setKeySequence("Ctrl+Z")
    editor.set_button.click()
    assert warned == [
        "Ctrl+Z is already the key of \u201cUndo\u201d (undo). Choose another key, or give that action another key first."
    ]
    assert editor.keys["open"] == ["Ctrl+U"] and editor.overrides() == {}
    assert not editor.assign("delete", "Esc")  # Esc stops auto-labelling
    assert "Stop auto-labelling" in editor.message
    assert not editor.set_keys("stop_auto_label", ["F9"]) and "fixed" in editor.message
    assert editor.set_keys("undo", []) and editor.assign("open", "Ctrl+Z")  # free once undo gave it up
    assert editor.overrides() == {"undo": [], "open": ["Ctrl+Z"]}


def test_f1_list_can_be_searched_and_stop_shows_esc_everywhere(make_window, monkeypatch):
    window = make_window()
    dialogs = []
    monkeypatch.setattr(ShortcutsDialog, "exec_", lambda self: dialogs.append(self) or 0)
    window.actions_by_name["shortcuts_help"].trigger()
    f1 = dialogs[0]
    assert len(f1.shown_rows()) == len(window.actions_by_name)
    f1.search.setText("zoom")
    assert {name for _, name, _ in f1.shown_rows()} == {"zoom_in", "zoom_out", "zoom_selected"}
    f1.search.setText("ctrl+shift+z")  # keys are searched too
    assert f1.shown_rows() == [("Redo", "redo", "Ctrl+Shift+Z, Ctrl+Y")]
    f1.search.setText("")
    stop = window.actions_by_name["stop_auto_label"]
    assert stop.text().endswith("\tEsc")  # the menu
    assert ("Stop auto-labelling", "stop_auto_label", "Esc") in f1.rows()  # F1: no longer "-"
    editor = settings_dialog.SettingsDialog(window.user_settings, window, window.window_actions).shortcut_editor()
    row = editor.ids.index("stop_auto_label")
    assert editor.table.item(row, 2).text() == "Esc"  # the shortcut editor


# ---------------------------------------------------------------------- the current file, the image list


def test_title_and_status_bar_show_the_file_name(make_window, project_folder):
    window = make_window(project_folder)
    assert window.windowTitle() == f"img1.png - {project_folder} - labeler"
    assert window.file_label.text() == "img1.png" and window.file_label.isVisible()
    window.editor.step(1)
    assert window.windowTitle().startswith("img2.png - ") and window.file_label.text() == "img2.png"


def test_image_name_search_hides_the_other_images(make_window, project_folder):
    window = make_window(project_folder)
    window.image_filter.setText("IMG1")  # any case; "img1" is in img1 and img10
    assert window.images.visible_rows() == [0, 2]
    window.image_filter.setText("data")  # the folder is not part of the name
    assert window.images.visible_rows() == []
    window.image_filter.clear()
    assert window.images.visible_rows() == [0, 1, 2]


def test_reopening_a_folder_lands_on_the_image_it_was_left_on(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    window.editor.go_to(2)  # img10
    view = project_folder / VIEW_FILE
    qtbot.waitUntil(view.is_file, timeout=4000)  # written a moment later: a crash does not lose it
    window.editor.go_to(1)
    window.close()  # and when the window closes
    assert json.loads(view.read_text(encoding="utf-8")) == {"last_image": "img2.png"}
    again = make_window(project_folder)
    assert again.editor.current.path == "img2.png" and again.images.view.currentIndex().row() == 1
    again.editor.go_to(2)
    again.close()
    saved = json.loads((project_folder / VIEW_FILE).read_text(encoding="utf-8"))
    assert saved == {"last_image": "img10.png"}
    again = make_window(project_folder)
    assert again.editor.current.path == "img10.png"
    assert again.images.view.currentIndex().row() == 2
