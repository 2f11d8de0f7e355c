"""Issue 14: reviewing without the mouse. In the correction field Tab / Shift+Tab walk the regions in reading order
keeping what was typed, and Ctrl+Return confirms the image from inside the field (which keeps End and Ctrl+V)."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.core.review import is_reviewed


def test_tab_walks_the_regions_in_order_and_keeps_the_typed_text(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, field = window.editor, window.correction.text
    ed.select(0)
    window.correction.focus_text()
    assert field.hasFocus() and field.selectedText() == "hello world"
    qtbot.keyClicks(field, "hello there")
    qtbot.keyClick(field, Qt.Key_Tab)
    assert ed.selected == 1 and field.hasFocus() and field.selectedText() == "Tota1: 42.5"
    assert ed.current.regions[0].transcription == "hello there"  # typed, then Tab: kept, one undo step
    assert is_reviewed(ed.current.regions[0])
    qtbot.keyClick(field, Qt.Key_Tab)  # the last region: stays there
    assert ed.selected == 1 and "No more regions" in window.statusBar().currentMessage()
    assert not is_reviewed(ed.current.regions[1])  # passed over, not accepted
    qtbot.keyClick(field, Qt.Key_Backtab, Qt.ShiftModifier)
    assert ed.selected == 0 and field.selectedText() == "hello there"
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert ed.current.regions[0].transcription == "hello world"


def test_ctrl_return_confirms_from_inside_the_text_field(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, field = window.editor, window.correction.text
    first = ed.current
    ed.select(1)
    window.correction.focus_text()
    qtbot.keyClick(field, Qt.Key_End)  # End moves the cursor in the field: the image is not confirmed
    assert ed.current is first and first.status is ImageStatus.PRELABELLED
    qtbot.keyClick(field, Qt.Key_Return, Qt.ControlModifier)
    assert first.status is ImageStatus.CONFIRMED and ed.current is not first


def test_ctrl_l_puts_the_cursor_in_the_line_editor_and_tab_goes_on_from_there(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, field = window.editor, window.correction.text
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_L, Qt.ControlModifier)  # nothing selected: the first region
    assert ed.selected == 0 and field.hasFocus() and field.selectedText() == "hello world"
    qtbot.keyClick(field, Qt.Key_Tab)
    assert ed.selected == 1 and field.selectedText() == "Tota1: 42.5"


def test_esc_reverts_a_changed_text_then_gives_the_keys_back_to_the_canvas(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, field = window.editor, window.correction.text
    ed.select(1)
    window.correction.focus_text()
    qtbot.keyClicks(field, "typo")
    qtbot.keyClick(field, Qt.Key_Escape)  # the first Esc takes the typing back, the cursor stays
    assert field.text() == "Tota1: 42.5" and field.hasFocus()
    qtbot.keyClick(field, Qt.Key_Escape)  # the second one leaves the field; the region stays selected
    assert window.canvas.hasFocus() and ed.selected == 1
    qtbot.keyClick(window.canvas, Qt.Key_Delete)  # so Delete now deletes it
    assert len(ed.current.regions) == 1
