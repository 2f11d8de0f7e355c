"""The image with its regions: zoom, select (click, Shift+click, rubber band), drag, draw, nudge.

The canvas only shows what it is given (an image array, a list of TextRegions) and reports what the
user did as signals (`region_clicked`, `points_edited`, `regions_moved`, `rectangle_drawn`,
`polygon_drawn`, `nudge_requested`); the editor and the edit actions turn those into history commands
and then hand the new regions back. A drag changes the items on screen only, and becomes one undo
step when the mouse is released. What is selected (primary region, the set around it, the picked
vertex) is a core Selection, the editing session's: the canvas draws it, changes the set and the vertex
on the user's gestures, and asks for a new primary by `region_clicked` (the editor sets and announces it).
No surprises: after an edit (delete, draw, undo) the view keeps its zoom and scroll position; number badges sit
beside their boxes, never on their text (canvas_items.place_badge); `set_region_colours` draws KIE colours.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QPainter, QPolygonF, QTransform
from PyQt5.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

from labeler.core.model import TextRegion
from labeler.core.region_ops import clamp_shift
from labeler.core.selection import NONE, Selection

from labeler.ui.canvas_items import DRAWING, SELECTED, Badges, ColourOf, RegionItem  # isort: skip
from labeler.core.review import is_low
from labeler.ui.canvas_items import cosmetic_pen, drop_item, nearest_vertex, open_path, vertex_handle
from labeler.ui.i18n import tr
from labeler.ui.image_item import ImageItem

VERTEX_PICK_PX = 8  # how near (screen pixels) a click must be to grab a vertex
BAND_MIN_PX = 4  # a smaller rubber band is a click
DRAG_START_PX = 3  # the mouse must move this far (screen pixels) before a region moves
ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 40.0
MIN_POLYGON_POINTS = 4
VERTEX_KEYS = {Qt.Key_Z: 0, Qt.Key_X: 1, Qt.Key_C: 2, Qt.Key_V: 3}  # PPOCRLabel: pick vertex 1-4; B: whole box
ARROWS = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}


class Canvas(QGraphicsView):
    region_clicked = pyqtSignal(int)  # -1: clicked on no region
    points_edited = pyqtSignal(int, list)  # region index, new points (image pixels)
    regions_moved = pyqtSignal(object)  # {region index: new points} after dragging whole regions
    rectangle_drawn = pyqtSignal(list)  # four points, clockwise from top-left
    polygon_drawn = pyqtSignal(list)  # the clicked points, in click order
    nudge_requested = pyqtSignal(float, float)  # arrow keys: move the selection (or the picked vertex)
    message = pyqtSignal(str)
    zoom_changed = pyqtSignal(float)
    cursor_moved = pyqtSignal(float, float)

    def __init__(self, parent=None, selection: Selection | None = None) -> None:
        super().__init__(parent)
        self.selection = selection if selection is not None else Selection()  # the window passes its session's
        self._shown_primary = NONE  # the primary region drawn with vertex handles (view state only)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setBackgroundBrush(QColor(60, 60, 60))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._pixmap: ImageItem | None = None
        self._items: list[RegionItem] = []
        self._badges = Badges(self.scene())  # the number badges, beside their regions
        self._regions: Sequence[TextRegion] = ()  # what set_regions was given last (redrawn in new colours)
        self._low_score = 0.0
        self.colour_of: ColourOf | None = None  # the regions' colours (KIE mode), None: the default look
        self._view_held = False  # the regions were just edited: the selection following them does not scroll
        self._hold_timer = QTimer(self, singleShot=True, interval=0)
        self._hold_timer.timeout.connect(lambda: setattr(self, "_view_held", False))
        self._handles: list[QGraphicsEllipseItem] = []
        self._drag: tuple[int, int] | None = None  # (region, vertex) being dragged
        self._drag_moved = False
        self._move_from: QPointF | None = None  # whole regions being dragged: press point (scene)
        self._move_orig: dict[int, QPolygonF] = {}
        self._move_delta = QPointF()
        self._move_press = QPoint()
        self._band_from: QPointF | None = None  # rubber band selection: press point (scene)
        self._band_item: QGraphicsRectItem | None = None
        self._band_add = False
        self._draw_start: QPointF | None = None
        self._draw_item: QGraphicsRectItem | None = None
        self._pan_from: QPointF | None = None
        self.drawing = False  # W pressed: the next drag draws a rectangle
        self.polygon_mode: str | None = None  # "quad" (4 clicks) or "poly" (closed by double-click / Enter)
        self._poly_points: list[QPointF] = []
        self._poly_item: QGraphicsPathItem | None = None
        self._poly_cursor: QPointF | None = None
        self.boxes_visible = True
        self.indices_visible = True  # the number badge of every region (PPOCRLabel's box index)
        self.fit_mode = True  # refit on resize until the user zooms

    # ------------------------------------------------------------------ content

    @property
    def image_size(self) -> tuple[int, int] | None:
        if self._pixmap is None:
            return None
        return self._pixmap.width, self._pixmap.height

    @property
    def image_array(self) -> np.ndarray | None:
        """The (H, W, 3) BGR array shown, as given to set_image; None without an image."""
        return None if self._pixmap is None else self._pixmap.array

    def set_image(self, image: np.ndarray | None) -> None:
        self._cancel_polygon()
        self._cancel_gestures()
        scene = self.scene()
        scene.clear()
        self._items, self._handles = [], []
        self._badges.items = []
        self._pixmap = None
        self._shown_primary = NONE
        self.selection.keep_primary_only()
        if image is None:
            return
        self._pixmap = ImageItem(image)  # a pyramid: huge scans repaint fast at every zoom
        scene.addItem(self._pixmap)
        scene.setSceneRect(QRectF(self._pixmap.boundingRect()))
        self.fit_window()

    def set_regions(self, regions: Sequence[TextRegion], low_score: float) -> None:
        """Show these regions; items of regions that did not change are kept as they are (1,000 stay smooth).

        The view stays where it is: the selection that follows an edit (delete, draw, undo) does not scroll."""
        scene = self.scene()
        self._cancel_gestures()
        self._regions, self._low_score = regions, low_score
        self._view_held = True
        self._hold_timer.start()
        keep = min(len(self._items), len(regions))
        for item in self._items[keep:]:
            scene.removeItem(item)
        del self._items[keep:]
        self._badges.truncate(keep)
        image, zoom = self._image_rect(), self.zoom
        for i, region in enumerate(regions):
            low = is_low(region, low_score)  # a reviewed region is not low any more
            kie = self.colour_of(region) if self.colour_of is not None else None
            if i >= keep:
                self._items.append(RegionItem(i, region, low, kie))
                self._items[i].setVisible(self.boxes_visible)
                scene.addItem(self._items[i])
            elif not self._items[i].follow(region, low, kie):
                continue
            self._badges.show(i, self._items[i], image, zoom)
        self._show_selection()  # the session fitted the selection to the regions when they were edited

    def set_region_colours(self, colour_of: ColourOf | None) -> None:
        """Colour the regions with `colour_of(region)` (KIE mode: their key class), None: the default look."""
        self.colour_of = colour_of
        self.set_regions(self._regions, self._low_score)

    def _image_rect(self) -> QRectF | None:
        return None if self._pixmap is None else QRectF(self._pixmap.boundingRect())

    def set_selected(self, index: int, force: bool = False) -> None:
        """Make `index` the primary selection (a region outside the multi-selection replaces it) and draw it."""
        if index != self.selection.primary:
            self.selection.select(index)  # in a window the editor has made it primary already
        if index == self._shown_primary and not force:
            return
        self._show_selection()

    def select_many(self, indices: Sequence[int], primary: int | None = None) -> None:
        """Select several regions; the primary one (default: the first) is announced by region_clicked."""
        indices = sorted({i for i in indices if 0 <= i < len(self._items)})
        if primary is None or primary not in indices:
            primary = indices[0] if indices else NONE
        self.selection.choose(indices)
        self.region_clicked.emit(primary)  # the editor makes it primary and tells the panels
        self.set_selected(primary, force=True)

    def selected_indices(self) -> list[int]:
        return [i for i in self.selection.indices() if i < len(self._items)]

    @property
    def picked_vertex(self) -> int:
        """The vertex of the selected region the arrow keys move; -1: the whole region."""
        return self.selection.picked_vertex

    def _primary(self) -> int:
        """The primary selected region, or -1 while it has no item here (its image is still loading)."""
        primary = self.selection.primary
        return primary if 0 <= primary < len(self._items) else NONE

    def _show_selection(self) -> None:
        """Draw the selection: chosen regions highlighted, the primary's vertex handles, the primary in view."""
        for item in self._items:
            chosen = item.index in self.selection.chosen
            item.set_selected(chosen)
            item.setZValue(3 if chosen else 1)
        self._shown_primary = self._primary()
        self._update_handles()
        if self._shown_primary >= 0 and self.boxes_visible and not self._view_held:
            self.ensureVisible(self._items[self._shown_primary], 20, 20)

    def _update_handles(self) -> None:
        for h in self._handles:
            self.scene().removeItem(h)
        self._handles = []
        if self._shown_primary < 0:
            return
        for k, (x, y) in enumerate(self._items[self._shown_primary].points()):
            handle = vertex_handle(x, y, picked=k == self.picked_vertex)
            handle.setVisible(self.boxes_visible)
            self.scene().addItem(handle)
            self._handles.append(handle)

    def pick_vertex(self, vertex: int) -> None:
        """Arrow keys move only this vertex of the selected region (-1: the whole region again)."""
        primary = self._primary()
        self.selection.pick_vertex(vertex, len(self._items[primary].points()) if primary >= 0 else 0)
        self._update_handles()

    def region_item(self, index: int) -> RegionItem:
        return self._items[index]

    def set_boxes_visible(self, visible: bool) -> None:
        self.boxes_visible = visible
        for item in self._items + self._handles:
            item.setVisible(visible)
        self.set_indices_visible(self.indices_visible)

    def set_indices_visible(self, visible: bool) -> None:
        """Show or hide the number badges (shown only while the boxes are)."""
        self.indices_visible = visible
        self._badges.set_visible(visible and self.boxes_visible)

    def index_badge(self, index: int) -> QGraphicsPixmapItem:
        return self._badges.items[index]

    # ------------------------------------------------------------------ zoom

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self._badges.place_all(self._items, self._image_rect(), zoom)
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
        self._badges.place_all(self._items, self._image_rect(), self.zoom)
        self.zoom_changed.emit(self.zoom)

    def fit_width(self) -> None:
        """The image as wide as the view (scrolling vertically); PPOCRLabel's Ctrl+Shift+F."""
        if self._pixmap is None:
            return
        self.fit_mode = False
        bar = self.verticalScrollBar().sizeHint().width()
        self.set_zoom(max(1.0, self.viewport().width() - bar) / max(1, self.image_size[0]))
        self.centerOn(self.sceneRect().center().x(), 0)

    def zoom_to_selected(self) -> None:
        """Fill the view with the selected regions, with a margin (PPOCRLabel's Ctrl+G)."""
        if not self.selected_indices():
            return
        rect = QRectF()
        for i in self.selected_indices():
            rect = rect.united(self._items[i].polygon().boundingRect())
        margin = max(rect.width(), rect.height()) * 0.15 + 4
        self.fit_mode = False
        self.fitInView(rect.adjusted(-margin, -margin, margin, margin), Qt.KeepAspectRatio)
        self.set_zoom(self.zoom)
        self.centerOn(rect.center())

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

    # ------------------------------------------------------------------ drawing modes

    def start_rectangle(self) -> None:
        self._cancel_polygon()
        self.drawing = True
        self.viewport().setCursor(Qt.CrossCursor)

    def start_polygon(self, mode: str = "quad") -> None:
        """'quad': the 4th click closes it; 'poly': any number of clicks, closed by double-click or Enter."""
        if mode not in ("quad", "poly"):
            raise ValueError(mode)
        self.drawing = False
        self._cancel_polygon()
        self.polygon_mode = mode
        self.viewport().setCursor(Qt.CrossCursor)

    def cancel_drawing(self) -> None:
        self.drawing = False
        self._cancel_polygon()
        self._cancel_gestures()

    def _cancel_polygon(self) -> None:
        drop_item(self._poly_item)
        self._poly_item = None
        self._poly_points = []
        self._poly_cursor = None
        self.polygon_mode = None
        if not self.drawing:
            self.viewport().unsetCursor()

    def _update_polygon_preview(self) -> None:
        cursor = [self._poly_cursor] if self._poly_points and self._poly_cursor is not None else []
        path = open_path(self._poly_points + cursor)
        if self._poly_item is None:
            self._poly_item = self.scene().addPath(path, cosmetic_pen(DRAWING, 2))
            self._poly_item.setZValue(5)
        else:
            self._poly_item.setPath(path)

    def finish_polygon(self) -> bool:
        """Close the polygon being drawn; False (and a message) while it has too few points."""
        if self.polygon_mode is None:
            return False
        if len(self._poly_points) < MIN_POLYGON_POINTS:
            too_few = tr("A polygon needs at least {n} points (Esc cancels)", "Canvas")
            self.message.emit(too_few.format(n=MIN_POLYGON_POINTS))
            return False
        points = [(p.x(), p.y()) for p in self._poly_points]
        self._cancel_polygon()
        self.polygon_drawn.emit(points)
        return True

    def _cancel_gestures(self) -> None:
        drop_item(self._draw_item)
        drop_item(self._band_item)
        self._draw_item = self._band_item = None
        self._draw_start = self._band_from = self._move_from = None
        self._move_orig = {}
        self._drag = None
        self._pan_from = None
        if not self.drawing and self.polygon_mode is None:
            self.viewport().unsetCursor()

    # ------------------------------------------------------------------ mouse

    def _clamp(self, p: QPointF) -> QPointF:
        size = self.image_size
        if size is None:
            return p
        return QPointF(min(max(p.x(), 0.0), float(size[0])), min(max(p.y(), 0.0), float(size[1])))

    def _vertex_at(self, view_pos) -> int:
        primary = self._primary()
        if primary < 0 or not self.boxes_visible:
            return -1
        return nearest_vertex(self, self._items[primary].points(), view_pos, VERTEX_PICK_PX)

    def _region_at(self, scene_pos: QPointF) -> int:
        if not self.boxes_visible:
            return -1
        primary = self._primary()
        if primary >= 0 and self._items[primary].polygon().containsPoint(scene_pos, Qt.OddEvenFill):
            return primary  # keep the selection when regions overlap
        for item in reversed(self._items):
            if item.polygon().containsPoint(scene_pos, Qt.OddEvenFill):
                return item.index
        return -1

    def _toggle(self, index: int) -> None:
        """Shift+click: add the region to the selection or take it out."""
        self.select_many(*self.selection.toggled(index))

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
        if self.polygon_mode is not None:
            self._poly_points.append(self._clamp(scene_pos))
            self._update_polygon_preview()
            if self.polygon_mode == "quad" and len(self._poly_points) == 4:
                self.finish_polygon()
            return
        if self.drawing:
            self._draw_start = self._clamp(scene_pos)
            pen = cosmetic_pen(DRAWING, 2)
            self._draw_item = self.scene().addRect(QRectF(self._draw_start, self._draw_start), pen)
            self._draw_item.setZValue(5)
            return
        shift = bool(event.modifiers() & Qt.ShiftModifier)
        vertex = -1 if shift else self._vertex_at(event.pos())
        if vertex >= 0:
            self._drag = (self._primary(), vertex)
            self._drag_moved = False
            self.pick_vertex(vertex)
            return
        index = self._region_at(scene_pos)
        if index >= 0 and shift:
            self._toggle(index)
            return
        if index >= 0:
            self.region_clicked.emit(index)
            if index in self.selection.chosen:  # drag the whole selection
                self._move_from = scene_pos
                self._move_orig = {i: QPolygonF(self._items[i].polygon()) for i in self.selected_indices()}
                self._move_delta = QPointF()
                self._move_press = event.pos()
            return
        if not shift:
            self.region_clicked.emit(-1)
        self._band_from = scene_pos
        self._band_add = shift

    def _move_selection(self, scene_pos: QPointF) -> None:
        delta = scene_pos - self._move_from
        moved_points = [(p.x(), p.y()) for poly in self._move_orig.values() for p in poly]
        dx, dy = clamp_shift(moved_points, delta.x(), delta.y(), self.image_size)  # every region stays inside
        self._move_delta = QPointF(dx, dy)
        for i, poly in self._move_orig.items():
            moved = poly.translated(dx, dy)
            self._items[i].setPolygon(moved)
            self._items[i].source_points = None  # moved on screen only: the next set_regions resets it
            self._badges.show(i, self._items[i], self._image_rect(), self.zoom)
        primary = self._primary()
        for k, h in enumerate(self._handles):
            if primary in self._move_orig:
                h.setPos(self._move_orig[primary][k] + self._move_delta)

    def mouseMoveEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.pos())
        self.cursor_moved.emit(scene_pos.x(), scene_pos.y())
        if self._pan_from is not None:
            delta = QPointF(event.pos()) - self._pan_from
            self._pan_from = QPointF(event.pos())
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            return
        if self.polygon_mode is not None and self._poly_points:
            self._poly_cursor = self._clamp(scene_pos)
            self._update_polygon_preview()
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
            item.source_points = None
            self._handles[vertex].setPos(poly[vertex])
            self._drag_moved = True
            return
        if self._move_from is not None and event.buttons() & Qt.LeftButton:
            if self._move_delta.isNull() and (event.pos() - self._move_press).manhattanLength() < DRAG_START_PX:
                return  # a click with a shaky hand is not a move
            self._move_selection(scene_pos)
            return
        if self._band_from is not None and event.buttons() & Qt.LeftButton:
            rect = QRectF(self._band_from, scene_pos).normalized()
            if self._band_item is None:
                pen = cosmetic_pen(SELECTED, 1, Qt.DashLine)
                self._band_item = self.scene().addRect(rect, pen, QBrush(QColor(20, 110, 255, 30)))
                self._band_item.setZValue(6)
            else:
                self._band_item.setRect(rect)
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
                left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
                self.rectangle_drawn.emit([(left, top), (right, top), (right, bottom), (left, bottom)])
            return
        if self._drag is not None:
            index, _ = self._drag
            moved = self._drag_moved
            self._drag = None
            if moved:
                self.points_edited.emit(index, self._items[index].points())
            return
        if self._move_from is not None:
            delta, orig = self._move_delta, self._move_orig
            self._move_from, self._move_orig = None, {}
            if delta.x() or delta.y():
                moved = {i: [(p.x() + delta.x(), p.y() + delta.y()) for p in poly] for i, poly in orig.items()}
                self.regions_moved.emit(moved)
            return
        if self._band_from is not None:
            band = self._band_item.rect() if self._band_item is not None else QRectF()
            add = self._band_add
            self._cancel_gestures()
            view_rect = self.mapFromScene(band).boundingRect()
            if view_rect.width() >= BAND_MIN_PX or view_rect.height() >= BAND_MIN_PX:
                hit = [item.index for item in self._items if band.intersects(item.polygon().boundingRect())]
                primary = self._primary()
                if add:
                    hit = sorted(set(hit) | set(self.selected_indices()))
                if hit or not add:
                    self.select_many(hit, primary if add and primary >= 0 else None)
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if self.polygon_mode == "poly" and event.button() == Qt.LeftButton:
            last = self.mapFromScene(self._poly_points[-1]) if self._poly_points else None
            if last is None or (last - event.pos()).manhattanLength() > 3:  # else its first click placed it
                self._poly_points.append(self._clamp(self.mapToScene(event.pos())))
            self.finish_polygon()
            return
        if self.polygon_mode is not None or self.drawing:
            return self.mousePressEvent(event)  # fast clicks while drawing are still points
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------------ keys

    def _canvas_key(self, event) -> bool:
        """Keys the canvas handles itself, before any window shortcut with the same key."""
        key, mods = event.key(), event.modifiers() & ~Qt.KeypadModifier
        if self.polygon_mode is not None or self.drawing:
            if key in (Qt.Key_Escape, Qt.Key_Return, Qt.Key_Enter):
                return True
        if key in ARROWS and mods in (Qt.NoModifier, Qt.ShiftModifier):
            return self._primary() >= 0
        if (key in VERTEX_KEYS or key == Qt.Key_B) and mods == Qt.NoModifier:
            return self._primary() >= 0
        return False

    def event(self, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and self._canvas_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key_Escape and (self.drawing or self._draw_item is not None or self.polygon_mode is not None):
            self.cancel_drawing()
            return
        if key in (Qt.Key_Return, Qt.Key_Enter) and self.polygon_mode is not None:
            self.finish_polygon()
            return
        if self._canvas_key(event):
            if key in ARROWS:
                step = 10.0 if event.modifiers() & Qt.ShiftModifier else 1.0
                dx, dy = ARROWS[key]
                self.nudge_requested.emit(dx * step, dy * step)
            elif key in VERTEX_KEYS:
                self.pick_vertex(VERTEX_KEYS[key])
            elif key == Qt.Key_B:
                self.pick_vertex(-1)
            return
        super().keyPressEvent(event)
