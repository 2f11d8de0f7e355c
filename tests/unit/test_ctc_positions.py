"""Where CTC read each character: frame runs from hand-made outputs, mapped onto the crop's pixels."""

import numpy as np
import pytest

from labeler.ocr.cls import ClsResult
from labeler.ocr.ctc import MAX_PAD_FRAMES, ctc_greedy_chars, ctc_greedy_decode, load_charset
from labeler.ocr.det import DetResult
from labeler.ocr.pipeline import OcrPipeline
from labeler.ocr.rec import CharBox, RecParams, RecResult, TextRecognizer, char_boxes, resized_width

CHARSET = load_charset(["a", "b", "l"], use_space_char=True)  # 0 blank, 1 a, 2 b, 3 l, 4 space


def probs_for(indices, p=0.9):
    out = np.full((len(indices), len(CHARSET)), (1 - p) / (len(CHARSET) - 1), np.float32)
    for t, i in enumerate(indices):
        out[t, i] = p
    return out


def test_runs_give_first_and_last_frame_and_the_kept_probability():
    probs = probs_for([0, 1, 1, 0, 0, 2, 0, 2, 3, 3])
    probs[5, 2] = 0.6  # the first b
    chars = ctc_greedy_chars(probs, CHARSET)
    assert "".join(c.char for c in chars) == "abbl"
    assert [(c.first, c.last) for c in chars] == [(1, 2), (5, 5), (7, 7), (8, 9)]
    assert [c.prob for c in chars] == pytest.approx([0.9, 0.6, 0.9, 0.9])
    # The line's score is the mean of its characters' probabilities, as ctc_greedy_decode gives it.
    text, score = ctc_greedy_decode(probs[None], CHARSET)[0]
    assert text == "abbl" and score == pytest.approx(np.mean([c.prob for c in chars]))


def test_spans_widen_halfway_into_the_blanks_around_them():
    chars = ctc_greedy_chars(probs_for([0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0]), CHARSET)
    a, b, ll = chars
    assert (a.lo, a.hi) == (0, 4)  # one blank before the first character: all of it; two after: half
    assert (b.lo, b.hi) == (4, 6 + MAX_PAD_FRAMES)  # six blanks after: capped
    assert (ll.lo, ll.hi) == (12 - MAX_PAD_FRAMES, 14)
    assert all(x.lo <= x.first and x.hi >= x.last + 1 for x in chars)


def test_all_blank_and_wrong_shapes():
    assert ctc_greedy_chars(probs_for([0, 0, 0]), CHARSET) == []
    with pytest.raises(ValueError):
        ctc_greedy_chars(np.zeros((1, 3, len(CHARSET))), CHARSET)


def test_frames_map_onto_the_crop_through_the_scale_and_past_the_padding():
    chars = ctc_greedy_chars(probs_for([0, 1, 1, 0, 0, 0, 0, 0, 2, 0]), CHARSET)
    # 10 frames over an 80 px tensor (8 px each); the crop (20 px wide) was scaled to 40 px, 40 px padding.
    a, b = char_boxes(chars, frames=10, tensor_width=80, resized_w=40, crop_w=20)
    assert (a.x0, a.x1) == pytest.approx((0.0, (3 + 2) * 4.0))  # frames 0..5 -> tensor 0..40 -> crop 0..20
    assert a.x1 <= 20 and (b.x0, b.x1) == (20.0, 20.0)  # read in the padding: clipped to the crop's edge
    assert resized_width(100, 20, 48, 320) == 240 and resized_width(1000, 10, 48, 320) == 320


class FakeSession:
    """A recognizer session whose outputs are hand-made: character `cls` on frame `t` of the input's frames."""

    def __init__(self, marks: dict[int, int], stride: int = 8):
        self.marks, self.stride, self.shapes = marks, stride, []

    def run(self, blob):
        self.shapes.append(blob.shape)
        frames = blob.shape[3] // self.stride
        classes = [self.marks.get(t, 0) for t in range(frames)]
        return probs_for(classes)[None]


def test_recognizer_reads_one_crop_with_positions_in_its_own_pixels():
    session = FakeSession({3: 1, 10: 2, 11: 2, 13: 4, 14: 3})
    rec = TextRecognizer(session, CHARSET, RecParams(height=48, min_width=320))
    crop = np.full((20, 100, 3), 255, np.uint8)  # scaled to 48 x 240, padded to 320: 40 frames
    reading = rec.read_chars(crop)
    assert session.shapes == [(1, 3, 48, 320)]
    assert reading.text == "ab l" and reading.score == pytest.approx(0.9)
    per_frame = 8 * 100 / 240
    a = reading.chars[0]
    assert a.x0 == pytest.approx((3 - 2) * per_frame) and a.x1 == pytest.approx((4 + 2) * per_frame)
    xs = [(c.x0, c.x1) for c in reading.chars]
    assert all(0 <= x0 <= x1 <= 100 for x0, x1 in xs)
    assert [x0 for x0, _ in xs] == sorted(x0 for x0, _ in xs)
    assert rec([crop]).texts == ["ab l"]  # the same reading as a batch


class NoDetector:
    def __call__(self, image):
        return DetResult(np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32), (0, 0))


class TextOnlyRecognizer:
    charset = CHARSET

    def __call__(self, crops):
        return RecResult(["ab"] * len(crops), [0.7] * len(crops))


class TurnEverything:
    def __call__(self, crops):
        return [np.rot90(c, 2) for c in crops], ClsResult([True] * len(crops), [0.99] * len(crops))


def test_read_line_without_positions_spreads_boxes_evenly_over_the_upright_crop():
    pipe = OcrPipeline.from_stages(NoDetector(), None, TextOnlyRecognizer())
    image = np.full((100, 200, 3), 255, np.uint8)
    line = pipe.read_line(image, np.float32([[10, 10], [110, 10], [110, 30], [10, 30]]))
    assert line.text == "ab" and line.score == 0.7 and line.crop.shape[:2] == (20, 100)
    assert line.chars == (CharBox(0.0, 50.0, 0.7), CharBox(50.0, 100.0, 0.7))


def test_read_line_keeps_a_turn_only_when_it_reads_more_confidently():
    session = FakeSession({3: 1})
    rec = TextRecognizer(session, CHARSET, RecParams(height=48, min_width=320))
    pipe = OcrPipeline.from_stages(NoDetector(), TurnEverything(), rec)
    image = np.zeros((100, 200, 3), np.uint8)
    image[10:30, 10:60] = 200  # left half of the region bright: a turned crop has it on the right
    line = pipe.read_line(image, np.float32([[10, 10], [110, 10], [110, 30], [10, 30]]))
    assert line.text == "a" and line.crop[:, 0].mean() > 100  # equal scores: the crop as cut, not the turn


def test_a_dictionary_entry_of_several_characters_shares_its_box():
    charset = load_charset(["ab", "c"], use_space_char=False)  # 0 blank, 1 "ab", 2 "c"
    probs = np.full((1, 40, 3), 0.05, np.float32)
    probs[0, :, 0] = 0.9
    probs[0, 4, :] = (0.05, 0.9, 0.05)
    probs[0, 8, :] = (0.05, 0.05, 0.9)

    class Session:
        def run(self, blob):
            return probs

    reading = TextRecognizer(Session(), charset, RecParams(height=48, min_width=320)).read_chars(
        np.full((48, 320, 3), 255, np.uint8)
    )
    assert reading.text == "abc" and len(reading.chars) == 3
    a, b, c = reading.chars
    assert a.x1 == pytest.approx(b.x0) and a.x0 < a.x1 < b.x1 <= c.x0
