"""Shared test helpers: paths, rendered text images, the optional ../shared eval data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# labeler's log (labeler/core/logs.py) goes to a file of this run, never into the user's state folder
os.environ.setdefault("LABELER_LOG_FILE", os.path.join(tempfile.mkdtemp(prefix="labeler-test-log-"), "labeler.log"))

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"


def render_lines(lines: list[str], size: tuple[int, int] = (900, 320), scale: float = 1.4) -> np.ndarray:
    """A white BGR page with one black text line per entry (OpenCV's Hershey font: no font files needed)."""
    width, height = size
    img = np.full((height, width, 3), 255, np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(img, text, (40, 80 + i * 80), cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), 2, cv2.LINE_AA)
    return img


def write_image(path: Path, img: np.ndarray) -> Path:
    ok, buf = cv2.imencode(path.suffix or ".png", img)
    assert ok
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.tobytes())
    return path


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    if not (SHARED_EVAL / "public" / "Label.txt").is_file():
        pytest.skip("../shared/eval is not present")
    return SHARED_EVAL
