"""Ctrl+Shift+A again, and "auto-label all unconfirmed", keep the user's regions (core/relabel.py) in a real window."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus


def auto_label(window, qtbot) -> list[str]:
    messages: list[str] = []
    window.editor.message.connect(messages.append)
    job = window.editor.auto_label_current()
    with qtbot.waitSignal(job.signals.finished, timeout=60000):
        pass
    qtbot.wait(20)
    return messages


def test_auto_label_again_keeps_edits_key_classes_and_drawn_boxes(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    rec = ed.current  # img1.png: pre-labelled in an earlier session (Cache.cach), "hello world" / "Tota1: 42.5"
    ed.select(0)
    window.kie.set_key_class("header")
    ed.set_text(1, "my own reading")
    ed.add_region([(600, 200), (800, 200), (800, 260), (600, 260)])  # a box of the user's where no text is
    messages = auto_label(window, qtbot)
    texts = [(r.transcription, r.key_cls) for r in rec.regions]
    assert texts == [("hello world", "header"), ("my own reading", None), ("", None)]  # nothing added on top
    assert any("your 3 regions kept" in m for m in messages), messages
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)  # the auto-label was one undo step (a no-op here)
    assert [r.transcription for r in rec.regions] == ["hello world", "my own reading", ""]


def test_auto_label_twice_replaces_its_own_regions_and_keeps_corrections(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    ed.go_to(2)  # img10.png: new
    rec = ed.current
    auto_label(window, qtbot)
    assert [r.transcription for r in rec.regions] == ["open sesame 7"] and rec.status is ImageStatus.PRELABELLED
    messages = auto_label(window, qtbot)  # untouched: replaced, not doubled
    assert [r.transcription for r in rec.regions] == ["open sesame 7"]
    assert any(m.endswith(": 1 regions") for m in messages), messages
    ed.set_text(0, "open sesame 7!")
    auto_label(window, qtbot)  # corrected: kept, and the detection on it left out
    assert [r.transcription for r in rec.regions] == ["open sesame 7!"]


def test_auto_label_all_unconfirmed_keeps_edits(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    rec = ed.current  # img1.png, pre-labelled
    ed.select(1)
    ed.set_difficult(1, True)
    ed.set_text(0, "hello, world")
    job = window.batch.start(force=True)  # after a retrain: every unconfirmed image again
    with qtbot.waitSignal(window.batch.finished, timeout=60000):
        pass
    assert job is not None and "img1.png" in window.batch.applied
    assert [(r.transcription, r.difficult) for r in rec.regions] == [("hello, world", False), ("Tota1: 42.5", True)]
    assert [r.transcription for r in ed.project.record("img10.png").regions] == ["open sesame 7"]
