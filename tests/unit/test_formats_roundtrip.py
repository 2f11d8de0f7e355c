"""native -> format -> native for every readable interchange format, with tricky text and polygons."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeler.core.formats import read_records, write_records
from labeler.core.formats.icdar2015 import clockwise, shoelace_sum
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

TRICKY_TEXTS = [
    "Hello, world",
    "a,b,,c,",
    "<tag> & \"quoted\" 'apos' ]]> &amp;",
    "مرحبا بالعالم",  # right-to-left
    "שלום 123 עולם",
    "emoji 😀👍🏽 🇫🇷",
    "中文 日本語 한국어",
    "true",
    "null",
    "  spaces  ",
    "back\\slash / slash",
    "tab\there",
    "",
]

# Where each format writes: a file for Label.txt / Label Studio, a folder for the per-image formats.
TARGETS = {
    "ppocrlabel": "imgs/Label.txt",
    "page": "page",
    "labelstudio": "tasks.json",
    "labelme": "labelme",
    "icdar2015": "icdar",
    "alto": "alto",
}


def _records() -> list[ImageRecord]:
    quads = [
        [(10, 20), (110, 20), (110, 50), (10, 50)],  # upright rectangle
        [(200, 200), (300, 250), (275, 300), (175, 250)],  # rotated rectangle, clockwise from top-left
        [(5, 300), (80, 290), (85, 330), (3, 335)],  # general quad
        [(0.5, 1.25), (40.75, 2), (41, 19.5), (1, 18)],  # fractional
    ]
    regions = []
    for i, text in enumerate(TRICKY_TEXTS):
        quad = [(x + (i // len(quads)) * 7, y) for x, y in quads[i % len(quads)]]
        regions.append(TextRegion(points=quad, transcription=text))
    regions[1].difficult = True
    regions[1].transcription = "###"
    regions[2].key_cls = "question"
    regions[2].id = 7
    regions[2].linking = [[7, 8]]
    regions[3].score = 0.875
    regions[4].extra = {"note": "kept", "nested": {"a": [1, 2]}}
    curved = TextRegion(
        points=[(300, 10), (340, 5), (380, 8), (420, 20), (418, 45), (380, 33), (340, 30), (302, 35)],
        transcription="curved text",
    )
    return [
        ImageRecord("page1.jpg", 640, 480, ImageStatus.CONFIRMED, regions + [curved]),
        ImageRecord("sub/page2.png", 500, 400, ImageStatus.CONFIRMED, [TextRegion([(1, 2), (30, 2), (30, 9), (1, 9)])]),
    ]


def _write_read(fmt: str, records: list[ImageRecord], tmp_path: Path) -> list[ImageRecord]:
    target = tmp_path / TARGETS[fmt]
    warnings: list[str] = []
    write_records(fmt, records, target, warnings=warnings)
    return read_records(fmt, target, warnings=warnings)


def _assert_points(got, want, tol):
    assert len(got) == len(want)
    for (gx, gy), (wx, wy) in zip(got, want):
        assert math.isclose(gx, wx, abs_tol=tol) and math.isclose(gy, wy, abs_tol=tol), (got, want)


def _integer_points(points):
    return [(int(round(x)), int(round(y))) for x, y in points]


@pytest.mark.parametrize("fmt", ["ppocrlabel", "page", "labelstudio", "labelme"])
def test_round_trip_keeps_everything(fmt, tmp_path):
    records = _records()
    back = _write_read(fmt, records, tmp_path)
    assert [r.path for r in back] == [r.path for r in records]
    for rec, got in zip(records, back):
        assert len(got.regions) == len(rec.regions)
        if fmt != "ppocrlabel":  # Label.txt carries no size; the others carry it in the file
            assert (got.width, got.height) == (rec.width, rec.height)
        for want, region in zip(rec.regions, got.regions):
            if fmt == "page":  # PAGE points are integers
                assert region.points == _integer_points(want.points)
            else:
                _assert_points(region.points, want.points, 1e-6)
            assert region.transcription == want.transcription
            assert region.difficult == want.difficult
            assert region.key_cls == want.key_cls
            assert region.id == want.id
            assert region.linking == want.linking
            assert region.extra == want.extra
            assert region.score == pytest.approx(want.score) if want.score is not None else region.score is None


def test_round_trip_icdar2015(tmp_path):
    records = _records()
    back = _write_read("icdar2015", records, tmp_path)
    # gt_<stem>.txt names no extension: with no image to look at, ICDAR's .jpg is assumed
    assert [r.path for r in back] == ["page1.jpg", "sub/page2.jpg"]
    for rec, got in zip(records, back):
        assert len(got.regions) == len(rec.regions)
        for want, region in zip(rec.regions, got.regions):
            if len(want.points) == 4:
                assert region.points == _integer_points(want.points)
            else:  # curved text: its minimum-area rectangle
                assert len(region.points) == 4
            assert region.transcription == want.transcription
            assert region.difficult is False  # '###' is ICDAR's only don't-care mark
            assert region.is_dont_care == want.is_dont_care


@pytest.mark.parametrize("fmt", ["page", "labelstudio", "labelme", "ppocrlabel", "alto"])
def test_status_survives_where_the_format_has_room(fmt, tmp_path):
    records = [
        ImageRecord("a.jpg", 100, 50, ImageStatus.CONFIRMED, [TextRegion([(1, 1), (9, 1), (9, 5), (1, 5)], "a")]),
        ImageRecord("b.jpg", 100, 50, ImageStatus.PRELABELLED, [TextRegion([(1, 1), (9, 1), (9, 5), (1, 5)], "b")]),
    ]
    back = _write_read(fmt, records, tmp_path)
    no_room = fmt in ("labelme", "alto")  # these read everything back as confirmed (and warn on export)
    expected = [ImageStatus.CONFIRMED, ImageStatus.CONFIRMED if no_room else ImageStatus.PRELABELLED]
    assert [r.status for r in back] == expected


def test_same_stem_images_do_not_overwrite_each_other(tmp_path):
    records = [
        ImageRecord("a.jpg", 10, 10, ImageStatus.CONFIRMED, [TextRegion([(1, 1), (5, 1), (5, 5), (1, 5)], "jpg")]),
        ImageRecord("a.png", 10, 10, ImageStatus.CONFIRMED, [TextRegion([(1, 1), (5, 1), (5, 5), (1, 5)], "png")]),
    ]
    for fmt in ("page", "labelme", "icdar2015"):
        back = _write_read(fmt, records, tmp_path / fmt)
        assert sorted((r.path, r.regions[0].transcription) for r in back) == [("a.jpg", "jpg"), ("a.png", "png")]


_XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), max_size=40
).map(lambda s: "".join(c for c in s if c in "\t\n\r" or ord(c) >= 0x20))
_COORD = st.integers(min_value=0, max_value=5000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(_XML_TEXT, min_size=1, max_size=4),
    polygon=st.lists(st.tuples(_COORD, _COORD), min_size=4, max_size=9),
)
@pytest.mark.parametrize("fmt", ["page", "labelstudio", "labelme", "ppocrlabel", "alto"])
def test_any_text_and_polygon_round_trip(fmt, texts, polygon, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(fmt)
    regions = [TextRegion(points=list(polygon), transcription=t) for t in texts]
    back = _write_read(fmt, [ImageRecord("img.jpg", 5001, 5001, ImageStatus.CONFIRMED, regions)], tmp)
    assert [r.transcription for r in back[0].regions] == texts
    for region in back[0].regions:
        _assert_points(region.points, polygon, 1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),
    quad=st.lists(st.tuples(_COORD, _COORD), min_size=4, max_size=4),
)
def test_icdar_any_single_line_text_round_trips(text, quad, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("icdar")
    back = _write_read("icdar2015", [ImageRecord("img.jpg", regions=[TextRegion(list(quad), text)])], tmp)
    assert back[0].regions[0].transcription == text
    # the same corners, listed clockwise on screen from the same first one (the official validator's rule)
    assert back[0].regions[0].points == clockwise(list(quad))
    assert shoelace_sum(back[0].regions[0].points) <= 0
