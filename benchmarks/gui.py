"""GUI responsiveness: first image of a 10,000-image folder, and event-loop stalls during background OCR.

    python benchmarks/gui.py [--data ../shared/eval/public] [--images 10000]

Runs the real main window offscreen. A 1 ms QTimer measures the event loop: a stall is the longest
gap between two of its ticks. Auto-labelling goes image by image through the window's own
background job (the user-facing path), on the evaluation images when ../shared/eval is present.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "public"


class StallMeter:
    """Longest gap between ticks of a 1 ms timer, i.e. the longest the event loop was not served."""

    def __init__(self):
        from PyQt5.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self):
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps, default=0.0)


def wait_until(app, condition, timeout: float) -> None:
    end = time.time() + timeout
    while not condition() and time.time() < end:
        app.processEvents()
        time.sleep(0.0005)


def first_image_of_big_folder(app, n: int) -> tuple[float, float]:
    from labeler.ui.main_window import MainWindow
    from tests.conftest import render_lines, write_image

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        first = write_image(folder / "img00000.png", render_lines(["first page"], size=(1240, 1754)))
        data = first.read_bytes()
        for i in range(1, n):
            (folder / f"img{i:05d}.png").write_bytes(data)
        start = time.perf_counter()
        window = MainWindow()
        window.show()
        ok = window.open_folder(folder)
        wait_until(app, lambda: window.canvas.scene().items(), 10)
        app.processEvents()
        shown = time.perf_counter() - start
        assert ok
        step_start = time.perf_counter()
        window.editor.step(1)
        app.processEvents()
        step = time.perf_counter() - step_start
        window.close()
        return shown, step


def auto_label_stalls(app, data: Path, limit: int) -> dict:
    from labeler.core.image_io import list_images
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in list_images(data / "images")[:limit]:
            shutil.copy(p, folder / p.name)
        window = MainWindow(Editor(model_set="default"))
        window.show()
        window.open_folder(folder)
        meter = StallMeter()
        job_stalls, switch_times = [], []
        start = time.perf_counter()
        for i in range(len(window.editor.project.records)):
            t = time.perf_counter()
            window.editor.go_to(i)  # showing the next image: measured apart from the OCR
            app.processEvents()
            switch_times.append(time.perf_counter() - t)
            meter.start()
            job = window.editor.auto_label_current()
            wait_until(app, lambda: job is None or not window.editor.ocr.jobs, 120)
            job_stalls.append(meter.stop())
        total = time.perf_counter() - start
        window.close()
        return {
            "images": len(job_stalls),
            "max_stall_ms": 1000 * max(job_stalls),
            "median_image_max_stall_ms": 1000 * statistics.median(job_stalls),
            "max_switch_ms": 1000 * max(switch_times),
            "median_switch_ms": 1000 * statistics.median(switch_times),
            "seconds": total,
        }


def batch_auto_label_stalls(app, data: Path, limit: int) -> dict:
    """'Auto-label all new images': one background job over the folder while the user browses images."""
    from labeler.core.image_io import list_images
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in list_images(data / "images")[:limit]:
            shutil.copy(p, folder / p.name)
        window = MainWindow(Editor(model_set="default"))
        window.show()
        window.open_folder(folder)
        app.processEvents()
        meter = StallMeter()
        meter.start()
        start = time.perf_counter()
        window.batch.start()
        browse_at = time.perf_counter() + 2.0
        while window.batch.running and time.perf_counter() - start < 600:
            app.processEvents()
            if time.perf_counter() >= browse_at:  # the user keeps working: next image every 2 s
                window.editor.step(1)
                browse_at = time.perf_counter() + 2.0
            time.sleep(0.0005)
        total = time.perf_counter() - start
        stall = meter.stop()
        gaps = sorted(meter.gaps)
        done = sum(1 for r in window.editor.project.records if r.regions)
        window.close()
        return {"max_stall_ms": 1000 * stall, "p99_gap_ms": 1000 * gaps[int(0.99 * (len(gaps) - 1))], "images": done, "seconds": total}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=10000, help="size of the big folder")
    parser.add_argument("--limit", type=int, default=30, help="evaluation images to auto-label")
    args = parser.parse_args()
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    shown, step = first_image_of_big_folder(app, args.images)
    print(f"{'measure':58} {'value':>10}  target")
    print(f"{f'first image of a {args.images}-image folder on screen (s)':58} {shown:10.2f}  < 2")
    print(f"{'next image (D) in that folder (ms)':58} {1000 * step:10.1f}")
    if not (args.data / "images").is_dir():
        print(f"skipped auto-labelling stalls: no evaluation images at {args.data}")
        return 0
    r = auto_label_stalls(app, args.data, args.limit)
    print(f"{'longest event-loop stall during background auto-label (ms)':58} {r['max_stall_ms']:10.1f}  < 50")
    print(f"{'median per-image longest stall (ms)':58} {r['median_image_max_stall_ms']:10.1f}")
    print(f"{'longest image switch, read + display on GUI thread (ms)':58} {r['max_switch_ms']:10.1f}")
    print(f"{'median image switch (ms)':58} {r['median_switch_ms']:10.1f}")
    print(f"{'images auto-labelled / seconds':58} {r['images']:>4} / {r['seconds']:.1f}")
    b = batch_auto_label_stalls(app, args.data, args.limit)
    print(f"{'batch auto-label all, user browsing: longest stall (ms)':58} {b['max_stall_ms']:10.1f}  < 50")
    print(f"{'batch auto-label all: 99th percentile loop gap (ms)':58} {b['p99_gap_ms']:10.1f}")
    print(f"{'batch: images labelled / seconds':58} {b['images']:>4} / {b['seconds']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
