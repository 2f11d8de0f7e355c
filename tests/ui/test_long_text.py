"""Long texts do not block the GUI thread: a region whose transcription is 50 MB opens, shows and saves in
well under the 21.6 s it froze the window for; lists show its start and length; the whole text is edited
page by page and saved back exactly as it was unless edited."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QLineEdit

from labeler.core.model import ImageStatus
from labeler.ui.long_text import ELIDE_CHARS, PAGE_CHARS, LongTextDialog
from labeler.ui.panels import TEXT
from tests.conftest import render_lines, write_image

FOLDER = "data"
BOUND_S = 2.0  # generous: about 0.6 s here, of which 0.4 s is core reading the 50 MB file; 25 s before


def _folder(tmp_path: Path, text: str) -> Path:
    """img1 pre-labelled (Cache.cach) with the long text in region 1 (score 0.5) and a short region 2; img2 new."""
    folder = tmp_path / FOLDER
    write_image(folder / "img1.png", render_lines(["a very long text"]))
    write_image(folder / "img2.png", render_lines(["short"]))
    regions = [
        {"transcription": text, "points": [[38, 50], [300, 50], [300, 92], [38, 92]], "difficult": False, "score": 0.5},
        {"transcription": "short", "points": [[38, 130], [330, 130], [330, 172], [38, 172]], "difficult": False},
    ]
    line = f"{FOLDER}/img1.png\t{json.dumps(regions, ensure_ascii=False)}\n"
    (folder / "Cache.cach").write_text(line, encoding="utf-8")
    return folder


def _saved_texts(path: Path) -> list[str]:
    line = path.read_text(encoding="utf-8").splitlines()[0]
    return [r["transcription"] for r in json.loads(line.split("\t", 1)[1])]


def _settle() -> None:
    QApplication.processEvents()
    QApplication.processEvents()  # the repaints the first turn posted


@pytest.fixture(scope="module")
def huge_text() -> str:
    return ("long text ü " * 4_200_000)[:50_000_000]  # non-ASCII too: 50 M characters, ~54 MB of UTF-8


def test_a_50mb_text_opens_shows_and_saves_unchanged_without_blocking(make_window, tmp_path, huge_text, qtbot):
    folder = _folder(tmp_path, huge_text)
    window = make_window()
    ed = window.editor

    start = time.perf_counter()
    assert window.open_folder(folder)
    _settle()
    assert time.perf_counter() - start < BOUND_S
    assert ed.current.path == "img1.png" and window.region_model.rowCount() == 2
    shown = window.region_model.index(0, TEXT).data()
    assert shown == huge_text[:ELIDE_CHARS] + "… (50,000,000 characters)"
    assert "double-click" in window.region_model.index(0, TEXT).data(Qt.ToolTipRole)

    start = time.perf_counter()
    ed.select(0)  # the correction field and the crop
    _settle()
    assert time.perf_counter() - start < BOUND_S / 4
    panel = window.correction
    assert panel.long_mode and panel.text.isReadOnly() and panel.long_button.isVisible()
    assert panel.text.text() == shown and "50,000,000 characters" in panel.info.text()

    qtbot.keyClick(panel.text, Qt.Key_Return)  # accept: reviewed, score kept; the field's shortened text is not taken
    rec = ed.current
    assert rec.regions[0].score == 0.5 and rec.regions[0].transcription == huge_text
    assert rec.regions[0].extra == {"reviewed": True}

    start = time.perf_counter()
    ed.step(1)
    ed.step(-1)
    _settle()
    assert time.perf_counter() - start < BOUND_S / 4

    qtbot.keyClick(window.canvas, Qt.Key_V, Qt.ControlModifier)  # confirm: saved now, into Label.txt
    assert rec.status is ImageStatus.CONFIRMED
    assert _saved_texts(folder / "Label.txt") == [huge_text, "short"]
    assert _saved_texts(folder / "Cache.cach") == [huge_text, "short"]  # the OCR line stays as it was


def test_the_whole_text_is_edited_page_by_page(make_window, tmp_path, qtbot):
    text = "".join(f"word{i:05d} " for i in range(6_000)) + "no\u00a0break"  # 3 pages + a no-break space
    assert len(text) > 3 * PAGE_CHARS
    folder = _folder(tmp_path, text)
    window = make_window(folder)
    ed = window.editor
    rec = ed.current
    table = window.regions
    cell = table.visualRect(window.region_model.index(0, TEXT)).center()
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=cell)
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=cell)
    dialog = window.correction.long_dialog
    assert isinstance(dialog, LongTextDialog) and dialog.isVisible()
    assert table.indexWidget(window.region_model.index(0, TEXT)) is None  # no cell editor with all of it
    assert dialog.edit.toPlainText() == text[:PAGE_CHARS] and dialog.page.maximum() == 4
    dialog.reject()  # cancel: nothing changes
    assert rec.regions[0].transcription == text and not rec.dirty

    window.actions_by_name["edit_text"].trigger()  # Ctrl+E on the selected (long) region
    dialog = window.correction.long_dialog
    assert dialog.isVisible() and ed.selected == 0
    qtbot.mouseClick(dialog.next, Qt.LeftButton)
    assert dialog.edit.toPlainText() == text[PAGE_CHARS : 2 * PAGE_CHARS]
    assert "characters 20,001 to 40,000" in dialog.info.text()
    dialog.edit.moveCursor(dialog.edit.textCursor().Start)
    qtbot.keyClicks(dialog.edit, "EDITED ")
    dialog.show_page(3)  # past the no-break space's page without touching it
    dialog.accept()
    expected = text[:PAGE_CHARS] + "EDITED " + text[PAGE_CHARS:]
    assert rec.regions[0].transcription == expected
    ed.undo()
    assert rec.regions[0].transcription == text
    ed.redo()
    ed.flush()
    assert _saved_texts(folder / "Cache.cach") == [expected, "short"]  # still pre-labelled: Cache.cach


def test_a_text_longer_than_the_list_shows_is_edited_whole_in_its_cell(make_window, tmp_path, qtbot):
    text = "x" * 1_000 + "END"  # shortened in the list, still short enough for a one-line field
    window = make_window(_folder(tmp_path, text))
    rec, table = window.editor.current, window.regions
    index = window.region_model.index(0, TEXT)
    assert index.data() == "x" * ELIDE_CHARS + "… (1,003 characters)"
    table.edit_text(0)  # Ctrl+E: the cell's editor, with all of the text
    [field] = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert field.text() == text
    qtbot.keyClick(field, Qt.Key_End)
    qtbot.keyClicks(field, "!")
    qtbot.keyClick(field, Qt.Key_Return)
    qtbot.waitUntil(lambda: rec.regions[0].transcription == text + "!")  # the delegate commits queued
    panel = window.correction
    assert not panel.long_mode and not panel.long_button.isVisible() and panel.text.text() == text + "!"
