"""What the canvas draws over the image (image_item.py): region polygons, number badges, vertex handles.

Looks: green regions, orange under the low-score threshold, blue selected; a locked region (template) has a
dashed outline; a DIFFICULT one (### / don't care, left out of training) is crimson with a dotted outline and
a hatched fill, so it reads as "struck out" at any zoom; in KIE mode the outline and fill take the key class's
colour (kie.py's class list) and the hatch and line style still tell difficult and locked apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PyQt5 import sip
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PyQt5.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsView,
)

from labeler.core.model import TextRegion

NORMAL = QColor(0, 170, 0)
LOW_SCORE = QColor(230, 90, 0)
SELECTED = QColor(20, 110, 255)
DRAWING = QColor(200, 0, 200)
DIFFICULT = QColor(220, 20, 60)  # crimson: not orange (low score), not magenta (drawing)
BADGE_GAP = 1.0  # screen pixels between a badge and its region's bounding box

ColourOf = Callable[[TextRegion], "QColor | None"]  # a region's colour (KIE class), None: the default look


def index_badge(number: int, color: QColor) -> QGraphicsPixmapItem:
    """The region's number in a small box, same size at every zoom; `place_badge` puts it beside its region.

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
    badge.setFlag(QGraphicsItem.ItemIgnoresTransformations)
    badge.setZValue(2)
    badge.setData(0, text)  # the number shown, for tests and tools
    badge.setData(1, color.rgba())  # the colour it was drawn in: redrawn when its region's changes
    return badge


def badge_rect(badge: QGraphicsPixmapItem, zoom: float) -> QRectF:
    """The badge's area in scene (image) units at this zoom."""
    pixmap = badge.pixmap()
    return QRectF(badge.pos().x(), badge.pos().y(), pixmap.width() / zoom, pixmap.height() / zoom)


def place_badge(badge: QGraphicsPixmapItem, box: QRectF, image: QRectF | None, zoom: float) -> None:
    """Put the badge outside the region's bounding box `box`, inside the image: left of the box (top-aligned),
    else above it, below it, right of it; when none fits (a box as big as the image), in the image's corner
    nearest the box's top-left. Never on the region's own text while there is room beside it."""
    zoom = max(zoom, 1e-6)
    w, h = badge.pixmap().width() / zoom, badge.pixmap().height() / zoom
    gap = BADGE_GAP / zoom
    candidates = (
        (box.left() - gap - w, box.top()),
        (box.left(), box.top() - gap - h),
        (box.left(), box.bottom() + gap),
        (box.right() + gap, box.top()),
    )
    for x, y in candidates:
        if image is None or image.contains(QRectF(x, y, w, h).adjusted(0.01, 0.01, -0.01, -0.01)):
            badge.setPos(x, y)
            return
    x, y = candidates[0]
    badge.setPos(min(max(x, image.left()), image.right() - w), min(max(y, image.top()), image.bottom() - h))


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


def nearest_vertex(view: QGraphicsView, points: Sequence[tuple[float, float]], view_pos, radius: float) -> int:
    """The index of the vertex nearest to `view_pos` (view pixels) within `radius` screen pixels, else -1."""
    best, best_d = -1, float(radius)
    for k, (x, y) in enumerate(points):
        vp = view.mapFromScene(QPointF(x, y))
        d = ((vp.x() - view_pos.x()) ** 2 + (vp.y() - view_pos.y()) ** 2) ** 0.5
        if d <= best_d:
            best, best_d = k, d
    return best


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
    so an unchanged region is left alone when the regions are shown again. `kie`: its key class colour (KIE
    mode), None for the default look."""

    def __init__(self, index: int, region: TextRegion, low: bool, kie: QColor | None = None) -> None:
        super().__init__()
        self.index = index
        self.low = low
        self.locked = region.locked
        self.difficult = region.difficult
        self.kie = kie
        self.selected = False
        self._style: tuple | None = None
        self.source_points: tuple | None = None
        self.setZValue(1)
        self.set_points(region.points)
        self.set_selected(False)

    def set_points(self, points) -> None:
        self.setPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
        self.source_points = tuple(points)

    def follow(self, region: TextRegion, low: bool, kie: QColor | None = None) -> bool:
        """Take the region's current points, flags and colour; True if anything changed."""
        changed = False
        if self.source_points is None or self.source_points != tuple(region.points):
            self.set_points(region.points)
            changed = True
        looks = (low, region.locked, region.difficult, kie.rgba() if kie is not None else None)
        if looks != (self.low, self.locked, self.difficult, self.kie.rgba() if self.kie is not None else None):
            self.low, self.locked, self.difficult, self.kie = low, region.locked, region.difficult, kie
            self.set_selected(self.selected)
            changed = True
        return changed

    def colour(self) -> QColor:
        """The colour of the region when not selected (its badge's too)."""
        if self.kie is not None:
            return self.kie
        return DIFFICULT if self.difficult else (LOW_SCORE if self.low else NORMAL)

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        kie = self.kie.rgba() if self.kie is not None else None
        style = (selected, self.low, self.locked, self.difficult, kie)
        if style == self._style:
            return  # a new pen and brush on each of 1,000 items costs a full repaint of them all
        self._style = style
        color = SELECTED if selected else self.colour()
        # locked: dashed (a template region copied onto the next images); difficult: dotted; both: dash-dot
        line = {(False, False): Qt.SolidLine, (True, False): Qt.DashLine, (False, True): Qt.DotLine}
        self.setPen(cosmetic_pen(color, 3 if selected else 2, line.get((self.locked, self.difficult), Qt.DashDotLine)))
        fill = QColor(color)
        if self.difficult:  # struck out: a hatch, seen at every zoom
            fill.setAlpha(170)
            brush = QBrush(fill, Qt.BDiagPattern)
        else:
            fill.setAlpha(60 if selected else (70 if kie is not None else (40 if self.low else 18)))
            brush = QBrush(fill)
        self.setBrush(brush)

    def points(self) -> list[tuple[float, float]]:
        poly = self.polygon()
        return [(poly[i].x(), poly[i].y()) for i in range(poly.count())]


class Badges:
    """The number badges of a scene's regions, one per region, in the region's colour, beside its box."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.items: list[QGraphicsPixmapItem] = []
        self.visible = True

    def truncate(self, n: int) -> None:
        for badge in self.items[n:]:
            self.scene.removeItem(badge)
        del self.items[n:]

    def show(self, index: int, region: RegionItem, image: QRectF | None, zoom: float) -> None:
        """Make (or redraw in a new colour) badge `index` for the region and place it beside the region."""
        colour = region.colour()
        if index < len(self.items) and self.items[index].data(1) != colour.rgba():
            self.scene.removeItem(self.items[index])
            self.items[index] = self._new(index, colour)
        elif index == len(self.items):
            self.items.append(self._new(index, colour))
        place_badge(self.items[index], region.polygon().boundingRect(), image, zoom)

    def _new(self, index: int, colour: QColor) -> QGraphicsPixmapItem:
        badge = index_badge(index + 1, colour)
        badge.setVisible(self.visible)
        self.scene.addItem(badge)
        return badge

    def place_all(self, regions: Sequence[RegionItem], image: QRectF | None, zoom: float) -> None:
        """The zoom changed: badges keep their screen size, so their room beside the boxes changed."""
        for badge, region in zip(self.items, regions, strict=False):
            place_badge(badge, region.polygon().boundingRect(), image, zoom)

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        for badge in self.items:
            badge.setVisible(visible)
