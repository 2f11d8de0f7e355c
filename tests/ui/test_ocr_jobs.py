"""Background OCR from the GUI with the real (light) models: the event loop keeps running, user edits win."""

from __future__ import annotations

import time

import pytest
from PyQt5.QtCore import Qt, QTimer

from labeler.core.model import ImageStatus

pytestmark = pytest.mark.models


class StallMeter:
    """Longest gap between ticks of a 5 ms timer: how long the GUI thread was blocked."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def __enter__(self) -> StallMeter:
        self._last = time.perf_counter()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()


def test_auto_label_current_image_in_background(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    ed.go_to(2)  # img10.png: new, no regions
    rec = ed.current
    assert rec.status is ImageStatus.NEW and not rec.regions
    with StallMeter() as meter:
        qtbot.keyClick(window.canvas, Qt.Key_A, Qt.ControlModifier | Qt.ShiftModifier)
        assert ed.ocr.busy and window.progress.isVisible()
        qtbot.waitUntil(lambda: bool(rec.regions), timeout=30000)
    assert [r.transcription for r in rec.regions] == ["open sesame 7"]
    assert rec.status is ImageStatus.PRELABELLED
    assert window.region_model.index(0, 1).data() == "open sesame 7"
    qtbot.waitUntil(lambda: not window.progress.isVisible())
    # Model loading and inference ran on the pool thread; the GUI thread only waited for events.
    print(f"longest GUI event-loop stall during auto-label: {meter.longest * 1000:.0f} ms")
    assert meter.longest < 0.25, f"GUI event loop stalled {meter.longest * 1000:.0f} ms"
    # The whole auto-label is one undo step.
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert not rec.regions and rec.status is ImageStatus.NEW

    # Re-recognize the selected region (Ctrl+R) after breaking its text.
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    ed.select(0)
    ed.set_text(0, "wrong")
    qtbot.keyClick(window.canvas, Qt.Key_R, Qt.ControlModifier)
    qtbot.waitUntil(lambda: rec.regions[0].transcription == "open sesame 7", timeout=20000)
    assert rec.regions[0].score is not None and rec.regions[0].score > 0.8


def test_background_result_never_overwrites_user_edits(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    ed = window.editor
    rec = ed.current  # img1.png, pre-labelled from Cache.cach
    messages: list[str] = []
    ed.message.connect(messages.append)  # the status bar line itself may already say "Saved"
    job = ed.auto_label_current()
    ed.set_text(1, "my correction")  # the user edits while the job runs
    with qtbot.waitSignal(job.signals.finished, timeout=30000):
        pass
    qtbot.wait(50)
    assert [r.transcription for r in rec.regions] == ["hello world", "my correction"]
    assert any("edited meanwhile" in m for m in messages), messages


def test_closing_cancels_a_running_job(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    rec = window.editor.current
    before = [r.transcription for r in rec.regions]
    window.editor.auto_label_current()
    window.close()  # waits for the pool; the result is dropped
    assert not window.editor.ocr.jobs
    assert [r.transcription for r in rec.regions] == before


def test_cached_pipeline_shows_the_pipeline_made_or_set_and_never_makes_one(qtbot):
    from labeler.ui.editor import Editor

    ed = Editor()
    assert ed.cached_pipeline is None  # nothing made yet, and asking makes nothing
    assert ed.cached_pipeline is None
    made = ed.pipeline()  # made lazily (the models load on first use)
    assert ed.cached_pipeline is made
    given = object()
    ed.use_model_set("light", pipeline=given)
    assert ed.cached_pipeline is given
    ed.use_model_set("default")
    assert ed.cached_pipeline is None
    ed.deleteLater()
