"""What the canvas draws over the image (image_item.py): region polygons, number badges, vertex handles."""

from __future__ import annotations

from PyQt5 import sip
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PyQt5.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsPixmapItem, QGraphicsPolygonItem

from labeler.core.model import TextRegion

NORMAL = QColor(0, 170, 0)
LOW_SCORE = QColor(230, 90, 0)
SELECTED = QColor(20, 110, 255)
DRAWING = QColor(200, 0, 200)


def index_badge(number: int, color: QColor) -> QGraphicsPixmapItem:
    """The region's number in a small box left of its first point, same size at every zoom.

    Drawn once into a pixmap: blitting 1,000 of them costs a fraction of laying out 1,000 texts per repaint.
    """
    font = QFont()
    font.setPointSizeF(7.5)
    metrics = QFontMetrics(font)
    text = str(number)
    w, h = metrics.horizontalAdvance(text) + 4, metrics.height()
    pixmap = QPixmap(w, h)
    pixmap.fill(color.darker(120))
    painter = QPainter(pixmap)
    painter.setFont(font)
    painter.setPen(Qt.white)
    painter.drawText(2, metrics.ascent(), text)
    painter.end()
    badge = QGraphicsPixmapItem(pixmap)
    badge.setOffset(-w - 1, 0)  # left of the point: off the text
    badge.setFlag(QGraphicsItem.ItemIgnoresTransformations)
    badge.setZValue(2)
    badge.setData(0, text)  # the number shown, for tests and tools
    return badge


def cosmetic_pen(color: QColor, width: float, style: Qt.PenStyle = Qt.SolidLine) -> QPen:
    """A pen of the same screen width at every zoom."""
    pen = QPen(color, width, style)
    pen.setCosmetic(True)
    return pen


def open_path(points: list[QPointF]) -> QPainterPath:
    """The polyline through the points (a polygon being drawn, up to the mouse)."""
    path = QPainterPath()
    if points:
        path.moveTo(points[0])
        for p in points[1:]:
            path.lineTo(p)
    return path


def drop_item(item: QGraphicsItem | None) -> None:
    """Take the item off its scene, if it is still on one."""
    if item is not None and not sip.isdeleted(item) and item.scene() is not None:
        item.scene().removeItem(item)


def vertex_handle(x: float, y: float, picked: bool) -> QGraphicsEllipseItem:
    """A dot on a vertex of the selected region (bigger and filled when picked for the arrow keys)."""
    size = 12 if picked else 8
    handle = QGraphicsEllipseItem(-size / 2, -size / 2, size, size)
    handle.setFlag(QGraphicsItem.ItemIgnoresTransformations)  # same screen size at every zoom
    handle.setPos(x, y)
    handle.setBrush(QBrush(SELECTED if picked else Qt.white))
    handle.setPen(QPen(SELECTED, 1.5))
    handle.setZValue(4)
    return handle


class RegionItem(QGraphicsPolygonItem):
    """One region's polygon. `source_points` are the points it was last given (None: moved on screen since),
    so an unchanged region is left alone when the regions are shown again."""

    def __init__(self, index: int, region: TextRegion, low: bool) -> None:
        super().__init__()
        self.index = index
        self.low = low
        self.locked = region.locked
        self.selected = False
        self._style: tuple | None = None
        self.source_points: tuple | None = None
        self.setZValue(1)
        self.set_points(region.points)
        self.set_selected(False)

    def set_points(self, points) -> None:
        self.setPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
        self.source_points = tuple(points)

    def follow(self, region: TextRegion, low: bool) -> bool:
        """Take the region's current points and flags; True if anything changed."""
        changed = False
        if self.source_points is None or self.source_points != tuple(region.points):
            self.set_points(region.points)
            changed = True
        if low != self.low or region.locked != self.locked:
            self.low, self.locked = low, region.locked
            self.set_selected(self.selected)
            changed = True
        return changed

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        style = (selected, self.low, self.locked)
        if style == self._style:
            return  # a new pen and brush on each of 1,000 items costs a full repaint of them all
        self._style = style
        color = SELECTED if selected else (LOW_SCORE if self.low else NORMAL)
        # locked: dashed, a template region copied onto the next images
        self.setPen(cosmetic_pen(color, 3 if selected else 2, Qt.DashLine if self.locked else Qt.SolidLine))
        fill = QColor(color)
        fill.setAlpha(60 if selected else (40 if self.low else 18))
        self.setBrush(QBrush(fill))

    def points(self) -> list[tuple[float, float]]:
        poly = self.polygon()
        return [(poly[i].x(), poly[i].y()) for i in range(poly.count())]
