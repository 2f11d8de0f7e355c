"""Evaluation metrics on hand-made cases; every expected figure was worked out by hand."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from labeler.core.metrics import (
    METRIC_NAMES,
    evaluate,
    evaluate_image,
    greedy_match,
    levenshtein,
    normalize_text,
    normalized_edit_distance,
    pair_keys,
)
from labeler.core.model import TextRegion

SHARED_EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval"


def box(x0, y0, x1, y1, text="a", difficult=False):
    return TextRegion(points=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], transcription=text, difficult=difficult)


def poly(points, text="a"):
    return TextRegion(points=list(points), transcription=text)


# ---------------------------------------------------------------- text


def dp_levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "abc", 3),
        ("abc", "abc", 0),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("中文字", "中文", 1),
        ("Hello World", "hello  world", 3),
    ],
)
def test_levenshtein_known_values(a, b, expected):
    assert levenshtein(a, b) == expected
    assert levenshtein(b, a) == expected


def test_levenshtein_agrees_with_plain_dp():
    rng = random.Random(7)
    for _ in range(300):
        a = "".join(rng.choice("abé中 ") for _ in range(rng.randint(0, 70)))
        b = "".join(rng.choice("abé中 ") for _ in range(rng.randint(0, 70)))
        assert levenshtein(a, b) == dp_levenshtein(a, b), (a, b)


def test_normalized_edit_distance_and_normalize_text():
    assert normalized_edit_distance("", "") == 0.0
    assert normalized_edit_distance("abcd", "abed") == pytest.approx(0.25)
    assert normalized_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert normalized_edit_distance("abc", "") == 1.0
    assert normalize_text(" Hello \tWORLD\n ") == "helloworld"
    assert normalize_text("Straße") == normalize_text("STRASSE")


# ---------------------------------------------------------------- matching


def test_greedy_match_takes_highest_iou_first():
    assert greedy_match([[0.6, 0.9], [0.7, 0.0]]) == [(0, 1, 0.9), (1, 0, 0.7)]
    # Highest first, not maximum matching: row 1 loses its only candidate to row 0.
    assert greedy_match([[0.9, 0.8], [0.85, 0.0]]) == [(0, 0, 0.9)]
    assert greedy_match([[0.49, 0.5]]) == [(0, 1, 0.5)]
    assert greedy_match([]) == []


def test_identical_sets_score_one_everywhere():
    regions = [box(0, 0, 100, 20, "TOTAL"), box(0, 30, 100, 50, "12.50"), box(0, 60, 80, 80, "###")]
    result = evaluate({"img/a.jpg": regions}, {"img/a.jpg": regions})
    assert all(v == 1.0 for v in result.metrics().values()), result.metrics()
    c = result.counts()
    assert (c["gt_scored"], c["gt_dont_care"], c["predictions"], c["matched"]) == (2, 1, 2, 2)
    assert c["pred_dropped"] == 1  # the copy of the ### region lies inside it


def test_shifted_box_below_threshold_is_a_miss_and_a_false_positive():
    # IoU 50/150 = 1/3.
    result = evaluate({"a.jpg": [box(0, 0, 10, 10)]}, {"a.jpg": [box(5, 0, 15, 10)]})
    m = result.metrics()
    assert (m["det_precision"], m["det_recall"], m["det_hmean"]) == (0.0, 0.0, 0.0)
    assert m["rec_acc"] == 0.0 and m["zero_edit"] == 0.0
    assert result.images[0].missed_gt == [0] and result.images[0].false_pred == [0]


def test_shifted_box_above_threshold_matches():
    # IoU 80/120 = 2/3.
    result = evaluate({"a.jpg": [box(0, 0, 10, 10)]}, {"a.jpg": [box(2, 0, 12, 10)]})
    assert result.metrics()["det_hmean"] == 1.0
    assert result.images[0].pairs[0].iou == pytest.approx(2 / 3)


def test_iou_of_exactly_one_half_matches():
    result = evaluate({"a.jpg": [box(0, 0, 10, 10)]}, {"a.jpg": [box(0, 0, 10, 5)]})
    assert result.total.matched == 1


def test_two_predictions_on_one_gt_give_one_tp_one_fp():
    gt = [box(0, 0, 10, 10, "x")]
    pred = [box(2, 0, 12, 10, "x"), box(0, 0, 10, 9, "x")]  # IoU 2/3 and 0.9
    image = evaluate_image(gt, pred)
    assert [(p.gt_index, p.pred_index) for p in image.pairs] == [(0, 1)]
    assert image.pairs[0].iou == pytest.approx(0.9)
    assert image.false_pred == [0]
    t = image.tally
    assert (t.det_precision, t.det_recall) == (0.5, 1.0)
    assert t.det_hmean == pytest.approx(2 / 3)
    # One exact hit out of two predictions and one GT: e2e P 1/2, R 1, H 2/3.
    assert t.e2e_hmean == pytest.approx(2 / 3)


def test_prediction_inside_dont_care_is_dropped_and_one_mostly_outside_is_a_false_positive():
    gt = [box(0, 0, 10, 10, "a"), box(100, 0, 140, 10, "###")]
    pred = [
        box(0, 0, 10, 10, "a"),
        box(102, 0, 122, 10, "zz"),  # wholly inside the ### region: dropped
        box(135, 0, 155, 10, "zz"),  # 50 of its 200 px^2 inside: a false positive
    ]
    image = evaluate_image(gt, pred)
    assert image.dropped_pred == [1]
    assert image.false_pred == [2]
    t = image.tally
    assert (t.gt_scored, t.gt_dont_care, t.predictions, t.pred_dropped, t.matched) == (1, 1, 2, 1, 1)
    assert (t.det_precision, t.det_recall) == (0.5, 1.0)


def test_prediction_exactly_half_inside_dont_care_is_kept():
    gt = [box(100, 0, 140, 10, "###")]
    image = evaluate_image(gt, [box(130, 0, 150, 10)])  # 100 of 200 px^2 inside: not "more than half"
    assert image.dropped_pred == [] and image.false_pred == [0]


def test_difficult_flag_makes_a_region_dont_care():
    gt = [box(0, 0, 10, 10, "readable", difficult=True)]
    result = evaluate({"a.jpg": gt}, {"a.jpg": [box(0, 0, 10, 10, "readable")]})
    c = result.counts()
    assert (c["gt_scored"], c["gt_dont_care"], c["predictions"], c["pred_dropped"]) == (0, 1, 0, 1)
    assert all(v == 1.0 for v in result.metrics().values())


def test_case_and_space_differences():
    result = evaluate({"a.jpg": [box(0, 0, 10, 10, "Hello World")]}, {"a.jpg": [box(0, 0, 10, 10, "hello  world")]})
    m = result.metrics()
    assert m["det_hmean"] == 1.0
    assert m["rec_acc"] == 0.0
    assert m["rec_acc_norm"] == 1.0
    # 3 edits (H->h, extra space, W->w) over 12 characters.
    assert m["one_minus_ned"] == pytest.approx(0.75)
    assert m["e2e_hmean"] == 0.0 and m["zero_edit"] == 0.0


def test_ned_is_averaged_over_matched_pairs_across_images():
    gt = {"1.jpg": [box(0, 0, 10, 10, "abc")], "2.jpg": [box(0, 0, 10, 10, "kitten"), box(0, 20, 10, 30, "x")]}
    pred = {"1.jpg": [box(0, 0, 10, 10, "abc")], "2.jpg": [box(0, 0, 10, 10, "sitting")]}
    result = evaluate(gt, pred)
    # Pairs: 1.0 and 1 - 3/7; the unmatched "x" does not enter the mean.
    assert result.metrics()["one_minus_ned"] == pytest.approx((1 + 4 / 7) / 2)
    assert result.metrics()["rec_acc"] == pytest.approx(0.5)
    assert result.metrics()["zero_edit"] == pytest.approx(1 / 3)


def test_end_to_end_and_zero_edit():
    gt = [box(0, 0, 10, 10, "ab"), box(0, 20, 10, 30, "cd")]
    pred = [box(0, 0, 10, 10, "ab"), box(0, 20, 10, 30, "cx"), box(50, 50, 60, 60, "fp")]
    t = evaluate_image(gt, pred).tally
    # 1 exact hit, 3 predictions, 2 GT: P 1/3, R 1/2, H = (1/3) / (5/6) = 0.4.
    assert t.e2e_precision == pytest.approx(1 / 3)
    assert t.e2e_recall == pytest.approx(0.5)
    assert t.e2e_hmean == pytest.approx(0.4)
    assert t.zero_edit == pytest.approx(0.5)
    assert t.det_precision == pytest.approx(2 / 3) and t.det_recall == 1.0


def test_totals_are_micro_averaged():
    gt = {"1.jpg": [box(0, 0, 10, 10)], "2.jpg": [box(0, 0, 10, 10), box(0, 20, 10, 30), box(0, 40, 10, 50)]}
    pred = {"1.jpg": [box(0, 0, 10, 10)], "2.jpg": []}
    # 1 of 4 regions found: 0.25, where a mean of per-image recalls would say 0.5.
    assert evaluate(gt, pred).metrics()["det_recall"] == pytest.approx(0.25)


def test_empty_prediction_file():
    gt = {"a.jpg": [box(0, 0, 10, 10), box(0, 20, 10, 30)]}
    result = evaluate(gt, {})
    assert result.missing_pred == ["a.jpg"]
    assert all(v == 0.0 for v in result.metrics().values()), result.metrics()
    assert result.counts()["gt_scored"] == 2
    # The image present with no regions scores the same but is not "missing".
    result = evaluate(gt, {"a.jpg": []})
    assert result.missing_pred == [] and result.metrics()["det_hmean"] == 0.0


def test_empty_ground_truth():
    # An image with no text but two predictions: recall is vacuous, precision 0.
    t = evaluate_image([], [box(0, 0, 10, 10), box(0, 20, 10, 30)]).tally
    assert (t.det_precision, t.det_recall, t.det_hmean) == (0.0, 1.0, 0.0)
    assert t.rec_acc == 0.0 and t.zero_edit == 0.0
    # Nothing to find and nothing found: perfect.
    t = evaluate_image([box(0, 0, 10, 10, "###")], []).tally
    assert all(v == 1.0 for v in t.metrics().values())
    # Prediction images without a GT image are reported, not scored.
    result = evaluate({}, {"x.jpg": [box(0, 0, 10, 10)]})
    assert result.unmatched_pred == ["x.jpg"]
    assert result.counts()["images"] == 0 and result.counts()["predictions"] == 0


def test_images_pair_by_basename_across_folders():
    gt = {"train/img1.jpg": [box(0, 0, 10, 10)], "train/img2.jpg": [box(0, 0, 10, 10)]}
    pred = {"/data/other/img1.jpg": [box(0, 0, 10, 10)], "val/img3.jpg": [box(0, 0, 10, 10)]}
    result = evaluate(gt, pred)
    assert result.images[0].pred_key == "/data/other/img1.jpg"
    assert result.missing_pred == ["train/img2.jpg"]
    assert result.unmatched_pred == ["val/img3.jpg"]
    assert result.total.matched == 1 and result.total.gt_scored == 2 and result.total.predictions == 1


def test_pair_keys_prefers_exact_keys_and_refuses_ambiguous_basenames():
    assert pair_keys(["a/x.jpg", "b/x.jpg"], ["a/x.jpg"]) == ({"a/x.jpg": "a/x.jpg"}, [])
    assert pair_keys(["a/x.jpg", "b/x.jpg"], ["c/x.jpg"]) == ({}, ["c/x.jpg"])
    assert pair_keys(["a/x.jpg"], ["c/x.jpg", "d/x.jpg"]) == ({}, ["c/x.jpg", "d/x.jpg"])
    assert pair_keys(["imgs/y.png"], ["C:\\scans\\y.png"]) == ({"imgs/y.png": "C:\\scans\\y.png"}, [])


def test_non_convex_regions():
    l_shape = [(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)]
    gt = {"a.jpg": [poly(l_shape, "L")]}
    # Its bounding box: IoU 64/100 -> a match.
    assert evaluate(gt, {"a.jpg": [box(0, 0, 10, 10, "L")]}).total.matched == 1
    # The cut-out corner: IoU 0 -> no match.
    assert evaluate(gt, {"a.jpg": [box(4, 4, 10, 10, "L")]}).total.matched == 0


def test_self_intersecting_and_degenerate_regions_do_not_crash():
    bowtie = poly([(0, 0), (10, 10), (10, 0), (0, 10)], "b")
    flat = poly([(0, 0), (5, 5), (10, 10), (20, 20)], "f")
    result = evaluate({"a.jpg": [bowtie, flat]}, {"a.jpg": [box(0, 0, 10, 10, "b"), flat]})
    # Bow-tie vs its box: 50/100 -> matched; the flat GT can never match, the flat prediction neither.
    assert result.total.matched == 1
    assert (result.total.gt_scored, result.total.predictions) == (2, 2)


def test_result_serializes_to_json():
    result = evaluate({"a.jpg": [box(0, 0, 10, 10)]}, {"a.jpg": [box(0, 0, 10, 10)], "b.jpg": []})
    data = json.loads(json.dumps(result.to_dict(per_image=True)))
    assert set(data["metrics"]) == set(METRIC_NAMES)
    assert data["counts"]["pred_images_not_in_gt"] == 1
    assert data["per_image"][0]["key"] == "a.jpg"


@pytest.mark.shared
def test_public_set_against_itself_scores_one():
    label = SHARED_EVAL / "public" / "Label.txt"
    if not label.is_file():
        pytest.skip("../shared/eval/public is not available")
    from labeler.core.ppocrlabel_format import read_label_file

    content = read_label_file(label)
    assert not content.errors
    gt = content.by_key()
    # Same regions under another folder name, to go through basename pairing too.
    pred = {f"elsewhere/{key.rsplit('/', 1)[-1]}": regions for key, regions in gt.items()}
    result = evaluate(gt, pred)
    assert all(v == 1.0 for v in result.metrics().values()), result.metrics()
    assert result.counts()["images"] == 30
    assert result.counts()["gt_scored"] == 1219  # as the README says
