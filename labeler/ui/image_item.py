"""The picture on the canvas, drawn from a pyramid of halved copies so a 100 Mpx scan repaints as fast as
a phone photo: each paint picks the smallest copy that still has a pixel per screen pixel and draws only
the exposed part of it.

Up to SYNC_PIXELS the pyramid is built at once (tens of ms). Above, a strided preview is shown at once
and the proper (area-averaged) copies are made on a thread: halving 100 Mpx takes about 0.4 s, which
must not stall the window. The full resolution stays the numpy array there (a QPixmap would be a second
400 MB copy); the tiles the view exposes are converted when first drawn and the last MAX_TILES are kept.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
import time

import cv2
import numpy as np
from PyQt5 import sip
from PyQt5.QtCore import QObject, QRectF, pyqtSignal, pyqtSlot
from PyQt5.QtGui import QImage, QPixmap
from PyQt5.QtWidgets import QGraphicsItem

LEVEL_MIN_SIDE = 1024  # no copy is halved below this longest side
SYNC_PIXELS = 16_000_000  # pyramids of larger images are built on a thread
PIXMAP_PIXELS = 16_000_000  # the full resolution is a QPixmap up to this size (fastest to draw)
TILE = 1024  # full-resolution pixels of huge images are converted for drawing in tiles of this side
MAX_TILES = 48  # tiles kept converted (4 MB each): the screen and its surroundings at 100 %
PREVIEW_UNTIL_SCALE = 0.5  # below this zoom the preview stands in for the pyramid still being built


class Level:
    """One copy of the picture: `image` borrows `pixels` (kept here so the buffer outlives it)."""

    def __init__(self, pixels: np.ndarray, full_width: int, full_height: int) -> None:
        self.pixels = np.ascontiguousarray(pixels)
        self.image = qimage_view(self.pixels)
        self.sx = self.image.width() / full_width  # level pixels per full-resolution pixel
        self.sy = self.image.height() / full_height


def qimage_view(pixels: np.ndarray) -> QImage:
    """A QImage over the array's buffer (no copy): grey, BGR, or BGRA (as opaque RGB32)."""
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_Grayscale8)
    if pixels.shape[2] == 4:
        return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_RGB32)
    return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_BGR888)


def build_levels(image: np.ndarray) -> list[Level]:
    """Halved copies, finest first, down to LEVEL_MIN_SIDE; as BGRA (the raster engine's own format: no
    conversion when drawn)."""
    h, w = image.shape[:2]
    levels, current = [], image
    while max(current.shape[:2]) > 2 * LEVEL_MIN_SIDE:
        ch, cw = current.shape[:2]
        current = cv2.resize(current, ((cw + 1) // 2, (ch + 1) // 2), interpolation=cv2.INTER_AREA)
        code = cv2.COLOR_GRAY2BGRA if current.ndim == 2 else cv2.COLOR_BGR2BGRA
        levels.append(Level(cv2.cvtColor(current, code), w, h))
    return levels


class _LevelsReady(QObject):
    """Carries the thread's pyramid to the GUI thread (the slot runs there: queued connection)."""

    ready = pyqtSignal(object)

    def __init__(self, receive) -> None:
        super().__init__()
        self._receive = receive
        self.ready.connect(self._deliver)

    @pyqtSlot(object)
    def _deliver(self, levels) -> None:
        self._receive(levels)


class ImageItem(QGraphicsItem):
    def __init__(self, image: np.ndarray) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.ItemUsesExtendedStyleOption)  # option.exposedRect: draw only that part
        image = np.ascontiguousarray(image)
        self.height, self.width = image.shape[:2]
        self._rect = QRectF(0, 0, self.width, self.height)
        self.array = image  # what is shown, for views that crop from it (no second read of the file)
        pixels = self.width * self.height
        if pixels <= PIXMAP_PIXELS:
            self._full: QPixmap | None = QPixmap.fromImage(qimage_view(image))
        else:
            self._full = None  # drawn from tiles of the array
        self.levels: list[Level] = []
        self._tiles: OrderedDict[tuple[int, int], Level] = OrderedDict()  # least recently drawn first
        self.levels_ready = threading.Event()
        if pixels <= SYNC_PIXELS:
            self.levels = build_levels(image)
            self.ready_at = time.perf_counter()
            self.levels_ready.set()
        else:
            step = math.ceil(max(self.width, self.height) / (2 * LEVEL_MIN_SIDE))
            preview = image[::step, ::step]  # at once; aliased until the thread's copies replace it
            code = cv2.COLOR_GRAY2BGRA if preview.ndim == 2 else cv2.COLOR_BGR2BGRA
            self.levels = [Level(cv2.cvtColor(preview, code), self.width, self.height)]
            self._start_thread(image)

    def _start_thread(self, image: np.ndarray) -> None:
        carrier = _LevelsReady(self._take_levels)
        self._carrier = carrier  # the QObject must live until its signal is delivered

        def work() -> None:
            levels = build_levels(image)  # cv2 releases the GIL: the GUI thread keeps running
            try:
                carrier.ready.emit(levels)
            except RuntimeError:  # the canvas (and the carrier) went away meanwhile
                pass

        threading.Thread(target=work, name="labeler-image-pyramid", daemon=True).start()

    def _take_levels(self, levels: list[Level]) -> None:
        if sip.isdeleted(self):  # another image is shown by now
            return
        self.levels = levels
        self.ready_at = time.perf_counter()  # for the GUI benchmark
        self.levels_ready.set()
        self.update()

    def _tile(self, tx: int, ty: int) -> Level:
        key = (tx, ty)
        tile = self._tiles.get(key)
        if tile is None:
            part = self.array[ty * TILE : (ty + 1) * TILE, tx * TILE : (tx + 1) * TILE]
            code = cv2.COLOR_GRAY2BGRA if part.ndim == 2 else cv2.COLOR_BGR2BGRA
            tile = self._tiles[key] = Level(cv2.cvtColor(part, code), part.shape[1], part.shape[0])
            while len(self._tiles) > MAX_TILES:
                self._tiles.popitem(last=False)
        else:
            self._tiles.move_to_end(key)
        return tile

    def _draw_tiles(self, painter, exposed: QRectF) -> None:
        """Full resolution of a huge image: the exposed tiles, each converted once (not 25 Mpx per paint)."""
        for ty in range(int(exposed.top()) // TILE, math.ceil(exposed.bottom() / TILE)):
            for tx in range(int(exposed.left()) // TILE, math.ceil(exposed.right() / TILE)):
                tile = self._tile(tx, ty)
                area = QRectF(tx * TILE, ty * TILE, tile.image.width(), tile.image.height())
                part = area.intersected(exposed)
                if not part.isEmpty():
                    painter.drawImage(part, tile.image, part.translated(-area.topLeft()))

    def boundingRect(self) -> QRectF:
        return self._rect

    def level_for(self, scale: float) -> Level | None:
        """The smallest copy with at least one pixel per screen pixel at `scale`; None: full resolution."""
        chosen = None
        for level in self.levels:
            if level.sx >= scale * 0.999:
                chosen = level
        if chosen is None and not self.levels_ready.is_set() and scale < PREVIEW_UNTIL_SCALE:
            return self.levels[-1]  # the first half second: a slightly soft preview beats converting 25 Mpx
        return chosen

    def paint(self, painter, option, widget=None) -> None:
        t = painter.worldTransform()
        scale = math.hypot(t.m11(), t.m12())
        exposed = option.exposedRect.intersected(self._rect)
        if exposed.isEmpty():
            return
        level = self.level_for(scale)
        if level is None:
            if self._full is not None:
                painter.drawPixmap(exposed, self._full, exposed)
            else:
                self._draw_tiles(painter, exposed)
            return
        sx, sy = level.sx, level.sy
        src = QRectF(exposed.x() * sx, exposed.y() * sy, exposed.width() * sx, exposed.height() * sy)
        painter.drawImage(exposed, level.image, src)
