"""Image file actions on the real window: rotate the file (Ctrl+Alt+L / R), delete it (Ctrl+Shift+D),
box numbers, Ctrl+J; checked on the files PPOCRLabel reads."""

from __future__ import annotations

import json
import os

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QMessageBox

from labeler.core.image_file_ops import prepare_rotation
from labeler.core.image_io import read_image
from labeler.core.project import open_project
from labeler.core.region_ops import rotate_points_with_image
from labeler.ui.shortcuts import ShortcutsDialog, keys_of

IMG2_BOX = [(38, 50), (320, 50), (320, 92), (38, 92)]
IMG1_BOXES = [[(38, 50), (300, 50), (300, 92), (38, 92)], [(38, 130), (330, 130), (330, 172), (38, 172)]]


def _lines(path) -> dict[str, list]:
    """key -> regions of a Label.txt / Cache.cach file."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, payload = line.partition("\t")
        out[key] = json.loads(payload)
    return out


def _points(regions) -> list[list[tuple[float, float]]]:
    return [[tuple(p) for p in r["points"]] for r in regions]


def test_rotate_confirmed_image_file_with_its_regions_and_undo(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, canvas = window.editor, window.canvas
    ed.go_to(1)  # img2.png: confirmed, in Label.txt
    file = project_folder / "img2.png"
    before_bytes, before = file.read_bytes(), read_image(file)
    h, w = before.shape[:2]
    cache_before = (project_folder / "Cache.cach").read_bytes()
    qtbot.keyClick(canvas, Qt.Key_R, Qt.ControlModifier | Qt.AltModifier)
    assert window.image_actions.rotating  # the new bytes are made on a thread
    qtbot.waitUntil(lambda: not window.image_actions.rotating)
    after = read_image(file)
    assert np.array_equal(after, np.rot90(before, -1))  # the pixels on disk turned clockwise (PNG: lossless)
    expected = rotate_points_with_image(IMG2_BOX, w, h, clockwise=True)
    assert ed.current.regions[0].points == expected
    assert (ed.current.width, ed.current.height) == (h, w) and canvas.image_size == (h, w)  # the new pixels shown
    assert canvas.region_item(0).points() == expected
    ed.select(0)
    assert window.correction.current_image().shape[:2] == (w, h)  # the crop preview reads the new pixels too
    # Saved at once: Label.txt holds the turned box (integers), the record stays confirmed.
    assert _points(_lines(project_folder / "Label.txt")["data/img2.png"]) == [[tuple(map(round, p)) for p in expected]]
    assert (project_folder / "fileState.txt").read_text(encoding="utf-8") == "data/img2.png\t1\n"
    assert (project_folder / "Cache.cach").read_bytes() == cache_before  # img1's pre-labels untouched
    reopened = open_project(project_folder)
    assert reopened.record("img2.png").regions[0].points == expected
    assert reopened.record("img2.png").regions[0].transcription == "second page"
    # One undo step: the original bytes and boxes come back, on disk too.
    qtbot.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    ed.flush()
    assert file.read_bytes() == before_bytes and canvas.image_size == (w, h)
    assert ed.current.regions[0].points == IMG2_BOX
    assert _points(_lines(project_folder / "Label.txt")["data/img2.png"]) == [IMG2_BOX]
    qtbot.keyClick(canvas, Qt.Key_Y, Qt.ControlModifier)
    assert np.array_equal(read_image(file), after) and ed.current.regions[0].points == expected


def test_rotate_prelabelled_image_anticlockwise_updates_the_cache(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    assert ed.current.path == "img1.png"  # pre-labelled: Cache.cach only
    file = project_folder / "img1.png"
    before = read_image(file)
    h, w = before.shape[:2]
    label_before = (project_folder / "Label.txt").read_bytes()
    ed.select(0)
    qtbot.keyClick(window.canvas, Qt.Key_L, Qt.ControlModifier | Qt.AltModifier)
    qtbot.waitUntil(lambda: not window.image_actions.rotating)
    assert np.array_equal(read_image(file), np.rot90(before, 1))
    expected = [rotate_points_with_image(b, w, h, clockwise=False) for b in IMG1_BOXES]
    cache = _lines(project_folder / "Cache.cach")["data/img1.png"]
    assert _points(cache) == expected and [r["transcription"] for r in cache] == ["hello world", "Tota1: 42.5"]
    assert (project_folder / "Label.txt").read_bytes() == label_before  # not confirmed: no Label.txt line
    assert ed.selected == -1 and ed.current.status.value == "prelabelled"
    # Every box still lies inside the turned image.
    assert all(0 <= x <= h and 0 <= y <= w for box in expected for x, y in box)


def test_rotation_is_dropped_when_the_file_changed_meanwhile(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    acts, rec = window.image_actions, window.editor.current
    file = project_folder / "img1.png"
    assert acts.rotate_image(clockwise=True)
    assert not acts.rotate_image(clockwise=True)  # one at a time
    qtbot.waitUntil(lambda: not acts.rotating)
    assert rec.regions[0].points != IMG1_BOXES[0]
    # Prepared, then the file is touched before the turn is applied: nothing happens.
    window.editor.undo()
    original = file.read_bytes()
    prepared = prepare_rotation(file, clockwise=False)
    os.utime(file, ns=(1, 1))
    acts.rotation_ready((window.editor.project, rec, prepared), "")
    assert rec.regions[0].points == IMG1_BOXES[0] and file.read_bytes() == original
    assert "changed on disk" in window.statusBar().currentMessage()
    # A failure on the thread comes back as a message, and the next turn can start.
    acts.rotation_ready((window.editor.project, rec, None), "disk on fire")
    assert "disk on fire" in window.statusBar().currentMessage() and not acts.rotating


def test_delete_image_asks_moves_it_to_the_trash_and_drops_its_lines(make_window, project_folder, qtbot, monkeypatch):
    window = make_window(project_folder)
    ed = window.editor
    answers = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    answers.append(QMessageBox.No)
    qtbot.keyClick(window.canvas, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    assert (project_folder / "img1.png").exists() and len(ed.project) == 3  # "No" keeps everything
    answers.append(QMessageBox.Yes)
    qtbot.keyClick(window.canvas, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    trash = project_folder / ".labeler" / "trash"
    assert not (project_folder / "img1.png").exists() and (trash / "img1.png").is_file()
    assert "data/img1.png" not in _lines(project_folder / "Cache.cach")
    assert "data/img1.png\t" in (trash / "img1.png.label.txt").read_text(encoding="utf-8")  # the labels are kept there
    assert ed.current.path == "img2.png" and window.images.model.rowCount() == 2  # the next image is shown
    assert window.images.view.currentIndex().row() == 0
    assert "2 images" in window.images.counts.text()
    # The confirmed one: its Label.txt and fileState.txt lines go too.
    answers.append(QMessageBox.Yes)
    window.actions_by_name["delete_image"].trigger()
    assert (trash / "img2.png").is_file()
    assert _lines(project_folder / "Label.txt") == {}
    assert (project_folder / "fileState.txt").read_text(encoding="utf-8") == ""
    assert ed.current.path == "img10.png"
    reopened = open_project(project_folder)
    assert [r.path for r in reopened.records] == ["img10.png"] and reopened.errors == []
    answers.append(QMessageBox.Yes)
    window.image_actions.ask_delete_image()  # the last image: nothing left to show
    assert ed.current is None and window.canvas.image_size is None and len(ed.project) == 0
    assert answers == []


def test_box_numbers_toggle_and_ctrl_j_leaves_drawing(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    canvas = window.canvas
    numbers = window.actions_by_name["box_numbers"]
    assert numbers.isChecked() and canvas.index_badge(1).isVisible()
    assert canvas.index_badge(1).data(0) == "2" and canvas.index_badge(1).pixmap().width() > 0
    numbers.trigger()
    assert not canvas.index_badge(0).isVisible() and not canvas.index_badge(1).isVisible()
    assert canvas.region_item(0).isVisible()  # only the numbers go
    qtbot.keyClick(canvas, Qt.Key_D)
    qtbot.keyClick(canvas, Qt.Key_A)
    assert not canvas.index_badge(0).isVisible()  # stays off on other images
    qtbot.keyClick(canvas, Qt.Key_H, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_A, Qt.ControlModifier)
    assert not canvas.index_badge(0).isVisible()  # "show boxes" does not bring the numbers back
    numbers.trigger()
    assert canvas.index_badge(0).isVisible()
    qtbot.keyClick(canvas, Qt.Key_W)
    assert canvas.drawing
    qtbot.keyClick(canvas, Qt.Key_J, Qt.ControlModifier)
    assert not canvas.drawing
    qtbot.keyClick(canvas, Qt.Key_Q)
    assert canvas.polygon_mode == "quad"
    qtbot.keyClick(canvas, Qt.Key_J, Qt.ControlModifier)
    assert canvas.polygon_mode is None


def test_new_actions_are_listed_in_the_shortcut_help(make_window):
    window = make_window()
    actions = window.actions_by_name
    wanted = {
        "rotate_image_ccw": "Ctrl+Alt+L",
        "rotate_image_cw": "Ctrl+Alt+R",
        "delete_image": "Ctrl+Shift+D",
        "edit_mode": "Ctrl+J",
    }
    assert {name: keys_of(actions[name]) for name in wanted} == {name: [k] for name, k in wanted.items()}
    rows = ShortcutsDialog(actions, window).rows()
    assert ("Rotate image clockwise", "rotate_image_cw", "Ctrl+Alt+R") in rows
    assert ("Show box numbers", "box_numbers", "-") in rows
