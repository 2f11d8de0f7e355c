"""Label Studio task JSON (OCR template): rectangles with rotation, polygons, textarea per region, errors."""

from __future__ import annotations

import json

import pytest

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats.labelstudio import (
    path_from_url,
    read_labelstudio,
    region_results,
    rotated_rectangle,
    write_labelstudio,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion


def _result(rid, kind, value, from_name, **extra):
    return {
        "id": rid,
        "from_name": from_name,
        "to_name": "image",
        "type": kind,
        "original_width": 200,
        "original_height": 100,
        "image_rotation": 0,
        "value": value,
        **extra,
    }


RECT = {"x": 10, "y": 20, "width": 25, "height": 10, "rotation": 90}
POLY = {"points": [[10, 10], [50, 10], [60, 50], [10, 40], [5, 25]], "closed": True}
TASKS = [
    {
        "id": 11,
        "data": {"ocr": "/data/local-files/?d=photos/receipt%201.jpg"},
        "annotations": [
            {"was_cancelled": True, "result": [_result("zz", "rectangle", RECT, "bbox")]},
            {
                "was_cancelled": False,
                "result": [
                    _result("a1", "rectangle", RECT, "bbox"),
                    _result("a1", "labels", {**RECT, "labels": ["Handwriting"]}, "label"),
                    _result("a1", "textarea", {**RECT, "text": ["Total: 12,50 €"]}, "transcription"),
                    _result("b2", "polygon", POLY, "poly", meta={"difficult": True, "note": "blurry"}),
                    _result("b2", "textarea", {**POLY, "text": ["two", "lines"]}, "transcription"),
                    _result(
                        "c3",
                        "rectanglelabels",
                        {"x": 0, "y": 0, "width": 50, "height": 50, "rotation": 0, "rectanglelabels": ["Text"]},
                        "label",
                    ),
                    {"id": "rel", "type": "relation", "from_id": "a1", "to_id": "b2", "direction": "right"},
                ],
            },
        ],
        "predictions": [{"result": [_result("p", "rectangle", RECT, "bbox")]}],
    },
    {
        "data": {"image": "https://example.com/a/b/img.png?sig=1"},
        "predictions": [
            {"result": [_result("q", "rectangle", {"x": 50, "y": 50, "width": 10, "height": 10}, "bbox", score=0.42)]}
        ],
    },
    {"data": {"image": "/data/upload/3/1a2b3c4d-scan.jpg"}},
]


def test_import_label_studio_export(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(TASKS), encoding="utf-8")
    warnings: list[str] = []
    first, second, third = read_labelstudio(path, warnings=warnings)

    assert (first.path, first.width, first.height) == ("photos/receipt 1.jpg", 200, 100)
    assert first.status == ImageStatus.CONFIRMED
    rect, poly, labelled = first.regions
    # x=20 px, y=20 px, 50 px wide, 10 px high, turned 90 degrees clockwise around its top-left corner
    assert rect.points == [(20, 20), (20, 70), (10, 70), (10, 20)]
    assert (rect.transcription, rect.key_cls) == ("Total: 12,50 €", "Handwriting")
    assert poly.points == [(20, 10), (100, 10), (120, 50), (20, 40), (10, 25)]
    assert (poly.transcription, poly.difficult, poly.extra) == ("two\nlines", True, {"note": "blurry"})
    assert labelled.points == [(0, 0), (100, 0), (100, 50), (0, 50)]
    assert (labelled.transcription, labelled.key_cls) == ("", "Text")
    assert any("'relation'" in w for w in warnings)

    assert (second.path, second.status) == ("img.png", ImageStatus.PRELABELLED)
    assert second.regions[0].score == 0.42
    assert (third.path, third.status, third.regions) == ("scan.jpg", ImageStatus.NEW, [])


def test_export_chooses_rectangle_or_polygon_and_shares_ids():
    rotated = TextRegion([(20, 20), (20, 70), (10, 70), (10, 20)], "rot", key_cls="k", difficult=True)
    results = region_results(rotated, "r1", 200, 100)
    assert [r["type"] for r in results] == ["rectangle", "labels", "textarea"]
    assert {r["id"] for r in results} == {"r1"}
    value = results[0]["value"]
    assert value == pytest.approx({"x": 10, "y": 20, "width": 25, "height": 10, "rotation": 90})
    assert results[0]["meta"] == {"difficult": True}
    assert results[2]["value"]["text"] == ["rot"]

    counter_clockwise = TextRegion([(10, 20), (10, 50), (110, 50), (110, 20)], "ccw")
    assert region_results(counter_clockwise, "r2", 200, 100)[0]["type"] == "polygon"  # keeps its point order
    skewed = TextRegion([(10, 20), (110, 20), (112, 50), (10, 50)], "skew")
    assert region_results(skewed, "r3", 200, 100)[0]["type"] == "polygon"


def test_rotated_rectangle_angles():
    assert rotated_rectangle([(0, 0), (10, 0), (10, 5), (0, 5)]) == (0, 0, 10, 5, 0.0)
    x, y, w, h, rot = rotated_rectangle([(0, 10), (10, 0), (15, 5), (5, 15)])
    assert (x, y, rot) == (0, 10, pytest.approx(315))
    assert (w, h) == (pytest.approx(200**0.5), pytest.approx(50**0.5))
    assert rotated_rectangle([(0, 0), (10, 0), (10, 5)]) is None


def test_export_tasks_and_image_urls(tmp_path):
    records = [
        ImageRecord("a.jpg", 200, 100, ImageStatus.CONFIRMED, [TextRegion([(1, 1), (9, 1), (9, 5), (1, 5)], "a")]),
        ImageRecord("b.jpg", 200, 100, ImageStatus.NEW, []),
    ]
    path = write_labelstudio(records, tmp_path / "tasks.json", image_url_prefix="/data/local-files/?d=imgs/")
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert tasks[0]["data"] == {"ocr": "/data/local-files/?d=imgs/a.jpg"}
    assert tasks[0]["annotations"][0]["result"][0]["original_width"] == 200
    assert tasks[1] == {"data": {"ocr": "/data/local-files/?d=imgs/b.jpg"}}
    back = read_labelstudio(path, image_url_prefix="/data/local-files/?d=imgs/")
    assert [r.path for r in back] == ["a.jpg", "b.jpg"]


def test_path_from_url():
    assert path_from_url("/data/local-files/?d=dataset/sub/x.jpg") == "dataset/sub/x.jpg"
    assert path_from_url("/data/upload/12/0f0f0f0f-My%20Scan.png") == "My Scan.png"
    assert path_from_url("s3://bucket/key/p.tif") == "p.tif"
    assert path_from_url("relative/x.jpg") == "relative/x.jpg"
    assert path_from_url("http://host/static/x.jpg", "http://host/static/") == "x.jpg"


@pytest.mark.parametrize(
    "content, message",
    [
        ('[{"data": ', "invalid JSON"),
        ('"just a string"', "list of Label Studio tasks"),
        ("[1]", "task 0: expected an object"),
        ('[{"annotations": []}]', "no 'data' object"),
        ('[{"data": {"a": "x", "b": "y"}}]', "which 'data' field"),
        (
            '[{"data": {"ocr": "x.jpg"}, "annotations": [{"result": [{"id": "a", "type": "rectangle", '
            '"value": {"x": 1, "y": 1, "width": 1, "height": 1}}]}]}]',
            "original_width/original_height needed",
        ),
        (
            '[{"data": {"ocr": "x.jpg"}, "annotations": [{"result": [{"id": "a", "type": "polygon", '
            '"original_width": 10, "original_height": 10, "value": {"points": [[1, 1], [2, "x"], [3, 3]]}}]}]}]',
            "bad point",
        ),
        (
            '[{"data": {"ocr": "x.jpg"}, "annotations": [{"result": [{"id": "a", "type": "rectangle", '
            '"original_width": 10, "original_height": 10, "value": {"x": "1", "y": 1, "width": 1, "height": 1}}]}]}]',
            "expected a number",
        ),
        ('[{"data": {"ocr": "x.jpg"}, "annotations": [{"result": [{"type": "textarea"}]}]}]', "'value' object"),
    ],
)
def test_malformed_input_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_labelstudio(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_invalid_json_gives_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n{"data": {"ocr": "x.jpg"}},\n{"data": }\n]', encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_labelstudio(path)
    assert info.value.line == 3
