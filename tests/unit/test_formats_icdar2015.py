"""ICDAR 2015 txt: commas in text, BOM, don't-care, min-area rectangles, image names, typed errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats.icdar2015 import format_icdar_line, parse_icdar_line, read_icdar2015, write_icdar2015
from labeler.core.model import ImageRecord, TextRegion
from labeler.core.polygon import fraction_inside


def test_parse_line_with_commas_and_dont_care():
    region = parse_icdar_line("377,117,463,117,465,130,378,130,Genaxis, Theatre,,")
    assert region.points == [(377, 117), (463, 117), (465, 130), (378, 130)]
    assert region.transcription == "Genaxis, Theatre,,"
    dont_care = parse_icdar_line("1,2,3,4,5,6,7,8,###")
    assert dont_care.transcription == "###" and dont_care.is_dont_care and not dont_care.difficult
    assert parse_icdar_line("1.5,2,3,4,5,6,7,8").points[0] == (1.5, 2)


def test_read_bom_crlf_and_blank_lines(tmp_path):
    gt = tmp_path / "gt" / "gt_img_1.txt"
    gt.parent.mkdir()
    gt.write_bytes("\ufeff1,1,10,1,10,5,1,5,Ünïcödé, 😀\r\n\r\n2,2,20,2,20,8,2,8,###\r\n".encode("utf-8"))
    (rec,) = read_icdar2015(tmp_path / "gt")
    assert rec.path == "img_1.jpg"  # no image found: ICDAR 2015's .jpg
    assert [r.transcription for r in rec.regions] == ["Ünïcödé, 😀", "###"]


def test_image_name_and_size_come_from_the_image_folder(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    cv2.imwrite(str(images / "img_7.png"), np.zeros((23, 37, 3), np.uint8))
    (tmp_path / "gt").mkdir()
    (tmp_path / "gt" / "gt_img_7.txt").write_text("1,1,10,1,10,5,1,5,x\n", encoding="utf-8")
    (rec,) = read_icdar2015(tmp_path / "gt", image_dir=images)
    assert (rec.path, rec.width, rec.height) == ("img_7.png", 37, 23)


def test_export_rules(tmp_path):
    curved = TextRegion([(0, 10), (30, 0), (60, 0), (90, 10), (90, 30), (60, 20), (30, 20), (0, 30)], "curve")
    warnings: list[str] = []
    line = format_icdar_line(curved, warnings, "img region 1")
    values = [int(v) for v in line.split(",")[:8]]
    quad = [(values[i], values[i + 1]) for i in range(0, 8, 2)]
    assert line.endswith(",curve") and "minimum-area rectangle" in warnings[0]
    assert fraction_inside(curved.points, quad) > 0.98  # the rectangle encloses the curve
    assert quad[0] == min(quad, key=lambda p: p[0] + p[1])  # clockwise from the top-left

    square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    assert format_icdar_line(TextRegion(square, "secret", difficult=True)) == "0,0,1,0,1,1,0,1,###"
    assert format_icdar_line(TextRegion([(0.4, 0.6), *square[1:]], "a\nb"), warnings).startswith("0,1,1,0,")
    assert "line break" in warnings[-1]

    write_icdar2015([ImageRecord("sub/x.jpg", regions=[TextRegion(square, "a\nb")])], tmp_path)
    assert (tmp_path / "sub" / "gt_x.txt").read_text(encoding="utf-8") == "0,0,1,0,1,1,0,1,a b\n"


@pytest.mark.parametrize(
    "content, line, message",
    [
        (b"1,2,3,4,5,6,7,8,ok\n1,2,3,oops\n", 2, "expected 8 coordinates"),
        (b"1,2,3,4,5,6,7,8,ok\n\n1,2,3,4,five,6,7,8,t\n", 3, "coordinates must be numbers"),
        (b"1,2,3,4,5,6,7,nan,t\n", 1, "coordinates must be numbers"),
        (b"1,2,3,4,5,6,7,8,ok\n1,2,3,4,5,6,7,8,\xff\xfe\n", 2, "not UTF-8"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "gt_bad.txt"
    path.write_bytes(content)
    with pytest.raises(InterchangeFormatError) as info:
        read_icdar2015(tmp_path)
    assert info.value.line == line and message in info.value.reason and str(path) in str(info.value)


def test_input_must_be_a_folder_or_file(tmp_path):
    with pytest.raises(InterchangeFormatError, match="must be a folder"):
        read_icdar2015(tmp_path / "missing")
