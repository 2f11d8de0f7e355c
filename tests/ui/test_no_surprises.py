"""Issue 14 item 5, "no surprises": the view holds still after edits, the region list starts at the top, A/D follow
the image list's filter, Ctrl+D marks difficult (with its own look), KIE colours on the canvas, number badges
beside (never on) their boxes. Real widgets, offscreen."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PyQt5.QtGui import QKeySequence, QMouseEvent
from PyQt5.QtWidgets import QApplication

from labeler.core.model import ImageStatus, TextRegion
from labeler.ui.actions import ACTIONS, REGION
from labeler.ui.canvas import Canvas
from labeler.ui.canvas_items import DIFFICULT, NORMAL, badge_rect
from tests.conftest import render_lines, write_image


def drag(qtbot, widget, start: QPoint, end: QPoint, steps: int = 5) -> None:
    qtbot.mousePress(widget, Qt.LeftButton, pos=start)
    for k in range(1, steps + 1):  # moves with the left button held (QTest's mouseMove carries no buttons)
        pos = QPointF(start + (end - start) * k / steps)
        QApplication.sendEvent(widget, QMouseEvent(QEvent.MouseMove, pos, Qt.NoButton, Qt.LeftButton, Qt.NoModifier))
    qtbot.mouseRelease(widget, Qt.LeftButton, pos=end)


def scroll(canvas) -> tuple[int, int, float]:
    return canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value(), canvas.zoom


def box(x: float, y: float, w: float, h: float, text: str = "") -> dict:
    return {"transcription": text, "points": [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], "difficult": False}


@pytest.fixture
def tall_folder(tmp_path: Path) -> Path:
    """Two pre-labelled images with 60 regions each (a region list that scrolls) and a third one."""
    folder = tmp_path / "data"
    lines = []
    for name in ("a.png", "b.png", "c.png"):
        write_image(folder / name, render_lines(["x"], size=(600, 1300)))
        regions = [box(20, 20 + 21 * i, 200, 18, f"{name} line {i}") for i in range(60)]
        lines.append(f"data/{name}\t{json.dumps(regions)}\n")
    (folder / "Cache.cach").write_text("".join(lines), encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------------------------- the view holds


def test_the_view_does_not_jump_after_delete_or_draw(make_window, tall_folder, qtbot):
    window = make_window(tall_folder)
    canvas, ed = window.canvas, window.editor
    canvas.fit_mode = False  # the user zoomed in
    canvas.set_zoom(5.0)
    canvas.centerOn(QPointF(120, 660))  # regions 30..32 in view
    ed.select(31)
    qtbot.wait(10)
    before = scroll(canvas)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_Delete)
    assert len(ed.current.regions) == 59 and ed.selected == 31
    qtbot.wait(10)
    assert scroll(canvas) == before
    ed.select(58)  # the list picks a region far away: that one scrolls into view
    qtbot.wait(10)
    assert scroll(canvas) != before
    canvas.centerOn(QPointF(120, 660))
    qtbot.wait(10)
    before = scroll(canvas)
    viewport = canvas.viewport()
    corner = QPoint(viewport.width() - 12, viewport.height() - 12)  # a box drawn at the very edge of the view
    canvas.start_rectangle()
    drag(qtbot, viewport, corner - QPoint(60, 40), corner)
    assert len(ed.current.regions) == 60 and ed.selected == 59
    qtbot.wait(10)
    assert scroll(canvas) == before
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)  # undoing the box: still no jump
    qtbot.wait(10)
    assert scroll(canvas) == before and len(ed.current.regions) == 59


# ---------------------------------------------------------------------------------------------- the region list


def test_the_region_list_starts_at_the_top_of_each_image(make_window, tall_folder, qtbot):
    window = make_window(tall_folder)
    table, bar = window.regions, window.regions.verticalScrollBar()
    window.editor.select(55)
    assert bar.value() > 0
    window.editor.delete_selected()  # an edit keeps the list where it is
    assert bar.value() > 0
    qtbot.keyClick(window.canvas, Qt.Key_D)
    assert window.editor.current.path == "b.png"
    assert bar.value() == 0 and table.rowAt(0) == 0
    window.editor.select(50)  # the selection is scrolled to
    assert bar.value() > 0
    qtbot.keyClick(window.canvas, Qt.Key_A)
    assert window.editor.current.path == "a.png" and bar.value() == 0


# ---------------------------------------------------------------------------------------------- A / D and the filter


def test_a_and_d_step_through_the_images_the_list_shows(make_window, project_folder, qtbot):
    window = make_window(project_folder)  # img1 pre-labelled, img2 confirmed, img10 new
    ed, images = window.editor, window.images
    images.set_status_filter(ImageStatus.NEW)
    assert images.visible_rows() == [2]
    qtbot.keyClick(window.canvas, Qt.Key_D)  # from img1 (filtered out) to the next shown one, over img2
    assert ed.current.path == "img10.png"
    qtbot.keyClick(window.canvas, Qt.Key_A)  # nothing shown before it: stays
    assert ed.current.path == "img10.png"
    images.set_status_filter(ImageStatus.PRELABELLED)
    assert images.neighbour(2, -1) == 0 and images.neighbour(2, 1) == -1
    qtbot.keyClick(window.canvas, Qt.Key_A)
    assert ed.current.path == "img1.png"
    images.set_status_filter(None)  # all images: one by one again
    qtbot.keyClick(window.canvas, Qt.Key_D)
    assert ed.current.path == "img2.png"


def test_neighbour_rows_under_a_filter(make_window, project_folder):
    images = make_window(project_folder).images
    assert [images.neighbour(r, 1) for r in (-1, 0, 1, 2)] == [0, 1, 2, -1]
    images.set_status_filter(ImageStatus.CONFIRMED)
    assert [images.neighbour(r, 1) for r in (-1, 0, 1, 2)] == [1, 1, -1, -1]
    assert [images.neighbour(r, -1) for r in (0, 1, 2)] == [-1, -1, 1]


# ---------------------------------------------------------------------------------------------- difficult


def test_difficult_has_a_key_a_menu_entry_and_a_look(make_window, project_folder, qtbot):
    spec = next(s for s in ACTIONS if s.id == "toggle_difficult")
    assert spec.menu == REGION and spec.keys == ("Ctrl+D",)
    all_keys = [k for s in ACTIONS for k in s.keys]
    assert len(all_keys) == len(set(all_keys))  # Ctrl+D collides with no other action
    window = make_window(project_folder)
    ed, canvas = window.editor, window.canvas
    action = window.actions_by_name["toggle_difficult"]
    assert action.shortcut() == QKeySequence("Ctrl+D") and action in window.menuBar().actions()[5].menu().actions()
    ed.select(0)
    qtbot.keyClick(canvas, Qt.Key_D, Qt.ControlModifier)
    rec = ed.current
    assert rec.regions[0].difficult and window.region_model.index(0, 3).data(Qt.CheckStateRole) == Qt.Checked
    item = canvas.region_item(0)
    assert item.pen().style() == Qt.DotLine and item.brush().style() == Qt.BDiagPattern
    ed.select(-1)
    assert item.pen().color() == DIFFICULT and canvas.index_badge(0).data(1) == DIFFICULT.rgba()
    canvas.select_many([0, 1])
    qtbot.keyClick(canvas, Qt.Key_D, Qt.ControlModifier)  # not all difficult: all become difficult, one step
    assert [r.difficult for r in rec.regions] == [True, True]
    qtbot.keyClick(canvas, Qt.Key_D, Qt.ControlModifier)  # all difficult: none
    assert [r.difficult for r in rec.regions] == [False, False]
    assert canvas.region_item(0).brush().style() == Qt.SolidPattern
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.difficult for r in rec.regions] == [True, True]


# ---------------------------------------------------------------------------------------------- KIE colours


def test_kie_mode_draws_the_key_class_colours(make_window, project_folder):
    window = make_window(project_folder)
    kie, canvas, ed = window.kie, window.canvas, window.editor
    kie.attach_canvas(canvas)  # the window attached it already: nothing more
    kie.classes.set_names(["question", "answer"])
    ed.select(0)
    kie.set_key_class("answer")
    ed.select(-1)
    assert canvas.region_item(0).pen().color() == NORMAL  # KIE mode off: the usual look
    kie.set_enabled(True)
    answer = kie.classes.colour("answer")
    item = canvas.region_item(0)
    assert item.pen().color() == answer and item.brush().color().rgb() == answer.rgb()
    assert canvas.region_item(1).pen().color() == kie.classes.colour(None)  # no class: grey
    assert canvas.index_badge(0).data(1) == answer.rgba()
    kie.classes.set_names(["answer", "question"])  # colours follow the list's order
    assert canvas.region_item(0).pen().color() == kie.classes.colour("answer") != answer
    kie.set_enabled(False)
    assert canvas.region_item(0).pen().color() == NORMAL


# ---------------------------------------------------------------------------------------------- badges


def layout_regions() -> list[TextRegion]:
    def r(x, y, w, h):
        return TextRegion([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], "t")

    return [
        r(100, 100, 200, 30),  # a column of touching lines
        r(100, 130, 200, 30),
        r(100, 160, 200, 30),
        r(320, 100, 80, 30),  # a word right of the first line
        r(402, 100, 80, 30),  # and its neighbour, 2 px away
        r(150, 250, 200, 40),  # two overlapping boxes
        r(170, 260, 200, 40),
        r(0, 0, 120, 25),  # in the image's top-left corner
        r(0, 400, 600, 50),  # as wide as the image
        TextRegion([(520, 300), (590, 320), (580, 350), (510, 330)], "rotated"),
    ]


@pytest.mark.parametrize("zoom", [None, 0.5, 3.0])
def test_badges_sit_beside_their_boxes_inside_the_image(qtbot, zoom):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 700)
    canvas.show()
    canvas.set_image(np.full((480, 600, 3), 255, np.uint8))
    regions = layout_regions()
    canvas.set_regions(regions, 0.5)
    if zoom is not None:
        canvas.set_zoom(zoom)
    image = QRectF(0, 0, 600, 480)
    for i in range(len(regions)):
        badge = badge_rect(canvas.index_badge(i), canvas.zoom)
        own = canvas.region_item(i).polygon().boundingRect()
        assert image.contains(badge.adjusted(0.01, 0.01, -0.01, -0.01)), (i, badge)
        assert not badge.intersects(own.adjusted(0.01, 0.01, -0.01, -0.01)), (i, badge, own)
        assert canvas.index_badge(i).data(0) == str(i + 1)
    assert badge_rect(canvas.index_badge(0), canvas.zoom).right() <= 100  # first choice: left of the box
    canvas.select_many([5])  # dragging a box takes its badge along, still beside it
    start = canvas.mapFromScene(QPointF(250, 270))
    drag(qtbot, canvas.viewport(), start, start + QPoint(40, 20))
    moved = canvas.region_item(5).polygon().boundingRect()
    assert not badge_rect(canvas.index_badge(5), canvas.zoom).intersects(moved.adjusted(0.01, 0.01, -0.01, -0.01))
