"""Opening a folder pre-labels its new images in the background (the README's first promise), with the real
(light) models: progress in the status bar, Esc stops it, the user's edits win, a setting turns it off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from labeler.core.model import ImageStatus
from labeler.core.ppocrlabel_format import read_label_file
from labeler.core.settings import load_settings
from labeler.ui import settings_dialog
from tests.conftest import render_lines, write_image

pytestmark = pytest.mark.models

WORDS = ["alpha 12", "bravo 34", "charlie 56", "delta 78", "echo 90", "foxtrot 11", "golf 22", "hotel 33"]


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch) -> Path:
    """Each test has its own settings folder: the developer's own settings never decide what starts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg" / "labeler" / "settings.json"


@pytest.fixture
def no_dialogs(monkeypatch) -> list[str]:
    """Message boxes recorded instead of shown: none may appear."""
    shown: list[str] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(settings_dialog.QMessageBox, name, lambda *a, **k: shown.append(str(a[2:3])) or 0)
    return shown


def _new_images(folder: Path, count: int) -> Path:
    for i in range(count):
        write_image(folder / f"page{i}.png", render_lines([WORDS[i % len(WORDS)]], size=(480, 120)))
    return folder


def _follow(window) -> tuple[list[str], list[tuple[int, int, bool]]]:
    """The editor's status lines, and each progress step with whether the status-bar progress was visible."""
    messages: list[str] = []
    steps: list[tuple[int, int, bool]] = []
    window.editor.message.connect(messages.append)
    window.batch.progress.connect(lambda done, total: steps.append((done, total, window.progress.isVisible())))
    return messages, steps


def _texts(rec) -> str:
    return " ".join(r.transcription for r in rec.regions)


def test_opening_a_folder_prelabels_its_new_images_in_the_background(make_window, project_folder, qtbot):
    window = make_window(prelabel_on_open=True)
    messages, steps = _follow(window)
    assert window.open_folder(project_folder)
    ed = window.editor
    img10 = ed.project.record("img10.png")
    assert img10.status is ImageStatus.NEW and not img10.regions
    # The current image (img1) is usable at once: shown, and an edit goes through while the job starts.
    assert ed.current.path == "img1.png" and window.canvas.image_array is not None
    ed.set_text(0, "hello there")
    qtbot.waitUntil(lambda: window.batch.running, timeout=5000)
    assert window.actions_by_name["stop_auto_label"].isEnabled()
    qtbot.waitUntil(lambda: img10.status is ImageStatus.PRELABELLED, timeout=60000)
    assert "open sesame" in _texts(img10)
    qtbot.waitUntil(lambda: not window.batch.running, timeout=10000)
    assert steps[0] == (0, 1, True) and steps[-1] == (1, 1, True)  # the progress was shown at every step
    assert any("Pre-labelling 1 new images (Esc stops)" in m for m in messages)
    assert window.batch.applied == ["img10.png"]
    assert ed.project.record("img1.png").regions[0].transcription == "hello there"  # not a new image: untouched
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)
    # Saved by the normal autosave (no flush): PPOCRLabel's cache file gets img10's line.
    cache = project_folder / "Cache.cach"
    qtbot.waitUntil(lambda: "data/img10.png" in read_label_file(cache).by_key(), timeout=10000)
    saved = read_label_file(cache).by_key()
    assert "open sesame" in " ".join(r.transcription for r in saved["data/img10.png"])
    assert saved["data/img1.png"][0].transcription == "hello there"
    # It went through img10's history: one undo step takes it back.
    ed.go_to(next(i for i, r in enumerate(ed.project.records) if r is img10))
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert not img10.regions and img10.status is ImageStatus.NEW


def test_the_setting_turns_it_off_and_on_again(make_window, project_folder, settings_file, qtbot):
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"prelabel_on_open": False, "colour_theme": "dark"}), encoding="utf-8")
    window = make_window(prelabel_on_open=None)  # as the settings file says
    assert window.user_settings.prelabel_on_open is False
    assert window.open_folder(project_folder)
    ed = window.editor
    img10 = ed.project.record("img10.png")
    qtbot.wait(300)
    assert not window.batch.running and not ed.ocr.busy and not window.progress.isVisible()
    assert img10.status is ImageStatus.NEW and not img10.regions
    # The settings dialog shows it, translated label and all; checking it is saved beside the unknown key.
    dialog = settings_dialog.SettingsDialog(window.user_settings, window)
    assert not dialog.prelabel_on_open.isChecked()
    dialog.prelabel_on_open.setChecked(True)
    dialog.accept()
    window.settings_controller.save_and_apply(dialog.settings)
    saved = json.loads(settings_file.read_text(encoding="utf-8"))
    assert saved["prelabel_on_open"] is True and saved["colour_theme"] == "dark"
    assert load_settings(settings_file).settings.prelabel_on_open is True
    assert window.open_folder(project_folder)  # the next folder opened is pre-labelled
    img10 = window.editor.project.record("img10.png")
    qtbot.waitUntil(lambda: img10.status is ImageStatus.PRELABELLED, timeout=60000)
    assert "open sesame" in _texts(img10)


def test_escape_stops_the_prelabelling(make_window, tmp_path, qtbot):
    folder = _new_images(tmp_path / "data", 8)
    window = make_window(prelabel_on_open=True)
    messages, _steps = _follow(window)
    assert window.open_folder(folder)
    ed = window.editor
    qtbot.waitUntil(lambda: len(window.batch.applied) >= 1, timeout=60000)
    assert window.progress.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.batch.running, timeout=30000)
    ed.ocr.pool.waitForDone(5000)
    assert ed.ocr.pool.activeThreadCount() == 0 and not ed.ocr.jobs
    labelled = [r for r in ed.project.records if r.status is ImageStatus.PRELABELLED]
    assert 1 <= len(labelled) < 8 and all(r.regions for r in labelled)
    assert any("Stopped auto-labelling" in m for m in messages)
    assert not window.progress.isVisible()


def test_edits_made_before_a_result_arrives_are_not_overwritten(make_window, tmp_path, qtbot):
    folder = _new_images(tmp_path / "data", 4)
    window = make_window(prelabel_on_open=True)
    messages, _steps = _follow(window)
    assert window.open_folder(folder)
    ed = window.editor
    first, last = ed.project.records[0], ed.project.records[3]
    assert ed.current is first and first.status is ImageStatus.NEW
    ed.add_region([(10, 10), (100, 10), (100, 40), (10, 40)])  # at once, before the job has even started
    ed.set_text(0, "mine")
    qtbot.waitUntil(lambda: window.batch.running, timeout=5000)
    ed.go_to(3)  # while the models load: the last image, whose result comes last
    ed.add_region([(20, 20), (200, 20), (200, 60), (20, 60)])
    qtbot.waitUntil(lambda: not window.batch.running, timeout=60000)
    assert [r.transcription for r in first.regions] == ["mine"] and first.status is ImageStatus.NEW
    assert [r.transcription for r in last.regions] == [""] and last.status is ImageStatus.NEW
    assert sorted(window.batch.skipped) == ["page0.png", "page3.png"]
    assert any("page0.png was edited meanwhile" in m for m in messages)
    for i in (1, 2):
        rec = ed.project.records[i]
        assert rec.status is ImageStatus.PRELABELLED and [r.transcription for r in rec.regions] == [WORDS[i]]


def test_models_that_cannot_load_say_so_once_in_the_status_bar(make_window, tmp_path, qtbot, no_dialogs):
    models = tmp_path / "broken-models"
    models.mkdir()
    (models / "det.onnx").write_bytes(b"not a model")
    (models / "rec.onnx").write_bytes(b"not a model")
    folder = _new_images(tmp_path / "data", 3)
    window = make_window(model_set=str(models), prelabel_on_open=True)
    messages, _steps = _follow(window)
    assert window.open_folder(folder)
    qtbot.waitUntil(lambda: any("failed" in m for m in messages), timeout=30000)
    qtbot.waitUntil(lambda: not window.batch.running, timeout=10000)
    qtbot.wait(100)
    errors = [m for m in messages if "not a valid ONNX" in m]
    assert len(errors) == 1 and errors[0].startswith("Auto-labelling failed:"), messages
    assert "not a valid ONNX" in window.statusBar().currentMessage()
    assert no_dialogs == []
    assert all(r.status is ImageStatus.NEW for r in window.editor.project.records)
