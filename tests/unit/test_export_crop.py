"""Rectified crops: rotated quads come out upright, curved polygons straightened, odd shapes min-area cut."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from labeler.core.crop import crop_polygon, crop_quad, order_quad, split_curved_polygon
from labeler.core.export_rec import VerticalRule, make_crop

RED, BLUE, GREEN, WHITE = (0, 0, 255), (255, 0, 0), (0, 255, 0), (255, 255, 255)


def _band(width: int, height: int) -> np.ndarray:
    """A 'text line': left half red, right half blue, a green stripe along its top edge."""
    band = np.zeros((height, width, 3), np.uint8)
    band[:, : width // 2] = RED
    band[:, width // 2 :] = BLUE
    band[: height // 5] = GREEN
    return band


def _mean(img: np.ndarray) -> np.ndarray:
    return img.reshape(-1, 3).mean(axis=0)


def _assert_band(crop: np.ndarray) -> None:
    """Upright: red left, blue right, green on top, not on the bottom."""
    h, w = crop.shape[:2]
    body = crop[h // 3 :]
    left, right = _mean(body[:, : w // 3]), _mean(body[:, -w // 3 :])
    assert left[2] > 180 and left[0] < 80, f"left third should be red, got {left}"
    assert right[0] > 180 and right[2] < 80, f"right third should be blue, got {right}"
    top, bottom = _mean(crop[: max(1, h // 8)]), _mean(crop[-max(1, h // 8) :])
    assert top[1] > 150, f"top edge should be green, got {top}"
    assert bottom[1] < 80, f"bottom edge should not be green, got {bottom}"


def _rotated_scene(angle_deg: float, size: int = 420, band_wh: tuple[int, int] = (200, 50)):
    """A white canvas with the band pasted at the centre, rotated by angle (counter-clockwise on screen)."""
    canvas = np.full((size, size, 3), 255, np.uint8)
    w, h = band_wh
    x0, y0 = (size - w) // 2, (size - h) // 2
    canvas[y0 : y0 + h, x0 : x0 + w] = _band(w, h)
    m = cv2.getRotationMatrix2D((size / 2, size / 2), angle_deg, 1.0)
    rotated = cv2.warpAffine(canvas, m, (size, size), flags=cv2.INTER_LINEAR, borderValue=WHITE)
    corners = np.array([[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h]], np.float64)
    quad = (np.hstack([corners, np.ones((4, 1))]) @ m.T).astype(np.float32)
    return rotated, quad


@pytest.mark.parametrize("angle", [0, 12, 30, -25])
def test_rotated_quad_comes_out_upright(angle):
    image, quad = _rotated_scene(angle)
    # Give the points in a scrambled order, as a hand-drawn polygon might: crop_polygon orders them.
    scrambled = quad[[2, 1, 0, 3]]
    crop = crop_polygon(image, scrambled)
    assert abs(crop.shape[1] - 200) <= 2 and abs(crop.shape[0] - 50) <= 2
    _assert_band(crop)


def test_integer_axis_aligned_quad_is_an_exact_slice():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    quad = np.array([[10, 5], [50, 5], [50, 25], [10, 25]], np.float32)
    dst = np.array([[0, 0], [40, 0], [40, 20], [0, 20]], np.float32)
    warped = cv2.warpPerspective(
        image, cv2.getPerspectiveTransform(quad, dst), (40, 20), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    assert np.array_equal(crop_quad(image, quad), warped)
    assert np.array_equal(crop_quad(image, quad), image[5:25, 10:50])


def _arc_scene():
    """A band bent along the upper part of a circle: red on its left half, blue on its right half,
    green along its outer (top) edge. Returns the image and its 14-point polygon (PaddleOCR order)."""
    size, cx, cy, r_in, r_out = 500, 250, 330, 150, 200
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - cx, yy - cy)
    ang = np.degrees(np.arctan2(yy - cy, xx - cx))  # -180..180, upper half is negative
    a0, a1 = -150.0, -30.0
    inside = (r >= r_in) & (r <= r_out) & (ang >= a0) & (ang <= a1)
    image = np.full((size, size, 3), 255, np.uint8)
    image[inside & (ang < -90)] = RED
    image[inside & (ang >= -90)] = BLUE
    image[inside & (r >= r_out - 10)] = GREEN
    angles = np.linspace(a0, a1, 7)
    top = [(cx + r_out * math.cos(math.radians(a)), cy + r_out * math.sin(math.radians(a))) for a in angles]
    bottom = [(cx + r_in * math.cos(math.radians(a)), cy + r_in * math.sin(math.radians(a))) for a in angles]
    points = np.array(top + bottom[::-1], np.float32)
    return image, points, (r_in, r_out, math.radians(a1 - a0))


def test_curved_polygon_is_rectified_not_min_area_cut():
    image, points, (r_in, r_out, span) = _arc_scene()
    crop = crop_polygon(image, points)
    h, w = crop.shape[:2]
    assert abs(h - (r_out - r_in)) <= 2  # the band's thickness, not the arc's bounding height
    mid_arc = (r_in + r_out) / 2 * span
    assert 0.9 * mid_arc <= w <= 1.02 * mid_arc  # chords are a little shorter than the arc
    _assert_band(crop)
    # A min-area rectangle would be far taller: the arc rises by ~100 px over its width.
    rect_h = min(cv2.minAreaRect(points.reshape(-1, 1, 2))[1])
    assert rect_h > 2 * h


@pytest.mark.parametrize("variant", ["reversed", "starts_on_bottom", "reversed_and_bottom"])
def test_curved_polygon_drawn_from_another_end_gives_the_same_crop(variant):
    image, points, _ = _arc_scene()
    n = len(points) // 2
    ring = {
        "reversed": points[::-1],
        "starts_on_bottom": np.roll(points, -n, axis=0),
        "reversed_and_bottom": np.roll(points[::-1], -n, axis=0),
    }[variant]
    top, bottom = split_curved_polygon(ring)
    assert np.allclose(top, points[:n]) and np.allclose(bottom, points[n:][::-1])
    assert crop_polygon(image, ring).shape == crop_polygon(image, points).shape


def test_odd_or_irregular_polygons_fall_back_to_min_area_rectangle():
    image, quad = _rotated_scene(20)
    # 5 points: the quad plus the midpoint of its top edge (odd count).
    five = np.insert(quad, 1, (quad[0] + quad[1]) / 2, axis=0)
    assert split_curved_polygon(five) is None
    crop = crop_polygon(image, five)
    assert abs(crop.shape[1] - 200) <= 2 and abs(crop.shape[0] - 50) <= 2
    _assert_band(crop)
    # A zig-zag 6-pointer whose "top" folds back on itself cannot be paired into strips.
    zigzag = np.array([[0, 0], [50, 0], [20, 5], [20, 30], [50, 30], [0, 30]], np.float32)
    assert split_curved_polygon(zigzag) is None


def test_vertical_rule():
    # A line turned 90 degrees clockwise (reads top to bottom, glyph tops to the right): red top half,
    # blue bottom half, the green "top" stripe on its right edge. Counter-clockwise (PaddleOCR's rule)
    # brings it back upright; clockwise turns it upside down; keep leaves it tall.
    band = np.rot90(_band(200, 50), k=-1).copy()  # 200 tall, 50 wide
    image = np.full((300, 120, 3), 255, np.uint8)
    image[50:250, 35:85] = band
    quad = [(35, 50), (85, 50), (85, 250), (35, 250)]
    ccw, _ = make_crop(image, quad, VerticalRule("ccw", 1.5))
    assert ccw.shape[:2] == (50, 200)
    _assert_band(ccw)
    kept, _ = make_crop(image, quad, VerticalRule("keep"))
    assert np.array_equal(kept, band)
    cw, _ = make_crop(image, quad, VerticalRule("cw"))
    assert np.array_equal(cw, np.rot90(ccw, 2))
    # Below the ratio nothing turns: 60 tall x 50 wide.
    short, _ = make_crop(image, [(35, 50), (85, 50), (85, 110), (35, 110)], VerticalRule("ccw", 1.5))
    assert short.shape[:2] == (60, 50)


def test_make_crop_reports_regions_outside_or_too_thin():
    image = np.zeros((50, 50, 3), np.uint8)
    assert make_crop(image, [(60, 60), (80, 60), (80, 70), (60, 70)], VerticalRule())[1] == "outside_image"
    assert make_crop(image, [(5, 5), (30, 5), (30, 6), (5, 6)], VerticalRule())[1] == "too_small"


def test_order_quad_still_orders_clockwise_from_top_left():
    quad = np.array([[10, 10], [0, 10], [0, 0], [10, 0]], np.float32)
    assert order_quad(quad).tolist() == [[0, 0], [10, 0], [10, 10], [0, 10]]
