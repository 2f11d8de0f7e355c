"""Fitting a box to the ink of its text (core/ink_fit.py), on rendered text."""

from __future__ import annotations

import cv2
import numpy as np

from labeler.core.ink_fit import fit_to_ink
from labeler.core.polygon import polygon_iou
from tests.conftest import render_lines


def ink_box(img: np.ndarray) -> list[tuple[float, float]]:
    ys, xs = np.nonzero(img.min(axis=2) < 128)
    return [(xs.min(), ys.min()), (xs.max() + 1, ys.min()), (xs.max() + 1, ys.max() + 1), (xs.min(), ys.max() + 1)]


def test_a_loose_box_shrinks_to_the_text_with_a_little_air():
    img = render_lines(["Total 42.50"], size=(600, 160))
    truth = ink_box(img)
    loose = [(10, 20), (560, 20), (560, 130), (10, 130)]
    fitted = fit_to_ink(img, loose)
    assert fitted is not None and polygon_iou(fitted, truth) > 0.8
    assert polygon_iou(loose, truth) < 0.5
    (x0, y0), _, (x1, y1), _ = fitted
    assert x0 <= truth[0][0] and y0 <= truth[0][1] and x1 >= truth[2][0] and y1 >= truth[2][1]  # nothing cut off


def test_a_rotated_box_stays_rotated_and_an_empty_one_is_left_alone():
    img = np.full((600, 600, 3), 255, np.uint8)
    cv2.putText(img, "rotated words", (155, 314), cv2.FONT_HERSHEY_DUPLEX, 1.4, (0, 0, 0), 2, cv2.LINE_AA)
    turn = cv2.getRotationMatrix2D((300, 300), 20, 1.0)  # the line turns 20 degrees about the page centre
    img = cv2.warpAffine(img, turn, (600, 600), borderValue=(255, 255, 255))
    box = cv2.boxPoints(((300, 300), (400, 110), -20)).tolist()  # loosely around the turned line
    fitted = fit_to_ink(img, box)
    assert fitted is not None
    angle = np.degrees(np.arctan2(fitted[1][1] - fitted[0][1], fitted[1][0] - fitted[0][0]))
    assert abs(abs(angle) - 20) < 3
    blank = np.full((200, 400, 3), 255, np.uint8)
    assert fit_to_ink(blank, [(10, 10), (300, 10), (300, 100), (10, 100)]) is None
