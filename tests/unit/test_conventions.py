"""A project's text-case convention, and reading letters case-blind under it."""

import numpy as np
import pytest

from labeler.core.conventions import uniform_text_case
from labeler.ocr.ctc import case_fold_columns, ctc_greedy_decode, fold_case, load_charset


def test_uniform_case_needs_enough_letters_and_nearly_all_of_one_case():
    upper = ["TAN CHAY YEE", "TOTAL 45.90", "GST REG NO 0012"] * 20
    assert uniform_text_case(upper) == "upper"
    assert uniform_text_case([t.lower() for t in upper]) == "lower"
    assert uniform_text_case(upper + ["TOTAl"]) == "upper"  # one stray typo does not hide the convention
    assert uniform_text_case(upper + ["Cash Paid Today"] * 3) == ""  # real mixed case
    assert uniform_text_case(["TOTAL 45.90"] * 5) == ""  # 25 letters say nothing
    assert uniform_text_case(["12.50", "3 x 4"] * 100) == ""  # digits are not letters
    assert uniform_text_case(["增值税发票"] * 100) == ""  # uncased scripts have no convention


CHARSET = load_charset(["a", "A", "b", "B", "1", "ß", "é", "É"], use_space_char=True)


def test_fold_columns_pair_each_letter_with_its_partner_in_the_dictionary():
    src, dst = case_fold_columns(CHARSET, "upper")
    assert [(CHARSET[i], CHARSET[j]) for i, j in zip(src, dst)] == [("a", "A"), ("b", "B"), ("é", "É")]
    src, dst = case_fold_columns(CHARSET, "lower")
    assert [(CHARSET[i], CHARSET[j]) for i, j in zip(src, dst)] == [("A", "a"), ("B", "b"), ("É", "é")]
    with pytest.raises(ValueError, match="text case"):
        case_fold_columns(CHARSET, "title")


def _steps(*rows):
    probs = np.zeros((1, len(rows), len(CHARSET)), np.float32)
    for t, row in enumerate(rows):
        for ch, p in row.items():
            probs[0, t, CHARSET.index(ch)] = p
    return probs


def test_a_letter_split_between_its_cases_beats_the_blank_once_folded():
    # arg-max then upper-case would read "" here: blank 0.4 beats 'a' 0.3 and 'A' 0.3.
    probs = _steps({"<blank>": 0.4, "a": 0.3, "A": 0.3}, {"<blank>": 1.0}, {"1": 0.9, "b": 0.1}, {"ß": 1.0})
    assert ctc_greedy_decode(probs, CHARSET)[0][0] == "1ß"
    text, score = ctc_greedy_decode(fold_case(probs.copy(), case_fold_columns(CHARSET, "upper")), CHARSET)[0]
    assert text == "A1ß" and score == pytest.approx((0.6 + 0.9 + 1.0) / 3, abs=1e-6)


def test_folding_keeps_each_step_a_distribution():
    rng = np.random.default_rng(0)
    probs = rng.random((3, 5, len(CHARSET))).astype(np.float32)
    probs /= probs.sum(axis=2, keepdims=True)
    folded = fold_case(probs.copy(), case_fold_columns(CHARSET, "upper"))
    np.testing.assert_allclose(folded.sum(axis=2), 1.0, rtol=1e-5)
    assert not folded[:, :, [CHARSET.index("a"), CHARSET.index("b"), CHARSET.index("é")]].any()


def test_project_text_case_reads_the_exported_training_lines(tmp_path):
    from labeler.train.engine import project_text_case

    rec = tmp_path / "rec"
    rec.mkdir()
    assert project_text_case(tmp_path) == ""  # no list yet: no convention
    (rec / "train.txt").write_text("".join(f"rec/crops/{i}.png\tTOTAL {i}.00 RINGGIT\n" for i in range(40)), "utf-8")
    assert project_text_case(tmp_path) == "upper"
    (rec / "train.txt").write_text("".join(f"rec/crops/{i}.png\tTotal {i}.00 Ringgit\n" for i in range(40)), "utf-8")
    assert project_text_case(tmp_path) == ""
