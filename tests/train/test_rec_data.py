"""Rec training data: list parsing, label encoding, skips, augmentation, batches (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

from labeler.ocr.rec import batch_tensor
from labeler.train.rec_data import (
    RecDataError,
    augment,
    ctc_steps_needed,
    encode_text,
    make_batch,
    read_dict_file,
    read_rec_list,
    training_batches,
    validation_batches,
)
from tests.train.train_helpers import V6_DICT, text_crop, write_rec_export


@pytest.fixture(scope="module")
def charset():
    return read_dict_file(V6_DICT)


def test_dictionary_layout(charset):
    assert charset[0] == "<blank>" and charset[-1] == " "
    assert len(charset) == 18710  # the v6 rec head's class count


def test_encode_and_ctc_steps(charset):
    index = {c: i for i, c in enumerate(charset) if i}
    labels = encode_text("aa b", index)
    assert [charset[i] for i in labels] == list("aa b")
    assert ctc_steps_needed(labels) == 5  # a blank between the two a's
    assert encode_text("a\u0000b", index) is None


def test_read_export_list_resolves_paths_and_counts_skips(tmp_path, charset):
    items = [
        ("Hello", text_crop("Hello")),
        ("", text_crop("x")),
        ("bad\u0000", text_crop("bad")),
        ("W" * 60, text_crop("W")),
    ]
    list_file = write_rec_export(tmp_path, items)
    with open(list_file, "a", encoding="utf-8") as f:
        f.write("rec/crops/missing.png\tgone\n")
    data = read_rec_list(list_file, charset)
    assert [s.text for s in data.samples] == ["Hello"]
    assert data.samples[0].image.dtype == np.uint8 and data.samples[0].image.ndim == 3
    assert data.skipped == {"empty_text": 1, "unknown_char": 1, "text_too_long": 1, "missing_image": 1}


def test_malformed_line_names_file_and_line(tmp_path, charset):
    bad = tmp_path / "train.txt"
    bad.write_text("a.png\tok\nno tab here\n", encoding="utf-8")
    with pytest.raises(RecDataError, match=r"train\.txt:2"):
        read_rec_list(bad, charset)


def test_batches_match_inference_preprocessing(tmp_path, charset):
    data = read_rec_list(write_rec_export(tmp_path, [(t, text_crop(t)) for t in ("Hello", "x7y8z9")]), charset)
    x, labels = make_batch(data.samples)
    assert x.shape[:3] == (2, 3, 48) and x.shape[3] >= 320
    assert np.array_equal(x, batch_tensor([s.image for s in data.samples], 48, x.shape[3]))
    assert labels == [s.labels for s in data.samples]
    wide = make_batch(data.samples, max_width=320)[0]
    assert wide.shape[3] == 320


def test_augment_keeps_size_and_stays_close():
    img = text_crop("Total 45.90")
    rng = np.random.default_rng(0)
    for _ in range(20):
        out = augment(img, rng)
        assert out.shape == img.shape and out.dtype == np.uint8
        assert np.abs(out.astype(int) - img.astype(int)).mean() < 60


def test_batch_orders():
    rng = np.random.default_rng(0)
    batches = training_batches(10, 4, rng)
    assert sorted(i for b in batches for i in b) == list(range(10)) and [len(b) for b in batches] == [4, 4, 2]


def test_validation_batches_group_similar_widths():
    class S:
        def __init__(self, w):
            self.image = np.zeros((10, w, 3), np.uint8)

    samples = [S(w) for w in (50, 10, 40, 20, 30)]
    assert validation_batches(samples, 2) == [[1, 3], [4, 2], [0]]
