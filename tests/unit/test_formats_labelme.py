"""labelme JSON: label = text, flags/group_id/extra keys, rectangles, unknown keys kept, typed errors."""

from __future__ import annotations

import json

import pytest

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats.labelme import read_labelme, read_labelme_file, write_labelme
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

LABELME_FILE = {
    "version": "5.4.1",
    "flags": {},
    "shapes": [
        {
            "label": "رقم ١٢٣, 😀",
            "points": [[120.5, 80.0], [20.0, 10.25]],  # rectangle corners in either order
            "group_id": 4,
            "description": "checked twice",
            "shape_type": "rectangle",
            "flags": {"difficult": True, "blurred": False},
            "mask": None,
            "attributes": {"colour": "red"},
        },
        {
            "label": "poly",
            "points": [[0, 0], [10, 0], [12, 5], [10, 10], [0, 10]],
            "group_id": None,
            "shape_type": "polygon",
            "flags": {},
        },
        {"label": "c", "points": [[5, 5], [8, 8]], "shape_type": "circle", "flags": {}},
        {"label": "l", "points": [[5, 5], [8, 8]], "shape_type": "line", "flags": {}},
    ],
    "imagePath": "..\\images\\receipt.jpg",
    "imageData": None,
    "imageHeight": 300,
    "imageWidth": 400,
}


def test_import_labelme_file(tmp_path):
    folder = tmp_path / "ann" / "shop"
    folder.mkdir(parents=True)
    (folder / "receipt.json").write_text(json.dumps(LABELME_FILE), encoding="utf-8")
    warnings: list[str] = []
    (rec,) = read_labelme(tmp_path / "ann", warnings=warnings)
    assert (rec.path, rec.width, rec.height, rec.status) == ("images/receipt.jpg", 400, 300, ImageStatus.CONFIRMED)
    rect, poly = rec.regions
    assert rect.points == [(20, 10.25), (120.5, 10.25), (120.5, 80), (20, 80)]
    assert (rect.transcription, rect.difficult, rect.id) == ("رقم ١٢٣, 😀", True, 4)
    assert rect.extra == {"flags": {"blurred": False}, "description": "checked twice", "attributes": {"colour": "red"}}
    assert (poly.transcription, poly.difficult, poly.id, poly.extra) == ("poly", False, None, {})
    assert len(poly.points) == 5
    assert sum("skipped" in w for w in warnings) == 2


def test_unknown_keys_flags_and_description_are_written_back(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "receipt.json").write_text(json.dumps({**LABELME_FILE, "imagePath": "receipt.jpg"}), encoding="utf-8")
    records = read_labelme(src)
    write_labelme(records, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "receipt.json").read_text(encoding="utf-8"))
    shape = data["shapes"][0]
    assert shape["shape_type"] == "rectangle" and shape["points"] == [[20, 10.25], [120.5, 80]]
    assert shape["flags"] == {"blurred": False, "difficult": True}
    assert (shape["description"], shape["attributes"], shape["group_id"]) == ("checked twice", {"colour": "red"}, 4)
    assert (data["imagePath"], data["imageWidth"], data["imageHeight"]) == ("receipt.jpg", 400, 300)
    assert data["imageData"] is None


def test_kie_fields_travel_as_extra_shape_keys(tmp_path):
    region = TextRegion(
        [(1, 1), (9, 2), (9, 6), (1, 5)], "Name:", key_cls="question", id=1, linking=[[1, 2]], score=0.5, locked=True
    )
    write_labelme([ImageRecord("sub/a.png", 20, 10, ImageStatus.CONFIRMED, [region])], tmp_path)
    data = json.loads((tmp_path / "sub" / "a.json").read_text(encoding="utf-8"))
    shape = data["shapes"][0]
    assert (shape["label"], shape["shape_type"], shape["group_id"]) == ("Name:", "polygon", 1)
    assert (shape["key_cls"], shape["linking"], shape["score"], shape["locked"]) == ("question", [[1, 2]], 0.5, True)
    assert data["imagePath"] == "a.png"
    (back,) = read_labelme(tmp_path)
    assert back.path == "sub/a.png" and back.regions[0] == region


@pytest.mark.parametrize(
    "data, message",
    [
        ({"imagePath": "a.jpg"}, "not a labelme file"),
        ({"shapes": []}, "'imagePath'"),
        ({"shapes": [], "imagePath": "a.jpg", "imageWidth": -1}, "'imageWidth'"),
        ({"shapes": ["x"], "imagePath": "a.jpg"}, "shapes[0]: expected an object"),
        (
            {"shapes": [{"label": "t", "points": [[0, 0], [1, 1]], "shape_type": "polygon"}], "imagePath": "a.jpg"},
            "shapes[0] polygon: needs a list of at least 3",
        ),
        ({"shapes": [{"label": 5, "points": [[0, 0], [1, 1], [2, 2]]}], "imagePath": "a.jpg"}, "'label'"),
        ({"shapes": [{"label": "t", "points": [[0, 0], [1, None], [2, 2]]}], "imagePath": "a.jpg"}, "bad point"),
        (
            {"shapes": [{"label": "t", "points": [[0, 0], [1, 1], [2, 2]], "group_id": "x"}], "imagePath": "a.jpg"},
            "'group_id'",
        ),
    ],
)
def test_malformed_files_name_file_and_field(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_labelme_file(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "shapes": [,\n}', encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_labelme(tmp_path)
    assert info.value.line == 2 and str(path) in str(info.value)
