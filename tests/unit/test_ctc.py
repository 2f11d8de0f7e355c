import numpy as np
import pytest

from labeler.ocr.ctc import ctc_greedy_decode, load_charset

CHARSET = load_charset(["a", "b", "l"], use_space_char=True)  # 0 blank, 1 a, 2 b, 3 l, 4 space


def probs_for(indices, p=0.9):
    out = np.full((1, len(indices), len(CHARSET)), (1 - p) / (len(CHARSET) - 1), np.float32)
    for t, i in enumerate(indices):
        out[0, t, i] = p
    return out


def test_charset_layout_blank_first_space_last():
    assert CHARSET[0] == "<blank>" and CHARSET[-1] == " " and len(CHARSET) == 5


def test_repeats_collapse_and_blanks_separate_double_letters():
    # a a _ b _ b l l  -> "abbl": the blank keeps the two b's apart, repeats collapse.
    text, score = ctc_greedy_decode(probs_for([1, 1, 0, 2, 0, 2, 3, 3]), CHARSET)[0]
    assert text == "abbl"
    assert score == pytest.approx(0.9, abs=1e-6)


def test_all_blank_is_empty_with_zero_score():
    assert ctc_greedy_decode(probs_for([0, 0, 0]), CHARSET) == [("", 0.0)]


def test_space_is_decoded():
    assert ctc_greedy_decode(probs_for([1, 4, 2]), CHARSET)[0][0] == "a b"


def test_score_is_mean_of_kept_steps_only():
    probs = probs_for([1, 0, 2])
    probs[0, 0, 1], probs[0, 2, 2] = 0.6, 0.8
    probs[0, 1, 0] = 0.99  # blank confidence must not count
    assert ctc_greedy_decode(probs, CHARSET)[0][1] == pytest.approx(0.7, abs=1e-6)


def test_batch_rows_are_independent():
    batch = np.concatenate([probs_for([1, 2]), probs_for([3, 3])])
    assert [t for t, _ in ctc_greedy_decode(batch, CHARSET)] == ["ab", "l"]


def test_class_count_mismatch_is_reported():
    with pytest.raises(ValueError, match="classes"):
        ctc_greedy_decode(np.zeros((1, 3, 7), np.float32), CHARSET)
