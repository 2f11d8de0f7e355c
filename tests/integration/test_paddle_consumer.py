"""The real consumer: our det and rec exports read by PaddleOCR's own data pipeline.

ppocr comes from the `paddleocr==2.10.0` wheel (ppocr/data: SimpleDataSet, DecodeImage,
DetLabelEncode, CTCLabelEncode, KeepKeys) on CPU paddlepaddle. Skipped where it is not installed:

    python -m venv /tmp/paddle-venv && /tmp/paddle-venv/bin/pip install paddlepaddle paddleocr==2.10.0 pytest
    PYTHONPATH=. /tmp/paddle-venv/bin/python -m pytest -m paddle tests/integration/test_paddle_consumer.py

Every line of every list must decode to the same image (SimpleDataSet silently swaps in another sample
when one fails, so the path is checked), with the right boxes, don't-care tags and text.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from labeler.core.export import ExportOptions, export_dataset
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.split import SplitRatios

pytestmark = pytest.mark.paddle
REPO = Path(__file__).resolve().parents[2]


def _ppocr():
    """Import ppocr from the paddleocr wheel (which keeps it as a top-level package beside itself)."""
    spec = importlib.util.find_spec("paddleocr")
    if spec is None or spec.origin is None:
        pytest.skip("paddleocr is not installed")
    folder = os.path.dirname(spec.origin)
    if folder not in sys.path:
        sys.path.append(folder)
    try:
        from ppocr.data.simple_dataset import SimpleDataSet
        from ppocr.utils.logging import get_logger
    except ImportError as exc:
        pytest.skip(f"ppocr cannot be imported: {exc}")
    return SimpleDataSet, get_logger()


def _exif(jpeg: bytes, orientation: int) -> bytes:
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    payload = b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def _project(folder: Path) -> list[ImageRecord]:
    """Pages with straight, tilted, curved, vertical, don't-care, tabbed and non-ASCII regions."""
    rng = np.random.default_rng(0)
    records = []
    for i in range(12):
        page = rng.integers(180, 255, (240, 360, 3), dtype=np.uint8)
        cx, cy = 180, 330
        curve_top = [(cx + 200 * math.cos(a), cy + 200 * math.sin(a)) for a in np.radians(np.linspace(-120, -60, 4))]
        curve_bottom = [(cx + 170 * math.cos(a), cy + 170 * math.sin(a)) for a in np.radians(np.linspace(-120, -60, 4))]
        regions = [
            TextRegion([(10, 10), (150, 10), (150, 40), (10, 40)], f"Line {i}"),
            TextRegion([(170, 20), (330, 5), (333, 35), (173, 50)], "tilted ábc"),
            TextRegion([(p[0], p[1]) for p in curve_top + curve_bottom[::-1]], "curved 中文"),
            TextRegion([(330, 60), (350, 60), (350, 200), (330, 200)], "VERTICAL"),
            TextRegion([(10, 200), (80, 200), (80, 230), (10, 230)], "###"),
            TextRegion([(100, 200), (200, 200), (200, 230), (100, 230)], "tab\there"),
            TextRegion([(210, 200), (300, 200), (300, 230), (210, 230)], "hard", difficult=True),
        ]
        name = f"page{i:02d}.jpg"
        ok, buf = cv2.imencode(".jpg", page)
        assert ok
        data = buf.tobytes()
        if i == 0:  # stored sideways, displayed upright through EXIF orientation 6
            ok, buf = cv2.imencode(".jpg", np.rot90(page, 1).copy())
            data = _exif(buf.tobytes(), 6)
        (folder / name).write_bytes(data)
        records.append(ImageRecord(name, 360, 240, ImageStatus.CONFIRMED, regions))
    return records


def _config(out: Path, label_file: Path, transforms: list, dict_path: Path | None = None) -> dict:
    global_config = {"use_space_char": True, "max_text_length": 25}
    if dict_path is not None:
        global_config["character_dict_path"] = str(dict_path)
    loader = {"shuffle": False, "drop_last": False, "batch_size_per_card": 1, "num_workers": 0}
    dataset = {
        "name": "SimpleDataSet",
        "data_dir": str(out),
        "label_file_list": [str(label_file)],
        "transforms": transforms,
    }
    return {"Global": global_config, "Eval": {"dataset": dataset, "loader": loader}}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    SimpleDataSet, logger = _ppocr()
    root = tmp_path_factory.mktemp("paddle")
    (root / "imgs").mkdir()
    records = _project(root / "imgs")
    out = root / "out"
    report = export_dataset(records, root / "imgs", out, ExportOptions(split=SplitRatios(8, 1, 1), seed=1))
    return SimpleDataSet, logger, records, out, report


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").split("\n") if line]


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_det_lists_decode_in_paddleocr(export, split):
    SimpleDataSet, logger, records, out, _ = export
    by_name = {f"images/{r.path}": r for r in records}
    label_file = out / "det" / f"{split}.txt"
    lines = _lines(label_file)
    assert lines
    transforms = [
        {"DecodeImage": {"img_mode": "BGR", "channel_first": False}},
        {"DetLabelEncode": None},
        {"KeepKeys": {"keep_keys": ["img_path", "image", "polys", "ignore_tags", "texts"]}},
    ]
    ds = SimpleDataSet(_config(out, label_file, transforms), "Eval", logger)
    assert len(ds) == len(lines)
    for i, line in enumerate(lines):
        rel = line.split("\t")[0]
        img_path, image, polys, ignore_tags, texts = ds[i]
        assert img_path == os.path.join(str(out), rel), "SimpleDataSet swapped in another sample: this one failed"
        regions = by_name[rel].regions
        assert image.shape[:2] == (240, 360)  # upright, the EXIF page included
        assert polys.shape[0] == len(regions)
        assert list(texts) == [r.transcription for r in regions]
        assert list(ignore_tags) == [r.transcription == "###" for r in regions]


@pytest.mark.parametrize("which", ["export_dict", "model_dict"])
def test_rec_lists_decode_in_paddleocr(export, which):
    SimpleDataSet, logger, _, out, report = export
    dict_path = out / "rec" / "dict.txt" if which == "export_dict" else REPO / "models" / "ppocrv6-small" / "dict.txt"
    if not dict_path.is_file():
        pytest.skip(f"{dict_path} not present")
    chars = ["blank"] + [c.rstrip("\r") for c in dict_path.read_text("utf-8").split("\n") if c.rstrip("\r")] + [" "]
    known = set(chars[1:])
    label_file = out / "rec" / "rec_gt.txt"
    lines = _lines(label_file)
    assert len(lines) == report.totals().rec_crops == 12 * 5
    transforms = [
        {"DecodeImage": {"img_mode": "BGR", "channel_first": False}},
        {"CTCLabelEncode": None},
        {"KeepKeys": {"keep_keys": ["img_path", "image", "label", "length"]}},
    ]
    ds = SimpleDataSet(_config(out, label_file, transforms, dict_path), "Eval", logger)
    assert len(ds) == len(lines)
    for i, line in enumerate(lines):
        rel, text = line.split("\t")
        img_path, image, label, length = ds[i]
        assert img_path == os.path.join(str(out), rel), "SimpleDataSet swapped in another sample: this one failed"
        decoded = "".join(chars[k] for k in label[: int(length)])
        # PaddleOCR skips characters its dictionary lacks: exactly those our report lists as missing.
        assert decoded == "".join(c for c in text if c in known)
        assert image.shape[0] < image.shape[1], "crops are horizontal (the vertical one was turned)"
    if which == "export_dict":
        assert all(
            line.split("\t")[1] in {"tilted ábc", "curved 中文", "VERTICAL", "tab here"}
            or line.split("\t")[1].startswith("Line ")
            for line in lines
        )
    else:
        missing = set(report.missing_chars.missing) if report.missing_chars else set()
        texts = "".join(line.split("\t")[1] for line in lines)
        assert missing == {c for c in texts if c not in known}


def test_report_round_trips(export):
    *_, out, report = export
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["skipped_counts"] == {"difficult": 12, "dont_care": 12}
    assert data["fixed_text_count"] == 12
