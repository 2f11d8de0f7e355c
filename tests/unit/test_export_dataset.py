"""The whole export on a real PPOCRLabel folder in tmp_path: files, lists, crops, splits, report, CLI."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from labeler.cli import main
from labeler.core.errors import ExportError
from labeler.core.export import ExportOptions, export_dataset, export_project, load_confirmed_records
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.split import SplitRatios

RED, BLUE, GREEN = (0, 0, 255), (255, 0, 0), (0, 255, 0)
BAND_BOX = [[20, 30], [180, 30], [180, 70], [20, 70]]  # where every test image has its red|blue band


def _band(width: int, height: int) -> np.ndarray:
    band = np.zeros((height, width, 3), np.uint8)
    band[:, : width // 2] = RED
    band[:, width // 2 :] = BLUE
    band[: height // 5] = GREEN
    return band


def _page(width: int = 240, height: int = 160) -> np.ndarray:
    """An upright page: the band at BAND_BOX, grey blocks elsewhere for the other regions."""
    page = np.full((height, width, 3), 255, np.uint8)
    (x0, y0), (x1, y1) = BAND_BOX[0], BAND_BOX[2]
    page[y0:y1, x0:x1] = _band(x1 - x0, y1 - y0)
    page[90:110, 20:120] = 90
    return page


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """Insert an EXIF APP1 segment holding only the Orientation tag (after the JFIF APP0 segment)."""
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    payload = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    at = 2
    if jpeg[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:at] + app1 + jpeg[at:]


def _region(text, points, **kw) -> dict:
    return {"transcription": text, "points": points, "difficult": False, **kw}


def make_project(root: Path, n_plain: int = 10) -> Path:
    """data/: a PNG with every kind of region, an EXIF-rotated JPEG, and n_plain simple pages."""
    folder = root / "data"
    folder.mkdir(parents=True)
    lines = []
    cv2.imwrite(str(folder / "mixed.png"), _page())
    mixed = [
        _region("AB", BAND_BOX, key_cls="question", id=1, linking=[[1, 2]]),
        _region("###", [[130, 90], [200, 90], [200, 110], [130, 110]]),
        _region("tab\there", [[20, 90], [120, 90], [120, 110], [20, 110]], key_cls="answer", id=2),
        _region("hard", [[20, 120], [60, 120], [60, 140], [20, 140]], difficult=True),
        _region("", [[70, 120], [100, 120], [100, 140], [70, 140]]),
        _region("x" * 30, [[110, 120], [200, 120], [200, 140], [110, 140]]),
    ]
    lines.append(f"data/mixed.png\t{json.dumps(mixed)}")
    # Stored sideways with orientation 6 ("turn 90 degrees clockwise to display"): displayed, it is _page().
    ok, buf = cv2.imencode(".jpg", np.rot90(_page(), 1).copy(), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    (folder / "exif.jpg").write_bytes(with_exif_orientation(buf.tobytes(), 6))
    lines.append(f"data/exif.jpg\t{json.dumps([_region('AB', BAND_BOX)])}")
    for i in range(n_plain):
        cv2.imwrite(str(folder / f"p{i:02d}.png"), _page())
        regions = [_region("AB", BAND_BOX), _region(f"line {i}", [[20, 90], [120, 90], [120, 110], [20, 110]])]
        lines.append(f"data/p{i:02d}.png\t{json.dumps(regions)}")
    (folder / "Label.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("proj"))


@pytest.fixture(scope="module")
def exported(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("exp") / "out"
    report = export_project(project, out, ExportOptions(seed=0, workers=2))
    return out, report


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").split("\n") if line]


def _det(out: Path, split: str) -> dict[str, list[dict]]:
    return {p: json.loads(j) for p, j in (line.split("\t") for line in _lines(out / "det" / f"{split}.txt"))}


def _rec(out: Path, split: str) -> dict[str, str]:
    return dict(line.split("\t") for line in _lines(out / "rec" / f"{split}.txt"))


def test_layout_counts_and_report(exported):
    out, report = exported
    for rel in (
        "det/train.txt",
        "det/val.txt",
        "det/test.txt",
        "det/det_gt.txt",
        "rec/rec_gt.txt",
        "rec/dict.txt",
        "kie/train.txt",
        "kie/class_list.txt",
        "report.json",
    ):
        assert (out / rel).is_file(), rel
    assert report.images_exported == 12 and not report.skipped_images
    counts = {name: s.images for name, s in report.splits.items()}
    assert counts == {"train": 10, "val": 1, "test": 1}
    # Every path in every list is relative to OUT and exists: data_dir = OUT.
    for kind in ("det", "rec"):
        for line in _lines(out / kind / f"{kind}_gt.txt"):
            assert (out / line.split("\t")[0]).is_file()
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["format"] == "labeler-export/1"
    assert data["totals"]["images"] == 12 and data["totals"]["rec_crops"] == 2 + 1 + 20
    assert data["skipped_counts"] == {"difficult": 1, "dont_care": 1, "empty_text": 1, "too_long": 1}
    assert data["fixed_texts"][0]["text"] == "tab here" and data["fixed_texts"][0]["detail"] == "tab\there"
    assert data["long_texts"][0]["detail"].startswith("dropped")
    assert f"Train.dataset.data_dir={out.resolve().as_posix()}" in data["paddleocr"]["det"]


def test_dont_care_kept_in_det_but_not_in_rec(exported):
    out, _ = exported
    det = {p: regions for split in ("train", "val", "test") for p, regions in _det(out, split).items()}
    mixed = det["images/mixed.png"]
    assert [r["transcription"] for r in mixed] == ["AB", "###", "tab\there", "hard", "", "x" * 30]
    assert set(mixed[0]) == {"transcription", "points"} and mixed[3]["difficult"] is True
    rec = _lines(out / "rec" / "rec_gt.txt")
    mixed_rec = [line for line in rec if line.startswith("rec/crops/mixed_")]
    assert mixed_rec == ["rec/crops/mixed_crop_0.jpg\tAB", "rec/crops/mixed_crop_2.jpg\ttab here"]
    assert not any("###" in line for line in rec)


def test_crops_have_the_right_content_and_orientation(exported):
    out, _ = exported
    for name in ("mixed_crop_0.jpg", "p00_crop_0.jpg", "exif_crop_0.jpg"):
        crop = cv2.imread(str(out / "rec" / "crops" / name))
        assert crop.shape[:2] == (40, 160), name
        body = crop[15:]
        left, right = body[:, :50].reshape(-1, 3).mean(0), body[:, -50:].reshape(-1, 3).mean(0)
        assert left[2] > 180 and left[0] < 80 and right[0] > 180 and right[2] < 80, name
        assert crop[:5].reshape(-1, 3).mean(0)[1] > 150, name  # green on top: not upside down


def test_exif_rotated_jpeg_is_written_upright(exported):
    out, report = exported
    assert report.reencoded_images == 1
    path = str(out / "images" / "exif.jpg")
    # Same frame for readers that apply EXIF (PaddleOCR's default) and those that ignore it.
    assert cv2.imread(path).shape[:2] == (160, 240)
    assert cv2.imread(path, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION).shape[:2] == (160, 240)


def test_images_are_byte_copies(exported, project):
    out, _ = exported
    assert (out / "images" / "p00.png").read_bytes() == (project / "p00.png").read_bytes()


def test_splits_disjoint_and_consistent_across_det_rec_kie(exported):
    out, _ = exported
    seen: dict[str, str] = {}
    for split in ("train", "val", "test"):
        det_images = {Path(p).stem for p in _det(out, split)}
        rec_images = {Path(p).name.rsplit("_crop_", 1)[0] for p in _rec(out, split)}
        kie_images = {Path(line.split("\t")[0]).stem for line in _lines(out / "kie" / f"{split}.txt")}
        assert rec_images <= det_images and kie_images <= det_images
        for stem in det_images:
            assert stem not in seen, f"{stem} in {seen.get(stem)} and {split}"
            seen[stem] = split
    assert len(seen) == 12


def test_same_seed_same_lists_other_seed_other_split(project, exported, tmp_path):
    out, _ = exported
    again = export_project(project, tmp_path / "again", ExportOptions(seed=0, workers=1))
    for rel in ("det/train.txt", "det/val.txt", "rec/test.txt", "kie/train.txt", "rec/dict.txt"):
        assert (out / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel
    assert again.splits["val"].images == 1
    other = export_project(project, tmp_path / "other", ExportOptions(seed=5, workers=1))
    assert (
        _det(tmp_path / "other", "val").keys() != _det(out, "val").keys()
        or _det(tmp_path / "other", "test").keys() != _det(out, "test").keys()
    )
    assert other.totals().images == 12


def test_dictionary_file(exported):
    out, _ = exported
    chars = (out / "rec" / "dict.txt").read_text("utf-8").split("\n")[:-1]
    assert chars == sorted(set("ABtabherline0123456789")), "space is left to use_space_char"
    _, report = exported
    assert report.space_used and report.chars_used == len(chars)


def test_kie_labels(exported):
    out, report = exported
    line = next(
        line
        for sp in ("train", "val", "test")
        for line in _lines(out / "kie" / f"{sp}.txt")
        if line.startswith("images/mixed.png")
    )
    entries = json.loads(line.split("\t")[1])
    assert [e["transcription"] for e in entries] == ["AB", "tab\there", "hard", "", "x" * 30]
    assert entries[0]["label"] == "question" and entries[0]["id"] == 1 and entries[0]["linking"] == [[1, 2]]
    assert entries[1]["label"] == "answer" and entries[1]["linking"] == [[1, 2]]
    assert entries[2]["label"] == "other" and entries[2]["id"] == 3
    assert _lines(out / "kie" / "class_list.txt") == ["OTHER", "answer", "question"]
    assert report.kie_classes == ["OTHER", "answer", "question"]


def test_options_keep_long_png_and_tiny_project(tmp_path):
    folder = make_project(tmp_path, n_plain=0)
    out = tmp_path / "out"
    report = export_project(folder, out, ExportOptions(keep_long=True, crop_format="png", workers=1))
    assert report.splits["train"].images == 2 and report.splits["val"].images == 0  # tiny: all in train
    rec = _lines(out / "rec" / "train.txt")
    assert any(line.endswith("\t" + "x" * 30) for line in rec)
    assert all(line.split("\t")[0].endswith(".png") for line in rec)
    assert report.long_texts[0].detail.startswith("kept")
    assert (out / "det" / "val.txt").read_text() == ""


def test_out_dir_must_be_empty_or_a_previous_export(project, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.docx").write_text("precious")
    with pytest.raises(ExportError, match="not empty"):
        export_project(project, busy)
    with pytest.raises(ExportError, match="image folder"):
        export_project(project, project)
    out = tmp_path / "out"
    export_project(project, out, ExportOptions(workers=1))
    export_project(project, out, ExportOptions(workers=1, seed=3))  # re-export over our own output


def test_loader_reads_filestate_and_survives_bad_lines(tmp_path):
    folder = make_project(tmp_path, n_plain=2)
    with open(folder / "Label.txt", "a", encoding="utf-8") as f:
        f.write("data/broken.png\t[{not json\n")
    cv2.imwrite(str(folder / "checked_empty.png"), _page())
    (folder / "fileState.txt").write_text(f"{folder / 'checked_empty.png'}\t1\ndata/p00.png\t1\n", "utf-8")
    records, errors = load_confirmed_records(folder)
    assert len(errors) == 1 and "Label.txt:5" in errors[0]
    empty = next(r for r in records if r.path == "checked_empty.png")
    assert empty.status == ImageStatus.CONFIRMED and not empty.regions  # checked in fileState, no Label.txt line
    report = export_project(folder, tmp_path / "out", ExportOptions(workers=1))
    assert report.input_errors == errors
    assert [(i.image, i.reason.split(" ")[0]) for i in report.skipped_images] == [("checked_empty.png", "no")]
    assert report.images_exported == 4


def test_unreadable_image_is_reported_and_left_out(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    cv2.imwrite(str(folder / "good.png"), _page())
    (folder / "bad.png").write_bytes(b"not an image")
    region = TextRegion([tuple(p) for p in BAND_BOX], "AB")
    records = [ImageRecord(name, status=ImageStatus.CONFIRMED, regions=[region]) for name in ("good.png", "bad.png")]
    records.append(ImageRecord("unchecked.png", status=ImageStatus.PRELABELLED, regions=[region]))
    report = export_dataset(records, folder, tmp_path / "out", ExportOptions(workers=2, split=SplitRatios(1, 0, 0)))
    assert [i.image for i in report.skipped_images] == ["bad.png"]
    assert _lines(tmp_path / "out" / "det" / "train.txt")[0].startswith("images/good.png\t")
    assert report.images_in == 2  # the unchecked image is not exported without include_unconfirmed


def test_cancel_writes_no_lists(project, tmp_path):
    report = export_project(project, tmp_path / "out", ExportOptions(workers=1), cancel=lambda: True)
    assert report.cancelled
    assert not (tmp_path / "out" / "det" / "train.txt").exists()
    assert json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))["cancelled"] is True
    assert not export_project(project, tmp_path / "out", ExportOptions(workers=1)).cancelled  # OUT is reusable


def test_progress_is_reported(project, tmp_path):
    seen = []
    export_project(project, tmp_path / "out", ExportOptions(workers=2), progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)


def test_cli_export(project, tmp_path, capsys):
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("A\nB\n", encoding="utf-8")
    out = tmp_path / "cli-out"
    rc = main(
        [
            "export",
            str(project),
            "--out",
            str(out),
            "--split",
            "8:1:1",
            "--seed",
            "2",
            "--dict",
            str(dictionary),
            "--workers",
            "1",
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "train" in printed and "dont_care 1" in printed and "missing from" in printed
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["options"]["seed"] == 2
    missing = {m["char"] for m in data["missing_chars"]["missing"]}
    assert missing == set("tabherline0123456789")
    # A non-empty --out that is not an earlier export is a typed error: exit status 2, nothing written.
    assert main(["export", str(project), "--out", str(out.parent)]) == 2
    assert "not empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", str(project), "--out", str(out), "--split", "a:b"])


def test_cli_include_unconfirmed_takes_cache_lines(tmp_path, capsys):
    folder = make_project(tmp_path, n_plain=1)
    cv2.imwrite(str(folder / "auto.png"), _page())
    cache = [_region("AB", BAND_BOX, score=0.9)]
    (folder / "Cache.cach").write_text(f"data/auto.png\t{json.dumps(cache)}\n", encoding="utf-8")
    assert main(["export", str(folder), "--out", str(tmp_path / "a"), "--workers", "1"]) == 0
    assert "auto" not in (tmp_path / "a" / "det" / "det_gt.txt").read_text("utf-8")
    assert main(["export", str(folder), "--out", str(tmp_path / "b"), "--workers", "1", "--include-unconfirmed"]) == 0
    assert "images/auto.png\t" in (tmp_path / "b" / "det" / "det_gt.txt").read_text("utf-8")
    capsys.readouterr()
