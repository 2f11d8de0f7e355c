"""Issue 14: the window learns the project's conventions from confirmed images and fits the next pre-labels; one
key puts an image's texts in capitals, one key makes a region don't-care. Real widgets and files, offscreen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.core.polygon import polygon_iou
from labeler.core.ppocrlabel_format import read_label_file
from tests.conftest import render_lines, write_image

N = 10  # lines per image: more reshaped boxes than MIN_RESHAPED on the first image


def quad(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def loose(k: int) -> list[list[float]]:
    return quad(16, 20 + 40 * k, 316, 50 + 40 * k)  # the detector's box: 4 px wider than the ink box each side


def tight(k: int) -> list[list[float]]:
    return quad(20, 24 + 40 * k, 312, 46 + 40 * k)


@pytest.fixture
def receipts(tmp_path: Path) -> Path:
    folder = tmp_path / "receipts"
    lines = []
    for name in ("a.png", "b.png"):
        write_image(folder / name, render_lines(["x"], size=(400, 460)))
        regions = [
            {"transcription": f"Item {k}：{k}.00", "points": loose(k), "difficult": False, "score": 0.97}
            for k in range(N)
        ]
        lines.append(f"receipts/{name}\t{json.dumps(regions, ensure_ascii=False)}\n")
    (folder / "Cache.cach").write_text("".join(lines), encoding="utf-8")
    return folder


def test_confirmed_corrections_fit_the_next_images_pre_labels(make_window, receipts, qtbot):
    window = make_window(receipts)
    ed = window.editor
    assert ed.current.path == "a.png"
    assert [r.points for r in ed.current.regions] == [[tuple(p) for p in loose(k)] for k in range(N)]  # unchanged
    for k in range(N):  # the user pulls every box in to the ink and writes the colon half-width
        ed.move_points(k, [tuple(p) for p in tight(k)])
        ed.set_text(k, f"Item {k}:{k}.00")
    window.actions_by_name["confirm"].trigger()
    qtbot.waitUntil(lambda: ed.current.path == "b.png", timeout=5000)
    b = ed.current
    assert all(polygon_iou(r.points, tight(k)) > 0.9 for k, r in enumerate(b.regions))
    assert [r.transcription for r in b.regions] == [f"Item {k}:{k}.00" for k in range(N)]
    assert all(r.score == 0.97 for r in b.regions)  # the recognizer's confidence stays
    assert "conventions" in window.statusBar().currentMessage()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.transcription for r in b.regions] == [f"Item {k}：{k}.00" for k in range(N)]
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo
    window.actions_by_name["confirm"].trigger()
    ed.flush()
    saved = read_label_file(receipts / "Label.txt").by_key()
    assert [r.transcription for r in saved["receipts/b.png"]] == [f"Item {k}:{k}.00" for k in range(N)]


def test_with_the_setting_off_the_next_pre_labels_stay_as_read(make_window, receipts, qtbot):
    window = make_window(receipts)
    ed = window.editor
    ed.session.apply_conventions = False
    for k in range(N):
        ed.move_points(k, [tuple(p) for p in tight(k)])
    window.actions_by_name["confirm"].trigger()
    qtbot.waitUntil(lambda: ed.current.path == "b.png", timeout=5000)
    assert [r.points for r in ed.current.regions] == [[tuple(p) for p in loose(k)] for k in range(N)]
    assert ed.session.conventions().margin is not None  # learned all the same


def test_capitals_key_for_the_whole_image_and_dont_care_key_for_a_region(make_window, receipts, qtbot):
    window = make_window(receipts)
    ed, canvas = window.editor, window.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)
    assert [r.transcription for r in ed.current.regions] == [f"ITEM {k}：{k}.00" for k in range(N)]
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)  # one undo step for the whole image
    assert ed.current.regions[0].transcription == "Item 0：0.00"
    ed.select(3)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_3, Qt.ControlModifier)
    region = ed.current.regions[3]
    assert region.transcription == "###" and region.difficult
    qtbot.keyClick(canvas, Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)  # with a selection: only that one
    assert ed.current.regions[3].transcription == "###"
    assert ed.current.regions[4].transcription == "Item 4：4.00"
    assert ed.current.status is ImageStatus.PRELABELLED


def test_shift_w_draws_a_dont_care_rectangle_in_one_undo_step(make_window, receipts, qtbot):
    from tests.ui.test_no_surprises import drag

    window = make_window(receipts)
    ed, canvas = window.editor, window.canvas
    n = len(ed.current.regions)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_W, Qt.ShiftModifier)
    vp = canvas.viewport()
    drag(qtbot, vp, canvas.mapFromScene(330, 20), canvas.mapFromScene(390, 60))
    qtbot.waitUntil(lambda: ed.current.regions[-1].transcription == "###", timeout=5000)
    drawn = ed.current.regions[-1]
    assert len(ed.current.regions) == n + 1 and drawn.difficult and not ed.ocr.jobs
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    assert len(ed.current.regions) == n
    qtbot.keyClick(canvas, Qt.Key_W)  # W again: an ordinary box, read at once
    drag(qtbot, vp, canvas.mapFromScene(330, 20), canvas.mapFromScene(390, 60))
    assert len(ed.current.regions) == n + 1
    qtbot.wait(50)
    assert ed.current.regions[-1].transcription != "###"
