"""Label-file problems are visible: a bar above the canvas lists each bad line (file:line, what is wrong, kept as it is)
until dismissed, clicking one shows its image, and the images of those lines are marked in the image list."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.core.ppocrlabel_format import parse_regions
from labeler.core.problems import project_problems
from labeler.core.project import open_project
from labeler.ui.problems import warning_icon
from tests.conftest import render_lines, write_image

FOLDER = "data"
BOX = [[38, 50], [300, 50], [300, 92], [38, 92]]


def _line(name: str, text: str) -> str:
    regions = [{"transcription": text, "points": BOX, "difficult": False}]
    return f"{FOLDER}/{name}\t{json.dumps(regions)}\n"


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    """img1 fine; img2's Label.txt line is bad JSON; img3's not UTF-8; img4 fine; a Cache.cach line without a tab."""
    folder = tmp_path / FOLDER
    for i in range(1, 5):
        write_image(folder / f"img{i}.png", render_lines([f"page {i}"]))
    label = [
        _line("img1.png", "page 1").encode(),
        f'{FOLDER}/img2.png\t[{{"transcription": "page 2", "points": [[1, 2]\n'.encode(),  # cut short
        f"{FOLDER}/img3.png\t".encode() + b'[{"transcription": "\xff\xfe"}]\n',  # not UTF-8
        _line("img4.png", "page 4").encode(),
    ]
    (folder / "Label.txt").write_bytes(b"".join(label))
    (folder / "Cache.cach").write_text("this line has no tab at all\n", encoding="utf-8")
    state = "".join(f"{FOLDER}/img{i}.png\t1\n" for i in range(1, 5))
    (folder / "fileState.txt").write_text(state, encoding="utf-8")
    return folder


def _row(window, path: str) -> int:
    return [r.path for r in window.editor.project.records].index(path)


def _problem_rows(window) -> list[str]:
    """The list's rows as shown: line, image, what is wrong."""
    model = window.problems.model
    return [" · ".join(model.index(i, c).data() for c in range(3)) for i in range(model.rowCount())]


def test_core_ties_each_bad_line_to_its_image(bad_folder):
    project = open_project(bad_folder)
    found = {(p.file_name, p.line): p.record for p in project_problems(project)}
    assert found == {("Label.txt", 2): "img2.png", ("Label.txt", 3): "img3.png", ("Cache.cach", 1): None}
    assert [getattr(e, "key", None) for e in project.errors] == [f"{FOLDER}/img2.png", f"{FOLDER}/img3.png", None]


def test_problems_are_listed_above_the_canvas_and_stay_after_opened(make_window, bad_folder, qtbot):
    window = make_window(bad_folder)
    window.resize(1366, 768)
    qtbot.wait(50)
    assert window.statusBar().currentMessage().startswith("Opened ")  # replaced the old one-line notice at once
    bar = window.problems
    assert bar.isVisible() and bar.geometry().bottom() <= window.canvas.geometry().top() + 1  # right above it
    assert bar.headline.text() == "3 problems in the label files: lines that could not be read are kept as they are."
    rows = _problem_rows(window)
    assert rows[0].startswith("Label.txt:2 · img2.png · invalid JSON (")
    assert rows[1] == "Label.txt:3 · img3.png · not UTF-8 (byte 34)"
    assert rows[2] == "Cache.cach:1 · - · no tab between image key and JSON label"
    tooltip = bar.model.index(0, 2).data(Qt.ToolTipRole).split("\n")
    assert tooltip[0] == str(bad_folder / "Label.txt") + ":2"
    assert tooltip[1].startswith("Label.txt:2 · image img2.png · invalid JSON (")
    assert tooltip[1].endswith(" · the line is kept as it is") and tooltip[2] == "Click to show this image"
    qtbot.wait(300)
    window.editor.step(1)  # more status messages come and go: the bar stays
    assert bar.isVisible() and len(_problem_rows(window)) == 3
    assert window.size().width() <= 1366 and window.size().height() <= 768
    assert bar.height() < window.canvas.height() // 2  # the image keeps most of the room
    window.grab().save("/tmp/problems.png")


def test_affected_images_are_marked_in_the_image_list(make_window, bad_folder):
    window = make_window(bad_folder)
    model = window.images.model
    warning = warning_icon().pixmap(14, 14).toImage()

    def shown(path: str) -> tuple[bool, str]:
        index = model.index(_row(window, path))
        icon = index.data(Qt.DecorationRole).pixmap(14, 14).toImage()
        return icon == warning, index.data(Qt.ToolTipRole)

    marked, tip = shown("img2.png")
    assert marked
    assert tip.startswith("img2.png: confirmed\nlabel line 2 of Label.txt could not be read (invalid JSON")
    assert tip.endswith("; kept as it is")
    marked, tip = shown("img3.png")
    assert marked and "label line 3 of Label.txt could not be read (not UTF-8" in tip
    for fine in ("img1.png", "img4.png"):
        marked, tip = shown(fine)
        assert not marked and tip == f"{fine}: confirmed"
    window.editor.go_to(_row(window, "img2.png"))  # confirmed with 0 regions, and says why
    rec = window.editor.current
    assert rec.status is ImageStatus.CONFIRMED and rec.regions == []
    assert window.count_label.text() == "0 regions · confirmed · a label line could not be read"
    window.editor.go_to(_row(window, "img1.png"))
    assert window.count_label.text() == "1 regions · confirmed"


def test_dismiss_hides_the_bar_until_asked_again(make_window, bad_folder, qtbot):
    window = make_window(bad_folder)
    bar = window.problems
    qtbot.mouseClick(bar.fold, Qt.LeftButton)  # fold the list: the headline stays
    assert not bar.list.isVisible() and bar.isVisible() and bar.fold.text() == "Show list"
    qtbot.mouseClick(bar.fold, Qt.LeftButton)
    assert bar.list.isVisible()
    qtbot.mouseClick(bar.close_button, Qt.LeftButton)
    assert not bar.isVisible()
    window.editor.step(1)
    assert not bar.isVisible()
    marked = window.images.model.index(_row(window, "img2.png")).data(Qt.ToolTipRole)
    assert "could not be read" in marked  # the images stay marked
    show = window.actions_by_name["show_problems"]
    assert show.isEnabled()
    show.trigger()
    assert bar.isVisible() and len(_problem_rows(window)) == 3


def test_clicking_a_problem_shows_its_image(make_window, bad_folder, qtbot):
    window = make_window(bad_folder)
    bar, ed = window.problems, window.editor
    assert ed.current.path == "img1.png"
    view = bar.list
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(bar.model.index(1, 2)).center())
    assert ed.current.path == "img3.png"
    assert window.images.view.currentIndex().row() == _row(window, "img3.png")
    assert window.canvas.image_size == (900, 320)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(bar.model.index(2, 0)).center())
    assert ed.current.path == "img3.png"  # Cache.cach's line names no image: nowhere to go
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(bar.model.index(0, 1)).center())
    assert ed.current.path == "img2.png"


def test_a_line_that_fails_when_its_image_is_shown_joins_the_problems(make_window, bad_folder, qtbot):
    window = make_window(bad_folder)
    ed, bar = window.editor, window.problems
    qtbot.mouseClick(bar.close_button, Qt.LeftButton)
    rec = ed.project.record("img4.png")
    assert not rec.regions_loaded
    # The line parsed on first display turns out bad (here: its bytes cut short).
    label = bad_folder / "Label.txt"
    rec.set_regions_loader(partial(parse_regions, f'{FOLDER}/img4.png\t[{{"transcription": '.encode(), label, 4))
    before = label.read_bytes()
    ed.go_to(_row(window, "img4.png"))  # no exception out of the views: shown without regions
    assert ed.current is rec and rec.regions == [] and window.region_model.rowCount() == 0
    assert window.canvas.image_size == (900, 320)
    assert bar.isVisible()  # back, though dismissed: something new
    rows = _problem_rows(window)
    assert len(rows) == 4 and rows[3].startswith("Label.txt:4 · img4.png · invalid JSON")
    assert rows[3].endswith("the line is kept as it is unless this image is edited")
    tip = window.images.model.index(_row(window, "img4.png")).data(Qt.ToolTipRole)
    assert "label line 4 of Label.txt could not be read" in tip and "shown without regions" in tip
    assert "a label line could not be read" in window.count_label.text()
    ed.step(-1)
    ed.step(1)  # shown again: no second entry
    assert len(_problem_rows(window)) == 4
    ed.flush()
    assert label.read_bytes() == before  # not edited: every line written back as it was


def test_problems_follow_the_files_when_another_writer_saves_them(make_window, bad_folder, qtbot):
    window = make_window(bad_folder)
    bar = window.problems
    qtbot.mouseClick(bar.close_button, Qt.LeftButton)
    label = bad_folder / "Label.txt"
    lines = label.read_bytes().split(b"\n")
    lines[1] = _line("img2.png", "page 2 fixed by hand").encode().rstrip(b"\n")  # img2's line repaired elsewhere
    tmp = label.with_name(".Label.txt.edit")
    tmp.write_bytes(b"\n".join(lines))
    os.replace(tmp, label)
    with qtbot.waitSignal(window.editor.sync.merged, timeout=5000):
        window.editor.sync.refresh()
    qtbot.waitUntil(lambda: len(bar.problems) == 2)
    assert bar.isVisible()  # they changed: shown again
    assert [p.where for p in bar.problems] == ["Cache.cach:1", "Label.txt:3"]
    tip = window.images.model.index(_row(window, "img2.png")).data(Qt.ToolTipRole)
    assert tip == "img2.png: confirmed" and window.editor.project.record("img2.png").regions[0].transcription == (
        "page 2 fixed by hand"
    )
