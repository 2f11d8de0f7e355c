"""The main window on a real PPOCRLabel folder: navigation, inline edits, canvas edits, undo, confirm, autosave."""

from __future__ import annotations

import time

from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QLineEdit

from labeler.core.model import ImageStatus
from labeler.core.ppocrlabel_format import read_label_file
from labeler.ui.panels import TEXT


def _move(widget, pos: QPoint) -> None:
    """A mouse move with the left button held (QTest's mouseMove carries no buttons)."""
    event = QMouseEvent(QEvent.MouseMove, QPointF(pos), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def _drag(qtbot, widget, start: QPoint, end: QPoint, steps: int = 5) -> None:
    qtbot.mousePress(widget, Qt.LeftButton, pos=start)
    for k in range(1, steps + 1):
        _move(widget, start + (end - start) * k / steps)
    qtbot.mouseRelease(widget, Qt.LeftButton, pos=end)


def _view_point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def test_opens_folder_and_shows_first_image(make_window, project_folder):
    window = make_window(project_folder)
    ed = window.editor
    assert [r.path for r in ed.project.records] == ["img1.png", "img2.png", "img10.png"]  # natural order
    assert ed.current.path == "img1.png"
    assert window.canvas.image_size == (900, 320)
    assert window.region_model.rowCount() == 2
    assert window.region_model.index(1, TEXT).data() == "Tota1: 42.5"
    assert window.region_model.index(1, 2).data() == "0.61"
    assert window.canvas.region_item(1).low and not window.canvas.region_item(0).low
    assert window.images.counts.text() == "3 images\n1 confirmed · 1 pre-labelled · 1 new"
    assert window.size_label.text() == "900 × 320 px"
    assert "2 regions" in window.count_label.text()


def test_next_previous_keys(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    qtbot.keyClick(window.canvas, Qt.Key_D)
    assert window.editor.current.path == "img2.png"
    assert window.images.view.currentIndex().row() == 1
    qtbot.keyClick(window.canvas, Qt.Key_D)
    assert window.editor.current.path == "img10.png" and window.region_model.rowCount() == 0
    qtbot.keyClick(window.canvas, Qt.Key_A)
    assert window.editor.current.path == "img2.png"
    window.images.view.setCurrentIndex(window.images.model.index(0))  # click in the image list
    assert window.editor.current.path == "img1.png"


def test_inline_text_edit_undo_redo(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    table = window.regions
    index = window.region_model.index(1, TEXT)
    table.setCurrentIndex(index)
    assert window.editor.selected == 1 and window.canvas.selected_indices() == [1]  # the list selects on the canvas
    assert window.canvas.region_item(1).selected  # and the canvas draws it selected
    qtbot.keyClick(window.canvas, Qt.Key_E, Qt.ControlModifier)  # edit the selected region's text
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "Total: 42.5")
    qtbot.keyClick(editor, Qt.Key_Return)
    rec = window.editor.current
    qtbot.waitUntil(lambda: rec.regions[1].transcription == "Total: 42.5")  # the delegate commits queued
    assert len(window.editor.history()) == 1  # typing a whole word is one undo step
    assert index.data() == "Total: 42.5"
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[1].transcription == "Tota1: 42.5" and index.data() == "Tota1: 42.5"
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert rec.regions[1].transcription == "Total: 42.5"
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    qtbot.keyClick(window.canvas, Qt.Key_Y, Qt.ControlModifier)
    assert rec.regions[1].transcription == "Total: 42.5"


def test_click_select_and_drag_vertex_is_one_undo_step(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=_view_point(canvas, 150, 70))
    assert window.editor.selected == 0
    assert window.regions.currentIndex().row() == 0
    before = list(rec.regions[0].points)
    start = _view_point(canvas, 300, 92)  # bottom-right vertex
    end = _view_point(canvas, 340, 110)
    _drag(qtbot, canvas.viewport(), start, end)  # several moves, still one drag
    x, y = rec.regions[0].points[2]
    assert abs(x - 340) < 3 and abs(y - 110) < 3
    assert rec.regions[0].points[0] == before[0]
    assert len(window.editor.history()) == 1
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[0].points == before
    assert canvas.region_item(0).points() == [tuple(map(float, p)) for p in before]
    # A click outside every region clears the selection.
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=_view_point(canvas, 800, 300))
    assert window.editor.selected == -1


def test_draw_rectangle_adds_region_and_delete_removes_it(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    qtbot.keyClick(canvas, Qt.Key_W)
    assert canvas.drawing
    start, end = _view_point(canvas, 500, 200), _view_point(canvas, 700, 260)
    _drag(qtbot, canvas.viewport(), start, end, steps=2)
    assert not canvas.drawing
    assert len(rec.regions) == 3
    (x0, y0), _, (x2, y2), _ = rec.regions[2].points
    assert abs(x0 - 500) < 3 and abs(y0 - 200) < 3 and abs(x2 - 700) < 3 and abs(y2 - 260) < 3
    assert rec.regions[2].transcription == "" and rec.regions[2].score is None
    assert window.region_model.rowCount() == 3 and window.editor.selected == 2
    qtbot.keyClick(canvas, Qt.Key_Delete)
    assert len(rec.regions) == 2 and window.region_model.rowCount() == 2
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert len(rec.regions) == 3


def test_confirm_saves_and_goes_to_next_unconfirmed(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    qtbot.keyClick(window.canvas, Qt.Key_V, Qt.ControlModifier)
    # img1 confirmed and saved at once; img2 is confirmed already, so img10 is next.
    label = read_label_file(project_folder / "Label.txt").by_key()
    assert [r.transcription for r in label["data/img1.png"]] == ["hello world", "Tota1: 42.5"]
    assert label["data/img1.png"][0].points == [(38, 50), (300, 50), (300, 92), (38, 92)]
    state = (project_folder / "fileState.txt").read_text(encoding="utf-8")
    assert "data/img1.png\t1" in state and "data/img2.png\t1" in state
    assert window.editor.current.path == "img10.png"
    assert window.editor.project.record("img1.png").status is ImageStatus.CONFIRMED
    assert "2 confirmed" in window.images.counts.text()
    qtbot.keyClick(window.canvas, Qt.Key_End)  # img10 has no regions: confirmed, no Label.txt line
    assert "data/img10.png\t1" in (project_folder / "fileState.txt").read_text(encoding="utf-8")


def test_autosave_within_a_second_and_a_half(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    cache_file = project_folder / "Cache.cach"
    window.editor.set_text(0, "hello autosave")
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: "hello autosave" in cache_file.read_text(encoding="utf-8"), timeout=1500)
    assert time.monotonic() - t0 < 1.5
    # Edits made just before closing are saved by the close.
    window.editor.set_text(1, "saved on close")
    window.close()
    assert "saved on close" in cache_file.read_text(encoding="utf-8")


def test_zoom_keys_and_fit(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas = window.canvas
    fit = canvas.zoom
    qtbot.keyClick(canvas, Qt.Key_Equal, Qt.ControlModifier)
    assert abs(canvas.zoom - fit * 1.25) < 1e-6 and not canvas.fit_mode
    qtbot.keyClick(canvas, Qt.Key_Minus, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_Minus, Qt.ControlModifier)
    assert abs(canvas.zoom - fit / 1.25) < 1e-6
    assert window.zoom_label.text() == f"Zoom {canvas.zoom * 100:.0f}%"
    qtbot.keyClick(canvas, Qt.Key_F, Qt.ControlModifier)
    assert abs(canvas.zoom - fit) < 1e-6
