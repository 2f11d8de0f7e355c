"""A small line chart drawn with QPainter: a few named series of (x, y) points, axes with round ticks, a legend.

Enough for live training curves (loss, validation accuracy) without a plotting library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass
class Series:
    name: str
    color: str
    points: list[tuple[float, float]] = field(default_factory=list)
    markers: bool = False  # sparse series (one point per validation) show their points


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values (1, 2, 5 x 10^k apart) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.2g}"


class CurvePlot(QWidget):
    """`add_point(series, x, y)` appends and repaints; `y_range` fixes the y axis (e.g. 0..1 for accuracy)."""

    def __init__(self, title: str, y_range: tuple[float, float] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.y_range = title, y_range  # the title names the x axis too: no room for a label under it
        self.series: dict[str, Series] = {}
        self.empty_text = ""
        self.setMinimumSize(220, 150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 190)

    def add_series(self, name: str, color: str | None = None, markers: bool = False) -> Series:
        if name not in self.series:
            self.series[name] = Series(name, color or PALETTE[len(self.series) % len(PALETTE)], markers=markers)
        return self.series[name]

    def add_point(self, name: str, x: float, y: float) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return  # a NaN loss is reported in the log, not drawn
        self.add_series(name).points.append((float(x), float(y)))
        self.update()

    def points(self, name: str) -> list[tuple[float, float]]:
        return list(self.series[name].points) if name in self.series else []

    def clear(self) -> None:
        self.series.clear()
        self.update()

    # ------------------------------------------------------------------ drawing

    def _bounds(self) -> tuple[float, float, float, float]:
        xs = [x for s in self.series.values() for x, _ in s.points]
        ys = [y for s in self.series.values() for _, y in s.points]
        x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
        if x1 <= x0:
            x1 = x0 + 1.0
        if self.y_range is not None:
            y0, y1 = self.y_range
        elif ys:
            y0, y1 = min(min(ys), 0.0), max(ys)
            if y1 <= y0:
                y1 = y0 + 1.0
            y1 += (y1 - y0) * 0.05
        else:
            y0, y1 = 0.0, 1.0
        return x0, x1, y0, y1

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(self.font())
        line_h = metrics.height()
        x0, x1, y0, y1 = self._bounds()
        y_ticks = nice_ticks(y0, y1)
        x_ticks = nice_ticks(x0, x1)
        label_w = max(metrics.horizontalAdvance(_label(t)) for t in y_ticks) + 6
        plot = QRectF(label_w + 4, line_h + 6, self.width() - label_w - 12, self.height() - 2 * line_h - 14)
        if plot.width() < 20 or plot.height() < 20:
            return
        text_pen = QPen(self.palette().text().color())

        def to_screen(x: float, y: float) -> QPointF:
            return QPointF(
                plot.left() + (x - x0) / (x1 - x0) * plot.width(), plot.bottom() - (y - y0) / (y1 - y0) * plot.height()
            )

        painter.setPen(text_pen)
        painter.drawText(QRectF(0, 0, self.width(), line_h + 4), Qt.AlignHCenter | Qt.AlignVCenter, self.title)
        grid = QPen(QColor(0, 0, 0, 30))
        for t in y_ticks:
            p = to_screen(x0, t)
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), p.y()), QPointF(plot.right(), p.y()))
            painter.setPen(text_pen)
            painter.drawText(QRectF(0, p.y() - line_h / 2, label_w, line_h), Qt.AlignRight | Qt.AlignVCenter, _label(t))
        for t in x_ticks:
            p = to_screen(t, y0)
            painter.setPen(grid)
            painter.drawLine(QPointF(p.x(), plot.top()), QPointF(p.x(), plot.bottom()))
            painter.setPen(text_pen)
            painter.drawText(
                QRectF(p.x() - 40, plot.bottom() + 2, 80, line_h), Qt.AlignHCenter | Qt.AlignTop, _label(t)
            )
        painter.setPen(QPen(self.palette().mid().color()))
        painter.drawRect(plot)

        if not any(s.points for s in self.series.values()):
            painter.setPen(QPen(self.palette().mid().color()))
            painter.drawText(plot, Qt.AlignCenter, self.empty_text)
            return
        painter.setClipRect(plot.adjusted(-3, -3, 3, 3))
        for series in self.series.values():
            pen = QPen(QColor(series.color), 2)
            painter.setPen(pen)
            if len(series.points) > 1:
                path = QPainterPath(to_screen(*series.points[0]))
                for x, y in series.points[1:]:
                    path.lineTo(to_screen(x, y))
                painter.drawPath(path)
            if series.markers or len(series.points) == 1:
                painter.setBrush(QColor(series.color))
                for x, y in series.points:
                    painter.drawEllipse(to_screen(x, y), 3, 3)
                painter.setBrush(Qt.NoBrush)
        painter.setClipping(False)
        self._legend(painter, plot, metrics)

    def _legend(self, painter: QPainter, plot: QRectF, metrics: QFontMetrics) -> None:
        shown = [s for s in self.series.values() if s.points]
        if not shown:
            return
        y = plot.top() + 4
        for series in shown:
            width = metrics.horizontalAdvance(series.name)
            x = plot.right() - width - 26
            painter.fillRect(QRectF(x - 4, y, width + 30, metrics.height()), QColor(255, 255, 255, 200))
            painter.setPen(QPen(QColor(series.color), 2))
            mid = y + metrics.height() / 2
            painter.drawLine(QPointF(x, mid), QPointF(x + 16, mid))
            painter.setPen(QPen(self.palette().text().color()))
            painter.drawText(QPointF(x + 20, y + metrics.ascent()), series.name)
            y += metrics.height() + 2
