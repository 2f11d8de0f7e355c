"""The window beside other writers: their saves show up, a second window is announced, nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from labeler.core.history import History, SetText
from labeler.core.model import ImageStatus
from labeler.core.project import open_project, save_project

REPO = Path(__file__).resolve().parents[2]


def test_another_writers_save_shows_up_in_the_window(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    editor = window.editor
    editor.go_to(editor.project.records.index(editor.project.record("img1.png")))
    editor.set_text(0, "typed here, not saved yet")
    other = open_project(project_folder)
    History(other.record("img2.png")).push(SetText(0, "fixed in another window"))
    save_project(other)
    shown = editor.project.record("img2.png")
    qtbot.waitUntil(lambda: shown.regions[0].transcription == "fixed in another window", timeout=5000)
    assert editor.project.record("img1.png").regions[0].transcription == "typed here, not saved yet"
    editor.flush()
    disk = open_project(project_folder)
    assert disk.record("img2.png").regions[0].transcription == "fixed in another window"
    assert disk.record("img1.png").regions[0].transcription == "typed here, not saved yet"


def test_conflict_is_announced_and_the_loser_kept(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    editor = window.editor
    other = open_project(project_folder)
    History(other.record("img1.png")).push(SetText(0, "older edit elsewhere"))
    time.sleep(0.02)
    editor.go_to(editor.project.records.index(editor.project.record("img1.png")))
    with qtbot.waitSignal(editor.conflicts, timeout=5000) as blocker:
        editor.set_text(0, "newer edit here")
        save_project(other)  # saved after our edit, but edited before it
        editor.flush()
    [line] = blocker.args[0]
    assert "img1.png" in line and "this window's newer edit was kept" in line
    assert window.notices.isVisible() and line in window.notices.label.text()  # until dismissed
    kept = list((project_folder / ".labeler" / "conflicts").glob("*img1.png.json"))
    assert len(kept) == 1 and "older edit elsewhere" in kept[0].read_text(encoding="utf-8")
    assert open_project(project_folder).record("img1.png").regions[0].transcription == "newer edit here"


def test_second_window_is_told_another_one_is_open(make_window, project_folder, qtbot):
    code = (
        "import sys,time;from labeler.core.presence import WindowPresence;"
        "WindowPresence(sys.argv[1]).enter();print('in',flush=True);time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(project_folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "in"
        from labeler.ui.editor import Editor

        editor = Editor(model_set="light")
        with qtbot.waitSignal(editor.shared, timeout=5000) as blocker:
            editor.open_folder(project_folder)
        [line] = blocker.args[0]
        assert f"process {proc.pid}" in line
        editor.close_project()
        window = make_window(project_folder)
        assert window.notices.isVisible()
        assert f"also open in another window: process {proc.pid}" in window.notices.label.text()
        window.resize(1366, 768)
        window.grab().save(str(project_folder.parent / "shared_notice.png"))
        window.notices.close_button.click()
        assert not window.notices.isVisible()
        window.close()
    finally:
        proc.kill()
        proc.wait()
    window = make_window(project_folder)  # the killed window's entry is cleaned, not announced
    assert window.editor.sync.other_windows() == []


def test_prelabel_command_beside_the_open_window(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    editor = window.editor
    editor.go_to(editor.project.records.index(editor.project.record("img2.png")))
    editor.set_text(0, "confirmed page, edited while prelabel runs")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "labeler", "prelabel", str(project_folder), "--models", "light"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    img10 = editor.project.record("img10.png")
    qtbot.waitUntil(lambda: img10.status is ImageStatus.PRELABELLED, timeout=5000)
    assert any("open sesame" in r.transcription for r in img10.regions)
    editor.flush()
    disk = open_project(project_folder)
    assert disk.record("img2.png").regions[0].transcription == "confirmed page, edited while prelabel runs"
    assert disk.record("img2.png").status is ImageStatus.CONFIRMED
    assert disk.record("img10.png").status is ImageStatus.PRELABELLED
