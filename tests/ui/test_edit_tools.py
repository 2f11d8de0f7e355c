"""Canvas editing tools on the real window: polygons, multi-select, drag, nudge, duplicate, rectangle, resort."""

from __future__ import annotations

from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication

from labeler.core.history import MovePoints

R0 = [(38, 50), (300, 50), (300, 92), (38, 92)]
R1 = [(38, 130), (330, 130), (330, 172), (38, 172)]


def _vp(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def _move(widget, pos: QPoint, modifiers=Qt.NoModifier) -> None:
    event = QMouseEvent(QEvent.MouseMove, QPointF(pos), Qt.NoButton, Qt.LeftButton, modifiers)
    QApplication.sendEvent(widget, event)


def _drag(qtbot, widget, start: QPoint, end: QPoint, modifiers=Qt.NoModifier, steps: int = 4) -> None:
    qtbot.mousePress(widget, Qt.LeftButton, modifiers, pos=start)
    for k in range(1, steps + 1):
        _move(widget, start + (end - start) * k / steps, modifiers)
    qtbot.mouseRelease(widget, Qt.LeftButton, modifiers, pos=end)


def _near(points, expected, tol=3.0) -> bool:
    return len(points) == len(expected) and all(
        abs(x - ex) <= tol and abs(y - ey) <= tol for (x, y), (ex, ey) in zip(points, expected)
    )


def _click(qtbot, canvas, x, y, modifiers=Qt.NoModifier) -> None:
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, modifiers, pos=_vp(canvas, x, y))


def test_four_point_polygon_with_q_and_esc_cancels(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    qtbot.keyClick(canvas, Qt.Key_Q)
    assert canvas.polygon_mode == "quad"
    quad = [(500, 200), (700, 190), (710, 260), (505, 270)]
    for x, y in quad[:3]:
        _click(qtbot, canvas, x, y)
    assert len(rec.regions) == 2  # not closed yet
    _click(qtbot, canvas, *quad[3])
    assert canvas.polygon_mode is None
    assert len(rec.regions) == 3 and _near(rec.regions[2].points, quad)
    assert window.editor.selected == 2 and len(window.editor.history()) == 1
    # Home starts one too; Esc throws the clicks away.
    qtbot.keyClick(canvas, Qt.Key_Home)
    assert canvas.polygon_mode == "quad"
    _click(qtbot, canvas, 600, 280)
    qtbot.keyClick(canvas, Qt.Key_Escape)
    assert canvas.polygon_mode is None and len(rec.regions) == 3
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert len(rec.regions) == 2


def test_multi_point_polygon_closed_by_enter_and_double_click(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    six = [(400, 200), (500, 180), (600, 200), (600, 260), (500, 280), (400, 260)]
    qtbot.keyClick(canvas, Qt.Key_P)
    assert canvas.polygon_mode == "poly"
    for x, y in six:
        _click(qtbot, canvas, x, y)
    assert len(rec.regions) == 2
    qtbot.keyClick(canvas, Qt.Key_Return)
    assert len(rec.regions) == 3 and _near(rec.regions[2].points, six)
    # Double-click closes: its first click places the last point.
    qtbot.keyClick(canvas, Qt.Key_P)
    for x, y in [(700, 200), (800, 200), (800, 260)]:
        _click(qtbot, canvas, x, y)
    qtbot.mouseDClick(canvas.viewport(), Qt.LeftButton, pos=_vp(canvas, 700, 260))
    assert len(rec.regions) == 4 and len(rec.regions[3].points) == 4
    assert canvas.polygon_mode is None
    # Too few points: Enter keeps drawing.
    qtbot.keyClick(canvas, Qt.Key_P)
    _click(qtbot, canvas, 100, 250)
    qtbot.keyClick(canvas, Qt.Key_Return)
    assert canvas.polygon_mode == "poly" and len(rec.regions) == 4
    qtbot.keyClick(canvas, Qt.Key_Escape)
    assert canvas.polygon_mode is None


def test_shift_click_multi_select_delete_and_undo(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    _click(qtbot, canvas, 150, 70)
    _click(qtbot, canvas, 150, 150, Qt.ShiftModifier)
    assert canvas.selected_indices() == [0, 1] and ed.selected == 1
    assert canvas.region_item(0).pen().color() == canvas.region_item(1).pen().color()
    _click(qtbot, canvas, 150, 150, Qt.ShiftModifier)  # Shift+click again takes it out
    assert canvas.selected_indices() == [0] and ed.selected == 0
    _click(qtbot, canvas, 150, 150, Qt.ShiftModifier)
    qtbot.keyClick(canvas, Qt.Key_Delete)
    assert rec.regions == [] and window.region_model.rowCount() == 0
    assert len(ed.history()) == 1  # one undo step for both
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.points for r in rec.regions] == [R0, R1]


def test_rubber_band_selects_and_drag_moves_the_selection(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    _drag(qtbot, canvas.viewport(), _vp(canvas, 20, 30), _vp(canvas, 200, 140))  # touches both regions
    assert canvas.selected_indices() == [0, 1] and ed.selected == 0
    _drag(qtbot, canvas.viewport(), _vp(canvas, 150, 70), _vp(canvas, 170, 60))
    assert _near(rec.regions[0].points, [(x + 20, y - 10) for x, y in R0])
    assert _near(rec.regions[1].points, [(x + 20, y - 10) for x, y in R1])
    assert len(ed.history()) == 1
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.points for r in rec.regions] == [R0, R1]
    # A band over empty image clears the selection.
    _drag(qtbot, canvas.viewport(), _vp(canvas, 600, 220), _vp(canvas, 800, 300))
    assert canvas.selected_indices() == [] and ed.selected == -1


def test_nudge_region_and_picked_vertex_then_undo(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    _click(qtbot, canvas, 150, 70)
    qtbot.keyClick(canvas, Qt.Key_Right)
    qtbot.keyClick(canvas, Qt.Key_Right)
    qtbot.keyClick(canvas, Qt.Key_Down, Qt.ShiftModifier)
    assert rec.regions[0].points == [(x + 2.0, y + 10.0) for x, y in R0]
    assert len(ed.history()) == 1  # a run of nudges is one step
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[0].points == R0
    # C picks vertex 3: only it moves; B goes back to the whole box.
    qtbot.keyClick(canvas, Qt.Key_C)
    assert canvas.picked_vertex == 2
    qtbot.keyClick(canvas, Qt.Key_Left)
    assert rec.regions[0].points == [R0[0], R0[1], (299.0, 92.0), R0[3]]
    qtbot.keyClick(canvas, Qt.Key_B)
    assert canvas.picked_vertex == -1
    qtbot.keyClick(canvas, Qt.Key_Up)
    assert rec.regions[0].points[0] == (38.0, 49.0)
    # Several selected regions move together, in one step.
    _click(qtbot, canvas, 150, 150, Qt.ShiftModifier)
    n = len(ed.history())
    qtbot.keyClick(canvas, Qt.Key_Left, Qt.ShiftModifier)
    assert rec.regions[1].points[0] == (28.0, 130.0) and rec.regions[0].points[0] == (28.0, 49.0)
    assert len(ed.history()) == n + 1


def test_duplicate_copies_the_selection_with_an_offset(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    _click(qtbot, canvas, 150, 70)
    qtbot.keyClick(canvas, Qt.Key_C, Qt.ControlModifier)
    assert len(rec.regions) == 3
    assert rec.regions[2].points == [(x + 10.0, y + 10.0) for x, y in R0]
    assert rec.regions[2].transcription == "hello world"
    assert ed.selected == 2 and canvas.selected_indices() == [2]
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert len(rec.regions) == 2


def test_convert_to_rectangle_expand_and_vertices(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    ed.push(MovePoints(0, [(40, 50), (300, 55), (298, 92), (38, 88)]), merge=False)
    _click(qtbot, canvas, 150, 70)
    qtbot.keyClick(canvas, Qt.Key_T, Qt.ControlModifier)
    assert rec.regions[0].points == [(38.0, 50.0), (300.0, 50.0), (300.0, 92.0), (38.0, 92.0)]
    qtbot.keyClick(canvas, Qt.Key_K, Qt.ControlModifier)
    assert rec.regions[0].points == [(35.0, 47.0), (303.0, 47.0), (303.0, 95.0), (35.0, 95.0)]
    window.actions_by_name["add_vertex"].trigger()
    assert rec.regions[0].points[1] == (169.0, 47.0) and len(rec.regions[0].points) == 5
    qtbot.keyClick(canvas, Qt.Key_X)  # vertex 2 is the new midpoint
    window.actions_by_name["remove_vertex"].trigger()
    assert rec.regions[0].points == [(35.0, 47.0), (303.0, 47.0), (303.0, 95.0), (35.0, 95.0)]
    window.actions_by_name["rotate_cw"].trigger()
    assert rec.regions[0].points == [(145.0, -63.0), (193.0, -63.0), (193.0, 205.0), (145.0, 205.0)]
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[0].points == [(38.0, 50.0), (300.0, 50.0), (300.0, 92.0), (38.0, 92.0)]


def test_resort_into_reading_order_keeps_the_selection(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    rec = ed.current
    window.actions_by_name["resort"].trigger()  # already in order: nothing to undo
    assert len(ed.history()) == 0
    _click(qtbot, canvas, 150, 150)  # region 1 (Tota1)
    qtbot.keyClick(canvas, Qt.Key_Up, Qt.ShiftModifier)  # nudges are merged; a drag is not
    ed.push(MovePoints(1, [(38, 10), (330, 10), (330, 40), (38, 40)]), merge=False)
    qtbot.keyClick(canvas, Qt.Key_B, Qt.ControlModifier)
    assert [r.transcription for r in rec.regions] == ["Tota1: 42.5", "hello world"]
    assert ed.selected == 0 and canvas.selected_indices() == [0]
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.transcription for r in rec.regions] == ["hello world", "Tota1: 42.5"]


def test_lock_apply_to_next_hide_show_zoom(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    ed.go_to(1)  # img2, one region; img10 (next) has none
    _click(qtbot, canvas, 150, 70)
    window.actions_by_name["lock"].trigger()
    assert ed.current.regions[0].locked and canvas.region_item(0).pen().style() == Qt.DashLine
    window.actions_by_name["apply_locked"].trigger()
    assert ed.current.path == "img10.png"
    assert [r.transcription for r in ed.current.regions] == ["second page"] and ed.current.regions[0].locked
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert ed.current.regions == []
    qtbot.keyClick(canvas, Qt.Key_Y, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_H, Qt.ControlModifier)
    assert not canvas.region_item(0).isVisible()
    qtbot.keyClick(canvas, Qt.Key_A, Qt.ControlModifier)
    assert canvas.region_item(0).isVisible()
    fit = canvas.zoom
    ed.select(0)
    qtbot.keyClick(canvas, Qt.Key_G, Qt.ControlModifier)
    assert canvas.zoom > fit * 1.5
    qtbot.keyClick(canvas, Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
    assert abs(canvas.zoom * canvas.image_size[0] - canvas.viewport().width()) < 30


def test_real_double_click_sequence_adds_the_last_point_once(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, rec = window.canvas, window.editor.current
    qtbot.keyClick(canvas, Qt.Key_P)
    for x, y in [(700, 200), (800, 200), (800, 260)]:
        _click(qtbot, canvas, x, y)
    pos = QPointF(_vp(canvas, 700, 260))
    press, release, double = QEvent.MouseButtonPress, QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick
    for kind in (press, release, double, release):
        buttons = Qt.NoButton if kind == QEvent.MouseButtonRelease else Qt.LeftButton
        QApplication.sendEvent(canvas.viewport(), QMouseEvent(kind, pos, Qt.LeftButton, buttons, Qt.NoModifier))
    assert len(rec.regions) == 3 and _near(rec.regions[2].points, [(700, 200), (800, 200), (800, 260), (700, 260)])


def test_locked_regions_follow_onto_the_next_new_image(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    qtbot.keyClick(canvas, Qt.Key_D)  # img2 (confirmed, one region)
    _click(qtbot, canvas, 150, 70)
    window.actions_by_name["lock"].trigger()
    qtbot.keyClick(canvas, Qt.Key_D)  # img10 is new and empty: the locked region follows
    assert ed.current.path == "img10.png"
    assert [(r.transcription, r.locked) for r in ed.current.regions] == [("second page", True)]
    assert window.region_model.rowCount() == 1 and len(canvas.selected_indices()) == 0
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert ed.current.regions == []
    window.actions_by_name["auto_template"].trigger()  # switched off: nothing follows
    qtbot.keyClick(canvas, Qt.Key_A)
    qtbot.keyClick(canvas, Qt.Key_D)
    assert ed.current.regions == []
    assert ed.project.record("img1.png").regions[0].locked is False  # images already labelled are left alone


def test_no_two_actions_share_a_shortcut(make_window):
    window = make_window()
    seen: dict[str, str] = {}
    for name, action in window.actions_by_name.items():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} is bound to both {seen[text]} and {name}"
            seen[text] = name
    for text in (
        "Q",
        "Home",
        "P",
        "Ctrl+C",
        "Ctrl+T",
        "Ctrl+K",
        "Ctrl+B",
        "Ctrl+H",
        "Ctrl+A",
        "Ctrl+G",
        "Ctrl+Shift+F",
    ):
        assert text in seen


def test_the_canvas_draws_the_editing_sessions_selection(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas, ed = window.canvas, window.editor
    assert canvas.selection is ed.session.selection  # one selection: the session's, drawn by the canvas
    announced = []
    ed.selection_changed.connect(announced.append)
    canvas.select_many([0, 1], primary=1)
    assert ed.session.selection.indices() == [0, 1] and ed.selected == 1 and announced == [1]
    assert canvas.region_item(0).selected and canvas.region_item(1).selected
    qtbot.keyClick(canvas, Qt.Key_X)  # pick the 2nd vertex of the primary region
    assert ed.session.selection.picked_vertex == canvas.picked_vertex == 1
    ed.select(0)  # the table picks another region: the vertex goes, the multi-selection stays
    assert canvas.picked_vertex == -1 and canvas.selected_indices() == [0, 1] and announced == [1, 0]
    ed.go_to(1)
    assert canvas.selected_indices() == [] and not canvas.region_item(0).selected
