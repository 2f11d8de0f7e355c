"""How long the GUI thread's event loop went unserved: the longest gap between ticks of a 1 ms timer."""

from __future__ import annotations

import time


class StallMeter:
    def __init__(self):
        from PyQt5.QtCore import QTimer  # imported late: the scripts set QT_QPA_PLATFORM first

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
