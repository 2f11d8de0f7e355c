"""What the canvas draws: the image as a QImage, region polygons and their number badges."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QBrush, QColor, QImage, QPen, QPolygonF
from PyQt5.QtWidgets import QGraphicsItem, QGraphicsPolygonItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from labeler.core.model import TextRegion

NORMAL = QColor(0, 170, 0)
LOW_SCORE = QColor(230, 90, 0)
SELECTED = QColor(20, 110, 255)
DRAWING = QColor(200, 0, 200)


def qimage_from_array(image: np.ndarray) -> QImage:
    """A QImage that owns a copy of a BGR (or grey) uint8 array; safe after the array is gone."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimg = QImage(image.data, w, h, image.strides[0], QImage.Format_Grayscale8)
    else:
        qimg = QImage(image.data, w, h, image.strides[0], QImage.Format_BGR888)
    return qimg.copy()  # QImage above borrows the numpy buffer; the copy owns its pixels


def index_badge(number: int, color: QColor) -> QGraphicsRectItem:
    """The region's number in a small box left of its first point, same size at every zoom."""
    text = QGraphicsSimpleTextItem(str(number))
    font = text.font()
    font.setPointSizeF(7.5)
    text.setFont(font)
    text.setBrush(QBrush(Qt.white))
    r = text.boundingRect()
    badge = QGraphicsRectItem(-r.width() - 5, 0, r.width() + 4, r.height())  # left of the point: off the text
    badge.setBrush(QBrush(color.darker(120)))
    badge.setPen(QPen(Qt.NoPen))
    badge.setFlag(QGraphicsItem.ItemIgnoresTransformations)
    badge.setZValue(2)
    text.setParentItem(badge)
    text.setPos(-r.width() - 3, 0)
    return badge


class RegionItem(QGraphicsPolygonItem):
    def __init__(self, index: int, region: TextRegion, low: bool) -> None:
        super().__init__(QPolygonF([QPointF(x, y) for x, y in region.points]))
        self.index = index
        self.low = low
        self.locked = region.locked
        self.setZValue(1)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        color = SELECTED if selected else (LOW_SCORE if self.low else NORMAL)
        pen = QPen(color, 3 if selected else 2)
        pen.setCosmetic(True)  # same width at every zoom
        if self.locked:
            pen.setStyle(Qt.DashLine)  # locked: a template region copied onto the next images
        self.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(60 if selected else (40 if self.low else 18))
        self.setBrush(QBrush(fill))

    def points(self) -> list[tuple[float, float]]:
        poly = self.polygon()
        return [(poly[i].x(), poly[i].y()) for i in range(poly.count())]
