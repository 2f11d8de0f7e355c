"""OcrPipeline.read_line with the bundled models on a rendered 120-character line: where each character is."""

import cv2
import numpy as np
import pytest

from labeler.ocr.pipeline import OcrPipeline, PipelineOptions
from tests.conftest import render_lines

pytestmark = pytest.mark.models

LONG_LINE = (
    "amount widget 42.50 EUR EUR total 2026-11-21 total number EUR number number shipping reference EUR "
    "due total number Invo"
)
SCALE = 1.0  # render_lines draws with OpenCV's Hershey duplex font, thickness 2, from x = 40


def drawn_spans(text: str) -> list[tuple[float, float]]:
    """Each character's x range on the page as render_lines draws it."""
    widths = [
        cv2.getTextSize(text[:i], cv2.FONT_HERSHEY_DUPLEX, SCALE, 2)[0][0] if i else 0 for i in range(len(text) + 1)
    ]
    return [(40 + widths[i], 40 + widths[i + 1]) for i in range(len(text))]


@pytest.fixture(scope="module")
def pipeline():
    pipe = OcrPipeline("default", PipelineOptions(threads=2))
    pipe.load()
    return pipe


def test_a_long_line_is_read_with_each_character_where_it_was_drawn(pipeline):
    assert len(LONG_LINE) == 120
    image = render_lines([LONG_LINE], size=(2100, 160), scale=SCALE)
    (region,) = pipeline(image).regions
    line = pipeline.read_line(image, region.points)
    # The same reading as the batch path (recognize_polygons is unchanged).
    ((text, score),) = pipeline.recognize_polygons(image, [region.points])
    assert line.text == text == LONG_LINE
    assert line.score == pytest.approx(score, abs=1e-4)
    assert len(line.chars) == len(line.text)
    crop_h, crop_w = line.crop.shape[:2]
    assert crop_w > 10 * crop_h  # the rectified crop of the line, not a thumbnail
    xs = [(c.x0, c.x1) for c in line.chars]
    assert all(0 <= x0 <= x1 <= crop_w for x0, x1 in xs)
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(xs, xs[1:]))  # monotonic
    assert all(0 <= c.prob <= 1 for c in line.chars)
    assert np.mean([c.prob for c in line.chars]) == pytest.approx(line.score)
    # The crop starts at the region's left edge, at the page's scale: each drawn character's centre lies in
    # (or next to) the x range the recognizer gives it.
    left = float(region.points[:, 0].min())
    tol = 0.15 * crop_h  # measured: every centre lies inside its range (tolerance 0)
    hits = 0
    for ch, (x0, x1), (d0, d1) in zip(LONG_LINE, xs, drawn_spans(LONG_LINE)):
        centre = (d0 + d1) / 2 - left
        hits += ch == " " or x0 - tol <= centre <= x1 + tol
    assert hits == len(LONG_LINE)
