"""Text recognition stage: crops -> (text, score), batched with crops sorted by width."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from labeler.core.errors import ModelError
from labeler.ocr.ctc import case_fold_columns, ctc_greedy_decode, fold_case
from labeler.ocr.model_checks import class_count_error
from labeler.ocr.session import InferenceSession


@dataclass(frozen=True)
class RecParams:
    height: int = 48
    min_width: int = 320  # the width the model was trained at; narrower crops are padded up to it
    batch_size: int = 6
    text_case: str = ""  # "upper"/"lower": the project writes every letter in that case (letters read case-blind)


@dataclass
class RecResult:
    texts: list[str]
    scores: list[float]
    seconds: float = 0.0


def normalize_crop(crop: np.ndarray, height: int, width: int, out: np.ndarray) -> None:
    """Resize keeping the aspect ratio (capped at `width`), scale to [-1, 1], write into out[:, :, :w]."""
    h, w = crop.shape[:2]
    resized_w = min(width, max(1, int(math.ceil(height * w / max(h, 1)))))
    resized = cv2.resize(crop, (resized_w, height), interpolation=cv2.INTER_LINEAR)
    out[:, :, :resized_w] = (resized.astype(np.float32).transpose(2, 0, 1) - 127.5) / 127.5


def batch_tensor(crops: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """[N, 3, height, width] with zero (mid-grey) padding on the right, as the model was trained."""
    blob = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    for i, crop in enumerate(crops):
        normalize_crop(crop, height, width, blob[i])
    return blob


class TextRecognizer:
    """Callable: list of BGR crops -> RecResult in the same order.

    parallel > 1 runs that many batches at once, each on one thread of a single-threaded session:
    recognition tensors are small, so one thread per batch does more work than threads inside one batch.
    dict_path: where charset came from, named when the model's output does not fit it.
    """

    def __init__(
        self,
        session: InferenceSession,
        charset: list[str],
        params: RecParams = RecParams(),
        parallel: int = 1,
        dict_path: Path | str | None = None,
    ):
        self.session = session
        self.charset = charset
        self.dict_path = dict_path
        self.params = params
        self.parallel = max(1, int(parallel))
        self._pool: ThreadPoolExecutor | None = None
        self._fold = case_fold_columns(charset, params.text_case) if params.text_case else None

    def __call__(self, crops: list[np.ndarray]) -> RecResult:
        start = time.perf_counter()
        n = len(crops)
        texts, scores = [""] * n, [0.0] * n
        ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
        order = np.argsort(ratios, kind="stable")  # similar widths share a batch: less padding
        h = self.params.height

        def run_batch(idx: np.ndarray) -> None:
            widest = max(ratios[i] for i in idx)
            width = max(self.params.min_width, int(math.ceil(h * widest)))
            probs = self.session.run(batch_tensor([crops[i] for i in idx], h, width))
            if np.shape(probs)[-1] != len(self.charset):
                raise self._class_count_error(int(np.shape(probs)[-1]))
            if self._fold is not None:
                probs = fold_case(np.asarray(probs, np.float32), self._fold)  # our own copy: fold in place
            for i, (text, score) in zip(idx, ctc_greedy_decode(probs, self.charset)):
                texts[i], scores[i] = text, score

        batches = [order[b : b + self.params.batch_size] for b in range(0, n, self.params.batch_size)]
        if self.parallel > 1 and len(batches) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="rec")
            for future in [self._pool.submit(run_batch, idx) for idx in batches]:
                future.result()
        else:
            for idx in batches:
                run_batch(idx)
        return RecResult(texts, scores, time.perf_counter() - start)

    def _class_count_error(self, classes: int) -> ModelError:
        # A model file that leaves its class count symbolic can only be checked here (see model_checks).
        model = getattr(self.session, "path", "the recognition model")
        dictionary = self.dict_path or "(its file, or the model's 'character' metadata)"
        return class_count_error(model, classes, dictionary, len(self.charset))
