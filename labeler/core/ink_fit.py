"""Fit a box to the ink of the text inside it: the key for a box the detector drew too loose or too long.

The box's quad is cropped upright (crop.crop_quad), binarised (Otsu: the text is the darker class), and the rows and
columns where at least INK_SHARE of the pixels are ink bound the text; a little air (PAD_SHARE of the ink height,
at least 1 px) is left around it, and the result is mapped back onto the quad, so a rotated box stays rotated.
Specks (fewer than INK_SHARE of a row or column) and a box with no ink give the box back unchanged (None).
Ink the box only grazes at its edge (a neighbouring line, a form rule) counts like any ink: the fit never grows
the box, it only takes in what lies inside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from labeler.core.crop import crop_quad, order_quad
from labeler.core.model import Point

INK_SHARE = 0.02  # a row or column with less ink than this is background (noise, a speck)
PAD_SHARE = 0.05  # air left around the ink, as a share of the ink's height
MIN_SIDE_PX = 3  # a crop smaller than this has nothing to fit


def fit_to_ink(image: np.ndarray, points: Sequence[Sequence[float]]) -> list[Point] | None:
    """The 4 corners (clockwise from the top-left) of the box around the ink inside `points`; None: nothing to fit."""
    if len(points) != 4:
        quad = cv2.boxPoints(cv2.minAreaRect(np.asarray(points, np.float32)))
    else:
        quad = np.asarray(points, np.float32)
    quad = order_quad(quad)
    crop = crop_quad(image, quad)
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    h, w = crop.shape[:2]
    if h < MIN_SIDE_PX or w < MIN_SIDE_PX:
        return None
    _threshold, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.mean(axis=1) > INK_SHARE)
    cols = np.flatnonzero(ink.mean(axis=0) > INK_SHARE)
    if len(rows) == 0 or len(cols) == 0:
        return None
    pad = max(1.0, PAD_SHARE * (rows[-1] - rows[0] + 1))
    top, bottom = max(0.0, rows[0] - pad), min(float(h), rows[-1] + 1 + pad)
    left, right = max(0.0, cols[0] - pad), min(float(w), cols[-1] + 1 + pad)
    tl, tr, br, bl = quad.astype(np.float64)

    def at(x: float, y: float) -> Point:  # a point of the upright crop, back on the image (bilinear in the quad)
        u, v = x / w, y / h
        p = (1 - v) * ((1 - u) * tl + u * tr) + v * ((1 - u) * bl + u * br)
        return (round(float(p[0]), 1), round(float(p[1]), 1))

    return [at(left, top), at(right, top), at(right, bottom), at(left, bottom)]
