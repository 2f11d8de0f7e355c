"""The line editor on real widgets: a 120-character line at a readable height, the strip following the text
cursor, low-confidence characters marked in the text and on the image, word stops, reading off the GUI thread,
cheap cursor moves on a 1,000-region image, and a look at it at 1366 x 768."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtWidgets import QApplication

from labeler.ocr.pipeline import LineReading
from labeler.ocr.rec import CharBox
from labeler.ui.line_editor import LOW_COLOUR, STRIP_HEIGHT, LineEditor
from labeler.ui.line_text import next_stop
from tests.conftest import render_lines, write_image

LINE = (
    "amount widget 42.50 EUR EUR total 2026-11-21 total number EUR number number shipping reference EUR "
    "due total number Invo"
)
LOW = {4, 20, 21, 60}  # characters the fake recognizer is unsure of
PAGE_SIZE = (2100, 160)


def drawn_boxes(text: str, left: float) -> list[tuple[float, float]]:
    widths = [cv2.getTextSize(text[:i], cv2.FONT_HERSHEY_DUPLEX, 1.0, 2)[0][0] for i in range(len(text) + 1)]
    return [(40 + widths[i] - left, 40 + widths[i + 1] - left) for i in range(len(text))]


class FakePipeline:
    """read_line as the real one answers it, from where render_lines drew each character."""

    def __init__(self):
        self.calls = 0

    def read_line(self, image, polygon):
        self.calls += 1
        x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0)).astype(int)
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        width = float(crop.shape[1])  # the recognizer's boxes never leave the crop
        boxes = drawn_boxes(LINE, float(x0))
        chars = tuple(
            CharBox(min(a, width), min(b, width), 0.3 if i in LOW else 0.97) for i, (a, b) in enumerate(boxes)
        )
        return LineReading(LINE, float(np.mean([c.prob for c in chars])), chars, crop)


REGION = np.float32([[36, 55], [1960, 55], [1960, 92], [36, 92]])


@pytest.fixture
def line_editor(qtbot):
    pipeline = FakePipeline()
    editor = LineEditor(lambda: None, lambda: pipeline)
    editor.pipeline = pipeline
    editor.low_score = 0.5
    editor.resize(460, 110)
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    image = render_lines([LINE], size=PAGE_SIZE, scale=1.0)
    editor.field.setText(LINE)
    editor.field.setFocus()
    editor.set_line(("page", 0), image, REGION, lambda: image[55:92, 36:1960])
    qtbot.waitUntil(lambda: editor.reading is not None, timeout=5000)  # read on the pool thread
    yield editor
    editor.shutdown()


def visible(editor: LineEditor) -> bool:
    x = editor.strip.cursor * editor.strip.scale - editor.strip.offset
    return 0 <= x <= editor.strip.width()


def test_the_line_is_shown_tall_enough_to_read_and_follows_the_cursor(line_editor, qtbot):
    editor, strip, field = line_editor, line_editor.strip, line_editor.field
    assert editor.pipeline.calls == 1
    assert strip.crop.height() == STRIP_HEIGHT and strip.crop.width() > 5 * strip.width()
    assert strip.scale == pytest.approx(STRIP_HEIGHT / 37)  # 37 px of crop: letters ~22 px -> ~36 px
    field.setCursorPosition(0)
    assert strip.offset == 0 and visible(editor)
    qtbot.keyClick(field, Qt.Key_End)
    assert field.cursorPosition() == len(LINE)
    assert strip.offset == pytest.approx(strip.strip_width() - strip.width()) and visible(editor)
    field.setCursorPosition(60)  # the middle of the line: in view, the character under the cursor marked
    assert visible(editor) and 0 < strip.offset < strip.strip_width() - strip.width()
    assert strip.cursor_span == (editor.spots[60].x0, editor.spots[60].x1)
    # Clicking the image puts the cursor on the character clicked.
    a, b = editor.spots[70].x0, editor.spots[70].x1
    qtbot.mouseClick(strip, Qt.LeftButton, pos=QPoint(round((a + (b - a) * 0.3) * strip.scale - strip.offset), 30))
    assert field.cursorPosition() == 70


def test_low_confidence_characters_are_marked_in_the_text_and_on_the_image(line_editor, qtbot):
    editor, field = line_editor, line_editor.field
    assert field.runs == [(4, 5), (20, 22), (60, 61)]
    assert editor.strip.boxes == [
        (editor.spots[4].x0, editor.spots[4].x1),
        (editor.spots[20].x0, editor.spots[21].x1),
        (editor.spots[60].x0, editor.spots[60].x1),
    ]
    # Where the box is, the image has the character drawn (the reading's own positions).
    boxes = drawn_boxes(LINE, 36.0)
    assert editor.spots[60].x0 == pytest.approx(boxes[60][0])
    # The text field paints the marks: an underline in the low colour under characters 4 and 20-21.
    field.setCursorPosition(0)
    row = field.cursorRect().bottom() - 1
    image = field.grab().toImage()
    orange = [x for x in range(image.width()) if image.pixelColor(x, row).getRgb()[:3] == LOW_COLOUR.getRgb()[:3]]
    left = field.cursorRect().center().x()
    advance = field.fontMetrics().horizontalAdvance
    assert orange and min(orange) == pytest.approx(left + advance(LINE[:4]), abs=2)
    assert max(orange) == pytest.approx(left + advance(LINE[:22]), abs=2)
    # Typing over a low character: a person's character is not low any more; the others stay marked.
    field.setSelection(4, 1)
    qtbot.keyClicks(field, "u")
    assert field.text()[4] == "u" and field.runs == [(20, 22), (60, 61)]
    assert editor.spots[4].prob is None and editor.spots[4].x0 == pytest.approx(boxes[4][0])
    editor.low_score = 0.2
    assert field.runs == [] and editor.strip.boxes == []


def test_ctrl_arrows_stop_at_words_digits_and_punctuation(line_editor, qtbot):
    field = line_editor.field
    field.setCursorPosition(14)  # "42.50 EUR"
    seen = []
    for _ in range(4):
        qtbot.keyClick(field, Qt.Key_Right, Qt.ControlModifier)
        seen.append(field.cursorPosition())
    assert seen == [16, 17, 20, 24] == [next_stop(LINE, p) for p in (14, 16, 17, 20)]  # . 50 EUR EUR
    qtbot.keyClick(field, Qt.Key_Left, Qt.ControlModifier)
    assert field.cursorPosition() == 20
    qtbot.keyClick(field, Qt.Key_Right, Qt.ControlModifier | Qt.ShiftModifier)
    assert field.selectedText() == "EUR "
    field.setCursorPosition(19)  # "42.50| EUR": Ctrl+Backspace takes "50", then "."
    qtbot.keyClick(field, Qt.Key_Backspace, Qt.ControlModifier)
    assert field.text().startswith("amount widget 42. EUR") and field.cursorPosition() == 17
    qtbot.keyClick(field, Qt.Key_Backspace, Qt.ControlModifier)
    assert field.text().startswith("amount widget 42 EUR")
    qtbot.keyClick(field, Qt.Key_Delete, Qt.ControlModifier)  # up to the next stop: the space before "EUR"
    assert field.text().startswith("amount widget 42EUR EUR total")


def test_cursor_moves_never_stall(line_editor, qtbot):
    field = line_editor.field
    field.setCursorPosition(0)
    worst = 0.0
    for key, mods in [(Qt.Key_Right, Qt.NoModifier)] * 60 + [(Qt.Key_Right, Qt.ControlModifier)] * 20:
        start = time.perf_counter()
        qtbot.keyClick(field, key, mods)
        line_editor.repaint()  # the strip and the field painted now, not later
        worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05


# ------------------------------------------------------------------ in the window


def _project(folder: Path, regions: list[dict], size=PAGE_SIZE, lines=(LINE,)) -> Path:
    write_image(folder / "page.png", render_lines(list(lines), size=size, scale=1.0))
    (folder / "Cache.cach").write_text(f"data/page.png\t{json.dumps(regions)}\n", encoding="utf-8")
    return folder


def _region(points, text, score) -> dict:
    return {"transcription": text, "points": points, "difficult": False, "score": score}


def test_a_thousand_region_image_moves_the_cursor_without_stalls(make_window, tmp_path, qtbot):
    regions = [_region(REGION.tolist(), LINE, 0.4)]
    for k in range(999):
        x, y = 40 + (k % 40) * 50, 200 + (k // 40) * 60
        regions.append(_region([[x, y], [x + 40, y], [x + 40, y + 20], [x, y + 20]], f"w{k}", 0.95))
    folder = _project(tmp_path / "data", regions, size=(2100, 1800))
    window = make_window(folder)
    panel = window.correction
    pipeline = FakePipeline()
    panel.line.pipeline_factory = lambda: pipeline
    qtbot.keyClick(window.canvas, Qt.Key_F3)
    assert window.editor.selected == 0 and panel.text.hasFocus()
    qtbot.waitUntil(lambda: panel.line.reading is not None, timeout=5000)
    panel.text.setCursorPosition(0)
    worst = 0.0
    for key, mods in [(Qt.Key_Right, Qt.NoModifier)] * 60 + [(Qt.Key_Right, Qt.ControlModifier)] * 20:
        start = time.perf_counter()
        qtbot.keyClick(panel.text, key, mods)
        window.repaint()
        worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05, f"a cursor move took {worst * 1000:.0f} ms"


@pytest.mark.models
def test_the_window_reads_the_line_with_the_bundled_models_and_looks_readable(make_window, tmp_path, qtbot):
    folder = _project(tmp_path / "data", [_region(REGION.tolist(), LINE, 0.62)])
    window = make_window(folder, model_set="default")
    window.resize(1366, 768)
    panel = window.correction
    qtbot.keyClick(window.canvas, Qt.Key_F3)
    assert panel.text.hasFocus() and panel.text.text() == LINE
    qtbot.waitUntil(lambda: panel.line.reading is not None, timeout=60_000)  # loads the models off the GUI thread
    reading = panel.line.reading
    assert reading.text == LINE and len(reading.spots) == len(LINE)
    assert panel.preview.crop.height() == STRIP_HEIGHT
    xs = [s.x0 for s in panel.line.spots]
    assert xs == sorted(xs) and 0 <= xs[0] and panel.line.spots[-1].x1 <= reading.crop_width
    panel.text.setCursorPosition(95)  # "reference": the strip scrolled to it
    assert panel.preview.offset > 0 and visible(panel.line)
    QApplication.processEvents()
    out = Path(os.environ.get("LABELER_SCREENSHOT_DIR", tmp_path))
    window.grab().save(str(out / "line_editor_window.png"))
    panel.grab().save(str(out / "line_editor_panel.png"))
    # Enter keeps the recognizer's score and marks the region reviewed.
    qtbot.keyClick(panel.text, Qt.Key_Return)
    region = window.editor.current.regions[0]
    assert region.score == 0.62 and region.extra == {"reviewed": True}


def test_a_vertical_region_is_shown_turned_as_the_recognizer_reads_it(make_window, tmp_path, qtbot):
    folder = tmp_path / "data"
    page = np.full((400, 200, 3), 255, np.uint8)
    page[40:360, 90:110] = 0  # a tall, thin region
    write_image(folder / "page.png", page)
    region = _region([[85, 40], [115, 40], [115, 360], [85, 360]], "tall", 0.3)
    (folder / "Cache.cach").write_text(f"data/page.png\t{json.dumps([region])}\n", encoding="utf-8")
    window = make_window(folder)
    window.editor.select(0)
    crop = window.correction.preview.crop
    assert crop.height() == STRIP_HEIGHT and crop.width() > 5 * crop.height()
