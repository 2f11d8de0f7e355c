"""The image with its regions: zoom, select, drag vertices, draw rectangles.

The canvas only shows what it is given (an image array, a list of TextRegions) and reports what the
user did as signals (`region_clicked`, `points_edited`, `rectangle_drawn`); the editor turns those into
history commands and then hands the new regions back. A drag changes the item on screen only, and
becomes one MovePoints when the mouse is released (one undo step per drag).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap, QPolygonF, QTransform
from PyQt5.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from labeler.core.model import TextRegion

NORMAL = QColor(0, 170, 0)
LOW_SCORE = QColor(230, 90, 0)
SELECTED = QColor(20, 110, 255)
DRAWING = QColor(200, 0, 200)
VERTEX_PICK_PX = 8  # how near (screen pixels) a click must be to grab a vertex
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 40.0


def qimage_from_array(image: np.ndarray) -> QImage:
    """A QImage that owns a copy of a BGR (or grey) uint8 array; safe after the array is gone."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimg = QImage(image.data, w, h, image.strides[0], QImage.Format_Grayscale8)
    else:
        qimg = QImage(image.data, w, h, image.strides[0], QImage.Format_BGR888)
    return qimg.copy()  # QImage above borrows the numpy buffer; the copy owns its pixels


def _index_badge(number: int, color: QColor) -> QGraphicsRectItem:
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
        self.setZValue(1)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        color = SELECTED if selected else (LOW_SCORE if self.low else NORMAL)
        pen = QPen(color, 3 if selected else 2)
        pen.setCosmetic(True)  # same width at every zoom
        self.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(60 if selected else (40 if self.low else 18))
        self.setBrush(QBrush(fill))

    def points(self) -> list[tuple[float, float]]:
        poly = self.polygon()
        return [(poly[i].x(), poly[i].y()) for i in range(poly.count())]


class Canvas(QGraphicsView):
    region_clicked = pyqtSignal(int)  # -1: clicked on no region
    points_edited = pyqtSignal(int, list)  # region index, new points (image pixels)
    rectangle_drawn = pyqtSignal(list)  # four points, clockwise from top-left
    zoom_changed = pyqtSignal(float)
    cursor_moved = pyqtSignal(float, float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setBackgroundBrush(QColor(60, 60, 60))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._pixmap: QGraphicsPixmapItem | None = None
        self._items: list[RegionItem] = []
        self._labels: list[QGraphicsRectItem] = []
        self._handles: list[QGraphicsEllipseItem] = []
        self._selected = -1
        self._drag: tuple[int, int] | None = None  # (region, vertex) being dragged
        self._drag_moved = False
        self._draw_start: QPointF | None = None
        self._draw_item: QGraphicsRectItem | None = None
        self._pan_from: QPointF | None = None
        self.drawing = False  # W pressed: the next drag draws a rectangle
        self.fit_mode = True  # refit on resize until the user zooms

    # ------------------------------------------------------------------ content

    @property
    def image_size(self) -> tuple[int, int] | None:
        if self._pixmap is None:
            return None
        return self._pixmap.pixmap().width(), self._pixmap.pixmap().height()

    def set_image(self, image: np.ndarray | None) -> None:
        scene = self.scene()
        scene.clear()
        self._items, self._labels, self._handles = [], [], []
        self._pixmap = None
        self._selected = -1
        self._cancel_gestures()
        if image is None:
            return
        self._pixmap = scene.addPixmap(QPixmap.fromImage(qimage_from_array(image)))
        self._pixmap.setTransformationMode(Qt.SmoothTransformation)
        scene.setSceneRect(QRectF(self._pixmap.boundingRect()))
        self.fit_window()

    def set_regions(self, regions: Sequence[TextRegion], low_score: float) -> None:
        scene = self.scene()
        self._cancel_gestures()
        for item in self._items + self._labels + self._handles:
            scene.removeItem(item)
        self._items, self._labels, self._handles = [], [], []
        for i, region in enumerate(regions):
            low = region.score is not None and region.score < low_score
            item = RegionItem(i, region, low)
            scene.addItem(item)
            self._items.append(item)
            label = _index_badge(i + 1, LOW_SCORE if low else NORMAL)
            label.setPos(QPointF(*region.points[0]))
            scene.addItem(label)
            self._labels.append(label)
        if self._selected >= len(self._items):
            self._selected = -1
        self.set_selected(self._selected, force=True)

    def set_selected(self, index: int, force: bool = False) -> None:
        if index == self._selected and not force:
            return
        for item in self._items:
            item.set_selected(item.index == index)
            item.setZValue(3 if item.index == index else 1)
        self._selected = index if 0 <= index < len(self._items) else -1
        self._update_handles()
        if self._selected >= 0:
            self.ensureVisible(self._items[self._selected], 20, 20)

    def _update_handles(self) -> None:
        for h in self._handles:
            self.scene().removeItem(h)
        self._handles = []
        if self._selected < 0:
            return
        for x, y in self._items[self._selected].points():
            handle = QGraphicsEllipseItem(-4, -4, 8, 8)
            handle.setFlag(QGraphicsItem.ItemIgnoresTransformations)  # 8 screen pixels at every zoom
            handle.setPos(x, y)
            handle.setBrush(QBrush(Qt.white))
            handle.setPen(QPen(SELECTED, 1.5))
            handle.setZValue(4)
            self.scene().addItem(handle)
            self._handles.append(handle)

    def region_item(self, index: int) -> RegionItem:
        return self._items[index]

    # ------------------------------------------------------------------ zoom

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.zoom_changed.emit(zoom)

    def zoom_in(self) -> None:
        self.fit_mode = False
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.fit_mode = False
        self.set_zoom(self.zoom / ZOOM_STEP)

    def fit_window(self) -> None:
        self.fit_mode = True
        if self._pixmap is None:
            return
        self.fitInView(self.sceneRect(), Qt.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit_window()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.fit_mode = False
                self.set_zoom(self.zoom * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # ------------------------------------------------------------------ mouse

    def start_rectangle(self) -> None:
        self.drawing = True
        self.viewport().setCursor(Qt.CrossCursor)

    def cancel_drawing(self) -> None:
        self.drawing = False
        self._cancel_gestures()

    def _cancel_gestures(self) -> None:
        if self._draw_item is not None and self._draw_item.scene() is not None:
            self.scene().removeItem(self._draw_item)
        self._draw_item = None
        self._draw_start = None
        self._drag = None
        self._pan_from = None
        if not self.drawing:
            self.viewport().unsetCursor()

    def _clamp(self, p: QPointF) -> QPointF:
        size = self.image_size
        if size is None:
            return p
        return QPointF(min(max(p.x(), 0.0), float(size[0])), min(max(p.y(), 0.0), float(size[1])))

    def _vertex_at(self, view_pos) -> int:
        if self._selected < 0:
            return -1
        best, best_d = -1, float(VERTEX_PICK_PX)
        for k, (x, y) in enumerate(self._items[self._selected].points()):
            vp = self.mapFromScene(QPointF(x, y))
            d = ((vp.x() - view_pos.x()) ** 2 + (vp.y() - view_pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = k, d
        return best

    def _region_at(self, scene_pos: QPointF) -> int:
        if 0 <= self._selected < len(self._items) and self._items[self._selected].polygon().containsPoint(scene_pos, Qt.OddEvenFill):
            return self._selected  # keep the selection when regions overlap
        for item in reversed(self._items):
            if item.polygon().containsPoint(scene_pos, Qt.OddEvenFill):
                return item.index
        return -1

    def mousePressEvent(self, event) -> None:
        if self._pixmap is None:
            return super().mousePressEvent(event)
        if event.button() == Qt.MiddleButton:
            self._pan_from = QPointF(event.pos())
            self.viewport().setCursor(Qt.ClosedHandCursor)
            return
        if event.button() != Qt.LeftButton:
            return super().mousePressEvent(event)
        scene_pos = self.mapToScene(event.pos())
        if self.drawing:
            self._draw_start = self._clamp(scene_pos)
            pen = QPen(DRAWING, 2)
            pen.setCosmetic(True)
            self._draw_item = self.scene().addRect(QRectF(self._draw_start, self._draw_start), pen)
            self._draw_item.setZValue(5)
            return
        vertex = self._vertex_at(event.pos())
        if vertex >= 0:
            self._drag = (self._selected, vertex)
            self._drag_moved = False
            return
        self.region_clicked.emit(self._region_at(scene_pos))

    def mouseMoveEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.pos())
        self.cursor_moved.emit(scene_pos.x(), scene_pos.y())
        if self._pan_from is not None:
            delta = QPointF(event.pos()) - self._pan_from
            self._pan_from = QPointF(event.pos())
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            return
        if self._draw_item is not None and self._draw_start is not None:
            self._draw_item.setRect(QRectF(self._draw_start, self._clamp(scene_pos)).normalized())
            return
        if self._drag is not None:
            index, vertex = self._drag
            item = self._items[index]
            poly = item.polygon()
            poly[vertex] = self._clamp(scene_pos)
            item.setPolygon(poly)
            self._handles[vertex].setPos(poly[vertex])
            self._drag_moved = True
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() == Qt.MiddleButton:
            self._pan_from = None
            self.viewport().unsetCursor()
            return
        if event.button() != Qt.LeftButton:
            return super().mouseReleaseEvent(event)
        if self._draw_item is not None:
            rect = self._draw_item.rect()
            self.drawing = False
            self._cancel_gestures()
            if rect.width() >= 2 and rect.height() >= 2:
                l, t, r, b = rect.left(), rect.top(), rect.right(), rect.bottom()
                self.rectangle_drawn.emit([(l, t), (r, t), (r, b), (l, b)])
            return
        if self._drag is not None:
            index, _ = self._drag
            moved = self._drag_moved
            self._drag = None
            if moved:
                self.points_edited.emit(index, self._items[index].points())
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and (self.drawing or self._draw_item is not None):
            self.cancel_drawing()
            return
        super().keyPressEvent(event)
