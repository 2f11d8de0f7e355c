"""A small PPOCRLabel project of rendered text lines, confirmed through the project writer (Label.txt +
fileState.txt), and helpers to run `python -m labeler train` on it as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from labeler.core.model import ImageStatus, TextRegion
from labeler.core.project import open_project, save_project
from labeler.train.events import Event, UnknownEvent, read_event

REPO = Path(__file__).resolve().parents[2]
WORDS = ["TOTAL", "CASH", "RM", "QTY", "ITEM", "TAX", "SALE", "CHANGE", "GST", "NO", "DATE", "TIME"]
FONT = cv2.FONT_HERSHEY_DUPLEX


def _page_lines(i: int) -> list[str]:
    rng = np.random.default_rng(100 + i)
    lines = []
    for _ in range(3):
        word = WORDS[int(rng.integers(len(WORDS)))]
        lines.append(f"{word} {int(rng.integers(1, 999))}.{int(rng.integers(0, 99)):02d}")
    return lines


def render_page(
    lines: list[str], gap: int | None = None, width: int = 640, scale: float = 1.2
) -> tuple[np.ndarray, list[TextRegion]]:
    """A white page with one text line per entry and its regions (boxes a few pixels around the ink).

    gap: pixels between words (None: the font's own space). At about 3 px the bundled recognizer reads
    "TAX 43.58" as "TAX43.58"; a few fine-tuning steps on such pages teach it the space.
    """
    height = 60 + 70 * len(lines)
    img = np.full((height, width, 3), 255, np.uint8)
    regions = []
    space = cv2.getTextSize(" ", FONT, scale, 2)[0][0] if gap is None else gap
    for n, text in enumerate(lines):
        x0 = x = 40
        y = 60 + n * 70
        top = bottom = 0
        for word in text.split(" "):
            (w, h), base = cv2.getTextSize(word, FONT, scale, 2)
            cv2.putText(img, word, (x, y), FONT, scale, (0, 0, 0), 2, cv2.LINE_AA)
            x += w + space
            top, bottom = max(top, h), max(bottom, base)
        x1 = x - space
        points = [(x0 - 6, y - top - 6), (x1 + 6, y - top - 6), (x1 + 6, y + bottom + 4), (x0 - 6, y + bottom + 4)]
        regions.append(TextRegion(points=points, transcription=text))
    return img, regions


def make_project(folder: Path, n_images: int = 10, unconfirmed: int = 1, gap: int | None = None) -> Path:
    """n_images confirmed pages (saved by labeler.core.project.save_project) plus a few unconfirmed ones."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = {}
    for i in range(n_images + unconfirmed):
        img, regions = render_page(_page_lines(i), gap)
        name = f"page_{i:02d}.png"
        assert cv2.imwrite(str(folder / name), img)
        pages[name] = regions
    project = open_project(folder)
    for record in project.records:
        if int(record.path[5:7]) < n_images:
            record.regions = pages[record.path]
            record.status = ImageStatus.CONFIRMED
            record.dirty = True
    save_project(project)
    return folder


def run_train(project: Path, *args: str, timeout: float = 240, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "labeler", "train", str(project), "--threads", "1", *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=train_env(project, env))


def train_env(project: Path, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env["XDG_CONFIG_HOME"] = str(project.parent / "config")  # never the developer's own settings
    env.update(extra or {})
    return env


def event_of(line: str) -> dict:
    """The event one stdout line holds (labeler.train.events.read_event), as its dict; it must be a known kind."""
    event = read_event(line)
    assert isinstance(event, Event) and not isinstance(event, UnknownEvent), (line, event)
    return event.to_dict()


def events_of(stdout: str) -> list[dict]:
    """Every stdout line must be one protocol event."""
    return [event_of(line) for line in stdout.splitlines()]
