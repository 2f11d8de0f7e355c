"""The canvas picture: the pyramid level chosen per zoom, the threaded pyramid and tiles of huge images
(thresholds shrunk so a small image takes that path), drawn pixels compared with the array."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QImage, QPainter
from PyQt5.QtWidgets import QGraphicsScene

from labeler.ui import image_item
from labeler.ui.image_item import ImageItem


def _picture(w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    img = cv2.resize(rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    cv2.putText(img, "labeler", (10, h // 2), cv2.FONT_HERSHEY_DUPLEX, 2, (255, 255, 255), 3)
    return img


def _render(item: ImageItem, scale: float, source: QRectF | None = None) -> np.ndarray:
    """Draw the item through a scene at `scale` into a BGR array."""
    scene = QGraphicsScene()
    scene.addItem(item)
    source = source or item.boundingRect()
    w, h = round(source.width() * scale), round(source.height() * scale)
    out = QImage(w, h, QImage.Format_RGB32)
    out.fill(0)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.SmoothPixmapTransform)
    scene.render(painter, QRectF(0, 0, w, h), source, Qt.IgnoreAspectRatio)
    painter.end()
    scene.removeItem(item)
    ptr = out.constBits()
    ptr.setsize(out.sizeInBytes())
    return np.frombuffer(ptr, np.uint8).reshape(h, out.bytesPerLine() // 4, 4)[:, :w, :3].copy()


def test_halve_is_a_two_by_two_mean_and_odd_edges_pair_with_themselves():
    img = _picture(64, 48)
    assert np.array_equal(image_item.halve(img), cv2.resize(img, (32, 24), interpolation=cv2.INTER_AREA))
    odd = np.arange(5 * 3, dtype=np.uint8).reshape(3, 5) * 10  # grey, 3 rows x 5 columns
    expected = [
        [(0 + 10 + 50 + 60 + 2) // 4, (20 + 30 + 70 + 80 + 2) // 4, (40 + 40 + 90 + 90 + 2) // 4],
        [(100 + 110 + 100 + 110 + 2) // 4, (120 + 130 + 120 + 130 + 2) // 4, (140 + 140 + 140 + 140 + 2) // 4],
    ]
    assert image_item.halve(odd).tolist() == expected


def test_levels_are_halved_copies_and_chosen_by_zoom(qapp):
    img = _picture(4400, 1200)
    item = ImageItem(img)
    assert item.levels_ready.is_set()  # small enough: built at once
    assert [(lv.image.width(), lv.image.height()) for lv in item.levels] == [(2200, 600), (1100, 300)]
    assert item.level_for(1.0) is None and item.level_for(0.6) is None  # full resolution
    assert item.level_for(0.5) is item.levels[0] and item.level_for(0.3) is item.levels[0]
    assert item.level_for(0.2) is item.levels[1] and item.level_for(0.01) is item.levels[1]
    drawn = _render(item, 0.25)
    expected = cv2.resize(img, (1100, 300), interpolation=cv2.INTER_AREA)
    assert np.abs(drawn.astype(int) - expected.astype(int)).mean() < 4


def test_huge_image_path_preview_thread_and_tiles(qapp, qtbot, monkeypatch):
    monkeypatch.setattr(image_item, "SYNC_PIXELS", 10_000)
    monkeypatch.setattr(image_item, "PIXMAP_PIXELS", 10_000)
    monkeypatch.setattr(image_item, "LEVEL_MIN_SIDE", 64)
    monkeypatch.setattr(image_item, "TILE", 100)
    monkeypatch.setattr(image_item, "MAX_TILES", 10)
    img = _picture(640, 424)
    item = ImageItem(img)
    assert item.array is img or np.array_equal(item.array, img)
    preview = item.levels[0]  # strided copy shown until the thread's pyramid arrives
    assert (preview.image.width(), preview.image.height()) == (128, 85)
    qtbot.waitUntil(item.levels_ready.is_set, timeout=5000)
    assert [lv.image.width() for lv in item.levels] == [320, 160, 80]
    # Full resolution comes from tiles: 1:1 it is the array exactly, seams included.
    assert np.array_equal(_render(item, 1.0), img)
    part = QRectF(150, 90, 230, 170)  # across tile borders at x=200, 300 and y=100, 200
    assert np.array_equal(_render(item, 1.0, part), img[90:260, 150:380])
    assert item.tile_count <= 10  # least recently drawn tiles are dropped
    half = _render(item, 0.5)
    assert np.abs(half.astype(int) - cv2.resize(img, (320, 212), interpolation=cv2.INTER_AREA).astype(int)).mean() < 4


@pytest.mark.parametrize("grey", [True, False])
def test_canvas_shows_grey_and_colour_images_at_their_size(make_window, grey, qtbot):
    window = make_window()
    img = _picture(300, 200)
    window.canvas.set_image(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if grey else img)
    assert window.canvas.image_size == (300, 200) and window.canvas.image_array.shape[:2] == (200, 300)
    window.canvas.viewport().repaint()
