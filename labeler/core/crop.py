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
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(image, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
