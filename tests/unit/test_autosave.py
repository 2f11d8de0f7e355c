"""Debounced autosave: saves at most `delay` after the first unsaved change, one at a time, and leaves no thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from labeler.core.autosave import AutoSaver
from labeler.core.history import History, SetText
from labeler.core.project import open_project


class Recorder:
    def __init__(self, seconds: float = 0.0, fail: int = 0) -> None:
        self.times: list[float] = []
        self.seconds = seconds
        self.fail = fail
        self.running = 0
        self.overlap = False
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.running += 1
            self.overlap |= self.running > 1
        try:
            time.sleep(self.seconds)
            if self.fail:
                self.fail -= 1
                raise OSError("disk full")
            self.times.append(time.monotonic())
        finally:
            with self.lock:
                self.running -= 1


def no_autosave_thread() -> bool:
    return not any(t.name == "labeler-autosave" and t.is_alive() for t in threading.enumerate())


def test_burst_of_changes_gives_one_save_after_delay() -> None:
    save = Recorder()
    saver = AutoSaver(save, delay=0.15)
    t0 = time.monotonic()
    for _ in range(50):
        saver.mark_dirty()
    assert saver.pending and save.times == []
    deadline = time.monotonic() + 3
    while saver.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # no second save follows
    assert len(save.times) == 1 and 0.14 <= save.times[0] - t0 < 1.5  # generous: CI machines stall
    assert not saver.pending
    saver.close()
    assert no_autosave_thread()


def test_steady_typing_cannot_postpone_saving() -> None:
    save = Recorder()
    saver = AutoSaver(save, delay=0.1)
    end = time.monotonic() + 0.55
    while time.monotonic() < end:
        saver.mark_dirty()
        time.sleep(0.01)
    saver.close()
    # ~5 saves while typing (one per 0.1 s), then close() saved the rest; never one per keystroke.
    assert 2 <= len(save.times) <= 8
    assert not saver.pending


def test_flush_saves_now_and_only_when_pending() -> None:
    save = Recorder()
    with AutoSaver(save, delay=60) as saver:
        assert saver.flush() is False
        saver.mark_dirty()
        assert saver.flush() is True and len(save.times) == 1
        assert saver.flush() is False
    assert no_autosave_thread()


def test_close_saves_pending_changes_and_stops() -> None:
    save = Recorder()
    saver = AutoSaver(save, delay=60)
    saver.mark_dirty()
    saver.close()
    assert len(save.times) == 1 and no_autosave_thread()
    with pytest.raises(RuntimeError):
        saver.mark_dirty()


def test_failed_save_is_reported_and_retried() -> None:
    save = Recorder(fail=2)
    errors: list[BaseException] = []
    saver = AutoSaver(save, delay=0.05, on_error=errors.append, retry_delay=0.05)
    saver.mark_dirty()
    deadline = time.monotonic() + 3
    while not save.times and time.monotonic() < deadline:
        time.sleep(0.01)
    saver.close()
    assert len(errors) == 2 and all(isinstance(e, OSError) for e in errors)
    assert len(save.times) == 1 and saver.last_error is None


def test_flush_raises_when_the_save_fails_and_stays_pending() -> None:
    saver = AutoSaver(Recorder(fail=1), delay=60)
    saver.mark_dirty()
    with pytest.raises(OSError):
        saver.flush()
    assert saver.pending
    saver.close()  # second try succeeds
    assert not saver.pending


def test_marks_from_many_threads_and_flushes_never_overlap_saves() -> None:
    save = Recorder(seconds=0.005)
    saver = AutoSaver(save, delay=0.01)

    def worker() -> None:
        for i in range(200):
            saver.mark_dirty()
            if i % 50 == 0:
                saver.flush()
            time.sleep(0.0005)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saver.close()
    assert not save.overlap and save.times and not saver.pending
    assert no_autosave_thread()


def test_edits_reach_the_disk_through_history_and_autosave(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"")
    (folder / "Label.txt").write_text(
        'imgs/a.jpg\t[{"transcription": "a", "points": [[0, 0], [5, 0], [5, 5]], "difficult": false}]\n', "utf-8"
    )
    project = open_project(folder)
    from labeler.core.project import save_project

    saved = threading.Event()
    saver = AutoSaver(lambda: save_project(project), delay=0.05, on_saved=lambda result: saved.set())
    history = History(project.record("a.jpg"), project.lock, on_change=lambda rec, cmd: saver.mark_dirty())
    history.push(SetText(0, "typed"))
    assert saved.wait(2)
    assert '"typed"' in (folder / "Label.txt").read_text("utf-8")
    history.undo()
    saver.close()
    assert '"a"' in (folder / "Label.txt").read_text("utf-8") and not project.is_dirty
