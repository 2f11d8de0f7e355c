"""labeler's ICDAR 2015 files pass the checks of the official RRC validator (rrc_evaluation_funcs.py).

`OfficialReader` below is our own implementation of what that script does to a ground-truth file of the
ICDAR 2015 localisation task (LTRB off, transcriptions on, no confidences), written from its rules:
- the bytes are decoded as UTF-8 and one leading BOM is dropped;
- lines are split on CRLF when the task's CRLF parameter is on, else on LF, and every CR and LF left in
  a line is removed; empty lines are skipped;
- a line must match `^\\s*(-?[0-9]+)\\s*,` eight times and then `(.*)$` (the transcription);
- the 4 points, as integers, must not be counter-clockwise on screen: the sum over the edges of
  (x2 - x1) * (y2 + y1) must not be positive ("Points are not clockwise");
- a transcription matching `^\\s*"(.*)"\\s*$` is replaced by the inside of the quotes, in which \\\\
  becomes \\ and then \\" becomes ".
The ICDAR 2015 task runs with CRLF off; the official files are CRLF with a BOM, so files written in the
"official" style are checked both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from labeler.core.formats import convert, read_records, write_records
from labeler.core.formats.icdar2015 import BOM, clockwise, read_icdar_file, shoelace_sum
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

_LINE = re.compile(r"^" + r"\s*(-?[0-9]+)\s*," * 8 + r"(.*)$")
_QUOTED = re.compile(r'^\s*"(.*)"\s*$')


class NotValid(Exception):
    pass


@dataclass
class OfficialLine:
    points: list[tuple[int, int]]
    transcription: str


def official_read(data: bytes, crlf: bool = False) -> list[OfficialLine]:
    """The lines the official script reads from a gt file, or NotValid with its reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotValid(f"not UTF-8: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    found = []
    for raw in text.split("\r\n" if crlf else "\n"):
        line = raw.replace("\r", "").replace("\n", "")
        if not line:
            continue
        m = _LINE.match(line)
        if m is None:
            raise NotValid(f"format incorrect: {line!r}")
        values = [int(m.group(i)) for i in range(1, 9)]
        quad = [(values[i], values[i + 1]) for i in range(0, 8, 2)]
        edges = sum((quad[(i + 1) % 4][0] - x) * (quad[(i + 1) % 4][1] + y) for i, (x, y) in enumerate(quad))
        if edges > 0:
            raise NotValid(f"points are not clockwise: {line!r}")
        found.append(OfficialLine(quad, _official_text(m.group(9))))
    return found


def _official_text(field: str) -> str:
    m = _QUOTED.match(field)
    return field if m is None else m.group(1).replace("\\\\", "\\").replace('\\"', '"')


def _expected_text(region: TextRegion) -> str:
    return "###" if region.difficult else region.transcription.replace("\r\n", " ").replace("\n", " ")


def test_the_reader_has_teeth():
    with pytest.raises(NotValid, match="not clockwise"):
        official_read(b"0,0,0,10,10,10,10,0,ccw\n")
    with pytest.raises(NotValid, match="format incorrect"):
        official_read(b"0.5,0,10,0,10,10,0,10,floats\n")
    assert official_read(b'0,0,10,0,10,10,0,10,"quoted"\n')[0].transcription == "quoted"
    # an LF file read with CRLF on is one long line, the second box swallowed by the first one's text
    (merged,) = official_read(b"0,0,10,0,10,10,0,10,a\n0,0,10,0,10,10,0,10,b\n", crlf=True)
    assert merged.transcription == "a0,0,10,0,10,10,0,10,b"


SYNTHETIC = [
    TextRegion([(10, 10), (10, 40), (100, 40), (100, 10)], "counter-clockwise"),
    TextRegion([(100, 40), (10, 40), (10, 10), (100, 10)], "from the bottom right"),
    TextRegion([(0, 10), (10, 0), (110, 100), (100, 110)], '"Hello"'),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], ' "spaced" '),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], 'a,b,"c",d'),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], '"back\\slash \\" quote"'),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], '"'),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], '""'),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], '"###"'),  # a quoted ###, not the don't-care mark
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], "secret", difficult=True),
    TextRegion([(5.4, 5.6), (50, 5), (50.5, 20), (5, 20)], "two\nlines"),
    TextRegion([(0, 0), (30, 5), (60, 0), (60, 20), (30, 25), (0, 20)], "six points"),
    TextRegion([(5, 5), (50, 5), (50, 20), (5, 20)], ""),
]


@pytest.mark.parametrize("style", ["plain", "official"])
def test_synthetic_counter_clockwise_and_quoted_inputs_pass_and_read_back(tmp_path, style):
    record = ImageRecord("img_1.jpg", 200, 200, ImageStatus.CONFIRMED, SYNTHETIC)
    (path,) = write_records("icdar2015", [record], tmp_path / "gt", icdar_style=style).written
    data = path.read_bytes()
    assert data.startswith(BOM) == (style == "official")
    modes = [False, True] if style == "official" else [False]
    for crlf in modes:
        lines = official_read(data, crlf=crlf)
        assert [line.transcription for line in lines] == [_expected_text(r) for r in SYNTHETIC]
    ours = read_icdar_file(path)
    assert [r.transcription for r in ours] == [_expected_text(r) for r in SYNTHETIC]
    # same corners, the first one kept: a counter-clockwise quad is only walked the other way
    assert ours[0].points == [(10, 10), (100, 10), (100, 40), (10, 40)]
    assert ours[1].points == [(100, 40), (10, 40), (10, 10), (100, 10)]
    assert all(shoelace_sum(r.points) <= 0 for r in ours)
    assert clockwise(ours[0].points) == ours[0].points


def test_official_style_is_bom_and_crlf(tmp_path):
    record = ImageRecord("img_1.jpg", 200, 200, ImageStatus.CONFIRMED, SYNTHETIC[:2])
    (path,) = write_records("icdar2015", [record], tmp_path, icdar_style="official").written
    assert path.read_bytes() == BOM + b"10,10,100,10,100,40,10,40,counter-clockwise\r\n" + (
        b"100,40,10,40,10,10,100,10,from the bottom right\r\n"
    )


@pytest.mark.shared
@pytest.mark.parametrize("style", ["plain", "official"])
def test_every_exported_file_of_the_eval_set_passes(shared_eval: Path, tmp_path, style):
    public = shared_eval / "public"
    records = read_records("ppocrlabel", public, image_dir=public)
    out = tmp_path / "gt"
    convert("ppocrlabel", "icdar2015", public, out, image_dir=public, icdar_style=style)
    files = sorted(out.glob("gt_*.txt"))
    assert len(files) == len(records) == 30
    passed = lines = 0
    by_name = {f"gt_{Path(r.path).stem}.txt": r for r in records}
    for path in files:
        expected = [_expected_text(r) for r in by_name[path.name].regions]
        for crlf in [False, True] if style == "official" else [False]:
            read = official_read(path.read_bytes(), crlf=crlf)
            assert [line.transcription for line in read] == expected, path.name
        assert [r.transcription for r in read_icdar_file(path)] == expected  # and labeler reads them back
        passed += 1
        lines += len(expected)
    assert (passed, lines) == (30, 1313)
