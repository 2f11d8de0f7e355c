"""Fit the detector's box outline to the project's own boxes: the DB unclip ratio that best matches them.

DB finds a shrunk text kernel and expands it back by `unclip_ratio`; how far is a labelling convention,
not a property of the network. PP-OCR's 1.6 draws loose boxes, while many datasets draw them tight (SROIE:
a short word's 1.6 box holds twice the area of its label, IoU < 0.5, so the word counts as missed). The
probability map is computed once per confirmed image and the boxes re-drawn for each ratio of a grid; the
ratio with the best det H-mean against the confirmed boxes (then the best mean IoU of the matched ones)
is kept when it beats the model's own by min_gain (or, matching as many, by MIN_IOU_GAIN of IoU).
No torch, no training: 70 s for 108 SROIE receipts on two cores.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from labeler.core.errors import Cancelled, ImageReadError
from labeler.core.image_io import read_image
from labeler.core.metrics import evaluate
from labeler.core.model import TextRegion
from labeler.ocr.det import DetParams, TextDetector
from labeler.ocr.session import OrtSession

UNCLIP_GRID = (1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0)
MIN_GAIN = 0.005  # det H-mean a fitted ratio must add over the model's own to be adopted
MIN_IOU_GAIN = 0.02  # or, matching as many boxes, the mean IoU of the matched ones


@dataclass(frozen=True)
class BoxFit:
    unclip_ratio: float  # the ratio to use (the model's own when no other beat it by min_gain)
    base_ratio: float
    det_hmean: float  # at unclip_ratio, on the fitted images
    base_det_hmean: float
    mean_iou: float  # of the matched boxes, at unclip_ratio
    base_mean_iou: float
    table: dict[float, float]  # ratio -> det H-mean
    images: int
    seconds: float
    crop_ratio: float  # what recognition crops are grown by: the base set's crop ratio, else its unclip ratio

    @property
    def changed(self) -> bool:
        return self.unclip_ratio != self.base_ratio

    def det_postprocess(self) -> dict[str, float] | None:
        """Manifest entries: boxes at the fitted ratio, recognition crops still at the model's own."""
        return {"unclip_ratio": self.unclip_ratio, "crop_unclip_ratio": self.crop_ratio} if self.changed else None


def fit_unclip_ratio(
    det_onnx: str | Path,
    params: DetParams,
    root: Path,
    gt: Mapping[str, Sequence[TextRegion]],
    threads: int = 2,
    grid: Sequence[float] = UNCLIP_GRID,
    min_gain: float = MIN_GAIN,
    should_stop: Callable[[], bool] | None = None,
) -> BoxFit:
    """The unclip ratio whose boxes match the labelled boxes of `gt` (keys relative to `root`) best."""
    start = time.perf_counter()
    base_ratio = params.db.unclip_ratio
    ratios = sorted({float(r) for r in grid} | {float(base_ratio)})
    detector = TextDetector(OrtSession(det_onnx, threads), params)
    predicted: dict[float, dict[str, list[TextRegion]]] = {r: {} for r in ratios}
    used: dict[str, Sequence[TextRegion]] = {}
    for key, regions in gt.items():
        if should_stop is not None and should_stop():
            raise Cancelled()  # should_stop() turned true between two images
        try:
            image = read_image(root / key)
        except ImageReadError:
            continue  # the export checked its images; a vanished one only leaves the fit
        used[key] = regions
        prob = detector.probability_map(image)
        for r in ratios:
            boxes, _ = detector.boxes_from_map(prob, image.shape[1], image.shape[0], replace(params.db, unclip_ratio=r))
            predicted[r][key] = [
                TextRegion(points=[[float(x), float(y)] for x, y in box], transcription="x") for box in boxes
            ]
    hmean, iou = {}, {}
    for r in ratios:
        result = evaluate(used, predicted[r])
        hmean[r] = result.metrics()["det_hmean"]
        pairs = [p.iou for image in result.images for p in image.pairs]
        iou[r] = sum(pairs) / len(pairs) if pairs else 0.0
    # Most boxes first; among ratios that match as many, the closest outline; then the model's own.
    best = max(ratios, key=lambda r: (round(hmean[r], 9), round(iou[r], 9), -abs(r - base_ratio)))
    adopt = hmean[best] >= hmean[base_ratio] + min_gain or (
        hmean[best] >= hmean[base_ratio] and iou[best] >= iou[base_ratio] + MIN_IOU_GAIN
    )
    chosen = best if adopt else base_ratio
    return BoxFit(
        chosen,
        base_ratio,
        hmean[chosen],
        hmean[base_ratio],
        iou[chosen],
        iou[base_ratio],
        hmean,
        len(used),
        time.perf_counter() - start,
        params.db.crop_unclip_ratio or base_ratio,
    )
