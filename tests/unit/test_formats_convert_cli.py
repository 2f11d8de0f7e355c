"""`labeler convert` through labeler.cli.main: a chain through every format, sizes from images, errors."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from labeler.cli import main
from labeler.core.formats import read_records
from labeler.core.model import TextRegion
from labeler.core.ppocrlabel_format import format_label_line

REGIONS = {
    "a.jpg": [
        TextRegion([(10, 10), (60, 10), (60, 30), (10, 30)], 'Total, 12 € <ok> & "x"'),
        TextRegion([(5, 40), (70, 42), (68, 60), (4, 58)], "مرحبا 😀"),
    ],
    "b.png": [TextRegion([(1, 1), (20, 1), (20, 8), (1, 8)], "###", difficult=False)],
}


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.jpg"), np.full((64, 80, 3), 255, np.uint8))
    cv2.imwrite(str(folder / "b.png"), np.full((10, 24, 3), 255, np.uint8))
    lines = [format_label_line(f"imgs/{name}", regions) + "\n" for name, regions in REGIONS.items()]
    (folder / "Label.txt").write_text("".join(lines), encoding="utf-8")
    return folder


def test_chain_through_every_format(project, tmp_path, capsys):
    steps = [
        ("ppocrlabel", project / "Label.txt", "page", tmp_path / "page"),
        ("page", tmp_path / "page", "labelme", tmp_path / "labelme"),
        ("labelme", tmp_path / "labelme", "labelstudio", tmp_path / "ls" / "tasks.json"),
        ("labelstudio", tmp_path / "ls" / "tasks.json", "icdar2015", tmp_path / "icdar"),
        ("icdar2015", tmp_path / "icdar", "ppocrlabel", tmp_path / "back" / "imgs" / "Label.txt"),
    ]
    for src_fmt, src, dst_fmt, dst in steps:
        extra = ["--images", str(project)] if src_fmt == "icdar2015" else []
        rc = main(["convert", "--from", src_fmt, "--to", dst_fmt, str(src), str(dst), *extra])
        out = capsys.readouterr()
        assert rc == 0, out.err
        assert "converted 2 image(s), 3 region(s)" in out.out

    page = (tmp_path / "page" / "a.xml").read_text(encoding="utf-8")
    assert 'imageWidth="80" imageHeight="64"' in page  # read from the image next to Label.txt
    back = read_records("ppocrlabel", tmp_path / "back" / "imgs" / "Label.txt")
    assert [r.path for r in back] == ["a.jpg", "b.png"]
    for rec in back:
        for got, want in zip(rec.regions, REGIONS[rec.path]):
            assert got.points == want.points
            assert got.transcription == want.transcription
            assert got.difficult == want.difficult
    assert (tmp_path / "back" / "imgs" / "Label.txt").read_text(encoding="utf-8").startswith("imgs/a.jpg\t")


def test_alto_export_and_folder_as_ppocrlabel_input(project, tmp_path, capsys):
    assert main(["convert", "--from", "ppocrlabel", "--to", "alto", str(project), str(tmp_path / "alto")]) == 0
    assert sorted(p.name for p in (tmp_path / "alto").iterdir()) == ["a.xml", "b.xml"]
    alto = (tmp_path / "alto" / "a.xml").read_text(encoding="utf-8")
    assert 'CONTENT="Total, 12 € &lt;ok&gt; &amp; &quot;x&quot;"' in alto


def test_alto_converts_back(project, tmp_path, capsys):
    assert main(["convert", "--from", "ppocrlabel", "--to", "alto", str(project), str(tmp_path / "alto")]) == 0
    assert (
        main(
            ["convert", "--from", "alto", "--to", "ppocrlabel", str(tmp_path / "alto"), str(tmp_path / "back" / "imgs")]
        )
        == 0
    )
    back = read_records("ppocrlabel", tmp_path / "back" / "imgs")
    assert [[r.transcription for r in rec.regions] for rec in back] == [
        [r.transcription for r in regions] for regions in REGIONS.values()
    ]


def test_unknown_format_and_missing_input(tmp_path, capsys):
    assert main(["convert", "--from", "yolo", "--to", "page", str(tmp_path), str(tmp_path / "o")]) == 2
    assert "unknown format 'yolo'" in capsys.readouterr().err
    missing = tmp_path / "nope" / "Label.txt"
    assert main(["convert", "--from", "ppocrlabel", "--to", "page", str(missing), str(tmp_path / "o")]) == 2
    assert str(missing) in capsys.readouterr().err


def test_malformed_input_names_file_and_line(project, tmp_path, capsys):
    label = project / "Label.txt"
    label.write_text(label.read_text(encoding="utf-8") + 'imgs/c.jpg\t[{"points": oops}]\n', encoding="utf-8")
    # A malformed input is a failure (1), not a usage error (2): issue 12, item 7.
    assert main(["convert", "--from", "ppocrlabel", "--to", "labelme", str(label), str(tmp_path / "o")]) == 1
    assert f"{label}:3:" in capsys.readouterr().err


def test_warnings_are_reported(tmp_path, capsys):
    folder = tmp_path / "lm"
    folder.mkdir()
    shape = {"label": "curve", "shape_type": "polygon", "points": [[0, 0], [5, 1], [10, 0], [10, 5], [5, 6], [0, 5]]}
    (folder / "x.json").write_text(json.dumps({"shapes": [shape], "imagePath": "x.jpg"}), encoding="utf-8")
    assert main(["convert", "--from", "labelme", "--to", "icdar2015", str(folder), str(tmp_path / "gt")]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "minimum-area rectangle" in err


def test_icdar_style_official_and_its_usage_errors(project, tmp_path, capsys):
    out = tmp_path / "gt"
    assert (
        main(
            [
                "convert",
                "--from",
                "ppocrlabel",
                "--to",
                "icdar2015",
                str(project),
                str(out),
                "--icdar-style",
                "official",
            ]
        )
        == 0
    )
    data = (out / "gt_a.txt").read_bytes()
    assert (
        data.startswith(b"\xef\xbb\xbf10,10,60,10,60,30,10,30,")
        and data.endswith(b"\r\n")
        and b"\n" not in data.replace(b"\r\n", b"")
    )
    capsys.readouterr()
    assert (
        main(
            [
                "convert",
                "--from",
                "ppocrlabel",
                "--to",
                "page",
                str(project),
                str(tmp_path / "p"),
                "--icdar-style",
                "official",
            ]
        )
        == 2
    )
    assert "--icdar-style is for --to icdar2015" in capsys.readouterr().err
    assert (
        main(
            [
                "convert",
                "--from",
                "ppocrlabel",
                "--to",
                "icdar2015",
                str(project),
                str(tmp_path / "q"),
                "--icdar-style",
                "crlf",
            ]
        )
        == 2
    )
    assert "--icdar-style crlf: one of plain, official" in capsys.readouterr().err
    assert not (tmp_path / "p").exists() and not (tmp_path / "q").exists()
