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
from labeler.ocr.ctc import CtcChar, case_fold_columns, ctc_greedy_chars, ctc_greedy_decode, fold_case
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


@dataclass(frozen=True)
class CharBox:
    """Where the recognizer read one character: x0..x1 in the crop's own pixels, and its probability."""

    x0: float
    x1: float
    prob: float


@dataclass(frozen=True)
class CharReading:
    """One crop read character by character: `chars[i]` is where `text[i]` was read (same length)."""

    text: str
    score: float
    chars: tuple[CharBox, ...]


def resized_width(crop_w: int, crop_h: int, height: int, width: int) -> int:
    """The width normalize_crop scales a crop_w x crop_h crop to (its aspect kept, capped at `width`)."""
    return min(width, max(1, int(math.ceil(height * crop_w / max(crop_h, 1)))))


def char_boxes(chars: list[CtcChar], frames: int, tensor_width: int, resized_w: int, crop_w: int) -> list[CharBox]:
    """CTC frame spans -> x ranges in the crop: a frame is tensor_width / frames tensor pixels; the crop was
    scaled to resized_w of them (the rest is padding), so x_crop = x_tensor * crop_w / resized_w, clipped."""
    to_crop = tensor_width / max(frames, 1) * crop_w / max(resized_w, 1)
    boxes = []
    for c in chars:
        x0 = min(max(c.lo * to_crop, 0.0), float(crop_w))
        x1 = min(max(c.hi * to_crop, x0), float(crop_w))
        boxes.append(CharBox(x0, x1, c.prob))
    return boxes


def normalize_crop(crop: np.ndarray, height: int, width: int, out: np.ndarray) -> None:
    """Resize keeping the aspect ratio (capped at `width`), scale to [-1, 1], write into out[:, :, :w]."""
    h, w = crop.shape[:2]
    resized_w = resized_width(w, h, height, width)
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

    def read_chars(self, crop: np.ndarray) -> CharReading:
        """One crop read alone, with where each character was read (CTC frames mapped onto the crop's pixels).

        Text and score are what __call__ gives for the crop read alone (a batch pads it no differently).
        """
        h = self.params.height
        crop_h, crop_w = crop.shape[:2]
        width = max(self.params.min_width, int(math.ceil(h * crop_w / max(crop_h, 1))))
        probs = np.asarray(self.session.run(batch_tensor([crop], h, width)), np.float32)
        if probs.shape[-1] != len(self.charset):
            raise self._class_count_error(int(probs.shape[-1]))
        if self._fold is not None:
            probs = fold_case(probs.copy(), self._fold)
        chars = ctc_greedy_chars(probs[0], self.charset)
        text = "".join(c.char for c in chars)
        score = float(np.mean([c.prob for c in chars])) if chars else 0.0
        boxes = char_boxes(chars, probs.shape[1], width, resized_width(crop_w, crop_h, h, width), crop_w)
        if len(text) != len(boxes):  # a dictionary entry of several characters: its box shared among them
            boxes = [
                CharBox(b.x0 + (b.x1 - b.x0) * k / len(c.char), b.x0 + (b.x1 - b.x0) * (k + 1) / len(c.char), b.prob)
                for c, b in zip(chars, boxes)
                for k in range(len(c.char))
            ]
        return CharReading(text, score, tuple(boxes))

    def _class_count_error(self, classes: int) -> ModelError:
        # A model file that leaves its class count symbolic can only be checked here (see model_checks).
        model = getattr(self.session, "path", "the recognition model")
        dictionary = self.dict_path or "(its file, or the model's 'character' metadata)"
        return class_count_error(model, classes, dictionary, len(self.charset))
