"""Pre-labelling on open: time from opening the demo folder to every image pre-labelled, and the GUI stalls meanwhile.

    python benchmarks/prelabel_on_open.py [--models default light] [--runs 1] [--screenshot /tmp/prelabel_on_open.png]

The real main window (1366x768, offscreen, settings at their defaults: prelabel_on_open on) opens a copy of
resources/demo (4 new images). "open" is the open_folder() call itself (synchronous by design: it lists the
folder and shows the first image); from its return on, a 10 ms QTimer records the event loop while the images
are pre-labelled in the background: a stall is the longest gap between two ticks, minus the 10 ms interval it
waits anyway. "all pre-labelled" (from the start of open) is when the last result has gone through the editor's
history.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from machine import cpu_model

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEMO = REPO / "resources" / "demo"
TICK_MS = 10


@dataclass
class GapMeter:
    """Gaps between ticks of a 10 ms timer on the GUI thread."""

    gaps: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the GUI thread's own CPU time in each gap
    last: float = 0.0
    last_cpu: float = 0.0

    def start(self):
        from PyQt5.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()

    def _tick(self):
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self.last)
        self.cpu.append(cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def stop(self):
        self.timer.stop()

    def longest_stall_ms(self) -> float:
        return max(0.0, 1000 * max(self.gaps, default=0.0) - TICK_MS)

    def longest_stall_cpu_ms(self) -> float:
        """How much of the longest stall the GUI thread computed; the rest it waited (GIL, a busy CPU)."""
        return 1000 * self.cpu[self.gaps.index(max(self.gaps))] if self.gaps else 0.0

    def p99_gap_ms(self) -> float:
        gaps = sorted(self.gaps)
        return 1000 * gaps[int(0.99 * (len(gaps) - 1))] if gaps else 0.0


@dataclass
class Run:
    model_set: str
    images: int
    open_ms: float
    all_done_s: float
    longest_stall_ms: float
    stall_cpu_ms: float
    p99_gap_ms: float
    regions: int


def wait_until(app, condition, timeout: float) -> bool:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def one_run(app, model_set: str, tmp: Path, screenshot: Path | None) -> Run:
    from labeler.core.model import ImageStatus
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    folder = tmp / f"demo-{model_set}-{time.monotonic_ns()}"
    shutil.copytree(DEMO, folder)  # never write into resources/demo
    window = MainWindow(Editor(model_set=model_set))
    window.editor.setParent(window)
    window.resize(1366, 768)
    window.show()
    wait_until(app, lambda: False, 0.2)  # settle the layout before measuring
    assert window.user_settings.prelabel_on_open, "the default settings pre-label on open"
    meter = GapMeter()
    start = time.perf_counter()
    assert window.open_folder(folder)
    opened = time.perf_counter() - start
    meter.start()
    records = window.editor.project.records
    if screenshot is not None:  # while the progress shows, with a first result on the canvas, laid out
        assert wait_until(app, lambda: window.batch.applied and window.progress.isVisible(), 600)
        wait_until(app, lambda: False, 0.1)
        window.grab().save(str(screenshot))
    assert wait_until(app, lambda: all(r.status is ImageStatus.PRELABELLED for r in records), 600), [
        (r.path, r.status) for r in records
    ]
    done = time.perf_counter() - start
    wait_until(app, lambda: not window.batch.running, 30)
    meter.stop()
    run = Run(
        model_set,
        len(records),
        1000 * opened,
        done,
        meter.longest_stall_ms(),
        meter.longest_stall_cpu_ms(),
        meter.p99_gap_ms(),
        sum(len(r.regions) for r in records),
    )
    window.close()
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["default", "light"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--screenshot", type=Path, help="save the 1366x768 window while the progress shows")
    args = parser.parse_args(argv)
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # the defaults, not the user's own settings
        for model_set in args.models:
            for i in range(args.runs):
                shot = args.screenshot if args.screenshot and model_set == args.models[0] and i == 0 else None
                runs.append(one_run(app, model_set, Path(tmp), shot))
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical cores)")
    print(
        f"{'models':<9} {'images':>6} {'open':>8} {'all pre-labelled':>17} {'longest stall':>14} "
        f"{'(GUI CPU in it)':>16} {'p99 gap':>8} {'regions':>8}"
    )
    for r in runs:
        print(
            f"{r.model_set:<9} {r.images:>6} {r.open_ms:>5.0f} ms {r.all_done_s:>15.2f} s "
            f"{r.longest_stall_ms:>11.0f} ms {r.stall_cpu_ms:>13.0f} ms {r.p99_gap_ms:>5.0f} ms {r.regions:>8}"
        )
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
