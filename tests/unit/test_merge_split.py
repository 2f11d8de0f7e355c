"""Merge and split of regions (issue 14 item 3): hand-made polygons, axis-aligned, rotated and vertical."""

from __future__ import annotations

import math

import pytest

from labeler.core import region_ops as ops
from labeler.core.model import TextRegion


def rotated(points, degrees: float, about=(0.0, 0.0)):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    ox, oy = about
    return [(ox + (x - ox) * c - (y - oy) * s, oy + (x - ox) * s + (y - oy) * c) for x, y in points]


def near(a, b, tol=0.05):
    return len(a) == len(b) and all(math.dist(p, q) <= tol for p, q in zip(a, b, strict=True))


def test_merge_two_pieces_of_a_line_is_their_rectangle_and_text_in_reading_order():
    hello = TextRegion([(10, 20), (50, 20), (50, 40), (10, 40)], "Hello", score=0.9, key_cls="name")
    world = TextRegion([(60, 18), (120, 18), (120, 42), (60, 42)], " world", score=0.8, difficult=True)
    merged = ops.merge_regions([world, hello])  # selection order does not matter: reading order does
    assert merged.points == [(10.0, 18.0), (120.0, 18.0), (120.0, 42.0), (10.0, 42.0)]
    assert merged.transcription == "Hello world"
    assert merged.score is None and merged.difficult and merged.key_cls == "name"
    assert hello.transcription == "Hello" and hello.points[0] == (10, 20)  # the pieces are not changed


def test_merge_keeps_a_rotated_line_rotated():
    line = [(0, 0), (40, 0), (40, 20), (0, 20)]
    pieces = [TextRegion(rotated([(x + dx, y) for x, y in line], 30), t) for dx, t in ((0, "ab"), (50, "cd"))]
    merged = ops.merge_regions(pieces)
    assert abs(ops.frame_angle([merged.points]) - math.radians(30)) < 1e-3
    assert near(merged.points, rotated([(0, 0), (90, 0), (90, 20), (0, 20)], 30))
    assert merged.transcription == "ab cd"


def test_merge_a_vertical_number_of_single_character_boxes():
    digits = "4711042"
    boxes = [
        TextRegion([(100, 10 + 30 * i), (125, 10 + 30 * i), (125, 35 + 30 * i), (100, 35 + 30 * i)], d)
        for i, d in enumerate(digits)
    ]
    merged = ops.merge_regions(boxes[::-1])
    assert merged.points == [(100.0, 10.0), (125.0, 10.0), (125.0, 215.0), (100.0, 215.0)]
    assert ops.is_vertical(merged.points)
    assert merged.transcription == digits  # a column is one run: no spaces


def test_merge_stays_inside_the_image_and_needs_two_regions():
    a = TextRegion(rotated([(0, 0), (40, 0), (40, 10), (0, 10)], 20, (20, 5)))
    b = TextRegion(rotated([(45, 0), (90, 0), (90, 10), (45, 10)], 20, (20, 5)))
    merged = ops.merge_regions([a, b], size=(100, 40))
    assert all(0 <= x <= 100 and 0 <= y <= 40 for x, y in merged.points)
    with pytest.raises(ValueError):
        ops.merge_regions([a])


def test_join_rule_spaces_for_spaced_scripts_none_for_cjk():
    assert ops.join_texts(["Total:", "42.5"]) == "Total: 42.5"
    assert ops.join_texts(["总计", "42.5"]) == "总计42.5"
    assert ops.join_texts(["金额", "合计"]) == "金额合计"
    assert ops.join_texts(["東京", "タワー"]) == "東京タワー"
    assert ops.join_texts(["한국", "사람"]) == "한국 사람"  # Korean spaces its words
    assert ops.join_texts(["a ", "", " b"]) == "a b"
    assert ops.join_texts(["1", "2"], spaced=False) == "12"


def test_split_an_axis_aligned_box_at_a_fraction():
    box = [(0, 0), (100, 0), (100, 20), (0, 20)]
    left, right = ops.split_points(box, 0.25)
    assert left == [(0.0, 0.0), (25.0, 0.0), (25.0, 20.0), (0.0, 20.0)]
    assert right == [(25.0, 0.0), (100.0, 0.0), (100.0, 20.0), (25.0, 20.0)]
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError):
            ops.split_points(box, bad)


def test_split_a_rotated_box_across_its_reading_direction():
    box = rotated([(0, 0), (100, 0), (100, 20), (0, 20)], -15, (50, 10))
    first, second = ops.split_points(box, 0.5)
    assert near(first, rotated([(0, 0), (50, 0), (50, 20), (0, 20)], -15, (50, 10)))
    assert near(second, rotated([(50, 0), (100, 0), (100, 20), (50, 20)], -15, (50, 10)))


def test_split_vertical_text_top_and_bottom():
    column = [(100, 10), (125, 10), (125, 215), (100, 215)]
    top, bottom = ops.split_points(column, 0.5)
    assert top == [(100.0, 10.0), (125.0, 10.0), (125.0, 112.5), (100.0, 112.5)]
    assert bottom == [(100.0, 112.5), (125.0, 112.5), (125.0, 215.0), (100.0, 215.0)]
    assert ops.point_fraction(column, 112, 62.0) == pytest.approx(0.25, abs=0.01)


def test_split_a_skewed_quad_keeps_four_points_per_part():
    skewed = [(0, 0), (100, 0), (120, 20), (20, 20)]
    first, second = ops.split_points(skewed, 0.1)
    assert len(first) >= ops.MIN_POINTS and len(second) >= ops.MIN_POINTS
    assert first[0] == (0.0, 0.0)


def test_split_region_cuts_the_text_at_the_cursor_and_keeps_ids_unique():
    region = TextRegion([(0, 0), (110, 0), (110, 20), (0, 20)], "Hello world", score=0.9, id=3, linking=[[3, 4]])
    at = ops.text_fraction(region.transcription, 5)
    assert at == pytest.approx(5 / 11)
    first, second = ops.split_region(region, at, 5)
    assert (first.transcription, second.transcription) == ("Hello", "world")
    assert first.points[1][0] == pytest.approx(50.0) and second.points[0][0] == pytest.approx(50.0)
    assert first.score is None and second.score is None
    assert (first.id, first.linking, second.id, second.linking) == (3, [[3, 4]], None, [])
    # A clicked point: the text is cut at the character boundary nearest to it.
    a, b = ops.split_region(region, ops.point_fraction(region.points, 52, 10))
    assert (a.transcription, b.transcription) == ("Hello", "world")


def test_cjk_characters_count_wider_than_latin_ones():
    assert ops.text_fraction("ab中", 2) == pytest.approx(1.1 / 2.1)
    assert ops.text_index("总计42", 0.5) == 2  # boundaries at 0, 1, 2, 2.55, 3.1 of 3.1
    assert ops.text_index("", 0.3) == 0


def test_a_cut_at_the_text_cursor_moves_to_the_gap_between_words():
    import cv2
    import numpy as np

    from labeler.core.split_gap import gap_fraction, ink_profile

    crop = np.full((40, 300, 3), 255, np.uint8)
    cv2.putText(crop, "hello world", (2, 30), cv2.FONT_HERSHEY_DUPLEX, 1.4, (0, 0, 0), 2, cv2.LINE_AA)
    profile = ink_profile(crop)
    inked = np.flatnonzero(profile)
    guess = ops.text_fraction("hello world", 5)  # inside the "w" by character widths
    cut = gap_fraction(profile, guess) * len(profile)
    hello_end = 2 + cv2.getTextSize("hello", cv2.FONT_HERSHEY_DUPLEX, 1.4, 2)[0][0]
    assert hello_end - 2 <= cut <= hello_end + 10 and profile[int(cut)] == 0
    assert inked[0] < cut < inked[-1]
    # Vertical text: rows; an empty crop: the guess stays.
    assert gap_fraction(ink_profile(np.full((50, 20), 255, np.uint8), vertical=True), 0.3) == 0.3


def test_split_a_curved_six_point_polygon():
    six = [(0, 10), (50, 0), (100, 10), (100, 30), (50, 20), (0, 30)]  # top edge then bottom edge walked back
    first, second = ops.split_points(six, 0.5)
    assert all(x <= 50.0 for x, _ in first) and all(x >= 50.0 for x, _ in second)
    assert first[0] == (0.0, 10.0) and (50.0, 0.0) in first and (50.0, 20.0) in first
    assert second[0] == (50.0, 0.0) and len(second) >= ops.MIN_POINTS


def test_kie_links_follow_the_pieces_onto_the_merged_region():
    from labeler.core.region_ops import merge_regions, relinked

    def r(x, id_, links):
        return TextRegion(points=[(x, 0), (x + 10, 0), (x + 10, 10), (x, 10)], transcription=str(id_), id=id_,
                          linking=links)  # fmt: skip

    question = r(0, 1, [[1, 2], [1, 3]])  # a key linked to the two pieces its value was cut into
    left, right = r(20, 2, [[1, 2]]), r(32, 3, [[1, 3]])
    other = r(60, 4, [[4, 3]])
    regions = [question, left, right, other]
    merged = merge_regions([left, right])
    new_id, changes = relinked(regions, [1, 2], merged)
    assert new_id == 2 and changes.get(-1, merged.linking) == [[1, 2]]
    assert changes[0] == [[1, 2]] and changes[3] == [[4, 2]]  # no link names the gone id 3 any more
    no_id = merge_regions([r(20, None, []), right])
    assert relinked([question, r(20, None, []), right], [1, 2], no_id)[0] in (3, None)


def test_split_words_cuts_at_every_space_in_reading_order():
    region = TextRegion(points=[(0, 0), (300, 0), (300, 30), (0, 30)], transcription=" West Coast  Way ", score=0.9)
    pieces = ops.split_words(region)
    assert [p.transcription for p in pieces] == ["West", "Coast", "Way"]
    lefts = [min(x for x, _y in p.points) for p in pieces]
    assert lefts == sorted(lefts) and all(p.score is None for p in pieces)  # to be read again
    assert abs(sum(ops.bounds(p.points)[2] - ops.bounds(p.points)[0] for p in pieces) - 300) < 1e-6
    gaps = ops.split_words(region, cut_at=lambda f: round(f, 1))  # the caller moves each cut (to an ink gap)
    assert len(gaps) == 3
    with pytest.raises(ValueError):
        ops.split_words(TextRegion(points=region.points, transcription="one"))
