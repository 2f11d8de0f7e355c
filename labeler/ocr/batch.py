"""OCR over many images: `workers` images in flight, each stage single-threaded, results in input order.

On 2 cores, two single-threaded inferences side by side do more work than one two-threaded
inference (small recognition tensors parallelise poorly inside one call). Detection, the stage
with the large activations, runs one at a time so peak memory stays that of a single image.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labeler.core.errors import LabelerError
from labeler.ocr.det import DetResult
from labeler.ocr.pipeline import DetectionStage, OcrPipeline, OcrResult


@dataclass
class BatchItem:
    path: Path
    result: OcrResult | None
    error: LabelerError | None


class _SerializedDetector:
    """Wraps a detector so only one detection runs at a time."""

    def __init__(self, inner: DetectionStage, lock: threading.Lock):
        self._inner, self._lock = inner, lock

    def __call__(self, image: np.ndarray) -> DetResult:
        with self._lock:
            return self._inner(image)


def ocr_images(
    pipeline: OcrPipeline,
    paths: Iterable[Path],
    read: Callable[[Path], np.ndarray],
    workers: int = 1,
) -> Iterator[BatchItem]:
    """Yield one BatchItem per path, in order. Typed errors (unreadable image...) are returned, not raised."""
    pipeline.load()
    if workers > 1:  # the same loaded stages, detection behind a lock; the caller's pipeline is left as it was
        serialized = _SerializedDetector(pipeline.detector, threading.Lock())
        pipeline = OcrPipeline.from_stages(
            serialized, pipeline.classifier, pipeline.recognizer, pipeline.options, pipeline.model_set
        )

    def one(path: Path) -> BatchItem:
        try:
            return BatchItem(path, pipeline(read(path)), None)
        except LabelerError as exc:
            return BatchItem(path, None, exc)

    if workers <= 1:
        for path in paths:
            yield one(path)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        pending: deque[Future] = deque()
        try:
            for path in paths:
                pending.append(pool.submit(one, path))
                if len(pending) >= workers:  # bounded: never more than `workers` images in memory
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:  # interrupted: drop queued work, let running images finish
                f.cancel()
