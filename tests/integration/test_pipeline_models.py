"""The real bundled models on images the tests render: the known text must come back."""

import cv2
import numpy as np
import pytest

from labeler.ocr.cls import TextDirectionClassifier
from labeler.ocr.pipeline import OcrPipeline, PipelineOptions
from tests.conftest import render_lines

pytestmark = pytest.mark.models

LINES = ["INVOICE 2026-11-21", "Total: 42.50 EUR", "hello world"]


def _norm(text: str) -> str:
    # Hershey's O and 0 are one glyph, and its word gaps are narrow: compare as rec_acc_norm does.
    return "".join(text.replace("0", "o").casefold().split())


@pytest.fixture(scope="module", params=["default", "light"])
def pipeline(request):
    pipe = OcrPipeline(request.param, PipelineOptions(threads=2))
    pipe.load()
    return pipe


def test_rendered_lines_are_read_back(pipeline):
    result = pipeline(render_lines(LINES))
    assert [_norm(r.text) for r in result.regions] == [_norm(t) for t in LINES]
    assert all(r.score > 0.8 for r in result.regions)
    # Boxes sit on the rendered lines (baselines at y = 80, 160, 240).
    for r, baseline in zip(result.regions, (80, 160, 240)):
        assert r.points[:, 1].min() < baseline < r.points[:, 1].max() + 5
    t = result.timings
    assert t.det > 0 and t.rec > 0 and t.total >= t.det + t.rec


def test_upside_down_page_is_read_upright(pipeline):
    result = pipeline(cv2.rotate(render_lines(LINES), cv2.ROTATE_180))
    assert sorted(_norm(r.text) for r in result.regions) == sorted(_norm(t) for t in LINES)


def test_vertical_page_is_read(pipeline):
    result = pipeline(cv2.rotate(render_lines(LINES), cv2.ROTATE_90_CLOCKWISE))
    assert sorted(_norm(r.text) for r in result.regions) == sorted(_norm(t) for t in LINES)


def test_blank_image_gives_no_regions(pipeline):
    result = pipeline(np.full((400, 600, 3), 255, np.uint8))
    assert result.regions == []


def test_tiny_and_huge_aspect_images_do_not_crash(pipeline):
    assert pipeline(np.full((5, 5, 3), 255, np.uint8)).regions == []
    strip = render_lines(["hello world"], size=(900, 120))[20:110]
    assert _norm(pipeline(strip).regions[0].text) == _norm("hello world")


def test_recognize_given_polygons(pipeline):
    img = render_lines(LINES)
    result = pipeline(img)
    again = pipeline.recognize_polygons(img, [r.points for r in result.regions])
    assert [t for t, _ in again] == [r.text for r in result.regions]


def test_recognition_batches_keep_input_order(pipeline):
    lines = [f"item {i} costs {i * 3} EUR" for i in range(1, 9)]
    img = render_lines(lines[:4], size=(900, 340))
    res = pipeline(img)
    assert [_norm(r.text) for r in res.regions] == [_norm(t) for t in lines[:4]]


class _AlwaysUpsideDown:
    """A classifier session that claims every crop is turned 180 degrees, with 0.99 confidence."""

    def run(self, x):
        return np.tile(np.array([[0.01, 0.99]], np.float32), (len(x), 1))


def test_wrong_classifier_flips_are_rejected_by_the_recognizer():
    real = OcrPipeline("default", PipelineOptions(threads=2))
    upside_down = TextDirectionClassifier(_AlwaysUpsideDown(), real.classifier.params)
    pipe = OcrPipeline.from_stages(real.detector, upside_down, real.recognizer, PipelineOptions(threads=2))
    result = pipe(render_lines(LINES))
    assert [_norm(r.text) for r in result.regions] == [_norm(t) for t in LINES]
    unverified_options = PipelineOptions(threads=2, verify_flips=False)
    unverified = OcrPipeline.from_stages(real.detector, upside_down, real.recognizer, unverified_options)
    assert [_norm(r.text) for r in unverified(render_lines(LINES)).regions] != [_norm(t) for t in LINES]


def test_parallel_recognition_batches_match_serial_ones():
    """Batches read side by side on single-threaded sessions give the same texts, in input order."""
    lines = [f"Item {i}: {i * 7}.{i:02d} EUR" for i in range(14)] + ["ok", "A", "wide line of text number 15 here"]
    page = render_lines(lines, size=(1100, 80 * len(lines) + 80), scale=1.0)
    serial = OcrPipeline("default", PipelineOptions(threads=2, parallel_rec=False))
    parallel = OcrPipeline("default", PipelineOptions(threads=2, parallel_rec=True))
    assert not parallel.loaded and parallel.recognizer.parallel == 2
    a, b = serial(page), parallel(page)
    assert len(a.regions) >= 14  # more than one batch of 6, so the batches really ran in parallel
    assert [(r.text, round(r.score, 4)) for r in a.regions] == [(r.text, round(r.score, 4)) for r in b.regions]


def test_inference_keeps_denormals_on_the_main_thread(pipeline):
    """Sessions flush denormals (fast det) on their own threads only: the caller's floats stay IEEE."""
    tiny = np.float32(1e-40)  # subnormal: zero under flush-to-zero / denormals-are-zero
    assert tiny * np.float32(2.0) > 0
    pipeline(render_lines(LINES))
    assert tiny * np.float32(2.0) > 0
    assert np.float32(2.0) * tiny / np.float32(2.0) == tiny


def test_large_recognition_batches_release_their_arena_and_read_the_same():
    """A very long line (input above the arena's shrink size) reads the same before and after."""
    from labeler.ocr.session import SHRINK_ARENA_ABOVE_BYTES

    line = "0123456789 " * 12
    page = render_lines([line, "short"], size=(2600, 240), scale=1.0)
    pipe = OcrPipeline("default", PipelineOptions(threads=2))
    first = pipe(page)
    ratio = max(np.ptp(r.points[:, 0]) / np.ptp(r.points[:, 1]) for r in first.regions)
    assert 48 * ratio * 48 * 3 * 4 > SHRINK_ARENA_ABOVE_BYTES / 6  # wider than 960 px at the model's height 48
    again = pipe(page)
    assert [(r.text, round(r.score, 4)) for r in first.regions] == [(r.text, round(r.score, 4)) for r in again.regions]


def test_tight_boxes_with_crops_at_the_models_own_ratio():
    """A fitted set (labeler.train.box_fit) reports tight boxes but reads text as the plain set does."""
    from dataclasses import replace

    from labeler.ocr.pipeline import det_params
    from labeler.ocr.registry import resolve_model_set

    model_set = resolve_model_set("default")
    base = det_params(model_set)
    img = render_lines(LINES)
    plain = OcrPipeline(model_set, PipelineOptions(threads=1))(img)
    tight = OcrPipeline(
        model_set, PipelineOptions(threads=1, det=replace(base, db=replace(base.db, unclip_ratio=1.1)))
    )(img)
    fitted = OcrPipeline(
        model_set,
        PipelineOptions(
            threads=1, det=replace(base, db=replace(base.db, unclip_ratio=1.1, crop_unclip_ratio=base.db.unclip_ratio))
        ),
    )(img)
    assert [r.text for r in fitted.regions] == [r.text for r in plain.regions]
    assert len(fitted.regions) == len(tight.regions)
    for a, b in zip(fitted.regions, tight.regions):
        np.testing.assert_array_equal(a.points, b.points)
    area = lambda r: cv2.contourArea(r.points.astype(np.float32))  # noqa: E731
    assert all(area(a) < 0.9 * area(b) for a, b in zip(fitted.regions, plain.regions))
