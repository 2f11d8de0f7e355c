"""Fitting the DB unclip ratio to the project's boxes: real v6 detector on rendered pages."""

from __future__ import annotations

from dataclasses import replace

import cv2
import pytest

from labeler.core.model import TextRegion
from labeler.ocr.det import DetParams, TextDetector
from labeler.ocr.session import OrtSession
from labeler.train.box_fit import fit_unclip_ratio
from tests.train.train_helpers import DET_LINES, REPO, text_page

pytestmark = pytest.mark.models
V6_DET = REPO / "models" / "ppocrv6-small" / "PP-OCRv6_det_small.onnx"


def pages(root, n=3):
    keys = []
    for i in range(n):
        img, _ = text_page(DET_LINES, width=420, height=260, seed=i)
        cv2.imwrite(str(root / f"p{i}.png"), img)
        keys.append(f"p{i}.png")
    return keys


def labelled_like(root, keys, ratio):
    """Labels drawn the way the detector draws boxes at `ratio`: what a project with that convention holds."""
    params = DetParams()
    det = TextDetector(OrtSession(V6_DET, 1), replace(params, db=replace(params.db, unclip_ratio=ratio)))
    return {
        k: [TextRegion([[float(x), float(y)] for x, y in box], "t") for box in det(cv2.imread(str(root / k))).boxes]
        for k in keys
    }


def test_tight_boxes_are_fitted_and_the_models_own_are_kept(tmp_path):
    keys = pages(tmp_path)
    tight = labelled_like(tmp_path, keys, 1.2)
    assert sum(map(len, tight.values())) >= 3 * len(DET_LINES) - 1
    fit = fit_unclip_ratio(V6_DET, DetParams(), tmp_path, tight, threads=1)
    assert fit.base_ratio == 1.6 and fit.images == 3
    assert fit.unclip_ratio == 1.2 and fit.changed and fit.mean_iou == pytest.approx(1.0, abs=1e-3)
    assert fit.base_mean_iou < 0.9 and fit.det_hmean >= fit.base_det_hmean
    assert set(fit.table) >= {1.1, 1.2, 1.6, 2.0}

    own = fit_unclip_ratio(V6_DET, DetParams(), tmp_path, labelled_like(tmp_path, keys, 1.6), threads=1)
    assert own.unclip_ratio == 1.6 and not own.changed and own.mean_iou == pytest.approx(1.0, abs=1e-3)


def test_a_missing_image_leaves_the_fit_only(tmp_path):
    keys = pages(tmp_path, 2)
    gt = labelled_like(tmp_path, keys, 1.3)
    gt["gone.png"] = [TextRegion([[0, 0], [9, 0], [9, 9], [0, 9]], "t")]
    fit = fit_unclip_ratio(V6_DET, DetParams(), tmp_path, gt, threads=1, grid=(1.3, 1.6))
    assert fit.images == 2 and fit.unclip_ratio == 1.3 and set(fit.table) == {1.3, 1.6}
