"""Fast correction: F3 jumps to the next low-confidence region, Enter accepts; crop preview (from the canvas's
pixels, at preview size); image-list filter."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage

from labeler.core import image_io
from labeler.core.crop import crop_polygon
from labeler.core.model import ImageStatus
from labeler.ui.correction import PREVIEW_SIZE, STRIP_BOX, next_low_index, preview_crop
from labeler.ui.line_editor import STRIP_HEIGHT, strip_image


def test_next_low_index_wraps_and_skips_unscored():
    class R:
        def __init__(self, score):
            self.score = score

    regions = [R(0.5), R(None), R(0.99), R(0.7)]
    assert next_low_index(regions, -1, 0.85) == 0
    assert next_low_index(regions, 0, 0.85) == 3
    assert next_low_index(regions, 3, 0.85) == 0  # wraps
    assert next_low_index(regions, 0, 0.85, step=-1) == 3
    assert next_low_index([R(0.9), R(None)], -1, 0.85) == -1


def test_jump_to_low_confidence_region_fix_and_accept(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed, panel = window.editor, window.correction
    messages: list[str] = []
    ed.message.connect(messages.append)
    rec = ed.current  # img1.png: region 2 "Tota1: 42.5" scored 0.61
    assert window.canvas.region_item(1).low
    qtbot.keyClick(window.canvas, Qt.Key_F3)
    assert ed.selected == 1
    assert panel.text.hasFocus() and panel.text.text() == "Tota1: 42.5"
    assert panel.text.selectedText() == "Tota1: 42.5"  # typing replaces it
    assert "low confidence" in panel.info.text()
    qtbot.keyClicks(panel.text, "oops")
    qtbot.keyClick(panel.text, Qt.Key_Escape)  # Esc takes the typing back
    assert panel.text.text() == "Tota1: 42.5" and rec.regions[1].score == 0.61
    qtbot.keyClicks(panel.text, "Total: 42.5")
    qtbot.keyClick(panel.text, Qt.Key_Return)
    # The recognizer's score is kept; the region is marked reviewed, so it is no longer a low one.
    region = rec.regions[1]
    assert region.transcription == "Total: 42.5" and region.score == 0.61 and region.extra == {"reviewed": True}
    assert window.region_model.index(1, 1).data() == "Total: 42.5"
    assert window.region_model.index(1, 2).data(Qt.ForegroundRole) is None  # not shown as low any more
    assert any("No low-confidence regions left" in m for m in messages)
    assert "reviewed" in panel.info.text() and "0.61" in panel.info.text()
    # Text and acceptance are one undo step.
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[1].transcription == "Tota1: 42.5" and rec.regions[1].score == 0.61
    assert rec.regions[1].extra == {}
    # Enter without a change only accepts: the score stays what the recognizer gave.
    qtbot.keyClick(window.canvas, Qt.Key_F3)
    assert ed.selected == 1
    qtbot.keyClick(panel.text, Qt.Key_Return)
    assert rec.regions[1].transcription == "Tota1: 42.5" and rec.regions[1].score == 0.61
    assert rec.regions[1].extra == {"reviewed": True}
    assert rec.regions[0].score == 0.99 and rec.regions[0].extra == {}  # the others untouched


def test_crop_preview_shows_the_selected_region_enlarged(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    preview = window.correction.preview
    assert preview.pixmap() is None or preview.pixmap().isNull()
    window.editor.select(0)  # "hello world", 262 x 42 px
    pix = preview.pixmap()
    assert pix is not None and not pix.isNull()
    assert pix.height() == STRIP_HEIGHT  # text at least 32 px high, whatever the region's size
    assert pix.width() > 262 and pix.height() > 42  # enlarged
    image = pix.toImage()
    grid = [(x, y) for x in range(0, pix.width(), 3) for y in range(0, pix.height(), 3)]
    dark = sum(1 for x, y in grid if image.pixelColor(x, y).value() < 100)
    assert dark > 50  # the text is in it, not a blank crop
    # The crop sits right above the transcription field of the region list.
    dock = window.correction.parentWidget()
    regions_dock = window.regions.parentWidget()
    assert dock.geometry().bottom() < regions_dock.geometry().top() + 5
    window.grab().save(str(project_folder.parent / "correction.png"))
    window.editor.select(-1)
    assert preview.pixmap() is None or preview.pixmap().isNull()


def test_image_list_filter_by_status_with_counts(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    panel = window.images
    texts = [panel.filter.itemText(i) for i in range(panel.filter.count())]
    assert texts == ["All images (3)", "New (1)", "Pre-labelled (1)", "Confirmed (1)"]
    assert panel.visible_rows() == [0, 1, 2]
    panel.set_status_filter(ImageStatus.NEW)
    assert panel.visible_rows() == [2]
    panel.set_status_filter(ImageStatus.PRELABELLED)
    assert panel.visible_rows() == [0]
    # Confirming img1 moves it out of this filter; the counts follow.
    qtbot.keyClick(window.canvas, Qt.Key_V, Qt.ControlModifier)
    assert panel.visible_rows() == []
    assert panel.filter.itemText(3) == "Confirmed (2)" and panel.filter.itemText(2) == "Pre-labelled (0)"
    panel.set_status_filter(None)
    assert panel.visible_rows() == [0, 1, 2]


# ------------------------------------------------------------------ crop preview: the canvas pixels, preview size


def _page(width: int, height: int, grey: bool = False) -> np.ndarray:
    """Black text lines on a light, slightly textured page (so misplaced crops differ)."""
    rng = np.random.default_rng(7)
    img = np.full((height, width, 3), 235, np.uint8) - rng.integers(0, 30, (height, width, 3), dtype=np.uint8)
    for i, y in enumerate(range(height // 6, height, height // 3)):
        cv2.putText(
            img,
            f"line {i} of a page",
            (width // 20, y),
            cv2.FONT_HERSHEY_DUPLEX,
            height / 250,
            (0, 0, 0),
            max(2, height // 200),
            cv2.LINE_AA,
        )
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if grey else img


def _fitted(crop: np.ndarray) -> tuple[int, int]:
    fit = min(PREVIEW_SIZE[0] / crop.shape[1], PREVIEW_SIZE[1] / crop.shape[0])
    return max(1, round(crop.shape[1] * fit)), max(1, round(crop.shape[0] * fit))


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


@pytest.mark.parametrize("grey", [False, True])
def test_preview_crop_of_a_small_region_is_the_rectified_crop_enlarged(grey):
    img = _page(900, 320, grey)
    for points in (
        [[38, 30], [300, 30], [300, 92], [38, 92]],  # whole pixels: cut, not warped
        [[40.5, 35.2], [296.7, 28.1], [299.3, 90.6], [43.1, 97.4]],  # a tilted quad
        [[30, 40], [150, 20], [290, 40], [290, 100], [150, 80], [30, 100]],
    ):  # curved (6 points)
        crop = crop_polygon(img, np.float32(points))
        expected = cv2.resize(crop, _fitted(crop), interpolation=cv2.INTER_CUBIC)
        got = preview_crop(img, points)
        assert got.shape == expected.shape and max(got.shape[:2]) > max(crop.shape[:2])  # enlarged
        assert _difference(got, expected) < 0.5, points  # cut from the bounding box only: the same pixels


def test_preview_crop_of_a_large_region_is_area_averaged_to_the_preview_size():
    img = _page(6000, 1500)
    for points in (
        [[200, 40], [5600, 40], [5600, 420], [200, 420]],
        [[210.3, 90.8], [5580.2, 20.4], [5610.7, 430.1], [190.6, 480.9]],
    ):
        crop = crop_polygon(img, np.float32(points))  # 5400 x 380: eleven times the preview
        expected = cv2.resize(crop, _fitted(crop), interpolation=cv2.INTER_AREA)
        got = preview_crop(img, points)
        assert got.shape[1] == PREVIEW_SIZE[0] and got.shape[0] <= PREVIEW_SIZE[1]
        assert abs(got.shape[0] - expected.shape[0]) <= 1
        got = cv2.resize(got, (expected.shape[1], expected.shape[0]), interpolation=cv2.INTER_AREA)
        assert _difference(got, expected) < 5, points  # thin strokes survive (point sampling: 8 to 9)
        shifted = cv2.resize(
            crop_polygon(img, np.float32(points) + [0, 60]), expected.shape[1::-1], interpolation=cv2.INTER_AREA
        )
        assert _difference(got, shifted) > 3 * _difference(got, expected)  # and it is this region's crop


def test_preview_crop_at_the_image_border_and_of_nothing():
    img = _page(900, 320)
    points = [[-20, 250], [400, 250], [400, 340], [-20, 340]]  # partly outside, as a drag to the edge leaves it
    crop = crop_polygon(img, np.float32(points))
    expected = cv2.resize(crop, _fitted(crop), interpolation=cv2.INTER_CUBIC)
    assert _difference(preview_crop(img, points), expected) < 0.5
    assert preview_crop(img, [[950, 10], [990, 10], [990, 40], [950, 40]]).size == 0  # wholly outside


def _count_image_reads(monkeypatch) -> list[str]:
    """Every read_image call from any labeler module (each holds its own imported name)."""
    calls: list[str] = []
    original = image_io.read_image

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return original(path, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("labeler") and getattr(module, "read_image", None) is original:
            monkeypatch.setattr(module, "read_image", counting)
    return calls


def _pixmap_array(pix) -> np.ndarray:
    image = pix.toImage().convertToFormat(QImage.Format_RGB888)
    rows = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8).reshape(image.height(), -1)
    return cv2.cvtColor(rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3), cv2.COLOR_RGB2BGR)


def strip(image, points) -> np.ndarray:
    """What the line editor's strip shows of a region until (and unless) the recognizer reads it."""
    return strip_image(preview_crop(image, points, STRIP_BOX))


def test_crop_preview_uses_the_shown_image_without_reading_the_file_again(
    make_window, project_folder, qtbot, monkeypatch
):
    reads = _count_image_reads(monkeypatch)
    window = make_window(project_folder)
    ed, preview = window.editor, window.correction.preview
    assert len(reads) == 1 and reads[0].endswith("img1.png")  # the canvas's read
    picture = image_io.read_image(project_folder / "img1.png")
    reads.clear()
    for index in (0, 1, 0):
        ed.select(index)
        expected = strip(picture, ed.current.regions[index].points)
        assert np.array_equal(_pixmap_array(preview.crop), expected)  # this region's crop, at the strip's height
    ed.move_points(0, [(38, 110), (330, 110), (330, 175), (38, 175)])  # onto the second line
    moved = strip(picture, ed.current.regions[0].points)
    qtbot.waitUntil(lambda: np.array_equal(_pixmap_array(preview.crop), moved))  # edits are coalesced: next turn
    qtbot.keyClick(window.canvas, Qt.Key_Right)  # nudge the region: the crop follows
    nudged = strip(picture, ed.current.regions[0].points)
    qtbot.waitUntil(lambda: np.array_equal(_pixmap_array(preview.crop), nudged))
    assert reads == []
    ed.step(1)  # another image: read once, for the canvas, and its crops come from that
    ed.select(0)
    assert len(reads) == 1 and reads[0].endswith("img2.png")
    second = image_io.read_image(project_folder / "img2.png")
    assert np.array_equal(_pixmap_array(preview.crop), strip(second, ed.current.regions[0].points))
