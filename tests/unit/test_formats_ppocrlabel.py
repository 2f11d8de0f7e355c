"""PPOCRLabel's Label.txt as a conversion format: keys, folders, sizes, strictness."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from labeler.core.errors import LabelFormatError
from labeler.core.formats.ppocrlabel import read_ppocrlabel, record_path_from_key, write_ppocrlabel
from labeler.core.model import ImageRecord, ImageStatus, TextRegion


@pytest.mark.parametrize(
    "key, path",
    [
        ("imgs/a.jpg", "a.jpg"),
        ("imgs/sub/a.jpg", "sub/a.jpg"),
        ("imgs\\a.jpg", "a.jpg"),
        ("C:\\data\\imgs\\a.jpg", "a.jpg"),
        ("/home/u/imgs/a.jpg", "a.jpg"),
        ("a.jpg", "a.jpg"),
    ],
)
def test_record_path_from_key(key, path):
    assert record_path_from_key(key) == path


def test_keys_use_the_label_folder_and_a_renamed_folder_still_reads(tmp_path):
    folder = tmp_path / "batch1"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((12, 34, 3), np.uint8))
    region = TextRegion([(1, 1), (9, 1), (9, 5), (1, 5)], "true")
    records = [
        ImageRecord("a.png", status=ImageStatus.CONFIRMED, regions=[region]),
        ImageRecord("empty.png", status=ImageStatus.CONFIRMED),  # PPOCRLabel lists only images with boxes
    ]
    warnings: list[str] = []
    written = write_ppocrlabel(records, folder, warnings=warnings)  # a folder means its Label.txt
    assert written == folder / "Label.txt"
    assert written.read_text(encoding="utf-8").startswith("batch1/a.png\t[")
    renamed = folder.rename(tmp_path / "moved")
    (rec,) = read_ppocrlabel(renamed)
    assert (rec.path, rec.width, rec.height, rec.status) == ("a.png", 34, 12, ImageStatus.CONFIRMED)
    assert rec.regions == [region]


def test_first_bad_line_stops_the_conversion(tmp_path):
    label = tmp_path / "Label.txt"
    label.write_text('imgs/a.jpg\t[]\nimgs/b.jpg\t[{"points": [[1, 2]], "transcription": "x"}]\n', encoding="utf-8")
    with pytest.raises(LabelFormatError) as info:
        read_ppocrlabel(label)
    assert info.value.line == 2 and str(label) in str(info.value)
