"""`labeler [DIR]` opens the window; the screenshot script draws it with pre-labels."""

from __future__ import annotations

import pytest
from PyQt5.QtGui import QImage

import labeler.ui.app as app_module
from labeler.cli import main
from tests.conftest import render_lines, write_image


def test_labeler_dir_and_no_args_open_the_gui(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(app_module, "run_gui", lambda folder=None: calls.append(folder) or 0)
    assert main([str(tmp_path)]) == 0
    assert main([]) == 0
    assert calls == [str(tmp_path), None]


@pytest.mark.models
def test_screenshot_shows_prelabels(qapp, tmp_path):
    from labeler.ui.screenshot import save_screenshot

    image = write_image(tmp_path / "page.png", render_lines(["hello world"]))
    out = save_screenshot(image, tmp_path / "shot.png", model_set="light", size=(1000, 700))
    shot = QImage(str(out))
    assert (shot.width(), shot.height()) == (1000, 700)
