"""Rectified crops of text regions, shared by the OCR pipeline and the recognition export."""

from __future__ import annotations

import cv2
import numpy as np


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order 4 points clockwise from top-left (smallest x+y first), as float32 [4, 2]."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    tl, br = pts[np.argmin(s)], pts[np.argmax(s)]
    tr, bl = pts[np.argmin(d)], pts[np.argmax(d)]
    ordered = np.array([tl, tr, br, bl], dtype=np.float32)
    if len({tuple(p) for p in ordered.tolist()}) < 4:
        # Degenerate order (e.g. a 45-degree diamond): fall back to angle order around the centre.
        c = pts.mean(axis=0)
        ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
        ordered = pts[np.argsort(ang)]
        start = np.argmin(ordered.sum(axis=1))
        ordered = np.roll(ordered, -start, axis=0)
    return ordered


def crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Perspective-warp the quad (clockwise from top-left) to an upright rectangle."""
    q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    width = int(round(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3]))))
    height = int(round(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))))
    width, height = max(width, 1), max(height, 1)
    x0, y0 = int(q[0, 0]), int(q[0, 1])
    exact = np.array([[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], dtype=np.float32)
    inside = x0 >= 0 and y0 >= 0 and x0 + width <= image.shape[1] and y0 + height <= image.shape[0]
    if inside and np.array_equal(q, exact):
        # An integer axis-aligned box inside the image: the warp would copy pixels 1:1, so slice (10x faster).
        return image[y0 : y0 + height, x0 : x0 + width].copy()
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(image, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def _min_area_quad(points: np.ndarray) -> np.ndarray:
    """The min-area rectangle around the points, ordered like order_quad."""
    box = cv2.boxPoints(cv2.minAreaRect(np.asarray(points, dtype=np.float32).reshape(-1, 1, 2)))
    return order_quad(box)


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _valid_chains(top: np.ndarray, bottom: np.ndarray) -> bool:
    """True when top/bottom are two matching edges of one text band (see split_curved_polygon)."""
    direction = top[-1] - top[0]
    if np.linalg.norm(direction) < 1e-6:
        return False
    # Both edges run forward along the text, so no strip is folded back on itself.
    if np.any((np.diff(top, axis=0) @ direction) <= 0) or np.any((np.diff(bottom, axis=0) @ direction) <= 0):
        return False
    # The bottom edge lies to the right of the reading direction (y grows downwards in images).
    if _cross(direction, bottom.mean(axis=0) - top.mean(axis=0)) <= 0:
        return False
    for i in range(len(top) - 1):
        strip = np.array([top[i], top[i + 1], bottom[i + 1], bottom[i]], dtype=np.float32)
        if not cv2.isContourConvex(strip.reshape(-1, 1, 2)) or cv2.contourArea(strip) < 1e-3:
            return False
    return True


def split_curved_polygon(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Split an even polygon of > 4 points into (top, bottom) edges, both running left to right.

    Convention (PaddleOCR / PPOCRLabel curved text): the first half is the top edge in reading order,
    the second half the bottom edge walked back (right to left). A ring drawn from another end
    (reversed, or starting on the bottom edge) is accepted too: of the readings whose strips are all
    convex and whose edges run forward, the given one wins when it reads left to right (dx > 0),
    else the one reading most left-to-right in the image.
    Returns None (caller falls back to a min-area rectangle) for odd counts or irregular shapes.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) <= 4 or len(pts) % 2:
        return None
    n = len(pts) // 2
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for ring in (pts, pts[::-1]):
        for shift in (0, n):
            cand = np.roll(ring, -shift, axis=0)
            top, bottom = cand[:n], cand[n:][::-1]
            if not _valid_chains(top, bottom):
                continue
            d = top[-1] - top[0]
            score = float(d[0] / np.linalg.norm(d))
            if best is None and score > 0:
                return top, bottom  # the drawn order, read left to right: the common case, no need to look further
            if best is None or score > best[0] + 1e-6:
                best = (score, top, bottom)
    return None if best is None else (best[1], best[2])


def crop_polygon(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Rectified crop of any text polygon.

    4 points: ordered with order_quad and perspective-warped (crop_quad). More than 4 (an even count,
    see split_curved_polygon): each strip between point i and i+1 of the top and bottom edges is warped
    to a common height (the mean edge-to-edge distance) and the strips are joined left to right, so
    curved text comes out straight. Anything else (3 or an odd number of points, or a polygon whose
    edges cannot be paired) is cropped as its min-area rectangle.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) == 4:
        return crop_quad(image, order_quad(pts))
    chains = split_curved_polygon(pts)
    if chains is None:
        return crop_quad(image, _min_area_quad(pts))
    top, bottom = chains
    height = max(1, int(round(float(np.mean(np.linalg.norm(top - bottom, axis=1))))))
    strips = []
    for i in range(len(top) - 1):
        quad = np.array([top[i], top[i + 1], bottom[i + 1], bottom[i]], dtype=np.float32)
        width = int(round((np.linalg.norm(top[i + 1] - top[i]) + np.linalg.norm(bottom[i + 1] - bottom[i])) / 2))
        if width < 1:
            continue
        dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        m = cv2.getPerspectiveTransform(quad, dst)
        strips.append(
            cv2.warpPerspective(image, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
        )
    if not strips:
        return crop_quad(image, _min_area_quad(pts))
    return cv2.hconcat(strips)
