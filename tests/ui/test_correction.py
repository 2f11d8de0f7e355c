"""Fast correction: F3 jumps to the next low-confidence region, Enter accepts; crop preview; image-list filter."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.ui.correction import PREVIEW_SIZE, next_low_index


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
    assert rec.regions[1].transcription == "Total: 42.5" and rec.regions[1].score == 1.0
    assert not window.canvas.region_item(1).low
    assert window.region_model.index(1, 1).data() == "Total: 42.5"
    assert any("No low-confidence regions left" in m for m in messages)
    # Text and acceptance are one undo step.
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert rec.regions[1].transcription == "Tota1: 42.5" and rec.regions[1].score == 0.61
    # Enter without a change only accepts.
    qtbot.keyClick(window.canvas, Qt.Key_F3)
    qtbot.keyClick(panel.text, Qt.Key_Return)
    assert rec.regions[1].transcription == "Tota1: 42.5" and rec.regions[1].score == 1.0


def test_crop_preview_shows_the_selected_region_enlarged(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    preview = window.correction.preview
    assert preview.pixmap() is None or preview.pixmap().isNull()
    window.editor.select(0)  # "hello world", 262 x 42 px
    pix = preview.pixmap()
    assert pix is not None and not pix.isNull()
    assert pix.width() <= min(PREVIEW_SIZE[0], preview.width()) and pix.height() <= PREVIEW_SIZE[1]
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
