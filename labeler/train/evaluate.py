"""Held-out evaluation of a model set, exactly as `labeler eval` scores it: the real OCR pipeline
(det + cls + rec) over the held-out images, then labeler.core.metrics.evaluate against their labels.

The held-out images come from a training export (labeler.core.export): OUT/det/test.txt (or val.txt
when the test split is empty) lists each image with its confirmed regions, and OUT/images/ holds the
images upright, so base and tuned models read the same pixels. No torch here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import Cancelled
from labeler.core.image_io import read_image
from labeler.core.metrics import evaluate
from labeler.core.model import TextRegion
from labeler.core.ppocrlabel_format import format_label_line, read_label_file
from labeler.ocr.batch import ocr_images
from labeler.ocr.pipeline import OcrPipeline, PipelineOptions
from labeler.ocr.registry import ModelSet

REPORTED_METRICS = ("det_hmean", "rec_acc", "rec_acc_norm", "one_minus_ned", "e2e_hmean", "zero_edit")


@dataclass(frozen=True)
class HeldOutSet:
    """Images with ground truth: `gt` keys are paths relative to `root`."""

    split: str  # "test" | "val" | a name of the caller's choosing (benchmarks)
    root: Path
    gt: Mapping[str, Sequence[TextRegion]]

    @property
    def images(self) -> int:
        return len(self.gt)


@dataclass
class Evaluation:
    metrics: dict[str, float]  # the REPORTED_METRICS subset of labeler eval's metrics
    all_metrics: dict[str, float]
    counts: dict[str, float]
    images: int
    failed: list[str] = field(default_factory=list)  # images the pipeline could not read (scored as all missed)
    seconds: float = 0.0


def held_out_from_export(export_dir: str | Path) -> HeldOutSet | None:
    """The export's test split, or its val split when test is empty; None when both are empty."""
    root = Path(export_dir)
    for split in ("test", "val"):
        path = root / "det" / f"{split}.txt"
        if path.is_file():
            gt = read_label_file(path).by_key()
            if gt:
                return HeldOutSet(split, root, gt)
    return None


def held_out_from_label_file(
    label_file: str | Path, name: str = "test", keep: Callable[[str], bool] | None = None
) -> HeldOutSet:
    """A Label.txt (PPOCRLabel det format, keys relative to its folder), optionally filtered by key."""
    path = Path(label_file)
    gt = {k: v for k, v in read_label_file(path).by_key().items() if keep is None or keep(k)}
    return HeldOutSet(name, path.parent, gt)


def evaluate_model_set(
    model_set: ModelSet | str | Path,
    held_out: HeldOutSet,
    threads: int = 2,
    should_stop: Callable[[], bool] | None = None,
    predictions_file: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Run the pipeline over every held-out image and score it (labeler eval's matching and metrics).

    predictions_file: also write the predictions there as a PPOCRLabel file, so `labeler eval
    GT PRED` can reproduce the figures.
    """
    start = time.perf_counter()
    pipeline = OcrPipeline(model_set, PipelineOptions(threads=threads))
    keys = list(held_out.gt)
    predictions: dict[str, list[TextRegion]] = {}
    failed: list[str] = []
    items = ocr_images(pipeline, [held_out.root / k for k in keys], read_image)
    try:
        for n, (key, item) in enumerate(zip(keys, items), 1):
            if should_stop is not None and should_stop():
                raise Cancelled()  # should_stop() turned true between two images
            if item.error is not None:
                failed.append(f"{key}: {item.error}")
                predictions[key] = []  # scored like `labeler eval` scores an empty prediction: all missed
            else:
                predictions[key] = [r.to_text_region() for r in item.result.regions]
            if progress is not None:
                progress(n, len(keys))
    finally:
        items.close()
    result = evaluate(held_out.gt, predictions)
    if predictions_file is not None:
        predictions_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(predictions_file, "".join(format_label_line(k, v) + "\n" for k, v in predictions.items()))
    all_metrics = result.metrics()
    return Evaluation(
        {k: all_metrics[k] for k in REPORTED_METRICS},
        all_metrics,
        result.counts(),
        len(keys),
        failed,
        time.perf_counter() - start,
    )
