"""The picture on the canvas, drawn from a pyramid of halved copies so a 100 Mpx scan repaints as fast as
a phone photo: each paint picks the smallest copy that still has a pixel per screen pixel and draws only
the exposed part of it.

Up to SYNC_PIXELS the pyramid is built at once (tens of ms). Above, a strided preview is shown at once
and the proper (area-averaged) copies are made on one core of a thread: for 100 Mpx that takes about a
second, which must not stall the window. The full resolution stays the numpy array there (a QPixmap would be a second
400 MB copy); the tiles the view exposes are converted when first drawn and the last MAX_TILES are kept.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

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
BAND_ROWS = 256  # output rows halved at a time (small temporaries)
PREVIEW_UNTIL_SCALE = 0.5  # below this zoom the preview stands in for the pyramid still being built


class Level:
    """One copy of the picture as an RGB32 QImage (the raster engine's own format: drawn without conversion)."""

    def __init__(self, image: QImage, full_width: int, full_height: int) -> None:
        self.image = image
        self.sx = image.width() / full_width  # level pixels per full-resolution pixel
        self.sy = image.height() / full_height


def qimage_view(pixels: np.ndarray) -> QImage:
    """A QImage over the array's buffer (no copy; rows may be a slice of a wider array): grey or BGR."""
    h, w = pixels.shape[:2]
    fmt = QImage.Format_Grayscale8 if pixels.ndim == 2 else QImage.Format_BGR888
    return QImage(sip.voidptr(pixels.ctypes.data), w, h, pixels.strides[0], fmt)


def to_rgb32(pixels: np.ndarray) -> QImage:
    """An RGB32 copy that owns its pixels (Qt's converter: SIMD, and not cv2's shared thread pool)."""
    packed = (pixels.shape[2], 1) if pixels.ndim == 3 else (1,)
    if pixels.strides[1:] != packed:  # a row slice of a bigger array is fine; a strided view is not
        pixels = np.ascontiguousarray(pixels)
    return qimage_view(pixels).convertToFormat(QImage.Format_RGB32)


def halve(image: np.ndarray) -> np.ndarray:
    """Average 2 x 2 pixels (an odd last row / column pairs with itself), in bands of rows.

    numpy on one core, not cv2.resize: cv2 would fill every core (and its thread pool, which the GUI
    thread's own cv2 calls then wait for) while the user is already zooming.
    """
    h, w = image.shape[:2]
    out = np.empty(((h + 1) // 2, (w + 1) // 2) + image.shape[2:], np.uint8)
    for y0 in range(0, out.shape[0], BAND_ROWS):
        y1 = min(out.shape[0], y0 + BAND_ROWS)
        even, odd = image[2 * y0 : 2 * y1 : 2], image[2 * y0 + 1 : 2 * y1 : 2]
        if len(odd) < len(even):
            odd = np.concatenate([odd, even[-1:]])
        rows = even.astype(np.uint16)
        rows += odd
        left, right = rows[:, 0::2], rows[:, 1::2]
        if right.shape[1] < left.shape[1]:
            right = np.concatenate([right, left[:, -1:]], axis=1)
        total = left + right
        total += 2  # rounds to nearest, as cv2's INTER_AREA does
        total >>= 2
        out[y0:y1] = total
    return out


def build_levels(image: np.ndarray) -> list[Level]:
    """Halved copies, finest first, down to LEVEL_MIN_SIDE; as BGRA (the raster engine's own format: no
    conversion when drawn)."""
    h, w = image.shape[:2]
    levels, current = [], image
    while max(current.shape[:2]) > 2 * LEVEL_MIN_SIDE:
        current = halve(current)
        levels.append(Level(to_rgb32(current), w, h))
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
        self._tiles: OrderedDict[tuple[int, int], QImage] = OrderedDict()  # least recently drawn first
        self.levels_ready = threading.Event()
        if pixels <= SYNC_PIXELS:
            self.levels = build_levels(image)
            self.ready_at = time.perf_counter()
            self.levels_ready.set()
        else:
            step = math.ceil(max(self.width, self.height) / (2 * LEVEL_MIN_SIDE))
            preview = np.ascontiguousarray(image[::step, ::step])  # at once; aliased until the thread's copies come
            self.levels = [Level(to_rgb32(preview), self.width, self.height)]
            self._start_thread(image)

    @property
    def tile_count(self) -> int:
        """Full-resolution tiles kept for drawing (at most MAX_TILES: the least recently drawn go first)."""
        return len(self._tiles)

    def _start_thread(self, image: np.ndarray) -> None:
        carrier = _LevelsReady(self._take_levels)
        self._carrier = carrier  # the QObject must live until its signal is delivered

        def work() -> None:
            levels = build_levels(image)  # numpy releases the GIL: the GUI thread keeps running
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

    def _tile(self, tx: int, ty: int) -> QImage:
        key = (tx, ty)
        tile = self._tiles.get(key)
        if tile is None:
            part = self.array[ty * TILE : (ty + 1) * TILE, tx * TILE : (tx + 1) * TILE]
            tile = self._tiles[key] = to_rgb32(part)  # rows of the big array: no copy before the conversion
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
                area = QRectF(tx * TILE, ty * TILE, tile.width(), tile.height())
                part = area.intersected(exposed)
                if not part.isEmpty():
                    painter.drawImage(part, tile, part.translated(-area.topLeft()))

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
