"""Background OCR over the folder with the real (light) models: progress, cancel, user edits win, re-recognize all."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.core.ppocrlabel_format import read_label_file
from tests.conftest import render_lines, write_image
from tests.ui.test_ocr_jobs import StallMeter

pytestmark = pytest.mark.models

WORDS = ["alpha 12", "bravo 34", "charlie 56", "delta 78", "echo 90", "foxtrot 11", "golf 22", "hotel 33"]


def _new_images(folder: Path, count: int) -> Path:
    for i in range(count):
        write_image(folder / f"page{i}.png", render_lines([WORDS[i % len(WORDS)]], size=(480, 120)))
    return folder


def _messages(window) -> list[str]:
    """The editor's status lines: the autosave's "Saved" may come after the line a test looks for."""
    lines: list[str] = []
    window.editor.message.connect(lines.append)
    return lines


def _wait_batch(window, qtbot, timeout=30000) -> None:
    qtbot.waitUntil(lambda: not window.batch.running, timeout=timeout)


def test_auto_label_all_new_images_end_to_end(make_window, tmp_path, qtbot):
    folder = _new_images(tmp_path / "data", 3)
    window = make_window(folder)
    ed = window.editor
    messages = _messages(window)
    steps = []
    window.batch.progress.connect(lambda done, total: steps.append((done, total)))
    window.actions_by_name["auto_label_all"].trigger()
    assert window.batch.running and window.actions_by_name["stop_auto_label"].isEnabled()
    assert window.progress.isVisible()
    qtbot.waitUntil(lambda: window.progress.maximum() == 3 and window.progress.value() >= 1, timeout=30000)
    assert window.progress.format() in {"1/3", "2/3", "3/3"}
    # Models are loaded by now: walking the list and applying results must not block the GUI thread.
    with StallMeter() as meter:
        _wait_batch(window, qtbot)
    print(f"longest GUI event-loop stall while labelling the folder: {meter.longest * 1000:.0f} ms")
    assert meter.longest < 0.25
    assert steps[0] == (0, 3) and steps[-1] == (3, 3)
    for i, rec in enumerate(ed.project.records):
        assert rec.status is ImageStatus.PRELABELLED
        assert [r.transcription for r in rec.regions] == [WORDS[i]]
    assert any("3 of 3 images labelled" in m for m in messages)
    assert not window.actions_by_name["stop_auto_label"].isEnabled()
    assert window.images.filter.itemText(2) == "Pre-labelled (3)"
    ed.flush()  # autosaved through the project: PPOCRLabel's cache file holds every image
    cache = read_label_file(folder / "Cache.cach")
    saved = cache.by_key()
    assert sorted(saved) == ["data/page0.png", "data/page1.png", "data/page2.png"]
    assert saved["data/page1.png"][0].transcription == WORDS[1]
    # Nothing new left: a second run says so.
    window.actions_by_name["auto_label_all"].trigger()
    assert not window.batch.running and any("No new images" in m for m in messages)


def test_escape_stops_the_batch(make_window, tmp_path, qtbot):
    folder = _new_images(tmp_path / "data", 8)
    window = make_window(folder)
    ed = window.editor
    messages = _messages(window)
    window.batch.start()
    qtbot.waitUntil(lambda: len(window.batch.applied) >= 1, timeout=30000)
    qtbot.keyClick(window.canvas, Qt.Key_Escape)
    _wait_batch(window, qtbot)
    ed.ocr.pool.waitForDone(5000)
    assert ed.ocr.pool.activeThreadCount() == 0 and not ed.ocr.jobs
    labelled = [r for r in ed.project.records if r.status is ImageStatus.PRELABELLED]
    assert 1 <= len(labelled) < 8
    assert all(r.regions for r in labelled)
    assert any("Stopped auto-labelling" in m for m in messages)
    assert not window.progress.isVisible()


def test_user_edits_during_the_batch_win(make_window, tmp_path, qtbot):
    folder = _new_images(tmp_path / "data", 3)
    window = make_window(folder)
    ed = window.editor
    rec = ed.current  # page0.png, new
    messages = _messages(window)
    window.batch.start()
    ed.add_region([(10, 10), (100, 10), (100, 40), (10, 40)])  # the user draws while the job runs
    ed.set_text(0, "mine")
    _wait_batch(window, qtbot)
    assert [r.transcription for r in rec.regions] == ["mine"] and rec.status is ImageStatus.NEW
    assert any("page0.png was edited meanwhile" in m for m in messages)
    assert window.batch.skipped == ["page0.png"]
    others = ed.project.records[1:]
    assert all(r.status is ImageStatus.PRELABELLED and r.regions for r in others)
    assert any("1 skipped" in m for m in messages)


def test_re_recognize_all_regions_is_one_undo_step(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    rec = ed.current  # img1.png: "hello world", "Tota1: 42.5"
    ed.set_text(0, "broken")
    qtbot.keyClick(window.canvas, Qt.Key_R, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: rec.regions[1].transcription == "Total: 42.5", timeout=30000)
    assert rec.regions[0].transcription.strip() == "hello world"
    assert all(r.score is not None and r.score > 0.8 for r in rec.regions)
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert [r.transcription for r in rec.regions] == ["broken", "Tota1: 42.5"]
    # An edit while it runs: the result is dropped.
    messages = _messages(window)
    job = window.recognizer.start()
    ed.set_text(0, "typed meanwhile")
    with qtbot.waitSignal(job.signals.finished, timeout=30000):
        pass
    qtbot.wait(50)
    assert [r.transcription for r in rec.regions] == ["typed meanwhile", "Tota1: 42.5"]
    assert any("edited meanwhile" in m for m in messages)
