import numpy as np
import pytest

from labeler.ocr.db_postprocess import DBParams, boxes_from_probability_map
from labeler.ocr.det import DetParams, detection_input_size, reading_order


def test_empty_map_gives_no_boxes():
    boxes, scores = boxes_from_probability_map(np.zeros((64, 64), np.float32), 64, 64)
    assert boxes.shape == (0, 4, 2) and scores.shape == (0,)


def test_zero_size_map_gives_no_boxes():
    boxes, _ = boxes_from_probability_map(np.zeros((0, 0), np.float32), 10, 10)
    assert len(boxes) == 0


def test_one_pixel_blobs_are_noise():
    prob = np.zeros((64, 64), np.float32)
    prob[10, 10] = prob[30, 40] = prob[50, 5] = 1.0
    boxes, _ = boxes_from_probability_map(prob, 64, 64)
    assert len(boxes) == 0


def test_rectangle_blob_is_found_and_unclipped():
    prob = np.zeros((100, 200), np.float32)
    prob[40:60, 50:150] = 0.9
    boxes, scores = boxes_from_probability_map(prob, 200, 100)
    assert len(boxes) == 1
    (x0, y0), (x1, _), (_, y2) = boxes[0][0], boxes[0][1], boxes[0][2]
    # The kernel is 100x20; unclip grows it by area*1.6/perimeter = 3200/240 = 13.3 px each side.
    assert x0 < 50 and x1 > 150 and y0 < 40 and y2 > 60
    assert x0 > 30 and x1 < 170
    assert 0.8 < scores[0] <= 0.9  # the dilated contour takes in a 1-px rim of zeros


def test_boxes_scale_to_destination_size():
    prob = np.zeros((100, 200), np.float32)
    prob[40:60, 50:150] = 0.9
    small, _ = boxes_from_probability_map(prob, 200, 100)
    big, _ = boxes_from_probability_map(prob, 400, 200)
    np.testing.assert_allclose(big, small * 2, atol=2)


def test_low_mean_score_is_dropped():
    prob = np.zeros((100, 200), np.float32)
    prob[40:60, 50:150] = 0.35  # above the pixel threshold, below box_thresh 0.5
    boxes, _ = boxes_from_probability_map(prob, 200, 100)
    assert len(boxes) == 0
    boxes, _ = boxes_from_probability_map(prob, 200, 100, DBParams(box_thresh=0.3))
    assert len(boxes) == 1


def test_box_touching_the_border_is_clipped_to_the_image():
    prob = np.zeros((100, 200), np.float32)
    prob[0:20, 0:80] = 1.0
    prob[85:100, 150:200] = 1.0
    boxes, _ = boxes_from_probability_map(prob, 200, 100)
    assert len(boxes) == 2
    assert boxes[..., 0].min() >= 0 and boxes[..., 0].max() <= 200
    assert boxes[..., 1].min() >= 0 and boxes[..., 1].max() <= 100


def test_quads_are_clockwise_from_top_left_even_when_rotated():
    import cv2

    prob = np.zeros((200, 200), np.float32)
    rect = ((100, 100), (120, 24), 20.0)
    cv2.fillPoly(prob, [cv2.boxPoints(rect).astype(np.int32)], 1.0)
    boxes, _ = boxes_from_probability_map(prob, 200, 200)
    assert len(boxes) == 1
    q = boxes[0]
    # Shoelace sum is positive for clockwise order in image coordinates (y down).
    area2 = sum(q[i, 0] * q[(i + 1) % 4, 1] - q[(i + 1) % 4, 0] * q[i, 1] for i in range(4))
    assert area2 > 0
    assert q[0, 0] < q[1, 0] and q[3, 1] > q[0, 1]


def test_max_candidates_limits_the_work():
    prob = np.zeros((100, 400), np.float32)
    for i in range(10):
        prob[40:60, 10 + i * 38 : 40 + i * 38] = 1.0
    boxes, _ = boxes_from_probability_map(prob, 400, 100, DBParams(max_candidates=3))
    assert len(boxes) == 3


@pytest.mark.parametrize(
    "size,expected",
    [((100, 50), (1472, 736)), ((1000, 800), (1000 // 32 * 32 + 0, 800)), ((4000, 3000), (1984, 1504))],
)
def test_detection_input_size(size, expected):
    w, h = detection_input_size(*size, DetParams())
    assert (w % 32, h % 32) == (0, 0)
    assert (w, h) == (round(expected[0] / 32) * 32, round(expected[1] / 32) * 32)


def box(x, y, w=10, h=5):
    return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]


def test_reading_order_rows_then_columns():
    boxes = np.array([box(50, 100, h=10), box(0, 103, h=10), box(0, 0, h=10), box(80, 2, h=10)], np.float32)
    assert reading_order(boxes.tolist()) == [2, 3, 1, 0]


def test_detected_boxes_come_in_the_order_resort_gives():
    """Pre-labels and Ctrl+B share core's adaptive order: a line is half a text height, not a fixed 10 px."""
    from labeler.core import region_ops
    from labeler.ocr import det

    assert det.reading_order is region_ops.reading_order  # one rule: resorting fresh pre-labels changes nothing
    # Tall text written with a 12 px slope is one line (a fixed 10 px band split it in two)...
    tall = [box(300, 112, 200, 60), box(0, 100, 200, 60), box(0, 300, 200, 60)]
    assert reading_order(tall) == [1, 0, 2]
    # ...and small text 6 px apart is two lines (the band merged them and read across both).
    small = [box(0, 6, 60, 5), box(80, 0, 60, 5)]
    assert reading_order(small) == [1, 0]


class _LocalModel:
    """A 'network' whose output at each pixel depends on that pixel only: tiling must not change it."""

    def __init__(self):
        self.shapes = []

    def run(self, x):
        self.shapes.append(x.shape)
        return 1.0 / (1.0 + np.exp(-x[:, :1] * 3.0))


@pytest.mark.parametrize("shape", [(1, 3, 1984, 1408), (1, 3, 1408, 1984), (1, 3, 640, 640)])
def test_large_inputs_are_detected_in_two_stitched_halves(shape):
    from labeler.ocr.det import TextDetector

    model = _LocalModel()
    det = TextDetector(model, DetParams())
    blob = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    stitched = det.probability_map_of_input(blob)
    np.testing.assert_array_equal(stitched, model.run(blob)[0, 0])
    if shape[2] * shape[3] > DetParams().tile_above_pixels:
        halves = model.shapes[:2]
        assert len(model.shapes) == 3 and all(s[2] * s[3] < 0.6 * shape[2] * shape[3] for s in halves)
    else:
        assert len(model.shapes) == 2  # one pass + the reference call


def test_crops_can_grow_by_another_ratio_than_the_boxes():
    from labeler.ocr.db_postprocess import boxes_and_crops_from_probability_map

    prob = np.zeros((100, 200), np.float32)
    prob[40:60, 50:150] = 0.9
    prob[75:85, 20:60] = 0.9
    tight = DBParams(unclip_ratio=1.1)
    boxes, scores, crops = boxes_and_crops_from_probability_map(
        prob, 200, 100, DBParams(unclip_ratio=1.1, crop_unclip_ratio=1.6)
    )
    np.testing.assert_array_equal(boxes, boxes_from_probability_map(prob, 200, 100, tight)[0])
    np.testing.assert_array_equal(crops, boxes_from_probability_map(prob, 200, 100)[0])  # the default 1.6
    assert len(boxes) == len(crops) == len(scores) == 2
    same = boxes_and_crops_from_probability_map(prob, 200, 100, tight)
    np.testing.assert_array_equal(same[2], same[0])  # no crop ratio: crops are the boxes
