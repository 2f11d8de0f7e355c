"""The current image reaches the canvas at once when small, from a worker thread when large; a decode for an image
the user already left is never shown."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from labeler.core.image_io import read_image
from labeler.ui import image_loader
from labeler.ui.image_loader import SYNC_MAX_PIXELS, LoadRequest, decodes_fast, load_image


@pytest.fixture
def threaded_window(make_window, monkeypatch):
    """A window whose every image counts as large (decoded on the thread), and where read_image ran."""
    threads: list[str] = []
    original = image_loader.read_image

    def reading(path, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(image_loader, "read_image", reading)
    window = make_window()
    window.image_loader.sync_max_pixels = 0
    shown: list[str] = []
    window.image_loader.shown.connect(shown.append)
    return window, threads, shown


def test_small_images_are_decoded_at_once_and_large_ones_are_not(project_folder, tmp_path):
    assert decodes_fast(str(project_folder / "img1.png"), SYNC_MAX_PIXELS)  # 900 x 320
    assert not decodes_fast(str(project_folder / "img1.png"), 900 * 320 - 1)
    assert decodes_fast(str(tmp_path / "missing.png"), 0)  # the read says why, at once
    loaded = load_image(LoadRequest(3, "img1.png", str(project_folder / "img1.png")))
    assert loaded.token == 3 and np.array_equal(loaded.image, read_image(project_folder / "img1.png"))
    missing = load_image(LoadRequest(4, "gone.png", str(tmp_path / "gone.png")))
    assert missing.image is None and "gone.png" in missing.error and "not found" in missing.error


def test_a_large_image_is_decoded_on_a_thread_then_shown_with_its_regions(threaded_window, project_folder, qtbot):
    window, threads, shown = threaded_window
    ed, canvas, loader = window.editor, window.canvas, window.image_loader
    assert window.open_folder(project_folder)
    assert loader.loading and canvas.image_array is None and window.size_label.text() == "Loading..."
    assert window.region_model.rowCount() == 2  # the region list does not wait for the pixels
    ed.select(1)  # the user picks a region before the image is there
    assert window.correction.preview.crop is None
    qtbot.waitUntil(lambda: not loader.loading and len(canvas.selected_indices()) == 1, timeout=10000)
    assert threads and all(name != threading.main_thread().name for name in threads)
    assert np.array_equal(canvas.image_array, read_image(project_folder / "img1.png"))
    assert shown == ["img1.png"] and window.size_label.text() == "900 × 320 px"
    assert canvas.region_item(1).points() == ed.current.regions[1].points
    assert canvas.selected_indices() == [1]  # the selection made meanwhile is kept
    assert window.correction.preview.crop is not None  # and its crop appeared with the image


def test_a_decode_for_an_image_the_user_left_is_dropped(threaded_window, project_folder, qtbot):
    window, _threads, shown = threaded_window
    ed, canvas, loader = window.editor, window.canvas, window.image_loader
    assert window.open_folder(project_folder)  # img1 goes to the thread
    first = loader.job
    assert first.done.wait(10)  # decoded and sent; not delivered yet (this thread has not run the event loop)
    ed.go_to(2)  # the user moved on to img10 before img1 arrived
    qtbot.waitUntil(lambda: not loader.loading and loader.dropped == 1, timeout=10000)
    assert shown == ["img10.png"]  # img1 never reached the canvas
    assert ed.current.path == "img10.png"
    assert np.array_equal(canvas.image_array, read_image(project_folder / "img10.png"))
    assert loader.array_for(ed.current) is canvas.image_array


def test_a_decode_still_running_when_the_user_moves_on_is_not_shown(
    threaded_window, project_folder, qtbot, monkeypatch
):
    window, _threads, shown = threaded_window
    ed, canvas, loader = window.editor, window.canvas, window.image_loader
    release, reading = threading.Event(), threading.Event()
    original = image_loader.read_image

    def slow_first(path, *args, **kwargs):
        if str(path).endswith("img1.png"):
            reading.set()
            assert release.wait(10)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(image_loader, "read_image", slow_first)
    assert window.open_folder(project_folder)
    assert reading.wait(10)  # img1 is being decoded
    ed.go_to(1)  # img2 waits behind it (one decode at a time)
    release.set()
    qtbot.waitUntil(lambda: not loader.loading, timeout=10000)
    qtbot.waitUntil(lambda: loader.runner.pool.activeThreadCount() == 0, timeout=10000)
    assert shown == ["img2.png"] and loader.dropped == 0  # img1's job was cancelled: it sent nothing
    assert np.array_equal(canvas.image_array, read_image(project_folder / "img2.png"))


def test_an_unreadable_large_image_is_reported_and_nothing_is_shown(threaded_window, project_folder, qtbot):
    window, _threads, shown = threaded_window
    data = (project_folder / "img10.png").read_bytes()
    (project_folder / "img10.png").write_bytes(data[: len(data) // 2])  # the header is fine, the pixels are cut
    assert window.open_folder(project_folder)
    messages: list[str] = []
    window.image_loader.failed.connect(messages.append)
    window.editor.go_to(2)
    assert window.image_loader.loading
    qtbot.waitUntil(lambda: not window.image_loader.loading, timeout=10000)
    assert window.canvas.image_array is None and shown[-1] == "" and window.size_label.text() == ""
    assert len(messages) == 1 and "img10.png" in messages[0]
    assert "img10.png" in window.statusBar().currentMessage()


def test_closing_the_window_while_decoding_leaves_no_thread(threaded_window, project_folder):
    window, _threads, _shown = threaded_window
    assert window.open_folder(project_folder)
    assert window.image_loader.loading
    window.close()
    assert window.image_loader.runner.pool.activeThreadCount() == 0 and not window.image_loader.runner.jobs
