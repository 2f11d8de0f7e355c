"""Region geometry edits: exact coordinates for move, rectangle, expand, rotate, vertices, reading order."""

from __future__ import annotations

import pytest

from labeler.core import region_ops as ops
from labeler.core.model import TextRegion

BOX = [(10, 20), (50, 20), (50, 40), (10, 40)]


def test_translate_and_clamp_to_image():
    assert ops.translate(BOX, 3, -2) == [(13.0, 18.0), (53.0, 18.0), (53.0, 38.0), (13.0, 38.0)]
    # The shift is cut so the region stays inside a 60 x 45 image: right edge stops at 60, bottom at 45.
    assert ops.translate(BOX, 30, 30, size=(60, 45)) == [(20.0, 25.0), (60.0, 25.0), (60.0, 45.0), (20.0, 45.0)]
    assert ops.translate(BOX, -100, 0, size=(60, 45))[0] == (0.0, 20.0)


def test_move_vertex_only_moves_that_vertex():
    assert ops.move_vertex(BOX, 2, 5, 1) == [(10.0, 20.0), (50.0, 20.0), (55.0, 41.0), (10.0, 40.0)]
    assert ops.move_vertex(BOX, 0, -20, 0, size=(60, 45))[0] == (0.0, 20.0)
    with pytest.raises(IndexError):
        ops.move_vertex(BOX, 4, 1, 1)


def test_to_rectangle_of_a_tilted_quad_and_a_polygon():
    quad = [(12, 20), (50, 24), (48, 44), (10, 40)]
    assert ops.to_rectangle(quad) == [(10.0, 20.0), (50.0, 20.0), (50.0, 44.0), (10.0, 44.0)]
    six = [(0, 5), (10, 0), (20, 5), (20, 15), (10, 18), (0, 15)]
    assert ops.to_rectangle(six) == [(0.0, 0.0), (20.0, 0.0), (20.0, 18.0), (0.0, 18.0)]


def test_expand_grows_a_box_on_every_side_and_stays_in_the_image():
    assert ops.expand(BOX, 3) == [(7.0, 17.0), (53.0, 17.0), (53.0, 43.0), (7.0, 43.0)]
    assert ops.expand(BOX, 15, size=(60, 45)) == [(0.0, 5.0), (60.0, 5.0), (60.0, 45.0), (0.0, 45.0)]


def test_rotate90_about_the_centre():
    # Centre (30, 30); a 40 x 20 box becomes 20 x 40, first point top-left again.
    cw = ops.rotate90(BOX, clockwise=True)
    assert cw == [(20.0, 10.0), (40.0, 10.0), (40.0, 50.0), (20.0, 50.0)]
    ccw = ops.rotate90(BOX, clockwise=False)
    assert sorted(ccw) == sorted(cw) and ccw[0] == (20.0, 10.0)
    assert sorted(ops.rotate90(cw)) == sorted((float(x), float(y)) for x, y in BOX)  # twice is 180 degrees


def test_rotate90_direction_on_screen():
    arrow = [(0, 0), (10, 0), (10, 2), (0, 2)]  # long edge along x, centre (5, 1)
    cw = ops.rotate90(arrow, clockwise=True)
    assert cw == [(4.0, -4.0), (6.0, -4.0), (6.0, 6.0), (4.0, 6.0)]
    # Clockwise on screen (y down): the right end (10, 0) turns to the bottom, (6, 6).
    assert (6.0, 6.0) in cw and (6.0, -4.0) in ops.rotate90(arrow, clockwise=False)


def test_add_vertex_at_the_midpoint_of_the_longest_edge():
    assert ops.add_vertex(BOX) == [(10.0, 20.0), (30.0, 20.0), (50.0, 20.0), (50.0, 40.0), (10.0, 40.0)]
    tall = [(0, 0), (10, 0), (10, 30), (0, 30)]
    assert ops.add_vertex(tall) == [(0.0, 0.0), (10.0, 0.0), (10.0, 15.0), (10.0, 30.0), (0.0, 30.0)]


def test_remove_vertex_keeps_at_least_four():
    five = ops.add_vertex(BOX)
    assert ops.remove_vertex(five, 1) == [(10.0, 20.0), (50.0, 20.0), (50.0, 40.0), (10.0, 40.0)]
    with pytest.raises(ValueError):
        ops.remove_vertex(BOX, 0)
    with pytest.raises(IndexError):
        ops.remove_vertex(five, 7)


def test_duplicate_offsets_the_copy_and_flips_at_the_image_edge():
    region = TextRegion(points=list(BOX), transcription="hi", locked=True, id=3, linking=[[3, 4]], extra={"k": [1]})
    copy = ops.duplicate(region, 10, 10)
    assert copy.points == [(20.0, 30.0), (60.0, 30.0), (60.0, 50.0), (20.0, 50.0)]
    assert copy.transcription == "hi" and not copy.locked and copy.id is None and copy.linking == []
    assert copy.extra == {"k": [1]} and copy.extra["k"] is not region.extra["k"]
    assert region.points == BOX and region.locked  # the original is untouched
    # In a 55 x 45 image the copy goes left and up instead.
    assert ops.duplicate(region, 10, 10, size=(55, 45)).points == [(0.0, 10.0), (40.0, 10.0), (40.0, 30.0), (0.0, 30.0)]


def test_reading_order_lines_then_left_to_right():
    def box(x, y, w=40, h=20):
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]

    regions = [box(200, 103), box(10, 10), box(10, 100), box(120, 12), box(300, 8)]
    # Line 1: tops 8, 10, 12 (within half a height); line 2: tops 100, 103.
    assert ops.reading_order(regions) == [1, 3, 4, 2, 0]
    assert ops.reading_order([]) == []
    assert ops.reading_order(regions, same_line=1) == [4, 1, 3, 2, 0]


def test_bounds_and_centre():
    assert ops.bounds(BOX) == (10.0, 20.0, 50.0, 40.0)
    assert ops.centre(BOX) == (30.0, 30.0)
