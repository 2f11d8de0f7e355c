"""Polygon geometry on hand-made shapes whose areas were worked out on paper."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labeler.core.polygon import (
    fraction_inside,
    inside_matrix,
    intersection_area,
    iou_matrix,
    polygon_area,
    polygon_iou,
    prepare,
)


def box(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


SQUARE = box(0, 0, 10, 10)
# L shape: the 10x10 square minus its top-right 6x6 corner (x 4..10, y 4..10) -> 100 - 36 = 64.
L_SHAPE = [(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)]
# Points in TL, BR, TR, BL order: the edges cross at (5, 5), leaving two triangles of 25 each.
BOWTIE = [(0, 0), (10, 10), (10, 0), (0, 10)]


def test_area_of_box_either_orientation():
    assert polygon_area(SQUARE) == pytest.approx(100.0)
    assert polygon_area(SQUARE[::-1]) == pytest.approx(100.0)


def test_area_with_float_coordinates():
    assert polygon_area([(0, 0), (1.5, 0), (0, 1.5)]) == pytest.approx(1.125)
    assert polygon_area(np.array(box(0.25, 0.25, 2.75, 1.25))) == pytest.approx(2.5)


def test_non_convex_area_and_overlaps():
    assert polygon_area(L_SHAPE) == pytest.approx(64.0)
    assert intersection_area(L_SHAPE, SQUARE) == pytest.approx(64.0)
    assert polygon_iou(L_SHAPE, SQUARE) == pytest.approx(0.64)
    # The cut-out corner: the bounding boxes overlap but the shapes only touch along edges.
    assert intersection_area(L_SHAPE, box(4, 4, 10, 10)) == pytest.approx(0.0)
    assert polygon_iou(L_SHAPE, box(4, 4, 10, 10)) == 0.0


def test_polygon_with_a_hole():
    # Outer square, slit in at y=0 from x=3, inner square 3..7 walked the other way: 100 - 16 = 84.
    keyhole = [(0, 0), (3, 0), (3, 7), (7, 7), (7, 3), (3, 3), (3, 0), (10, 0), (10, 10), (0, 10)]
    assert polygon_area(keyhole) == pytest.approx(84.0)
    assert intersection_area(keyhole, box(3, 3, 7, 7)) == pytest.approx(0.0)
    assert polygon_iou(keyhole, SQUARE) == pytest.approx(0.84)


def test_shifted_boxes_iou():
    # Shift by 5: 50 / 150. Shift by 2: 80 / 120.
    assert polygon_iou(SQUARE, box(5, 0, 15, 10)) == pytest.approx(1 / 3)
    assert polygon_iou(SQUARE, box(2, 0, 12, 10)) == pytest.approx(2 / 3)
    # Half of the square: 50 / 100.
    assert polygon_iou(SQUARE, box(0, 0, 10, 5)) == pytest.approx(0.5)
    assert polygon_iou(SQUARE, SQUARE[::-1]) == pytest.approx(1.0)


def test_disjoint_and_touching_boxes():
    assert polygon_iou(SQUARE, box(20, 20, 30, 30)) == 0.0
    assert polygon_iou(SQUARE, box(10, 0, 20, 10)) == 0.0
    assert intersection_area(SQUARE, box(10, 0, 20, 10)) == 0.0


def test_self_intersecting_polygon_does_not_crash():
    assert polygon_area(BOWTIE) == pytest.approx(50.0)
    assert intersection_area(BOWTIE, SQUARE) == pytest.approx(50.0)
    assert polygon_iou(BOWTIE, SQUARE) == pytest.approx(0.5)
    assert fraction_inside(BOWTIE, SQUARE) == pytest.approx(1.0)
    assert fraction_inside(SQUARE, BOWTIE) == pytest.approx(0.5)
    # A star drawn in one stroke (pentagram) crosses itself five times.
    star = [(math.cos(a) * 10, math.sin(a) * 10) for a in (math.pi / 2 + k * 4 * math.pi / 5 for k in range(5))]
    assert 0.0 < polygon_area(star) < math.pi * 100
    assert 0.0 < polygon_iou(star, SQUARE) < 1.0


@pytest.mark.parametrize(
    "points",
    [
        [(0, 0), (1, 1), (2, 2), (3, 3)],  # collinear
        [(5, 5)] * 4,  # one repeated point
        [(0, 0), (1, 1)],  # too few points
        [],
        [(0, 0), (float("nan"), 1), (1, 1), (1, 0)],
        [(0, 0), (10, 0), (0, 0), (10, 0)],  # back and forth along one line
    ],
)
def test_degenerate_polygons_have_zero_area_and_never_raise(points):
    assert polygon_area(points) == 0.0
    assert intersection_area(points, SQUARE) == 0.0
    assert polygon_iou(points, SQUARE) == 0.0
    assert polygon_iou(SQUARE, points) == 0.0
    assert fraction_inside(points, SQUARE) == 0.0
    assert fraction_inside(SQUARE, points) == 0.0


def test_fraction_inside():
    # 4x4 box, half of it (x 8..10) inside the square.
    assert fraction_inside(box(8, 0, 12, 4), SQUARE) == pytest.approx(0.5)
    assert fraction_inside(box(2, 2, 4, 4), SQUARE) == pytest.approx(1.0)
    # The other way round: the 4 px^2 box is 4% of the square.
    assert fraction_inside(SQUARE, box(2, 2, 4, 4)) == pytest.approx(0.04)
    assert fraction_inside(box(20, 0, 24, 4), SQUARE) == 0.0


def test_large_pixel_coordinates():
    big = box(10000, 20000, 10400, 20030)
    assert polygon_area(big) == pytest.approx(12000.0)
    assert polygon_iou(big, box(10000, 20000, 10400, 20015)) == pytest.approx(0.5)


def test_matrices_match_pairwise_functions():
    a = [SQUARE, L_SHAPE, BOWTIE]
    b = [box(2, 0, 12, 10), box(8, 0, 12, 4), box(50, 50, 60, 60)]
    ious = iou_matrix(a, b)
    inside = inside_matrix(b, a)
    assert ious.shape == (3, 3)
    assert inside.shape == (3, 3)
    for i, pa in enumerate(a):
        for j, pb in enumerate(b):
            assert ious[i, j] == pytest.approx(polygon_iou(pa, pb))
            assert inside[j, i] == pytest.approx(fraction_inside(pb, pa))
    assert iou_matrix([], b).shape == (0, 3)
    assert iou_matrix(a, []).shape == (3, 0)


def test_prepared_polygon_is_reusable():
    p = prepare(SQUARE)
    assert prepare(p) is p
    assert polygon_area(p) == pytest.approx(100.0)
    assert polygon_iou(p, box(2, 0, 12, 10)) == pytest.approx(2 / 3)
