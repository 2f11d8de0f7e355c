"""Confirmed vs pre-labelled through the formats: Label Studio annotations vs predictions (and its
id-only predictions), PPOCRLabel Label.txt vs Cache.cach, and formats that cannot say so."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats import convert, read_records, write_records
from labeler.core.formats.labelstudio import MODEL_VERSION, read_labelstudio, write_labelstudio
from labeler.core.formats.ppocrlabel import read_ppocrlabel, write_ppocrlabel
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.project import open_project


def _box(x: int, text: str, score: float | None = None) -> TextRegion:
    return TextRegion([(x, 10), (x + 50, 10), (x + 50, 30), (x, 30)], text, score=score)


def _records() -> list[ImageRecord]:
    return [
        ImageRecord("checked.png", 200, 100, ImageStatus.CONFIRMED, [_box(10, "checked")]),
        ImageRecord("ocr.png", 200, 100, ImageStatus.PRELABELLED, [_box(10, "ocr a", 0.5), _box(80, "ocr b", 0.9)]),
        ImageRecord("untouched.png", 200, 100, ImageStatus.NEW, []),
    ]


def test_label_studio_export_annotations_and_predictions(tmp_path):
    path = write_labelstudio(_records(), tmp_path / "tasks.json")
    checked, ocr, untouched = json.loads(path.read_text(encoding="utf-8"))
    assert "predictions" not in checked and checked["annotations"][0]["was_cancelled"] is False
    assert "annotations" not in ocr
    (prediction,) = ocr["predictions"]
    assert prediction["model_version"] == MODEL_VERSION and prediction["score"] == pytest.approx(0.7)
    assert set(untouched) == {"data"}
    back = read_labelstudio(path)
    assert [r.status for r in back] == [ImageStatus.CONFIRMED, ImageStatus.PRELABELLED, ImageStatus.NEW]
    assert [r.transcription for r in back[1].regions] == ["ocr a", "ocr b"]


def _id_only_export(tmp_path, with_annotation: bool):
    full = write_labelstudio(_records(), tmp_path / f"full{int(with_annotation)}.json")
    tasks = json.loads(full.read_text(encoding="utf-8"))
    tasks[1]["predictions"] = [41]  # what Label Studio's quick JSON export gives
    if not with_annotation:
        tasks = [tasks[1]]
    path = tmp_path / f"quick{int(with_annotation)}.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_predictions_listed_by_id_are_reported_naming_the_image_and_the_option(tmp_path):
    warnings: list[str] = []
    records = read_labelstudio(_id_only_export(tmp_path, True), warnings=warnings)
    assert records[1].regions == [] and records[1].status == ImageStatus.NEW
    assert any("ocr.png" in w and "by id only" in w for w in warnings)
    assert any('"only_id": false' in w and "/exports" in w for w in warnings)
    with pytest.raises(InterchangeFormatError) as info:  # nothing at all to read: an error, not an empty result
        read_labelstudio(_id_only_export(tmp_path, False))
    assert "ocr.png" in str(info.value) and "only_id" in str(info.value)


def test_convert_to_ppocrlabel_keeps_predictions_out_of_label_txt(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("checked.png", "ocr.png", "untouched.png"):
        cv2.imwrite(str(folder / name), np.zeros((100, 200, 3), np.uint8))
    tasks = write_labelstudio(_records(), tmp_path / "tasks.json")
    convert("labelstudio", "ppocrlabel", tasks, folder)
    assert (folder / "Label.txt").read_text(encoding="utf-8").startswith("imgs/checked.png\t")
    assert "ocr.png" not in (folder / "Label.txt").read_text(encoding="utf-8")
    assert (folder / "fileState.txt").read_text(encoding="utf-8") == "imgs/checked.png\t1\n"
    assert (folder / "Cache.cach").read_text(encoding="utf-8").startswith("imgs/ocr.png\t")
    # labeler's own project loader (PPOCRLabel's rules) sees the same statuses
    by_path = {rec.path: rec.status for rec in open_project(folder).records}
    assert by_path == {
        "checked.png": ImageStatus.CONFIRMED,
        "ocr.png": ImageStatus.PRELABELLED,
        "untouched.png": ImageStatus.NEW,
    }
    # and back: the conversion format reads Cache.cach as pre-labels, and back to Label Studio as predictions
    back = read_ppocrlabel(folder)
    assert {r.path: r.status for r in back} == {
        "checked.png": ImageStatus.CONFIRMED,
        "ocr.png": ImageStatus.PRELABELLED,
    }
    convert("ppocrlabel", "labelstudio", folder, tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert ["annotations" in t for t in again] == [True, False] and "predictions" in again[1]


def test_label_txt_wins_over_cache_and_a_cache_alone_is_pre_labels(tmp_path):
    folder = tmp_path / "imgs"
    write_ppocrlabel(_records(), folder)
    cache = folder / "Cache.cach"
    cache.write_text(
        cache.read_text(encoding="utf-8") + 'imgs/checked.png\t[{"transcription": "old ocr", '
        '"points": [[0, 0], [5, 0], [5, 5], [0, 5]], "difficult": false}]\n',
        encoding="utf-8",
    )
    back = {r.path: r for r in read_ppocrlabel(folder)}
    assert back["checked.png"].regions[0].transcription == "checked"
    (folder / "Label.txt").unlink()
    (folder / "fileState.txt").unlink()
    only = read_records("ppocrlabel", folder)
    assert {r.path: r.status for r in only} == {
        "ocr.png": ImageStatus.PRELABELLED,
        "checked.png": ImageStatus.PRELABELLED,
    }


@pytest.mark.parametrize("fmt, target", [("labelme", "lm"), ("icdar2015", "gt"), ("alto", "alto")])
def test_formats_without_status_report_unconfirmed_images(tmp_path, fmt, target):
    warnings: list[str] = []
    write_records(fmt, _records(), tmp_path / target, warnings=warnings)
    assert any("1 image(s) not confirmed (ocr.png)" in w for w in warnings)


@pytest.mark.parametrize("fmt, target", [("page", "page"), ("labelstudio", "t.json"), ("ppocrlabel", "imgs")])
def test_formats_with_status_keep_it(tmp_path, fmt, target):
    warnings: list[str] = []
    write_records(fmt, _records(), tmp_path / target, warnings=warnings)
    assert not any("not confirmed" in w for w in warnings)
    back = {r.path: r.status for r in read_records(fmt, tmp_path / target)}
    assert back["checked.png"] == ImageStatus.CONFIRMED and back["ocr.png"] == ImageStatus.PRELABELLED


def test_convert_leaves_pre_labels_out_of_formats_without_status(tmp_path):
    tasks = write_labelstudio(_records(), tmp_path / "tasks.json")
    result = convert("labelstudio", "labelme", tasks, tmp_path / "lm")
    assert sorted(p.name for p in (tmp_path / "lm").iterdir()) == ["checked.json", "untouched.json"]
    assert any(
        "1 pre-labelled image(s) left out (ocr.png)" in w and "--include-unconfirmed" in w for w in result.warnings
    )
    result = convert("labelstudio", "labelme", tasks, tmp_path / "lm2", include_unconfirmed=True)
    assert (tmp_path / "lm2" / "ocr.json").is_file()
    assert any("not confirmed (ocr.png)" in w for w in result.warnings)  # written, and said so


def test_images_the_label_studio_export_leaves_out_are_named(tmp_path):
    """Label Studio's default export has no task nobody annotated: the images of the folder it lacks are reported."""
    import json

    from labeler.core.formats.labelstudio import read_labelstudio
    from tests.conftest import render_lines, write_image

    for name in ("a.png", "b.png", "c.png"):
        write_image(tmp_path / "images" / name, render_lines(["x"], size=(200, 100)))
    task = {
        "data": {"ocr": "/data/upload/1/a.png"},
        "annotations": [{"result": [{"id": "r1", "type": "rectangle", "from_name": "bbox", "to_name": "image",
                                     "original_width": 200, "original_height": 100,
                                     "value": {"x": 10, "y": 10, "width": 50, "height": 20, "rotation": 0}}]}],
    }  # fmt: skip
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task]), encoding="utf-8")
    warnings: list[str] = []
    records = read_labelstudio(export, image_dir=tmp_path / "images", warnings=warnings)
    assert [r.path for r in records] == ["a.png"]
    left = [w for w in warnings if "not in this export" in w]
    assert len(left) == 1 and "2 image(s)" in left[0] and "b.png, c.png" in left[0]
    assert "download_all_tasks" in left[0]
