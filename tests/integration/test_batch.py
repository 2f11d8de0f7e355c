"""Several images in flight give the same results, in input order, and report bad files."""

import pytest

from labeler.core.image_io import read_image
from labeler.ocr.batch import ocr_images
from labeler.ocr.pipeline import OcrPipeline, PipelineOptions
from tests.conftest import render_lines, write_image

pytestmark = pytest.mark.models


def test_two_workers_match_one_worker_in_order(tmp_path):
    paths = [
        write_image(tmp_path / f"p{i}.png", render_lines([f"page {i} total {i * 7}"], size=(700, 120)))
        for i in range(5)
    ]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    paths.insert(2, bad)
    serial = list(ocr_images(OcrPipeline("light", PipelineOptions(threads=2)), paths, read_image, workers=1))
    parallel = list(ocr_images(OcrPipeline("light", PipelineOptions(threads=1)), paths, read_image, workers=2))
    assert [i.path for i in parallel] == paths == [i.path for i in serial]
    assert parallel[2].result is None and "bad.png" in str(parallel[2].error)
    texts = lambda items: [[r.text for r in i.result.regions] if i.result else None for i in items]  # noqa: E731
    assert texts(parallel) == texts(serial)
    assert texts(parallel)[3] == ["page 2 total 14"]
