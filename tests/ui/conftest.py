"""GUI test fixtures: a real PPOCRLabel folder in tmp_path and a main window on it, checked for leftovers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.conftest import render_lines, write_image

FOLDER = "data"


def _line(key: str, regions: list[dict]) -> str:
    return f"{key}\t{json.dumps(regions, ensure_ascii=False)}\n"


@pytest.fixture
def project_folder(tmp_path: Path) -> Path:
    """img1 pre-labelled (Cache.cach), img2 confirmed (Label.txt + fileState.txt), img10 new."""
    folder = tmp_path / FOLDER
    write_image(folder / "img1.png", render_lines(["hello world", "Total: 42.5"]))
    write_image(folder / "img2.png", render_lines(["second page"]))
    write_image(folder / "img10.png", render_lines(["open sesame 7"]))
    cache = [
        {
            "transcription": "hello world",
            "points": [[38, 50], [300, 50], [300, 92], [38, 92]],
            "difficult": False,
            "score": 0.99,
        },
        {
            "transcription": "Tota1: 42.5",
            "points": [[38, 130], [330, 130], [330, 172], [38, 172]],
            "difficult": False,
            "score": 0.61,
        },
    ]
    label = [{"transcription": "second page", "points": [[38, 50], [320, 50], [320, 92], [38, 92]], "difficult": False}]
    (folder / "Cache.cach").write_text(_line(f"{FOLDER}/img1.png", cache), encoding="utf-8")
    (folder / "Label.txt").write_text(_line(f"{FOLDER}/img2.png", label), encoding="utf-8")
    (folder / "fileState.txt").write_text(f"{FOLDER}/img2.png\t1\n", encoding="utf-8")
    return folder


def _autosave_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "labeler-autosave"]


@pytest.fixture
def make_window(qtbot):
    """make_window(folder) -> a shown MainWindow on the folder; closed and checked for leftovers after the test.

    The window's prelabel_on_open setting is off unless `prelabel_on_open=True` (None: the settings file's)."""
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    windows = []

    def make(folder: Path | None = None, model_set: str = "light", prelabel_on_open: bool | None = False):
        window = MainWindow(Editor(model_set=model_set))
        window.editor.setParent(window)
        if prelabel_on_open is not None:  # off unless asked: opening would OCR new images behind the test's back
            window.user_settings = window.user_settings.with_changes(prelabel_on_open=prelabel_on_open)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # window shortcuts (A, D, Ctrl+Z...) need an active window
        if folder is not None:
            assert window.open_folder(folder)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.editor.saver is None  # autosave closed (and flushed)
        assert window.editor.ocr.pool.activeThreadCount() == 0
        assert not window.editor.ocr.jobs
    assert _autosave_threads() == []
