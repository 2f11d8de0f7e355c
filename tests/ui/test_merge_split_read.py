"""Merge (Ctrl+M), split (Ctrl+Shift+M) and boxes read at once, in the window with the real (light) models.

Every test works on a rendered page in a real PPOCRLabel folder; keys go to the widgets as a user's would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QLineEdit

from labeler.core.settings import Settings
from labeler.ui import settings_dialog
from tests.conftest import render_lines, write_image

pytestmark = pytest.mark.models

FONT, SCALE = cv2.FONT_HERSHEY_DUPLEX, 1.4
HELLO_END = 40 + cv2.getTextSize("hello", FONT, SCALE, 2)[0][0]  # render_lines starts its text at x = 40
WORLD_START = 40 + cv2.getTextSize("hello ", FONT, SCALE, 2)[0][0]
SHOTS = os.environ.get("LABELER_SHOTS")  # a folder: save screenshots of the merged and the split regions there


def view_point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def drag(qtbot, widget, start: QPoint, end: QPoint, steps: int = 2) -> None:
    """A press, moves with the left button held (QTest's mouseMove carries no buttons), a release."""
    qtbot.mousePress(widget, Qt.LeftButton, pos=start)
    for k in range(1, steps + 1):
        pos = QPointF(start + (end - start) * k / steps)
        QApplication.sendEvent(widget, QMouseEvent(QEvent.MouseMove, pos, Qt.NoButton, Qt.LeftButton, Qt.NoModifier))
    qtbot.mouseRelease(widget, Qt.LeftButton, pos=end)


def _box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


@pytest.fixture
def pieces_folder(tmp_path: Path) -> Path:
    """One pre-labelled page: "hello world" cut into two pieces by the detector, and "Total: 42.5" whole."""
    folder = tmp_path / "data"
    write_image(folder / "page.png", render_lines(["hello world", "Total: 42.5"]))
    regions = [
        {"transcription": "hello", "points": _box(36, 50, HELLO_END + 3, 92), "difficult": False, "score": 0.97},
        {"transcription": "world", "points": _box(WORLD_START - 3, 50, 280, 92), "difficult": False, "score": 0.96},
        {"transcription": "Total: 42.5", "points": _box(36, 130, 280, 172), "difficult": False, "score": 0.98},
    ]
    (folder / "Cache.cach").write_text(f"data/page.png\t{json.dumps(regions)}\n", encoding="utf-8")
    return folder


def texts(rec) -> list[str]:
    return [r.transcription for r in rec.regions]


def shoot(window, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(Path(SHOTS) / name))


def test_merge_selected_pieces_reads_the_line_and_one_undo_takes_it_back(make_window, pieces_folder, qtbot):
    window = make_window(pieces_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=view_point(canvas, 80, 70))
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.ShiftModifier, pos=view_point(canvas, 220, 70))
    assert canvas.selected_indices() == [0, 1]
    field = window.correction.text
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key_M, Qt.ControlModifier)  # the key works while the text field has focus
    assert texts(rec) == ["hello world", "Total: 42.5"]  # joined with a space at once: Latin script
    assert rec.regions[0].points == [(36.0, 50.0), (280.0, 50.0), (280.0, 92.0), (36.0, 92.0)]
    assert rec.regions[0].score is None and ed.selected == 0
    qtbot.waitUntil(lambda: rec.regions[0].score is not None, timeout=30000)  # read again in the background
    assert rec.regions[0].transcription == "hello world" and rec.regions[0].score > 0.8
    assert len(ed.history()) == 1  # the merge and its reading: one undo step
    canvas.setFocus()
    shoot(window, "merged.png")
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert texts(rec) == ["hello", "world", "Total: 42.5"] and rec.regions[0].score == 0.97
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert texts(rec) == ["hello world", "Total: 42.5"] and rec.regions[0].score > 0.8


def test_split_at_the_text_cursor_cuts_at_the_gap_and_reads_both(make_window, project_folder, qtbot):
    window = make_window(project_folder)  # img1: "hello world" as one region
    ed, rec = window.editor, window.editor.current
    ed.select(0)
    field = window.correction.text
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.setCursorPosition(5)  # after "hello"
    qtbot.keyClick(field, Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    assert texts(rec) == ["hello", "world", "Tota1: 42.5"]
    left, right = rec.regions[0].points, rec.regions[1].points
    cut = left[1][0]
    assert HELLO_END - 2 <= cut <= WORLD_START + 2, (cut, HELLO_END, WORLD_START)  # in the gap, not in a letter
    assert right[0][0] == cut and left[0] == (38.0, 50.0) and right[2] == (300.0, 92.0)
    qtbot.waitUntil(lambda: rec.regions[1].score is not None, timeout=30000)
    assert texts(rec)[:2] == ["hello", "world"] and min(r.score for r in rec.regions[:2]) > 0.8
    assert len(ed.history()) == 1
    window.canvas.setFocus()
    shoot(window, "split.png")
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert texts(rec) == ["hello world", "Tota1: 42.5"]


def test_split_at_a_clicked_point(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=view_point(canvas, (HELLO_END + WORLD_START) / 2, 70))
    assert window.editor.selected == 0
    qtbot.keyClick(canvas, Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    assert texts(rec)[:2] == ["hello", "world"]
    assert abs(rec.regions[0].points[1][0] - (HELLO_END + WORLD_START) / 2) < 1.5
    qtbot.waitUntil(lambda: rec.regions[1].score is not None, timeout=30000)
    assert texts(rec)[:2] == ["hello", "world"]
    # Nothing selected, or a click outside it: the status bar says what to do.
    messages: list[str] = []
    window.editor.message.connect(messages.append)
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=view_point(canvas, 800, 300))
    qtbot.keyClick(canvas, Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.keyClick(canvas, Qt.Key_M, Qt.ControlModifier)
    assert messages == ["Select a region to split", "Select two or more regions to merge (Shift+click or drag a band)"]


def test_a_drawn_box_is_read_and_a_reshaped_one_too_unless_typed(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    qtbot.keyClick(canvas, Qt.Key_W)
    drag(qtbot, canvas.viewport(), view_point(canvas, 36, 128), view_point(canvas, 290, 174))
    assert len(rec.regions) == 3  # (on a busy machine the reading may already have landed during the drag)
    qtbot.waitUntil(lambda: rec.regions[2].transcription == "Total: 42.5", timeout=30000)
    assert len(ed.history()) == 1  # drawn and read: one step
    # A reshaped box is read again (Ctrl+T to_rectangle after a vertex drag)...
    ed.select(1)
    qtbot.keyClick(canvas, Qt.Key_T, Qt.ControlModifier)
    qtbot.waitUntil(lambda: rec.regions[1].transcription == "Total: 42.5", timeout=30000)
    # ...but not one whose text the user typed.
    ed.set_text(0, "my words")
    ed.select(0)
    qtbot.keyClick(canvas, Qt.Key_K, Qt.ControlModifier)  # expand
    assert ed.read_boxes([0]) is None and not ed.ocr.jobs
    assert rec.regions[0].transcription == "my words"
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[0].transcription == "my words"


def test_the_setting_turns_reading_new_boxes_off(make_window, project_folder, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    window = make_window(project_folder)
    assert Settings().read_new_boxes and window.editor.read_new_boxes
    dialog = settings_dialog.SettingsDialog(window.user_settings, window)
    assert dialog.read_new_boxes.isChecked()
    dialog.read_new_boxes.setChecked(False)
    dialog.accept()
    window.settings_controller.save_and_apply(dialog.settings)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    assert not ed.read_new_boxes and not window.user_settings.read_new_boxes
    qtbot.keyClick(canvas, Qt.Key_W)
    drag(qtbot, canvas.viewport(), view_point(canvas, 36, 128), view_point(canvas, 290, 174))
    qtbot.wait(100)
    assert len(rec.regions) == 3 and not ed.ocr.jobs and rec.regions[2].transcription == ""


def test_split_at_the_cursor_of_the_region_tables_cell_editor(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, rec = window.editor, window.editor.current
    ed.select(0)
    qtbot.keyClick(window.canvas, Qt.Key_E, Qt.ControlModifier)  # the cell editor of the region's text
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    cell = QApplication.focusWidget()
    assert cell.text() == "hello world"
    cell.setCursorPosition(5)
    qtbot.keyClick(cell, Qt.Key_M, Qt.ControlModifier | Qt.ShiftModifier)
    assert texts(rec) == ["hello", "world", "Tota1: 42.5"]
    qtbot.waitUntil(lambda: rec.regions[1].score is not None, timeout=30000)
    qtbot.wait(50)
    assert texts(rec) == ["hello", "world", "Tota1: 42.5"]  # the closed editor wrote nothing back
    assert len(ed.history()) == 1


def test_a_run_of_nudges_is_read_once_after_the_last(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    ed.select(1)  # "Tota1: 42.5", read wrong by the pre-label
    started = []
    ed.ocr.busy_changed.connect(lambda busy: busy and started.append(1))
    for _ in range(3):
        qtbot.keyClick(canvas, Qt.Key_Right)
    assert not started  # not yet: a run of nudges is read once it ends
    qtbot.waitUntil(lambda: rec.regions[1].transcription == "Total: 42.5", timeout=30000)
    assert started == [1] and len(ed.history()) == 1  # three nudges and their reading: one undo step
    assert rec.regions[1].points[0] == (41.0, 130.0)
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[1].points[0] == (38.0, 130.0) and rec.regions[1].transcription == "Tota1: 42.5"


def test_a_dragged_vertex_reads_the_region_again(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=view_point(canvas, 150, 150))
    assert ed.selected == 1  # "Tota1: 42.5", read wrong by the pre-label
    drag(qtbot, canvas.viewport(), view_point(canvas, 330, 172), view_point(canvas, 336, 176))
    assert abs(rec.regions[1].points[2][0] - 336) < 3
    qtbot.waitUntil(lambda: rec.regions[1].transcription == "Total: 42.5", timeout=30000)
    assert len(ed.history()) == 1


def test_ctrl_alt_m_splits_a_line_into_its_words_and_reads_each(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    ed.select(0)  # "hello world"
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_M, Qt.ControlModifier | Qt.AltModifier)
    assert [r.transcription for r in rec.regions[:2]] == ["hello", "world"]
    qtbot.waitUntil(lambda: not ed.ocr.jobs and rec.regions[0].score is not None, timeout=30000)
    assert [r.transcription for r in rec.regions[:2]] == ["hello", "world"]  # each half read again
    assert len(ed.history()) == 1  # one undo step, the readings included
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[0].transcription == "hello world" and len(rec.regions) == 2


def test_ctrl_shift_k_fits_the_selected_box_to_its_text_and_reads_it(make_window, project_folder, qtbot):
    from labeler.core.polygon import polygon_area

    window = make_window(project_folder)
    ed, canvas, rec = window.editor, window.canvas, window.editor.current
    qtbot.waitUntil(lambda: canvas.image_array is not None, timeout=10000)
    ed.move_points(0, [(20.0, 30.0), (420.0, 30.0), (420.0, 110.0), (20.0, 110.0)])  # "hello world", far too loose
    loose = polygon_area(rec.regions[0].points)
    ed.select(0)
    canvas.setFocus()
    steps = len(ed.history())
    qtbot.keyClick(canvas, Qt.Key_K, Qt.ControlModifier | Qt.ShiftModifier)
    assert polygon_area(rec.regions[0].points) < 0.6 * loose
    qtbot.waitUntil(lambda: not ed.ocr.jobs, timeout=30000)
    assert rec.regions[0].transcription == "hello world" and len(ed.history()) == steps + 1
